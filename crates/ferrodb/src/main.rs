//! The `ferrodb` binary: flags and config, logging, data directory, TLS, and the server.

mod config;

use std::{fs, path::Path, process::ExitCode, sync::Arc, time::Duration};

use clap::Parser;
use config::{Cli, FileConfig, Settings};
use server::{
    tls, AuthPlugin, GlobalVars, RsaKeys, SeedAccount, Server, ServerConfig, SessionManager,
};
use store_local::{LocalOptions, LocalStorage};
use tracing::{error, info};

/// jemalloc (as TiKV) instead of glibc's malloc: query execution allocates and frees many
/// small values per row, and glibc spent over half of a TPC-H scan's time in `malloc`/`free`
/// and their consolidation (measured with perf; see ARCHITECTURE.md "Decisions").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let file = match &cli.config {
        Some(path) => match fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| toml::from_str::<FileConfig>(&t).map_err(|e| e.to_string()))
        {
            Ok(f) => f,
            Err(e) => {
                eprintln!("ferrodb: config {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => FileConfig::default(),
    };
    let settings = Settings::resolve(cli, file);
    init_logging(&settings.log_level);
    // The runtime only accepts connections and waits for signals: each connection runs on a
    // thread of its own (see the server crate).
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                error!("cannot start runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    let result = runtime.block_on(run(settings));
    // Tasks still alive after the drain (none in a clean shutdown) must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_secs(5));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            eprintln!("ferrodb: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

/// Holds the data directory's lock file for the life of the process, so a second server on the
/// same directory is refused instead of corrupting it.
fn lock_data_dir(dir: &Path) -> Result<fs::File, String> {
    fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", dir.display()))?;
    let path = dir.join("LOCK");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(format!(
            "data dir {} is in use by another FerroDB process (lock file {})",
            dir.display(),
            path.display()
        )),
        Err(fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    // Signal handlers first: a SIGINT/SIGTERM that arrives while storage opens or the catalog
    // loads (the port may already accept connections) must stop the server gracefully, not
    // kill it.
    let shutdown = shutdown_signal()?;
    // Before storage opens files: the soft open-files limit raised to the hard one.
    let nofile = server::fd_budget::raise_nofile_limit().unwrap_or(1024);
    let _lock = lock_data_dir(&settings.data_dir)?;
    let kv_dir = settings.data_dir.join("kv");
    let storage = Arc::new(
        LocalStorage::open(
            &kv_dir,
            LocalOptions {
                block_cache_bytes: settings.block_cache_mb << 20,
                row_cache_bytes: settings.row_cache_mb << 20,
                max_txn_size: usize::try_from(settings.txn_total_size_limit).unwrap_or(usize::MAX),
                ..Default::default()
            },
        )
        .map_err(|e| format!("cannot open storage in {}: {e}", kv_dir.display()))?,
    );
    let tls = tls::setup(
        &settings.data_dir,
        &tls::TlsOptions {
            cert: settings.ssl_cert.clone(),
            key: settings.ssl_key.clone(),
            ca: settings.ssl_ca.clone(),
        },
    )
    .map_err(|e| format!("TLS setup failed: {e}"))?;
    if let Some(ca) = &tls.ca_path {
        info!(ca = %ca.display(), "TLS enabled; clients verify the server with this CA");
    }
    let mut seeds = Vec::new();
    for u in &settings.users {
        AuthPlugin::from_name(&u.plugin)
            .ok_or_else(|| format!("user {}: unknown auth plugin {}", u.name, u.plugin))?;
        seeds.push(SeedAccount {
            name: u.name.clone(),
            password: u.password.clone(),
            plugin: u.plugin.clone(),
        });
    }
    let rsa = RsaKeys::load_or_create(&settings.data_dir)
        .map_err(|e| format!("cannot load or create the RSA key pair: {e}"))?;
    let addr = format!("{}:{}", settings.host, settings.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let data_dir = fs::canonicalize(&settings.data_dir).unwrap_or(settings.data_dir.clone());
    let globals = GlobalVars::new(&[
        ("port", bound.port().to_string()),
        ("datadir", data_dir.display().to_string()),
        ("hostname", hostname()),
        ("ssl_cert", tls.cert_path.display().to_string()),
        ("ssl_key", tls.key_path.display().to_string()),
        ("ssl_ca", tls.ca_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default()),
        (
            "require_secure_transport",
            if settings.require_secure_transport { "ON" } else { "OFF" }.into(),
        ),
    ]);
    let sessions = SessionManager::with_accounts(globals, storage.clone(), &seeds)
        .map_err(|e| format!("cannot load the catalog: {e}"))?;
    if exposed_open_root(&settings.host, &sessions) {
        if settings.initialize_secure {
            return Err(format!(
                "refusing to start: listening on {} while root has an empty password \
                 (--initialize-secure); set one first, or listen on 127.0.0.1",
                settings.host
            ));
        }
        tracing::warn!(
            host = %settings.host,
            "root has an EMPTY PASSWORD and the server listens beyond loopback: anyone who can \
             reach this port can log in as root; set one with ALTER USER root IDENTIFIED BY '…' \
             (--initialize-secure refuses to start like this)"
        );
    }
    sessions.start_auto_analyze().map_err(|e| format!("cannot start auto-analyze: {e}"))?;
    let connection_cap = server::fd_budget::connection_cap(nofile);
    info!(open_files_limit = nofile, connection_cap, "file descriptors");
    let server = Server::new(ServerConfig {
        rsa: Some(Arc::new(rsa)),
        tls: Some(tls),
        require_secure_transport: settings.require_secure_transport,
        sessions,
        shutdown_grace: Duration::from_secs(30),
        connection_cap,
    });
    info!(%bound, data_dir = %data_dir.display(), version = server::server_version(), "FerroDB is ready");
    server.serve(listener, shutdown).await;
    // Every session is gone: finish queued commits and stop background work.
    drop(server);
    info!("connections closed; closing storage");
    storage.close();
    info!("FerroDB stopped");
    Ok(())
}

/// Whether the server listens beyond loopback while an enabled root account has an empty
/// password (TiDB's playground default: fine on 127.0.0.1 only).
fn exposed_open_root(host: &str, sessions: &SessionManager) -> bool {
    let loopback =
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    !loopback
        && sessions
            .privileges()
            .snapshot()
            .users
            .iter()
            .any(|u| u.id.user == "root" && u.auth_string.is_empty() && !u.locked)
}

fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Installs the SIGINT and SIGTERM handlers now; the returned future completes on either.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let install = |kind| signal(kind).map_err(|e| format!("cannot handle signals: {e}"));
    let (mut int, mut term) =
        (install(SignalKind::interrupt())?, install(SignalKind::terminate())?);
    Ok(async move {
        tokio::select! {
            _ = int.recv() => info!("SIGINT received"),
            _ = term.recv() => info!("SIGTERM received"),
        }
    })
}
