//! Command-line flags and the TOML config file (same keys; flags win).

use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

/// FerroDB: a TiDB-compatible MySQL-protocol SQL database server.
#[derive(Debug, Parser, Default)]
#[command(version, about)]
pub struct Cli {
    /// Address to listen on [default: 127.0.0.1].
    #[arg(long)]
    pub host: Option<String>,
    /// Port to listen on [default: 4000].
    #[arg(long, short = 'P')]
    pub port: Option<u16>,
    /// Data directory [default: ./data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// TOML config file with the same keys as these flags, plus `[[users]]`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log filter: error, warn, info, debug, trace, or a tracing filter [default: info].
    #[arg(long)]
    pub log_level: Option<String>,
    /// Server certificate (PEM). Without it, a local CA and certificate are generated.
    #[arg(long)]
    pub ssl_cert: Option<PathBuf>,
    /// Server private key (PEM).
    #[arg(long)]
    pub ssl_key: Option<PathBuf>,
    /// CA bundle for verifying client certificates.
    #[arg(long)]
    pub ssl_ca: Option<PathBuf>,
    /// Refuse connections that do not use TLS (error 3159).
    #[arg(long)]
    pub require_secure_transport: bool,
    /// Refuse to start while listening beyond loopback with an enabled `root` account that has
    /// an empty password (without it, the server only warns).
    #[arg(long)]
    pub initialize_secure: bool,
    /// Storage block cache in MiB: decoded data blocks kept in memory (filled only as data is
    /// read) [default: 256].
    #[arg(long)]
    pub block_cache_mb: Option<u64>,
    /// Row cache in MiB: the newest versions of point-read rows and index entries kept in
    /// memory (0: off) [default: 128].
    #[arg(long)]
    pub row_cache_mb: Option<u64>,
    /// Most bytes of writes one transaction may buffer (TiDB's `txn-total-size-limit`; past it
    /// error 8004; 0: no limit) [default: 104857600].
    #[arg(long)]
    pub txn_total_size_limit: Option<u64>,
}

/// One account from the config file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// User name.
    pub name: String,
    /// Password in clear (only its digests are kept in memory).
    #[serde(default)]
    pub password: String,
    /// `mysql_native_password` (default) or `caching_sha2_password`.
    #[serde(default = "default_plugin")]
    pub plugin: String,
}

fn default_plugin() -> String {
    "mysql_native_password".into()
}

/// The config file's contents.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// See [`Cli::host`].
    pub host: Option<String>,
    /// See [`Cli::port`].
    pub port: Option<u16>,
    /// See [`Cli::data_dir`].
    pub data_dir: Option<PathBuf>,
    /// See [`Cli::log_level`].
    pub log_level: Option<String>,
    /// See [`Cli::ssl_cert`].
    pub ssl_cert: Option<PathBuf>,
    /// See [`Cli::ssl_key`].
    pub ssl_key: Option<PathBuf>,
    /// See [`Cli::ssl_ca`].
    pub ssl_ca: Option<PathBuf>,
    /// See [`Cli::require_secure_transport`].
    pub require_secure_transport: Option<bool>,
    /// See [`Cli::initialize_secure`].
    pub initialize_secure: Option<bool>,
    /// See [`Cli::block_cache_mb`].
    pub block_cache_mb: Option<u64>,
    /// See [`Cli::row_cache_mb`].
    pub row_cache_mb: Option<u64>,
    /// See [`Cli::txn_total_size_limit`].
    pub txn_total_size_limit: Option<u64>,
    /// Accounts created on first start, with every privilege (`root@%` with an empty password
    /// exists unless one of them is root: TiDB's playground default).
    #[serde(default)]
    pub users: Vec<UserConfig>,
}

/// The effective settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Listen address.
    pub host: String,
    /// Listen port.
    pub port: u16,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Log filter.
    pub log_level: String,
    /// Server certificate.
    pub ssl_cert: Option<PathBuf>,
    /// Server key.
    pub ssl_key: Option<PathBuf>,
    /// Client CA.
    pub ssl_ca: Option<PathBuf>,
    /// Whether plain connections are refused.
    pub require_secure_transport: bool,
    /// Whether an exposed root without a password stops the server.
    pub initialize_secure: bool,
    /// Storage block cache, MiB.
    pub block_cache_mb: u64,
    /// Row cache, MiB.
    pub row_cache_mb: u64,
    /// Most bytes of writes one transaction may buffer (0: no limit).
    pub txn_total_size_limit: u64,
    /// Accounts.
    pub users: Vec<UserConfig>,
}

impl Settings {
    /// Merges flags over the config file over defaults.
    pub fn resolve(cli: Cli, file: FileConfig) -> Settings {
        let users = if file.users.is_empty() {
            vec![UserConfig {
                name: "root".into(),
                password: String::new(),
                plugin: default_plugin(),
            }]
        } else {
            file.users
        };
        Settings {
            host: cli.host.or(file.host).unwrap_or_else(|| "127.0.0.1".into()),
            port: cli.port.or(file.port).unwrap_or(4000),
            data_dir: cli.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("./data")),
            log_level: cli.log_level.or(file.log_level).unwrap_or_else(|| "info".into()),
            ssl_cert: cli.ssl_cert.or(file.ssl_cert),
            ssl_key: cli.ssl_key.or(file.ssl_key),
            ssl_ca: cli.ssl_ca.or(file.ssl_ca),
            require_secure_transport: cli.require_secure_transport
                || file.require_secure_transport.unwrap_or(false),
            initialize_secure: cli.initialize_secure || file.initialize_secure.unwrap_or(false),
            block_cache_mb: cli.block_cache_mb.or(file.block_cache_mb).unwrap_or(256),
            row_cache_mb: cli.row_cache_mb.or(file.row_cache_mb).unwrap_or(128),
            txn_total_size_limit: cli
                .txn_total_size_limit
                .or(file.txn_total_size_limit)
                .unwrap_or(100 << 20),
            users,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_which_overrides_defaults() {
        let file: FileConfig = toml::from_str(
            "port = 4100\nhost = '0.0.0.0'\n[[users]]\nname = 'app'\npassword = 's'\nplugin = 'caching_sha2_password'\n",
        )
        .expect("toml");
        let cli = Cli { port: Some(4200), ..Default::default() };
        let s = Settings::resolve(cli, file);
        assert_eq!(s.port, 4200);
        assert_eq!(s.host, "0.0.0.0");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.users.len(), 1);
        assert_eq!(s.users[0].plugin, "caching_sha2_password");
    }

    #[test]
    fn default_account_is_root_without_password() {
        let s = Settings::resolve(Cli::default(), FileConfig::default());
        assert_eq!(
            s.users,
            vec![UserConfig {
                name: "root".into(),
                password: String::new(),
                plugin: default_plugin()
            }]
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileConfig>("prot = 1").is_err());
    }
}
