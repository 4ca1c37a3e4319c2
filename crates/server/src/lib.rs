//! FerroDB's MySQL wire-protocol server.
//!
//! The listener accepts TCP connections and runs each on its own task: greeting, optional TLS
//! upgrade (SSLRequest), authentication, then the command loop that hands COM_QUERY text to a
//! [`session::Session`] and encodes its results. Nothing here knows SQL or storage.
//!
//! Why not `opensrv-mysql`: see ARCHITECTURE.md (no caching_sha2 AuthMoreData, hard-coded status
//! flags that break PyMySQL's autocommit detection, no max_allowed_packet check, …).

mod auth;
mod binary;
mod codec;
mod conn;
mod error;
mod handshake;
mod packet;
pub mod protocol;
mod response;
mod sink;
mod stream;
pub mod tls;

pub use auth::{Account, AuthPlugin, UserStore};
pub use error::ProtocolError;
pub use session::{server_version, GlobalVars, SessionManager};

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use tokio::{net::TcpListener, sync::watch, task::JoinSet};
use tracing::{info, warn};

/// How the server is set up.
pub struct ServerConfig {
    /// Accounts that may log in.
    pub users: UserStore,
    /// TLS acceptor, if TLS is enabled.
    pub tls: Option<tls::Tls>,
    /// Refuse connections that did not upgrade to TLS (error 3159).
    pub require_secure_transport: bool,
    /// Creates sessions (global variables, storage).
    pub sessions: SessionManager,
    /// How long shutdown waits for connections to finish their statement.
    pub shutdown_grace: Duration,
}

/// State shared by every connection.
pub struct Shared {
    version: String,
    sessions: SessionManager,
    users: UserStore,
    tls: Option<tls::Tls>,
    require_secure_transport: bool,
    shutdown: watch::Sender<bool>,
    started: Instant,
    questions: AtomicU64,
    connected: AtomicUsize,
}

impl Shared {
    fn globals_autocommit(&self) -> bool {
        self.sessions.globals().autocommit()
    }

    fn count_question(&self) {
        self.questions.fetch_add(1, Ordering::Relaxed);
    }

    /// The COM_STATISTICS line, from live counters.
    fn statistics(&self) -> String {
        let uptime = self.started.elapsed().as_secs().max(1);
        let q = self.questions.load(Ordering::Relaxed);
        format!(
            "Uptime: {uptime}  Threads: {}  Questions: {q}  Slow queries: 0  Opens: 0  Flush tables: 0  Open tables: 0  Queries per second avg: {:.3}",
            self.connected.load(Ordering::Relaxed),
            q as f64 / uptime as f64
        )
    }
}

/// A MySQL-protocol server.
pub struct Server {
    shared: Arc<Shared>,
    next_conn_id: AtomicU32,
    grace: Duration,
}

impl Server {
    /// A server with the given configuration.
    pub fn new(config: ServerConfig) -> Self {
        let (shutdown, _) = watch::channel(false);
        Server {
            shared: Arc::new(Shared {
                version: server_version().to_string(),
                sessions: config.sessions,
                users: config.users,
                tls: config.tls,
                require_secure_transport: config.require_secure_transport,
                shutdown,
                started: Instant::now(),
                questions: AtomicU64::new(0),
                connected: AtomicUsize::new(0),
            }),
            next_conn_id: AtomicU32::new(1),
            grace: config.shutdown_grace,
        }
    }

    /// Accepts connections until `shutdown` completes, then stops accepting, tells idle
    /// connections to close, and waits (up to the grace period) for statements in flight.
    pub async fn serve(&self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let mut conns = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => {
                        let id = self.next_conn_id.fetch_add(1, Ordering::Relaxed);
                        let shared = self.shared.clone();
                        shared.connected.fetch_add(1, Ordering::Relaxed);
                        conns.spawn(async move {
                            conn::serve_connection(shared.clone(), tcp, id).await;
                            shared.connected.fetch_sub(1, Ordering::Relaxed);
                        });
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
        drop(listener);
        info!(connections = conns.len(), "shutting down: waiting for connections");
        // send_replace stores the flag even when no connection is listening at this instant.
        self.shared.shutdown.send_replace(true);
        let drain = async { while conns.join_next().await.is_some() {} };
        if tokio::time::timeout(self.grace, drain).await.is_err() {
            warn!("shutdown grace period over; closing remaining connections");
            conns.abort_all();
        }
    }
}
