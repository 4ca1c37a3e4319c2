//! Accounts and the two authentication plugins.
//!
//! * `mysql_native_password`: the client proves knowledge of `SHA1(pw)` against the stored
//!   `SHA1(SHA1(pw))`: `response = SHA1(pw) XOR SHA1(scramble ‖ SHA1(SHA1(pw)))`.
//! * `caching_sha2_password`: the same shape with SHA-256 against the stored
//!   `SHA256(SHA256(pw))`. FerroDB keeps that digest for every account, so the "fast path" always
//!   applies and full authentication (password in clear) is never requested.
//!
//! Neither stored digest lets anyone log in; both only let the server check a scramble.

use std::collections::HashMap;

use rand::RngCore;
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// Length of the per-connection random challenge.
pub const SCRAMBLE_LEN: usize = 20;

/// An authentication plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPlugin {
    /// `mysql_native_password` (announced by default, as TiDB does).
    Native,
    /// `caching_sha2_password`.
    CachingSha2,
}

impl AuthPlugin {
    /// The plugin's protocol name.
    pub fn name(self) -> &'static str {
        match self {
            AuthPlugin::Native => "mysql_native_password",
            AuthPlugin::CachingSha2 => "caching_sha2_password",
        }
    }

    /// Parses a plugin name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "mysql_native_password" => Some(AuthPlugin::Native),
            "caching_sha2_password" => Some(AuthPlugin::CachingSha2),
            _ => None,
        }
    }
}

/// One account: its plugin and the digests its plugin checks against.
#[derive(Debug, Clone)]
pub struct Account {
    /// User name.
    pub name: String,
    /// The plugin the account authenticates with.
    pub plugin: AuthPlugin,
    empty_password: bool,
    native_digest: [u8; 20],
    sha2_digest: [u8; 32],
}

impl Account {
    /// An account with a clear-text password (only its digests are kept).
    pub fn new(name: &str, password: &str, plugin: AuthPlugin) -> Self {
        let sha1_once: [u8; 20] = Sha1::digest(password.as_bytes()).into();
        let sha2_once: [u8; 32] = Sha256::digest(password.as_bytes()).into();
        Account {
            name: name.to_string(),
            plugin,
            empty_password: password.is_empty(),
            native_digest: Sha1::digest(sha1_once).into(),
            sha2_digest: Sha256::digest(sha2_once).into(),
        }
    }

    /// Checks a scramble response produced with `plugin` for `scramble`.
    pub fn verify(&self, plugin: AuthPlugin, scramble: &[u8], response: &[u8]) -> bool {
        if self.empty_password {
            return response.is_empty();
        }
        match plugin {
            AuthPlugin::Native => verify_native(&self.native_digest, scramble, response),
            // After an AuthSwitchRequest the scramble travels with a trailing NUL that some
            // clients (PyMySQL) hash along with it while others (libmariadb) drop it.
            AuthPlugin::CachingSha2 => {
                verify_sha2(&self.sha2_digest, scramble, response) || {
                    let mut with_nul = scramble.to_vec();
                    with_nul.push(0);
                    verify_sha2(&self.sha2_digest, &with_nul, response)
                }
            }
        }
    }

    /// Whether the account has a password (for "using password: YES/NO" in 1045 messages).
    pub fn has_password(&self) -> bool {
        !self.empty_password
    }
}

fn verify_native(stored: &[u8; 20], scramble: &[u8], response: &[u8]) -> bool {
    if response.len() != 20 {
        return false;
    }
    let mut h = Sha1::new();
    h.update(scramble);
    h.update(stored);
    let mask: [u8; 20] = h.finalize().into();
    let candidate: Vec<u8> = response.iter().zip(mask).map(|(a, b)| a ^ b).collect();
    let digest: [u8; 20] = Sha1::digest(&candidate).into();
    constant_eq(&digest, stored)
}

fn verify_sha2(stored: &[u8; 32], scramble: &[u8], response: &[u8]) -> bool {
    if response.len() != 32 {
        return false;
    }
    let mut h = Sha256::new();
    h.update(stored);
    h.update(scramble);
    let mask: [u8; 32] = h.finalize().into();
    let candidate: Vec<u8> = response.iter().zip(mask).map(|(a, b)| a ^ b).collect();
    let digest: [u8; 32] = Sha256::digest(&candidate).into();
    constant_eq(&digest, stored)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh random challenge: 20 bytes with no NUL (clients read it as a C string).
pub fn new_scramble() -> [u8; SCRAMBLE_LEN] {
    let mut s = [0u8; SCRAMBLE_LEN];
    rand::thread_rng().fill_bytes(&mut s);
    for b in &mut s {
        *b = (*b & 0x7f).max(1);
    }
    s
}

/// The server's accounts, by user name (host patterns are not modelled: every account is `'%'`).
#[derive(Debug, Clone, Default)]
pub struct UserStore {
    users: HashMap<String, Account>,
}

impl UserStore {
    /// Builds the store from accounts; a later account with the same name replaces an earlier one.
    pub fn new(accounts: impl IntoIterator<Item = Account>) -> Self {
        UserStore { users: accounts.into_iter().map(|a| (a.name.clone(), a)).collect() }
    }

    /// The account named `user`.
    pub fn get(&self, user: &str) -> Option<&Account> {
        self.users.get(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
        a.iter().zip(b).map(|(x, y)| x ^ y).collect()
    }

    /// The client side of mysql_native_password, as drivers compute it.
    fn native_client(pw: &str, scramble: &[u8]) -> Vec<u8> {
        let p1 = Sha1::digest(pw.as_bytes());
        let p2 = Sha1::digest(p1);
        let mut h = Sha1::new();
        h.update(scramble);
        h.update(p2);
        xor(&p1, &h.finalize())
    }

    /// The client side of caching_sha2_password's scramble, as PyMySQL computes it.
    fn sha2_client(pw: &str, scramble: &[u8]) -> Vec<u8> {
        let p1 = Sha256::digest(pw.as_bytes());
        let p2 = Sha256::digest(p1);
        let mut h = Sha256::new();
        h.update(p2);
        h.update(scramble);
        xor(&p1, &h.finalize())
    }

    #[test]
    fn native_password_round_trip() {
        let acct = Account::new("u", "secret", AuthPlugin::Native);
        let s = new_scramble();
        assert!(acct.verify(AuthPlugin::Native, &s, &native_client("secret", &s)));
        assert!(!acct.verify(AuthPlugin::Native, &s, &native_client("wrong", &s)));
        assert!(!acct.verify(AuthPlugin::Native, &s, b""));
    }

    #[test]
    fn caching_sha2_fast_path_round_trip() {
        let acct = Account::new("u", "pässword", AuthPlugin::CachingSha2);
        let s = new_scramble();
        assert!(acct.verify(AuthPlugin::CachingSha2, &s, &sha2_client("pässword", &s)));
        assert!(!acct.verify(AuthPlugin::CachingSha2, &s, &sha2_client("password", &s)));
        let mut with_nul = s.to_vec();
        with_nul.push(0);
        assert!(acct.verify(AuthPlugin::CachingSha2, &s, &sha2_client("pässword", &with_nul)));
    }

    #[test]
    fn empty_password_requires_empty_response() {
        let acct = Account::new("root", "", AuthPlugin::Native);
        let s = new_scramble();
        assert!(acct.verify(AuthPlugin::Native, &s, b""));
        assert!(!acct.verify(AuthPlugin::Native, &s, &native_client("x", &s)));
    }

    #[test]
    fn scramble_has_no_nul() {
        assert!(new_scramble().iter().all(|&b| b != 0));
    }
}
