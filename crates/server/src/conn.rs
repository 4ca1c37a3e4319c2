//! One client connection: handshake, TLS upgrade, authentication, then the command loop.

mod stmt;

use std::{collections::HashMap, sync::Arc, time::Duration};

use errno::{
    Error, ER_ACCESS_DENIED, ER_CLIENT_INTERACTION_TIMEOUT, ER_HANDSHAKE_ERROR,
    ER_MALFORMED_PACKET, ER_NET_PACKETS_OUT_OF_ORDER, ER_NET_PACKET_TOO_LARGE,
    ER_SECURE_TRANSPORT_REQUIRED, ER_SERVER_SHUTDOWN, ER_UNKNOWN_COM,
};
use session::{ServerStatus, Session};
use tokio::net::TcpStream;
use tracing::{debug, info};

use crate::{
    auth::{new_scramble, AuthPlugin},
    codec::Reader,
    error::ProtocolError,
    handshake::{greeting, is_ssl_request, parse_response, HandshakeResponse},
    packet::PacketIo,
    protocol::{cap, com},
    response::{eof_packet, err_packet, ok_packet},
    sink::WireSink,
    stream::{Prefixed, Stream},
    Shared,
};

/// Runs a connection to completion. Never panics on client input; logs why it ended.
pub async fn serve_connection(shared: Arc<Shared>, tcp: TcpStream, conn_id: u32) {
    let peer = tcp.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|_| "unknown".into());
    let _ = tcp.set_nodelay(true);
    // Nothing in a handshake is larger than 1 MiB.
    let io = PacketIo::new(Stream::Plain(tcp), 1 << 20);
    let killed = Arc::new(tokio::sync::Notify::new());
    let mut conn =
        Conn { shared, io, caps: 0, conn_id, peer, killed: killed.clone(), stmts: HashMap::new() };
    let result = match conn.handshake().await {
        Ok(Some(mut session)) => {
            session.set_kill_waker(Arc::new(move || killed.notify_one()));
            let r = conn.command_loop(&mut session).await;
            session.close();
            r
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => debug!(conn_id, "connection closed"),
        Err(e) if e.is_disconnect() => debug!(conn_id, "client went away"),
        Err(e) => info!(conn_id, error = %e, "connection ended"),
    }
    conn.io.shutdown().await;
}

struct Conn {
    shared: Arc<Shared>,
    io: PacketIo,
    caps: u32,
    conn_id: u32,
    peer: String,
    /// Notified when `KILL CONNECTION` (from another connection) closes this one.
    killed: Arc<tokio::sync::Notify>,
    /// Prepared statements' protocol state, by statement id.
    stmts: HashMap<u32, stmt::StmtState>,
}

impl Conn {
    async fn send_error(&mut self, e: &Error) -> Result<(), ProtocolError> {
        self.io.write_packet(&err_packet(e));
        self.io.flush().await
    }

    async fn send_code(&mut self, code: errno::ErrCode) -> Result<(), ProtocolError> {
        let e = Error::fmt(code, &[]);
        self.send_error(&e).await
    }

    /// Sends the error a broken read deserves (where the protocol has one) before closing.
    async fn fail_read(&mut self, e: ProtocolError) -> ProtocolError {
        let reply = match &e {
            ProtocolError::TooLarge(_) => Some(Error::fmt(ER_NET_PACKET_TOO_LARGE, &[])),
            ProtocolError::OutOfOrder { .. } => Some(Error::fmt(ER_NET_PACKETS_OUT_OF_ORDER, &[])),
            ProtocolError::IdleTimeout => Some(Error::fmt(ER_CLIENT_INTERACTION_TIMEOUT, &[])),
            _ => None,
        };
        if let Some(err) = reply {
            let _ = self.send_error(&err).await;
        }
        e
    }

    /// Moves the plain TCP stream into TLS, keeping bytes the reader already buffered.
    async fn start_tls(&mut self, tls: &crate::tls::Tls) -> Result<(), ProtocolError> {
        let seq = self.io.seq();
        let io = std::mem::replace(&mut self.io, PacketIo::new(Stream::Detached, 0));
        let (stream, leftover) = io.into_parts();
        let Stream::Plain(tcp) = stream else {
            return Err(ProtocolError::Malformed("SSLRequest on a TLS connection"));
        };
        let tls_stream = tls
            .acceptor
            .accept(Prefixed::new(leftover, tcp))
            .await
            .map_err(|e| ProtocolError::Tls(e.to_string()))?;
        self.io = PacketIo::resume(Stream::Tls(Box::new(tls_stream)), seq, 1 << 20);
        Ok(())
    }

