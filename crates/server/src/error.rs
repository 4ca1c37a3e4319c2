//! Connection-level errors: why a connection ends.

use thiserror::Error;

/// What went wrong below the SQL level on one connection.
#[derive(Debug, Error)]
pub enum ProtocolError {
    /// Socket I/O failed or the peer went away.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A payload ended before a field it must contain.
    #[error("truncated packet")]
    Truncated,
    /// A payload was not what the protocol allows here.
    #[error("malformed packet: {0}")]
    Malformed(&'static str),
    /// A packet's sequence id was not the expected one.
    #[error("packets out of order: expected {expected}, got {got}")]
    OutOfOrder {
        /// The sequence id the server expected.
        expected: u8,
        /// The sequence id that arrived.
        got: u8,
    },
    /// A packet was larger than `max_allowed_packet`.
    #[error("packet of {0} bytes exceeds max_allowed_packet")]
    TooLarge(usize),
    /// TLS negotiation failed.
    #[error("tls: {0}")]
    Tls(String),
    /// The client was idle past `wait_timeout`.
    #[error("idle past wait_timeout")]
    IdleTimeout,
}

impl ProtocolError {
    /// Whether this is the peer simply going away (not worth a warning in the log).
    pub fn is_disconnect(&self) -> bool {
        match self {
            ProtocolError::Io(e) => matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionAborted
            ),
            _ => false,
        }
    }
}
