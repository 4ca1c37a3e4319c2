//! FerroDB's MySQL wire-protocol server.
//!
//! The listener accepts TCP connections and runs each on its own thread with blocking I/O:
//! greeting, optional TLS upgrade (SSLRequest), authentication, then the command loop that
//! hands COM_QUERY text and prepared statements to a [`session::Session`] and encodes its
//! results. Nothing here knows SQL or storage.
//!
//! Why not `opensrv-mysql`: see ARCHITECTURE.md (no caching_sha2 AuthMoreData, hard-coded status
//! flags that break PyMySQL's autocommit detection, no max_allowed_packet check, …).

mod auth;
mod binary;
mod codec;
mod conn;
mod error;
pub mod fd_budget;
pub mod fuzzing;
mod handshake;
mod packet;
pub mod protocol;
mod response;
mod sink;
mod stream;
pub mod tls;

pub use auth::{AuthPlugin, RsaKeys};
pub use error::ProtocolError;
pub use session::{server_version, GlobalVars, SeedAccount, SessionManager};

use std::{
    collections::HashMap,
    future::Future,
    net::{Shutdown, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use tokio::net::TcpListener;
use tracing::{info, warn};

/// Stack of a connection's thread: statements nested up to 256 levels run
/// on it (deeper ones get a stack of their own: `sql::stack`); untouched pages cost no memory.
const CONNECTION_STACK: usize = 4 << 20;

/// How the server is set up.
pub struct ServerConfig {
    /// RSA key pair for caching_sha2 full authentication over plain TCP (`None`: such logins
    /// need TLS).
    pub rsa: Option<Arc<RsaKeys>>,
    /// TLS acceptor, if TLS is enabled.
    pub tls: Option<tls::Tls>,
    /// Refuse connections that did not upgrade to TLS (error 3159).
    pub require_secure_transport: bool,
    /// Creates sessions (global variables, storage).
    pub sessions: SessionManager,
    /// How long shutdown waits for connections to finish their statement.
    pub shutdown_grace: Duration,
    /// The most connections the file descriptors allow ([`fd_budget::connection_cap`]); more
    /// are refused with 1040.
    pub connection_cap: usize,
}

/// State shared by every connection.
pub struct Shared {
    version: String,
    sessions: SessionManager,
    rsa: Option<Arc<RsaKeys>>,
    tls: Option<tls::Tls>,
    require_secure_transport: bool,
    /// Set once the server stops: connections close after their statement.
    shutting_down: AtomicBool,
    /// Each open connection's socket, to wake its thread out of a read at shutdown.
    sockets: Mutex<HashMap<u32, TcpStream>>,
    started: Instant,
    questions: AtomicU64,
    connected: AtomicUsize,
}

impl Shared {
    fn globals_autocommit(&self) -> bool {
        self.sessions.globals().autocommit()
    }

    fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    fn sockets(&self) -> std::sync::MutexGuard<'_, HashMap<u32, TcpStream>> {
        // Each update is one insert or remove: a poisoned map is still whole.
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
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
    connection_cap: usize,
}

impl Server {
    /// A server with the given configuration.
    pub fn new(config: ServerConfig) -> Self {
        Server {
            shared: Arc::new(Shared {
                version: server_version().to_string(),
                sessions: config.sessions,
                rsa: config.rsa,
                tls: config.tls,
                require_secure_transport: config.require_secure_transport,
                shutting_down: AtomicBool::new(false),
                sockets: Mutex::new(HashMap::new()),
                started: Instant::now(),
                questions: AtomicU64::new(0),
                connected: AtomicUsize::new(0),
            }),
            next_conn_id: AtomicU32::new(1),
            grace: config.shutdown_grace,
            connection_cap: config.connection_cap,
        }
    }

    /// Accepts connections until `shutdown` completes, then stops accepting, tells idle
    /// connections to close, and waits (up to the grace period) for statements in flight.
    pub async fn serve(&self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => self.spawn_connection(tcp),
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        drop(listener);
        let open = self.shared.connected.load(Ordering::Relaxed);
        info!(connections = open, "shutting down: waiting for connections");
        self.shared.shutting_down.store(true, Ordering::Release);
        // Wake every thread waiting for a command; one running a statement sees the flag when
        // it next reads.
        for tcp in self.shared.sockets().values() {
            let _ = tcp.shutdown(Shutdown::Read);
        }
        let deadline = Instant::now() + self.grace;
        while self.shared.connected.load(Ordering::Relaxed) > 0 {
            if Instant::now() >= deadline {
                warn!("shutdown grace period over; closing remaining connections");
                for tcp in self.shared.sockets().values() {
                    let _ = tcp.shutdown(Shutdown::Both);
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Runs one accepted connection on a thread of its own.
    fn spawn_connection(&self, tcp: tokio::net::TcpStream) {
        /// Removes a connection from the server's books when dropped.
        struct Registered {
            shared: Arc<Shared>,
            id: u32,
        }
        impl Drop for Registered {
            fn drop(&mut self) {
                self.shared.sockets().remove(&self.id);
                self.shared.connected.fetch_sub(1, Ordering::Relaxed);
            }
        }

        let id = self.next_conn_id.fetch_add(1, Ordering::Relaxed);
        let tcp = match tcp.into_std().and_then(|t| t.set_nonblocking(false).map(|()| t)) {
            Ok(t) => t,
            Err(e) => return warn!(error = %e, "cannot take over an accepted socket"),
        };
        if self.shared.connected.load(Ordering::Relaxed) >= self.connection_cap {
            warn!(cap = self.connection_cap, "too many connections for the open-files limit");
            return refuse(tcp, &errno::Error::fmt(errno::ER_CON_COUNT_ERROR, &[]));
        }
        let shared = self.shared.clone();
        if let Ok(clone) = tcp.try_clone() {
            shared.sockets().insert(id, clone);
        }
        shared.connected.fetch_add(1, Ordering::Relaxed);
        let spawned = std::thread::Builder::new()
            .name(format!("conn-{id}"))
            .stack_size(CONNECTION_STACK)
            .spawn({
                let shared = shared.clone();
                move || {
                    // Unregistered however the connection ends (a panic included), so the
                    // socket's registered clone does not keep the client waiting.
                    let _registered = Registered { shared: shared.clone(), id };
                    conn::serve_connection(shared, tcp, id);
                }
            });
        if let Err(e) = spawned {
            // Out of threads: the socket closes when the closure (and the stream) is dropped.
            warn!(error = %e, "cannot start a connection thread");
            shared.sockets().remove(&id);
            shared.connected.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Answers an accepted connection with error `e` in place of the greeting, and closes it.
fn refuse(tcp: TcpStream, e: &errno::Error) {
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(1)));
    let mut io = packet::PacketIo::new(stream::Stream::Plain(tcp), 1 << 20);
    io.write_packet(&response::err_packet(e));
    let _ = io.flush();
}