    /// Greeting → (SSLRequest → TLS) → HandshakeResponse → auth → OK. `None` when the client
    /// was refused (the ERR has been sent).
    async fn handshake(&mut self) -> Result<Option<Session>, ProtocolError> {
        let shared = self.shared.clone();
        let scramble = new_scramble();
        let mut server_caps = cap::SERVER;
        if shared.tls.is_some() {
            server_caps |= cap::SSL;
        }
        let status = if shared.globals_autocommit() { ServerStatus::AUTOCOMMIT } else { 0 };
        self.io.write_packet(&greeting(
            &shared.version,
            self.conn_id,
            &scramble,
            server_caps,
            status,
            AuthPlugin::Native,
        ));
        self.io.flush().await?;

        let mut payload = match self.io.read_packet().await {
            Ok(p) => p,
            Err(e @ (ProtocolError::TooLarge(_) | ProtocolError::OutOfOrder { .. })) => {
                let _ = self.send_code(ER_HANDSHAKE_ERROR).await;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if is_ssl_request(&payload) {
            let Some(tls) = shared.tls.clone() else {
                self.send_code(ER_HANDSHAKE_ERROR).await?;
                return Ok(None);
            };
            self.start_tls(&tls).await?;
            payload = self.io.read_packet().await?;
        }
        let resp = match parse_response(&payload) {
            Ok(r) => r,
            Err(e) => {
                self.send_code(ER_HANDSHAKE_ERROR).await?;
                return Err(e);
            }
        };
        self.caps = resp.capabilities & server_caps;
        if shared.require_secure_transport && !self.io.is_tls() {
            self.send_code(ER_SECURE_TRANSPORT_REQUIRED).await?;
            return Ok(None);
        }
        if !self.authenticate(&resp, &scramble).await? {
            return Ok(None);
        }
        let mut session =
            shared.sessions.new_session(&resp.user, &self.peer, u64::from(self.conn_id));
        if let Some(db) = &resp.database {
            if let Err(e) = session.use_database(db) {
                self.send_error(&e).await?;
                return Ok(None);
            }
        }
        session.set_found_rows(self.caps & cap::FOUND_ROWS != 0);
        if let Some((version, cipher)) = self.io.tls_info() {
            session.set_tls_info(&version, &cipher);
        }
        self.io.max_packet =
            usize::try_from(session.var_int("max_allowed_packet")).unwrap_or(64 << 20);
        self.io.write_packet(&ok_packet(0, 0, 0, session.status().0, 0, ""));
        self.io.flush().await?;
        debug!(conn_id = self.conn_id, user = %resp.user, tls = self.io.is_tls(), "authenticated");
        Ok(Some(session))
    }

    /// Checks the client's credentials, switching plugin when the account uses another one.
    async fn authenticate(
        &mut self,
        resp: &HandshakeResponse,
        scramble: &[u8],
    ) -> Result<bool, ProtocolError> {
        let account = self.shared.users.get(&resp.user).cloned();
        let client_plugin =
            resp.plugin.as_deref().and_then(AuthPlugin::from_name).unwrap_or(AuthPlugin::Native);
        let Some(account) = account else {
            let using = if resp.auth_response.is_empty() { "NO" } else { "YES" };
            let err = Error::fmt(ER_ACCESS_DENIED, &[&resp.user, &self.peer, &using]);
            self.send_error(&err).await?;
            return Ok(false);
        };
        let (plugin, scramble, response) = if account.plugin == client_plugin {
            (client_plugin, scramble.to_vec(), resp.auth_response.clone())
        } else {
            // AuthSwitchRequest with a fresh scramble for the account's plugin.
            let fresh = new_scramble();
            let mut p = vec![0xfe];
            p.extend_from_slice(account.plugin.name().as_bytes());
            p.push(0);
            p.extend_from_slice(&fresh);
            p.push(0);
            self.io.write_packet(&p);
            self.io.flush().await?;
            let answer = self.io.read_packet().await?;
            (account.plugin, fresh.to_vec(), answer)
        };
        if !account.verify(plugin, &scramble, &response) {
            let using = if response.is_empty() { "NO" } else { "YES" };
            let err = Error::fmt(ER_ACCESS_DENIED, &[&resp.user, &self.peer, &using]);
            self.send_error(&err).await?;
            return Ok(false);
        }
        if plugin == AuthPlugin::CachingSha2 {
            // AuthMoreData: fast authentication succeeded; the OK follows.
            self.io.write_packet(&[0x01, 0x03]);
        }
        Ok(true)
    }

    /// Reads the next command, closing idle connections after `idle_secs`.
    async fn read_command(&mut self, idle_secs: u64) -> Result<Vec<u8>, ProtocolError> {
        self.io.reset_seq();
        let secs = idle_secs.max(1);
        let mut shutdown = self.shared.shutdown.subscribe();
        if *shutdown.borrow() {
            return Err(ProtocolError::Io(std::io::ErrorKind::ConnectionAborted.into()));
        }
        tokio::select! {
            r = tokio::time::timeout(Duration::from_secs(secs), self.io.read_packet()) => match r {
                Ok(r) => r,
                Err(_) => Err(ProtocolError::IdleTimeout),
            },
            _ = shutdown.changed() => {
                let _ = self.send_code(ER_SERVER_SHUTDOWN).await;
                Err(ProtocolError::Io(std::io::ErrorKind::ConnectionAborted.into()))
            }
            _ = self.killed.notified() => {
                Err(ProtocolError::Io(std::io::ErrorKind::ConnectionAborted.into()))
            }
        }
    }

    async fn command_loop(&mut self, session: &mut Session) -> Result<(), ProtocolError> {
        loop {
            let timeout_var = if self.caps & cap::INTERACTIVE != 0 {
                "interactive_timeout"
            } else {
                "wait_timeout"
            };
            let idle_secs = session.var_int(timeout_var).max(1) as u64;
            let packet = match self.read_command(idle_secs).await {
                Ok(p) => p,
                Err(e) => return Err(self.fail_read(e).await),
            };
            let Some((&cmd, body)) = packet.split_first() else {
                self.send_code(ER_MALFORMED_PACKET).await?;
                continue;
            };
            self.shared.count_question();
            if session.connection_killed() {
                return Ok(());
            }
            match cmd {
                com::QUIT => return Ok(()),
                com::QUERY => {
                    self.query(session, body).await?;
                    if session.connection_killed() {
                        return Ok(());
                    }
                }
                com::PING => self.ok(session).await?,
                com::INIT_DB => {
                    let db = String::from_utf8_lossy(body).trim_end_matches('\0').to_string();
                    match session.use_database(&db) {
                        Ok(()) => self.ok(session).await?,
                        Err(e) => self.send_error(&e).await?,
                    }
                }
                com::RESET_CONNECTION => {
                    session.reset();
                    self.stmts.clear();
                    self.ok(session).await?;
                }
                com::SET_OPTION => {
                    match Reader::new(body).u16() {
                        Ok(0) => self.caps |= cap::MULTI_STATEMENTS,
                        Ok(1) => self.caps &= !cap::MULTI_STATEMENTS,
                        _ => {
                            self.send_code(ER_MALFORMED_PACKET).await?;
                            continue;
                        }
                    }
                    self.io.write_packet(&eof_packet(0, session.status().0));
                    self.io.flush().await?;
                }
                com::STATISTICS => {
                    let stats = self.shared.statistics();
                    self.io.write_packet(stats.as_bytes());
                    self.io.flush().await?;
                }
                com::FIELD_LIST => self.field_list(session, body).await?,
                com::STMT_PREPARE => self.stmt_prepare(session, body).await?,
                com::STMT_EXECUTE => {
                    self.stmt_execute(session, body).await?;
                    if session.connection_killed() {
                        return Ok(());
                    }
                }
                com::STMT_FETCH => self.stmt_fetch(session, body).await?,
                com::STMT_RESET => self.stmt_reset(session, body).await?,
                // CLOSE and SEND_LONG_DATA take no reply.
                com::STMT_CLOSE => self.stmt_close(session, body),
                com::STMT_SEND_LONG_DATA => self.stmt_send_long_data(body),
                _ => self.send_code(ER_UNKNOWN_COM).await?,
            }
        }
    }

    async fn ok(&mut self, session: &Session) -> Result<(), ProtocolError> {
        self.io.write_packet(&ok_packet(0, 0, 0, session.status().0, session.warning_count(), ""));
        self.io.flush().await
    }

    async fn field_list(
        &mut self,
        session: &mut Session,
        body: &[u8],
    ) -> Result<(), ProtocolError> {
        let mut r = Reader::new(body);
        let table = r.nul_bytes().unwrap_or(body);
        match session.field_list(&String::from_utf8_lossy(table)) {
            Ok(columns) => {
                for c in &columns {
                    self.io.write_packet(&crate::response::column_definition(c, Some(b"")));
                }
                self.io.write_packet(&eof_packet(0, session.status().0));
                self.io.flush().await
            }
            Err(e) => self.send_error(&e).await,
        }
    }

    async fn query(&mut self, session: &mut Session, body: &[u8]) -> Result<(), ProtocolError> {
        let text = Session::decode_query(body);
        let multi = self.caps & cap::MULTI_STATEMENTS != 0;
        let deprecate_eof = self.caps & cap::DEPRECATE_EOF != 0;
        let status = session.status().0;
        let mut sink = WireSink::new(&mut self.io, deprecate_eof, status, self.conn_id);
        // Statements may block (lock waits, fsync): keep them off the async workers' backs.
        // Rows reach the socket while they are produced (see `sink`).
        tokio::task::block_in_place(|| session.execute_text_to(&text, multi, &mut sink));
        if let Some(e) = sink.error {
            return Err(e);
        }
        self.io.flush().await
    }
}
