//! Stored password forms, as in `mysql.user.authentication_string`, and their checks.
//!
//! * `mysql_native_password`: `*` + hex of `SHA1(SHA1(pw))`; the client proves knowledge of
//!   `SHA1(pw)`: `response = SHA1(pw) XOR SHA1(scramble ‖ SHA1(SHA1(pw)))`.
//! * `caching_sha2_password`: MySQL's `$A$005$` + 20-byte salt + SHA-256-crypt of the password
//!   (5 000 rounds, Drepper's algorithm with MySQL's longer salt). It can only check a clear
//!   password ("full authentication"); the scramble "fast path" needs `SHA256(SHA256(pw))`, which
//!   the server keeps in memory once a full authentication succeeded ([`FastAuthCache`]).
//!
//! SHA-256-crypt is written here because crates implementing it cap the salt at 16 bytes.

use std::collections::HashMap;

use parking_lot::Mutex;
use rand::Rng;
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// Rounds MySQL's caching_sha2 uses (`005` × 1000).
const SHA2_ROUNDS: usize = 5000;
/// Salt length of MySQL's caching_sha2 hashes.
const SHA2_SALT_LEN: usize = 20;
const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The `mysql_native_password` stored form of `password` (empty for an empty password).
pub fn native_hash(password: &str) -> String {
    if password.is_empty() {
        return String::new();
    }
    let once = Sha1::digest(password.as_bytes());
    format!("*{}", hex::encode_upper(Sha1::digest(once)))
}

/// The `caching_sha2_password` stored form of `password`, with a fresh salt (empty for an
/// empty password).
pub fn sha2_hash(password: &str) -> String {
    if password.is_empty() {
        return String::new();
    }
    let mut rng = rand::thread_rng();
    // Printable salt characters other than `$`, so the stored form reads as text.
    let salt: Vec<u8> = (0..SHA2_SALT_LEN)
        .map(|_| loop {
            let c = rng.gen_range(0x21u8..0x7f);
            if c != b'$' {
                break c;
            }
        })
        .collect();
    sha2_hash_with_salt(password.as_bytes(), &salt)
}

fn sha2_hash_with_salt(password: &[u8], salt: &[u8]) -> String {
    let digest = sha256_crypt(password, salt, SHA2_ROUNDS);
    format!("$A${:03}${}{}", SHA2_ROUNDS / 1000, String::from_utf8_lossy(salt), digest)
}

/// Whether the clear `password` matches the stored form `stored` of `plugin`'s kind.
pub fn check_clear(stored: &str, password: &str) -> bool {
    if stored.is_empty() {
        return password.is_empty();
    }
    if let Some(rest) = stored.strip_prefix("$A$") {
        // `$A$` rounds(3 digits) `$` salt(20) digest(43)
        let bytes = rest.as_bytes();
        if bytes.len() != 4 + SHA2_SALT_LEN + 43 || bytes[3] != b'$' {
            return false;
        }
        let Ok(rounds) = rest[..3].parse::<usize>() else { return false };
        let salt = &bytes[4..4 + SHA2_SALT_LEN];
        let digest = sha256_crypt(password.as_bytes(), salt, rounds * 1000);
        return constant_eq(digest.as_bytes(), &bytes[4 + SHA2_SALT_LEN..]);
    }
    constant_eq(native_hash(password).as_bytes(), stored.as_bytes())
}

/// Checks a `mysql_native_password` scramble response against the stored `*HEX` form.
pub fn check_native_scramble(stored: &str, scramble: &[u8], response: &[u8]) -> bool {
    if stored.is_empty() {
        return response.is_empty();
    }
    let Some(Ok(stage2)) = stored.strip_prefix('*').map(hex::decode) else { return false };
    if response.len() != 20 || stage2.len() != 20 {
        return false;
    }
    let mut h = Sha1::new();
    h.update(scramble);
    h.update(&stage2);
    let mask = h.finalize();
    let candidate: Vec<u8> = response.iter().zip(mask).map(|(a, b)| a ^ b).collect();
    constant_eq(&Sha1::digest(&candidate), &stage2)
}

/// Checks a `caching_sha2_password` scramble response against `SHA256(SHA256(pw))`.
pub fn check_sha2_scramble(digest: &[u8; 32], scramble: &[u8], response: &[u8]) -> bool {
    if response.len() != 32 {
        return false;
    }
    let mut h = Sha256::new();
    h.update(digest);
    h.update(scramble);
    let mask = h.finalize();
    let candidate: Vec<u8> = response.iter().zip(mask).map(|(a, b)| a ^ b).collect();
    constant_eq(&Sha256::digest(&candidate), digest)
}

