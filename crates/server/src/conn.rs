//! One client connection: handshake, TLS upgrade, authentication, then the command loop.
//!
//! A connection runs on its own thread with blocking socket I/O, as MySQL and MariaDB run
//! them: a statement executes on the thread that read it and writes its rows itself, with no
//! hand-off between threads (measured: the async runtime's hand-off per statement cost about a
//! sixth of the server's time on point selects).

mod stmt;

use std::{collections::HashMap, net::TcpStream, sync::Arc, time::Duration};

use errno::{
    Error, ER_ACCESS_DENIED, ER_ACCOUNT_HAS_BEEN_LOCKED, ER_CLIENT_INTERACTION_TIMEOUT,
    ER_HANDSHAKE_ERROR, ER_MALFORMED_PACKET, ER_MUST_CHANGE_PASSWORD_LOGIN,
    ER_NET_PACKETS_OUT_OF_ORDER, ER_NET_PACKET_TOO_LARGE, ER_SECURE_TRANSPORT_REQUIRED,
    ER_SERVER_SHUTDOWN, ER_UNKNOWN_COM, ER_USER_LOCKED_BY_FAILED_LOGINS,
};
use privilege::{password, Identity};
use session::{ServerStatus, Session};
use tracing::{debug, info, warn};

use crate::{
    auth::{new_scramble, unmask_password, AuthPlugin},
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

/// How long a client may take over each step of the handshake (MySQL's `connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a connection to completion on the calling thread. Never panics on client input; logs
/// why it ended.
pub fn serve_connection(shared: Arc<Shared>, tcp: TcpStream, conn_id: u32) {
    let peer = tcp.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|_| "unknown".into());
    let _ = tcp.set_nodelay(true);
    // Nothing in a handshake is larger than 1 MiB.
    let io = PacketIo::new(Stream::Plain(tcp), 1 << 20);
    let mut conn =
        Conn { shared, io, caps: 0, conn_id, peer, stmts: HashMap::new(), read_timeout: None };
    conn.set_read_timeout(CONNECT_TIMEOUT);
    let max = conn.shared.sessions.globals().max_connections();
    if max > 0 && conn.shared.connected.load(std::sync::atomic::Ordering::Relaxed) > max {
        // Over max_connections: error 1040 in place of the greeting, as MySQL and TiDB answer.
        debug!(conn_id, max, "too many connections");
        let _ = conn.send_code(errno::ER_CON_COUNT_ERROR);
        return;
    }
    let result = match conn.handshake() {
        Ok(Some(mut session)) => {
            // KILL CONNECTION from another thread wakes this one out of its read.
            if let Some(tcp) = conn.io.stream().tcp().and_then(|t| t.try_clone().ok()) {
                session.set_kill_waker(Arc::new(move || {
                    let _ = tcp.shutdown(std::net::Shutdown::Read);
                }));
            }
            // A bug that panics while a statement runs ends this connection with an error
            // packet (its transaction rolled back), never the server, and never leaves the
            // client waiting.
            let run = std::panic::AssertUnwindSafe(|| conn.command_loop(&mut session));
            let r = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(conn_id, panic = %what, "statement failed unexpectedly");
                let e = Error::msg(
                    errno::ER_INTERNAL,
                    "Internal error: the statement failed unexpectedly; the connection is closed",
                );
                conn.send_error(&e)
            });
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
    conn.io.shutdown();
}

struct Conn {
    shared: Arc<Shared>,
    io: PacketIo,
    caps: u32,
    conn_id: u32,
    peer: String,
    /// Prepared statements' protocol state, by statement id.
    stmts: HashMap<u32, stmt::StmtState>,
    /// The socket's read timeout as last set (set again only when it changes: a system call).
    read_timeout: Option<Duration>,
}

impl Conn {
    fn send_error(&mut self, e: &Error) -> Result<(), ProtocolError> {
        self.io.write_packet(&err_packet(e));
        self.io.flush()
    }

    fn send_code(&mut self, code: errno::ErrCode) -> Result<(), ProtocolError> {
        let e = Error::fmt(code, &[]);
        self.send_error(&e)
    }

