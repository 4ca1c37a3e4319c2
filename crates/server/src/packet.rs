//! MySQL packet framing: 3-byte length, 1-byte sequence id, payloads split at 16 MiB - 1.
//!
//! // #[PerformanceCriticalPath]: every request and result row passes through here; reads are
//! buffered, writes are batched into one buffer and flushed once per response.

use bytes::{Buf, BytesMut};
use std::io::{Read, Write};

use crate::{error::ProtocolError, stream::Stream};

/// Largest payload one packet frame carries; longer payloads continue in the next frame.
pub const MAX_FRAME: usize = 0xff_ffff;

/// Most bytes one socket read asks for.
const READ_CHUNK: usize = 16 * 1024;

/// Flush the write buffer once it holds this much, so huge result sets stream out.
const FLUSH_AT: usize = 256 * 1024;

/// Reads and writes framed packets, tracking the sequence id.
pub struct PacketIo {
    stream: Stream,
    rbuf: BytesMut,
    /// What each socket read lands in before it joins `rbuf` (allocated once).
    scratch: Box<[u8]>,
    out: Vec<u8>,
    seq: u8,
    /// Largest payload accepted from the client (`max_allowed_packet`).
    pub max_packet: usize,
}

impl PacketIo {
    /// Wraps a transport.
    pub fn new(stream: Stream, max_packet: usize) -> Self {
        PacketIo {
            stream,
            rbuf: BytesMut::with_capacity(8192),
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
            out: Vec::with_capacity(8192),
            seq: 0,
            max_packet,
        }
    }

    /// Starts a new command: the next packet read must have sequence id 0.
    pub fn reset_seq(&mut self) {
        self.seq = 0;
    }

    /// The transport, for TLS upgrade, plus any bytes read past the last packet.
    pub fn into_parts(self) -> (Stream, BytesMut) {
        (self.stream, self.rbuf)
    }

    /// Rebuilds a packet reader around an upgraded transport, continuing the sequence.
    pub fn resume(stream: Stream, seq: u8, max_packet: usize) -> Self {
        let mut io = PacketIo::new(stream, max_packet);
        io.seq = seq;
        io
    }

    /// The next sequence id.
    pub fn seq(&self) -> u8 {
        self.seq
    }

    /// The transport's TLS version and cipher, if encrypted.
    pub fn tls_info(&self) -> Option<(String, String)> {
        self.stream.tls_info()
    }

    /// Whether the transport is TLS.
    pub fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    /// The transport (for its TCP socket).
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    fn fill(&mut self, n: usize) -> Result<(), ProtocolError> {
        while self.rbuf.len() < n {
            let want = (n - self.rbuf.len()).clamp(4096, READ_CHUNK);
            let read = match self.stream.read(&mut self.scratch[..want]) {
                Ok(r) => r,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(ProtocolError::IdleTimeout)
                }
                Err(e) => return Err(e.into()),
            };
            if read == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
            }
            self.rbuf.extend_from_slice(&self.scratch[..read]);
        }
        Ok(())
    }

    /// Reads one logical packet (joining 16 MiB continuation frames).
    ///
    /// A payload over `max_packet` is refused before it is read into memory.
    pub fn read_packet(&mut self) -> Result<Vec<u8>, ProtocolError> {
        let mut payload = Vec::new();
        loop {
            self.fill(4)?;
            let len = usize::from(self.rbuf[0])
                | usize::from(self.rbuf[1]) << 8
                | usize::from(self.rbuf[2]) << 16;
            let got = self.rbuf[3];
            if got != self.seq {
                return Err(ProtocolError::OutOfOrder { expected: self.seq, got });
            }
            self.seq = self.seq.wrapping_add(1);
            if payload.len() + len > self.max_packet {
                return Err(ProtocolError::TooLarge(payload.len() + len));
            }
            self.rbuf.advance(4);
            self.fill(len)?;
            payload.extend_from_slice(&self.rbuf[..len]);
            self.rbuf.advance(len);
            if len < MAX_FRAME {
                return Ok(payload);
            }
        }
    }

    /// Queues one logical packet for writing, splitting it into frames as needed.
    pub fn write_packet(&mut self, payload: &[u8]) {
        let mut chunks = payload.chunks(MAX_FRAME).peekable();
        if payload.is_empty() {
            self.frame(&[]);
        }
        while let Some(chunk) = chunks.next() {
            self.frame(chunk);
            if chunks.peek().is_none() && chunk.len() == MAX_FRAME {
                self.frame(&[]); // a payload that is an exact multiple ends with an empty frame
            }
        }
    }

    fn frame(&mut self, chunk: &[u8]) {
        let len = chunk.len() as u32;
        self.out.extend_from_slice(&len.to_le_bytes()[..3]);
        self.out.push(self.seq);
        self.seq = self.seq.wrapping_add(1);
        self.out.extend_from_slice(chunk);
    }

    /// Writes queued packets if the buffer is large (bounded memory for big results).
    pub fn maybe_flush(&mut self) -> Result<(), ProtocolError> {
        if self.out.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes all queued packets to the socket.
    pub fn flush(&mut self) -> Result<(), ProtocolError> {
        if !self.out.is_empty() {
            let r = self.stream.write_all(&self.out);
            self.out.clear();
            r?;
        }
        self.stream.flush()?;
        Ok(())
    }

    /// Flushes and shuts the transport down.
    pub fn shutdown(&mut self) {
        let _ = self.flush();
        self.stream.shutdown();
    }
}