/// `SHA256(SHA256(pw))`: what the caching_sha2 fast path checks a scramble against.
pub fn sha2_fast_digest(password: &str) -> [u8; 32] {
    Sha256::digest(Sha256::digest(password.as_bytes())).into()
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256-crypt (Ulrich Drepper's specification) of `key` with `salt` and `rounds`, as the
/// 43 characters that follow the salt.
fn sha256_crypt(key: &[u8], salt: &[u8], rounds: usize) -> String {
    let b = Sha256::new().chain_update(key).chain_update(salt).chain_update(key).finalize();
    let mut a = Sha256::new().chain_update(key).chain_update(salt);
    let mut n = key.len();
    while n > 32 {
        a.update(b);
        n -= 32;
    }
    a.update(&b[..n]);
    let mut bits = key.len();
    while bits > 0 {
        if bits & 1 == 1 {
            a.update(b);
        } else {
            a.update(key);
        }
        bits >>= 1;
    }
    let mut a = a.finalize();
    let mut dp = Sha256::new();
    for _ in 0..key.len() {
        dp.update(key);
    }
    let dp = dp.finalize();
    let p: Vec<u8> = dp.iter().cycle().take(key.len()).copied().collect();
    let mut ds = Sha256::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(salt);
    }
    let ds = ds.finalize();
    let s: Vec<u8> = ds.iter().cycle().take(salt.len()).copied().collect();
    for i in 0..rounds {
        let mut c = Sha256::new();
        if i % 2 == 1 {
            c.update(&p);
        } else {
            c.update(a);
        }
        if i % 3 != 0 {
            c.update(&s);
        }
        if i % 7 != 0 {
            c.update(&p);
        }
        if i % 2 == 1 {
            c.update(a);
        } else {
            c.update(&p);
        }
        a = c.finalize();
    }
    const ORDER: [(usize, usize, usize); 10] = [
        (0, 10, 20),
        (21, 1, 11),
        (12, 22, 2),
        (3, 13, 23),
        (24, 4, 14),
        (15, 25, 5),
        (6, 16, 26),
        (27, 7, 17),
        (18, 28, 8),
        (9, 19, 29),
    ];
    let mut out = String::with_capacity(43);
    let mut push = |b2: u8, b1: u8, b0: u8, n: usize| {
        let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
        for _ in 0..n {
            out.push(char::from(CRYPT_ALPHABET[(w & 0x3f) as usize]));
            w >>= 6;
        }
    };
    for (x, y, z) in ORDER {
        push(a[x], a[y], a[z], 4);
    }
    push(0, a[31], a[30], 3);
    out
}

/// A cached fast-path digest and the stored form it was learnt for.
type CachedDigest = ([u8; 32], String);

/// caching_sha2's in-memory cache: for each account (`user@host`), `SHA256(SHA256(pw))` learnt
/// from its last successful full authentication. Dropped for an account whose password changes.
#[derive(Debug, Default)]
pub struct FastAuthCache {
    entries: Mutex<HashMap<(String, String), CachedDigest>>,
}

impl FastAuthCache {
    /// The cached digest of `user@host`, if it was learnt for the stored form `stored`.
    pub fn get(&self, user: &str, host: &str, stored: &str) -> Option<[u8; 32]> {
        let entries = self.entries.lock();
        entries
            .get(&(user.to_string(), host.to_string()))
            .filter(|(_, s)| s == stored)
            .map(|(d, _)| *d)
    }

    /// Remembers the digest of `password` for `user@host` with stored form `stored`.
    pub fn put(&self, user: &str, host: &str, stored: &str, password: &str) {
        self.entries.lock().insert(
            (user.to_string(), host.to_string()),
            (sha2_fast_digest(password), stored.into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_crypt_matches_drepper_vector() {
        // The specification's vector (glibc agrees): $5$saltstring with "Hello world!".
        assert_eq!(
            sha256_crypt(b"Hello world!", b"saltstring", 5000),
            "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
    }

    #[test]
    fn stored_forms_check_clear_passwords() {
        let n = native_hash("secret");
        assert_eq!(n, "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
        assert!(check_clear(&n, "secret"));
        assert!(!check_clear(&n, "Secret"));
        let s = sha2_hash("pässword");
        assert!(s.starts_with("$A$005$") && s.len() == 7 + 20 + 43, "{s}");
        assert!(check_clear(&s, "pässword"));
        assert!(!check_clear(&s, "password"));
        assert!(check_clear("", ""));
        assert!(!check_clear("", "x"));
    }

    fn native_client(pw: &str, scramble: &[u8]) -> Vec<u8> {
        let p1 = Sha1::digest(pw.as_bytes());
        let p2 = Sha1::digest(p1);
        let mut h = Sha1::new();
        h.update(scramble);
        h.update(p2);
        p1.iter().zip(h.finalize()).map(|(a, b)| a ^ b).collect()
    }

    fn sha2_client(pw: &str, scramble: &[u8]) -> Vec<u8> {
        let p1 = Sha256::digest(pw.as_bytes());
        let p2 = Sha256::digest(p1);
        let mut h = Sha256::new();
        h.update(p2);
        h.update(scramble);
        p1.iter().zip(h.finalize()).map(|(a, b)| a ^ b).collect()
    }

    #[test]
    fn scrambles() {
        let s = b"abcdefghij0123456789";
        let stored = native_hash("pw");
        assert!(check_native_scramble(&stored, s, &native_client("pw", s)));
        assert!(!check_native_scramble(&stored, s, &native_client("px", s)));
        assert!(check_native_scramble("", s, b""));
        assert!(!check_native_scramble("", s, &native_client("pw", s)));
        let d = sha2_fast_digest("pw");
        assert!(check_sha2_scramble(&d, s, &sha2_client("pw", s)));
        assert!(!check_sha2_scramble(&d, s, &sha2_client("px", s)));
    }

    #[test]
    fn fast_cache_forgets_changed_passwords() {
        let c = FastAuthCache::default();
        c.put("u", "%", "$A$old", "pw");
        assert!(c.get("u", "%", "$A$old").is_some());
        assert!(c.get("u", "%", "$A$new").is_none());
    }
}