    /// Sends the error a broken read deserves (where the protocol has one) before closing.
    fn fail_read(&mut self, e: ProtocolError) -> ProtocolError {
        let reply = match &e {
            ProtocolError::TooLarge(_) => Some(Error::fmt(ER_NET_PACKET_TOO_LARGE, &[])),
            ProtocolError::OutOfOrder { .. } => Some(Error::fmt(ER_NET_PACKETS_OUT_OF_ORDER, &[])),
            ProtocolError::IdleTimeout => Some(Error::fmt(ER_CLIENT_INTERACTION_TIMEOUT, &[])),
            _ => None,
        };
        if let Some(err) = reply {
            let _ = self.send_error(&err);
        }
        e
    }

    /// Moves the plain TCP stream into TLS, keeping bytes the reader already buffered.
    fn start_tls(&mut self, tls: &crate::tls::Tls) -> Result<(), ProtocolError> {
        let seq = self.io.seq();
        let io = std::mem::replace(&mut self.io, PacketIo::new(Stream::Detached, 0));
        let (stream, leftover) = io.into_parts();
        let Stream::Plain(tcp) = stream else {
            return Err(ProtocolError::Malformed("SSLRequest on a TLS connection"));
        };
        let tls_err = |e: &dyn std::fmt::Display| ProtocolError::Tls(e.to_string());
        let session = rustls::ServerConnection::new(tls.config.clone()).map_err(|e| tls_err(&e))?;
        let mut tls_stream = rustls::StreamOwned::new(session, Prefixed::new(leftover, tcp));
        while tls_stream.conn.is_handshaking() {
            tls_stream.conn.complete_io(&mut tls_stream.sock).map_err(|e| tls_err(&e))?;
        }
        self.io = PacketIo::resume(Stream::Tls(Box::new(tls_stream)), seq, 1 << 20);
        Ok(())
    }

