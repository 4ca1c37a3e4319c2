//! TLS: the rustls server configuration, from given PEM files or from a local CA generated on first start.
//!
//! With no `--ssl-cert/--ssl-key`, the first start writes `tls/ca.pem`, `tls/ca-key.pem`,
//! `tls/server.pem` and `tls/server-key.pem` into the data directory; later starts reuse them.
//! The server certificate names `localhost`, `127.0.0.1`, `::1` and the host name, so a client
//! given `ssl_ca=<data-dir>/tls/ca.pem` can verify both the certificate and the host identity.

use std::{
    fs,
    io::BufReader,
    path::{Path, PathBuf},
    sync::Arc,
};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::{
    pki_types::{CertificateDer, PrivateKeyDer},
    server::WebPkiClientVerifier,
    RootCertStore, ServerConfig,
};

/// Where certificates come from.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Server certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// Server private key (PEM).
    pub key: Option<PathBuf>,
    /// CA bundle for verifying client certificates (optional client auth).
    pub ca: Option<PathBuf>,
}

/// A ready TLS configuration and the files it uses.
#[derive(Clone)]
pub struct Tls {
    /// The rustls server configuration a connection's TLS session starts from.
    pub config: Arc<rustls::ServerConfig>,
    /// The certificate file in use.
    pub cert_path: PathBuf,
    /// The key file in use.
    pub key_path: PathBuf,
    /// The CA clients should trust: the generated one, or the configured client CA.
    pub ca_path: Option<PathBuf>,
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing a certificate file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A PEM file held no usable certificate or key.
    #[error("{0}")]
    Pem(String),
    /// Generating the local CA or certificate failed.
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls rejected the configuration.
    #[error("tls config: {0}")]
    Config(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io { path: path.to_path_buf(), source }
}

/// Builds the configuration from `opts`, generating a local CA under `data_dir/tls` when no
/// certificate is given.
pub fn setup(data_dir: &Path, opts: &TlsOptions) -> Result<Tls, TlsError> {
    let (cert_path, key_path, generated_ca) = match (&opts.cert, &opts.key) {
        (Some(c), Some(k)) => (c.clone(), k.clone(), None),
        (None, None) => {
            let (c, k, ca) = ensure_generated(&data_dir.join("tls"))?;
            (c, k, Some(ca))
        }
        _ => {
            return Err(TlsError::Config("--ssl-cert and --ssl-key must be given together".into()))
        }
    };
    let certs = read_certs(&cert_path)?;
    let key = read_key(&key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match &opts.ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in read_certs(ca)? {
                roots.add(c).map_err(|e| TlsError::Config(e.to_string()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config =
        builder.with_single_cert(certs, key).map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(Tls {
        config: Arc::new(config),
        cert_path,
        key_path,
        ca_path: generated_ca.or_else(|| opts.ca.clone()),
    })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let f = fs::File::open(path).map_err(io_err(path))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(f))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_err(path))?;
    if certs.is_empty() {
        return Err(TlsError::Pem(format!("{}: no certificate found", path.display())));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let f = fs::File::open(path).map_err(io_err(path))?;
    rustls_pemfile::private_key(&mut BufReader::new(f))
        .map_err(io_err(path))?
        .ok_or_else(|| TlsError::Pem(format!("{}: no private key found", path.display())))
}

/// The machine's host name, for the certificate's SAN list.
fn host_name() -> Option<String> {
    let h = fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let h = h.trim();
    (!h.is_empty() && h != "localhost").then(|| h.to_string())
}

/// Returns (server cert, server key, CA cert) paths, generating them if any is missing.
fn ensure_generated(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf), TlsError> {
    let (ca_path, cert_path, key_path) =
        (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server-key.pem"));
    if ca_path.exists() && cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path, ca_path));
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name.push(DnType::CommonName, "FerroDB local CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca_params, ca_key);

    let mut sans = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let mut params = CertificateParams::new(sans.clone())?;
    if let Some(h) = host_name() {
        sans.push(h);
        if let Ok(p) = CertificateParams::new(sans) {
            params = p;
        }
    }
    params.distinguished_name.push(DnType::CommonName, "FerroDB server");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;

    write_private(&dir.join("ca-key.pem"), &ca_key_pem)?;
    write_private(&key_path, &key.serialize_pem())?;
    fs::write(&cert_path, cert.pem()).map_err(io_err(&cert_path))?;
    // The CA is written last: its presence marks a complete set.
    fs::write(&ca_path, ca_cert.pem()).map_err(io_err(&ca_path))?;
    Ok((cert_path, key_path, ca_path))
}

fn write_private(path: &Path, pem: &str) -> Result<(), TlsError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(pem.as_bytes()).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_then_reuses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = setup(dir.path(), &TlsOptions::default()).expect("generate");
        let ca = fs::read(first.ca_path.as_ref().expect("ca")).expect("read ca");
        let second = setup(dir.path(), &TlsOptions::default()).expect("reuse");
        assert_eq!(fs::read(second.ca_path.expect("ca")).expect("read"), ca);
    }

    #[test]
    fn cert_without_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = TlsOptions { cert: Some(dir.path().join("x.pem")), ..Default::default() };
        assert!(matches!(setup(dir.path(), &opts), Err(TlsError::Config(_))));
    }
}
