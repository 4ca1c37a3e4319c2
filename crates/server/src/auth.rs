//! The authentication plugins' wire side and the server's RSA key pair.
//!
//! Accounts, their stored password forms and the checks against them live in the `privilege`
//! crate; this module holds what the protocol needs besides: the plugin names, the per-
//! connection scramble, and for `caching_sha2_password`'s full authentication over plain TCP
//! the RSA key pair (`private_key.pem` / `public_key.pem` in the data directory, made on first
//! start as MySQL does) with which the client encrypts its password.

use std::path::Path;

use rand::RngCore;
use rsa::{
    pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    Oaep, RsaPrivateKey,
};

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

/// A fresh random challenge: 20 bytes with no NUL (clients read it as a C string).
pub fn new_scramble() -> [u8; SCRAMBLE_LEN] {
    let mut s = [0u8; SCRAMBLE_LEN];
    rand::thread_rng().fill_bytes(&mut s);
    for b in &mut s {
        *b = (*b & 0x7f).max(1);
    }
    s
}

/// The server's RSA key pair for caching_sha2's password exchange over unencrypted connections.
pub struct RsaKeys {
    private: RsaPrivateKey,
    public_pem: String,
}

impl std::fmt::Debug for RsaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKeys").finish_non_exhaustive()
    }
}

impl RsaKeys {
    /// Loads `private_key.pem` from `dir`, or makes a 2048-bit pair and writes both files
    /// (the private key readable by the owner only).
    pub fn load_or_create(dir: &Path) -> Result<Self, String> {
        let private_path = dir.join("private_key.pem");
        let private = if private_path.exists() {
            let pem = std::fs::read_to_string(&private_path).map_err(|e| e.to_string())?;
            RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| e.to_string())?
        } else {
            let key =
                RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
            let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?;
            write_private(&private_path, pem.as_bytes()).map_err(|e| e.to_string())?;
            key
        };
        let public_pem =
            private.to_public_key().to_public_key_pem(LineEnding::LF).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("public_key.pem"), &public_pem).map_err(|e| e.to_string())?;
        Ok(RsaKeys { private, public_pem })
    }

    /// The public key in PEM, as sent to a client that asks for it.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// Decrypts a client's RSA-OAEP (SHA-1) answer.
    pub fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        self.private.decrypt(Oaep::new::<sha1::Sha1>(), cipher).ok()
    }
}

/// The clear password in a decrypted answer: the password and its NUL, XORed with the
/// scramble repeated.
pub fn unmask_password(plain: &[u8], scramble: &[u8]) -> Option<String> {
    if scramble.is_empty() {
        return None;
    }
    let mut bytes: Vec<u8> =
        plain.iter().zip(scramble.iter().cycle()).map(|(p, s)| p ^ s).collect();
    if bytes.last() == Some(&0) {
        bytes.pop();
    }
    String::from_utf8(bytes).ok()
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::{pkcs8::DecodePublicKey, RsaPublicKey};

    #[test]
    fn scramble_has_no_nul() {
        assert!(new_scramble().iter().all(|&b| b != 0));
    }

    #[test]
    fn rsa_password_exchange_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let keys = RsaKeys::load_or_create(dir.path()).expect("keys");
        let again = RsaKeys::load_or_create(dir.path()).expect("reload");
        assert_eq!(keys.public_pem(), again.public_pem());
        // The client side, as PyMySQL's `sha2_rsa_encrypt` does it.
        let scramble = new_scramble();
        let mut msg = b"s3cret".to_vec();
        msg.push(0);
        let xored: Vec<u8> = msg.iter().zip(scramble.iter().cycle()).map(|(a, b)| a ^ b).collect();
        let public = RsaPublicKey::from_public_key_pem(keys.public_pem()).expect("pem");
        let cipher = public
            .encrypt(&mut rand::thread_rng(), Oaep::new::<sha1::Sha1>(), &xored)
            .expect("encrypt");
        let plain = again.decrypt(&cipher).expect("decrypt");
        assert_eq!(unmask_password(&plain, &scramble).as_deref(), Some("s3cret"));
    }
}