    /// Greeting → (SSLRequest → TLS) → HandshakeResponse → auth → OK. `None` when the client
    /// was refused (the ERR has been sent).
    fn handshake(&mut self) -> Result<Option<Session>, ProtocolError> {
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
        self.io.flush()?;

        let mut payload = match self.io.read_packet() {
            Ok(p) => p,
            Err(e @ (ProtocolError::TooLarge(_) | ProtocolError::OutOfOrder { .. })) => {
                let _ = self.send_code(ER_HANDSHAKE_ERROR);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if is_ssl_request(&payload) {
            let Some(tls) = shared.tls.clone() else {
                self.send_code(ER_HANDSHAKE_ERROR)?;
                return Ok(None);
            };
            self.start_tls(&tls)?;
            payload = self.io.read_packet()?;
        }
        let resp = match parse_response(&payload) {
            Ok(r) => r,
            Err(e) => {
                self.send_code(ER_HANDSHAKE_ERROR)?;
                return Err(e);
            }
        };
        self.caps = resp.capabilities & server_caps;
        if shared.require_secure_transport && !self.io.is_tls() {
            self.send_code(ER_SECURE_TRANSPORT_REQUIRED)?;
            return Ok(None);
        }
        let Some(account) = self.authenticate(&resp, &scramble)? else {
            return Ok(None);
        };
        let mut session = shared.sessions.new_session_as(
            account,
            &resp.user,
            &self.peer,
            u64::from(self.conn_id),
        );
        if let Some(db) = &resp.database {
            if let Err(e) = session.use_database(db) {
                self.send_error(&e)?;
                return Ok(None);
            }
        }
        session.set_found_rows(self.caps & cap::FOUND_ROWS != 0);
        if let Some(addr) = self.io.stream().tcp().and_then(|t| t.peer_addr().ok()) {
            session.set_client_address(&addr.to_string());
        }
        if let Some((version, cipher)) = self.io.tls_info() {
            session.set_tls_info(&version, &cipher);
        }
        self.io.max_packet =
            usize::try_from(session.var_int("max_allowed_packet")).unwrap_or(64 << 20);
        self.io.write_packet(&ok_packet(0, 0, 0, session.status().0, 0, ""));
        self.io.flush()?;
        debug!(conn_id = self.conn_id, user = %resp.user, tls = self.io.is_tls(), "authenticated");
        Ok(Some(session))
    }

    /// Checks the client's credentials against the account its login matches (most specific
    /// host first), switching plugin when the account uses another one; answers the account.
    fn authenticate(
        &mut self,
        resp: &HandshakeResponse,
        scramble: &[u8],
    ) -> Result<Option<Identity>, ProtocolError> {
        let privileges = self.shared.sessions.privileges().clone();
        let tables = privileges.snapshot();
        let client_plugin =
            resp.plugin.as_deref().and_then(AuthPlugin::from_name).unwrap_or(AuthPlugin::Native);
        let Some(row) = tables.match_login(&resp.user, &self.peer).cloned() else {
            warn!(user = %resp.user, host = %self.peer, "login refused: no such account");
            self.deny(&resp.user, !resp.auth_response.is_empty())?;
            return Ok(None);
        };
        if let Some(b) = privileges.failures.blocked(&row) {
            self.refuse_blocked(&row, &b)?;
            return Ok(None);
        }
        let account_plugin = AuthPlugin::from_name(&row.plugin).unwrap_or(AuthPlugin::Native);
        let (plugin, scramble, response) = if account_plugin == client_plugin {
            (client_plugin, scramble.to_vec(), resp.auth_response.clone())
        } else {
            // AuthSwitchRequest with a fresh scramble for the account's plugin.
            let fresh = new_scramble();
            let mut p = vec![0xfe];
            p.extend_from_slice(account_plugin.name().as_bytes());
            p.push(0);
            p.extend_from_slice(&fresh);
            p.push(0);
            self.io.write_packet(&p);
            self.io.flush()?;
            let answer = self.io.read_packet()?;
            (account_plugin, fresh.to_vec(), answer)
        };
        let verified = match plugin {
            AuthPlugin::Native => {
                password::check_native_scramble(&row.auth_string, &scramble, &response)
            }
            AuthPlugin::CachingSha2 => {
                self.caching_sha2(&row, &scramble, &response, &privileges)?
            }
        };
        if !verified {
            warn!(user = %resp.user, host = %self.peer, account = %row.id, "login refused: wrong password");
            if let Some(b) = privileges.failures.failed(&row) {
                warn!(account = %row.id, failures = b.failures, "account blocked after consecutive failed logins");
                self.refuse_blocked(&row, &b)?;
            } else {
                self.deny(&resp.user, !response.is_empty())?;
            }
            return Ok(None);
        }
        privileges.failures.clear(&row.id);
        if row.locked {
            warn!(user = %resp.user, host = %self.peer, "login refused: account locked");
            self.send_error(&Error::fmt(
                ER_ACCOUNT_HAS_BEEN_LOCKED,
                &[&row.id.user, &row.id.host],
            ))?;
            return Ok(None);
        }
        // A client that handles expired passwords logs in to sandbox mode (the session refuses
        // all but ALTER USER / SET PASSWORD with 1820); others are refused here.
        if row.password_expired && resp.capabilities & cap::CAN_HANDLE_EXPIRED_PASSWORDS == 0 {
            self.send_code(ER_MUST_CHANGE_PASSWORD_LOGIN)?;
            return Ok(None);
        }
        Ok(Some(row.id))
    }

    fn refuse_blocked(
        &mut self,
        row: &privilege::UserRow,
        b: &privilege::Blocked,
    ) -> Result<(), ProtocolError> {
        let (days, remaining, failures) = b.message_args();
        let e = Error::fmt(
            ER_USER_LOCKED_BY_FAILED_LOGINS,
            &[&row.id.user, &row.id.host, &days, &remaining, &failures],
        );
        self.send_error(&e)
    }

    fn deny(&mut self, user: &str, using_password: bool) -> Result<(), ProtocolError> {
        let using = if using_password { "YES" } else { "NO" };
        let err = Error::fmt(ER_ACCESS_DENIED, &[&user, &self.peer, &using]);
        self.send_error(&err)
    }

    /// caching_sha2_password: the fast path checks the scramble against the digest cached by
    /// an earlier full authentication; without one, full authentication asks for the password
    /// itself — in clear over TLS, RSA-encrypted over plain TCP (the client may first ask for
    /// the server's public key) — checks it against the stored hash and caches the digest.
    fn caching_sha2(
        &mut self,
        row: &privilege::UserRow,
        scramble: &[u8],
        response: &[u8],
        privileges: &privilege::Privileges,
    ) -> Result<bool, ProtocolError> {
        if row.auth_string.is_empty() {
            return Ok(response.is_empty() || response == [0]);
        }
        let (user, host) = (&row.id.user, &row.id.host);
        if let Some(digest) = privileges.fast_auth.get(user, host, &row.auth_string) {
            // After an AuthSwitchRequest the scramble travels with a trailing NUL that some
            // clients (PyMySQL) hash along with it while others (libmariadb) drop it.
            let mut with_nul = scramble.to_vec();
            with_nul.push(0);
            let ok = password::check_sha2_scramble(&digest, scramble, response)
                || password::check_sha2_scramble(&digest, &with_nul, response);
            if ok {
                // AuthMoreData: fast authentication succeeded; the OK follows.
                self.io.write_packet(&[0x01, 0x03]);
            }
            return Ok(ok);
        }
        if response.is_empty() {
            return Ok(false);
        }
        // AuthMoreData: perform full authentication.
        self.io.write_packet(&[0x01, 0x04]);
        self.io.flush()?;
        let mut answer = self.io.read_packet()?;
        let candidates: Vec<String> = if self.io.is_tls() {
            if answer.last() == Some(&0) {
                answer.pop();
            }
            String::from_utf8(answer).into_iter().collect()
        } else {
            let Some(keys) = self.shared.rsa.clone() else { return Ok(false) };
            if answer == [0x02] {
                let mut p = vec![0x01];
                p.extend_from_slice(keys.public_pem().as_bytes());
                self.io.write_packet(&p);
                self.io.flush()?;
                answer = self.io.read_packet()?;
            }
            let Some(plain) = keys.decrypt(&answer) else { return Ok(false) };
            let mut with_nul = scramble.to_vec();
            with_nul.push(0);
            [scramble, &with_nul[..]].iter().filter_map(|s| unmask_password(&plain, s)).collect()
        };
        for pw in candidates {
            if password::check_clear(&row.auth_string, &pw) {
                privileges.fast_auth.put(user, host, &row.auth_string, &pw);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Makes socket reads fail after `timeout` without data.
    fn set_read_timeout(&mut self, timeout: Duration) {
        if self.read_timeout == Some(timeout) {
            return;
        }
        if let Some(tcp) = self.io.stream().tcp() {
            if tcp.set_read_timeout(Some(timeout)).is_ok() {
                self.read_timeout = Some(timeout);
            }
        }
    }

    /// Reads the next command, closing idle connections after `idle_secs`. Server shutdown
    /// and `KILL CONNECTION` wake the read by shutting the socket's read side.
    fn read_command(
        &mut self,
        session: &Session,
        idle_secs: u64,
    ) -> Result<Vec<u8>, ProtocolError> {
        self.io.reset_seq();
        let aborted = || ProtocolError::Io(std::io::ErrorKind::ConnectionAborted.into());
        if self.shared.is_shutting_down() {
            let _ = self.send_code(ER_SERVER_SHUTDOWN);
            return Err(aborted());
        }
        self.set_read_timeout(Duration::from_secs(idle_secs.max(1)));
        match self.io.read_packet() {
            Ok(p) => Ok(p),
            Err(_) if session.connection_killed() => Err(aborted()),
            Err(_) if self.shared.is_shutting_down() => {
                let _ = self.send_code(ER_SERVER_SHUTDOWN);
                Err(aborted())
            }
            Err(e) => Err(e),
        }
    }

    fn command_loop(&mut self, session: &mut Session) -> Result<(), ProtocolError> {
        loop {
            let timeout_var = if self.caps & cap::INTERACTIVE != 0 {
                "interactive_timeout"
            } else {
                "wait_timeout"
            };
            let idle_secs = session.var_int(timeout_var).max(1) as u64;
            let packet = match self.read_command(session, idle_secs) {
                Ok(p) => p,
                Err(e) => return Err(self.fail_read(e)),
            };
            let Some((&cmd, body)) = packet.split_first() else {
                self.send_code(ER_MALFORMED_PACKET)?;
                continue;
            };
            self.shared.count_question();
            if session.connection_killed() {
                return Ok(());
            }
            match cmd {
                com::QUIT => return Ok(()),
                com::QUERY => {
                    self.query(session, body)?;
                    if session.connection_killed() {
                        return Ok(());
                    }
                }
                com::PING => self.ok(session)?,
                com::INIT_DB => {
                    let db = String::from_utf8_lossy(body).trim_end_matches('\0').to_string();
                    match session.use_database(&db) {
                        Ok(()) => self.ok(session)?,
                        Err(e) => self.send_error(&e)?,
                    }
                }
                com::RESET_CONNECTION => {
                    session.reset();
                    self.stmts.clear();
                    self.ok(session)?;
                }
                com::SET_OPTION => {
                    match Reader::new(body).u16() {
                        Ok(0) => self.caps |= cap::MULTI_STATEMENTS,
                        Ok(1) => self.caps &= !cap::MULTI_STATEMENTS,
                        _ => {
                            self.send_code(ER_MALFORMED_PACKET)?;
                            continue;
                        }
                    }
                    self.io.write_packet(&eof_packet(0, session.status().0));
                    self.io.flush()?;
                }
                com::STATISTICS => {
                    let stats = self.shared.statistics();
                    self.io.write_packet(stats.as_bytes());
                    self.io.flush()?;
                }
                com::FIELD_LIST => self.field_list(session, body)?,
                com::STMT_PREPARE => self.stmt_prepare(session, body)?,
                com::STMT_EXECUTE => {
                    self.stmt_execute(session, body)?;
                    if session.connection_killed() {
                        return Ok(());
                    }
                }
                com::STMT_FETCH => self.stmt_fetch(session, body)?,
                com::STMT_RESET => self.stmt_reset(session, body)?,
                // CLOSE and SEND_LONG_DATA take no reply.
                com::STMT_CLOSE => self.stmt_close(session, body),
                com::STMT_SEND_LONG_DATA => self.stmt_send_long_data(body),
                _ => self.send_code(ER_UNKNOWN_COM)?,
            }
        }
    }

    fn ok(&mut self, session: &Session) -> Result<(), ProtocolError> {
        self.io.write_packet(&ok_packet(0, 0, 0, session.status().0, session.warning_count(), ""));
        self.io.flush()
    }

    fn field_list(&mut self, session: &mut Session, body: &[u8]) -> Result<(), ProtocolError> {
        let mut r = Reader::new(body);
        let table = r.nul_bytes().unwrap_or(body);
        match session.field_list(&String::from_utf8_lossy(table)) {
            Ok(columns) => {
                for c in &columns {
                    self.io.write_packet(&crate::response::column_definition(c, Some(b"")));
                }
                self.io.write_packet(&eof_packet(0, session.status().0));
                self.io.flush()
            }
            Err(e) => self.send_error(&e),
        }
    }

    fn query(&mut self, session: &mut Session, body: &[u8]) -> Result<(), ProtocolError> {
        let text = Session::decode_query(body);
        let multi = self.caps & cap::MULTI_STATEMENTS != 0;
        let deprecate_eof = self.caps & cap::DEPRECATE_EOF != 0;
        let status = session.status().0;
        let local_files = self.caps & cap::LOCAL_FILES != 0;
        let mut sink = WireSink::new(&mut self.io, deprecate_eof, status, self.conn_id)
            .local_files(local_files);
        // Rows reach the socket while they are produced (see `sink`).
        session.execute_text_to(&text, multi, &mut sink);
        if let Some(e) = sink.error {
            return Err(e);
        }
        self.io.flush()
    }
}
