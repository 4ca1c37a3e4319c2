//! The client byte stream: plain TCP, or TLS after an SSLRequest. Blocking: each connection
//! has its own thread (see `lib.rs`), which sleeps in `read` until the client sends.

use std::{
    io::{self, Read, Write},
    net::TcpStream,
};

use bytes::{Buf, BytesMut};
use rustls::{ServerConnection, StreamOwned};

/// A TCP stream that first replays bytes already read from it. The TLS handshake starts right
/// after the SSLRequest packet, and a client may send its ClientHello in the same segment, so
/// whatever the packet reader buffered past the SSLRequest belongs to TLS.
#[derive(Debug)]
pub struct Prefixed {
    prefix: BytesMut,
    inner: TcpStream,
}

impl Prefixed {
    /// Wraps `inner`, replaying `prefix` first.
    pub fn new(prefix: BytesMut, inner: TcpStream) -> Self {
        Prefixed { prefix, inner }
    }
}

impl Read for Prefixed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

impl Write for Prefixed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The connection's transport.
#[derive(Debug)]
pub enum Stream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<StreamOwned<ServerConnection, Prefixed>>),
    /// No transport: the instant between taking the TCP stream out for TLS and putting the TLS
    /// stream back. Every operation on it fails.
    Detached,
}

fn detached() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "stream detached for TLS upgrade")
}

impl Stream {
    /// The negotiated TLS protocol version and cipher suite, if encrypted.
    pub fn tls_info(&self) -> Option<(String, String)> {
        let Stream::Tls(s) = self else { return None };
        let conn = &s.conn;
        let version = match conn.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        };
        let cipher =
            conn.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite())).unwrap_or_default();
        Some((version, cipher))
    }

    /// Whether the transport is encrypted.
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Tls(s) => Some(&s.sock.inner),
            Stream::Detached => None,
        }
    }

    /// Sends TLS close_notify (if encrypted) and shuts the socket down.
    pub fn shutdown(&mut self) {
        if let Stream::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        if let Some(tcp) = self.tcp() {
            let _ = tcp.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Detached => Err(detached()),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Detached => Err(detached()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Detached => Err(detached()),
        }
    }
}
