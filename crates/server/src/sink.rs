//! Writing a COM_QUERY's results while its statements run: a SELECT's header and rows go out
//! batch by batch as the operators produce them (flushed whenever the buffer fills), and each
//! statement's terminator, OK or ERR follows as soon as the session knows it.
//!
//! Statements run on the connection's own thread, which writes to its socket directly.

use errno::Result;
use session::{ExecResult, ResultSink, RowSink, ServerStatus};
use tracing::warn;
use types::{ResultColumn, Value};

use crate::{
    binary::binary_row,
    codec::put_lenenc_int,
    error::ProtocolError,
    packet::PacketIo,
    response::{eof_packet, err_packet, ok_packet, text_row, write_result_set},
};

/// The wire side of [`ResultSink`] for one COM_QUERY.
pub struct WireSink<'a> {
    io: &'a mut PacketIo,
    deprecate_eof: bool,
    /// Status flags for the EOF after column definitions (the final ones come with the result).
    status_hint: u16,
    /// Columns of the result set being streamed, once its header is out.
    streaming: Option<Vec<ResultColumn>>,
    buf: Vec<u8>,
    conn_id: u32,
    /// Rows in the binary protocol's format (COM_STMT_EXECUTE) rather than text.
    binary: bool,
    /// The client can send files for `LOAD DATA LOCAL` (it asked for CLIENT_LOCAL_FILES).
    local_files: bool,
    /// The first write failure: the statement stops and the connection ends.
    pub error: Option<ProtocolError>,
}

impl<'a> WireSink<'a> {
    /// Writes to `io`; `status_hint` goes into the EOF after a streamed header.
    pub fn new(io: &'a mut PacketIo, deprecate_eof: bool, status_hint: u16, conn_id: u32) -> Self {
        WireSink {
            io,
            deprecate_eof,
            status_hint,
            streaming: None,
            buf: Vec::with_capacity(256),
            conn_id,
            binary: false,
            local_files: false,
            error: None,
        }
    }

    /// The same sink, able to ask the client for a `LOAD DATA LOCAL` file when `allowed`.
    pub fn local_files(mut self, allowed: bool) -> Self {
        self.local_files = allowed;
        self
    }

    /// The same sink writing rows in the binary protocol's format.
    pub fn binary(mut self) -> Self {
        self.binary = true;
        self
    }

    fn check(&mut self, r: std::result::Result<(), ProtocolError>) -> Result<()> {
        match r {
            Ok(()) => Ok(()),
            Err(e) => {
                self.error = Some(e);
                // The client is gone: stop the statement (nobody reads this error).
                Err(errno::Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]))
            }
        }
    }
}

impl RowSink for WireSink<'_> {
    fn columns(&mut self, columns: &[ResultColumn]) -> Result<()> {
        let mut p = Vec::with_capacity(9);
        put_lenenc_int(&mut p, columns.len() as u64);
        self.io.write_packet(&p);
        for c in columns {
            self.io.write_packet(&crate::response::column_definition(c, None));
        }
        if !self.deprecate_eof {
            self.io.write_packet(&eof_packet(0, self.status_hint));
        }
        self.streaming = Some(columns.to_vec());
        Ok(())
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> Result<()> {
        let columns = self.streaming.as_deref().unwrap_or_default();
        for row in rows {
            if self.binary {
                binary_row(columns, row, &mut self.buf);
            } else {
                text_row(columns, row, &mut self.buf);
            }
            self.io.write_packet(&self.buf);
        }
        let flushed = self.io.maybe_flush();
        self.check(flushed)
    }

    /// Sends the LOCAL INFILE request (0xFB and the file name) and reads the file's packets up
    /// to the empty one that ends it.
    fn local_infile(&mut self, file: &str) -> Result<Vec<u8>> {
        if !self.local_files {
            return Err(errno::Error::fmt(errno::ER_NOT_ALLOWED_COMMAND, &[]));
        }
        let mut request = vec![0xfb];
        request.extend_from_slice(file.as_bytes());
        self.io.write_packet(&request);
        let flushed = self.io.flush();
        self.check(flushed)?;
        let mut data = Vec::new();
        let mut too_big = false;
        loop {
            let packet = match self.io.read_packet() {
                Ok(p) => p,
                Err(e) => {
                    self.error = Some(e);
                    return Err(errno::Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
                }
            };
            if packet.is_empty() {
                break;
            }
            // Read to the end either way, so the connection stays in step.
            if data.len() + packet.len() > MAX_LOCAL_FILE {
                too_big = true;
                data.clear();
            } else if !too_big {
                data.extend_from_slice(&packet);
            }
        }
        if too_big {
            return Err(errno::Error::fmt(errno::ER_TXN_TOO_LARGE, &[&MAX_LOCAL_FILE]));
        }
        Ok(data)
    }
}

/// The largest file `LOAD DATA LOCAL` takes in one statement (it is loaded as one INSERT).
const MAX_LOCAL_FILE: usize = 1 << 30;

impl ResultSink for WireSink<'_> {
    fn result(&mut self, r: Result<ExecResult>, status: ServerStatus, warnings: u16, more: bool) {
        if self.error.is_some() {
            return;
        }
        let mut status = status.0;
        if more {
            status |= ServerStatus::MORE_RESULTS_EXISTS;
        }
        let streamed = self.streaming.take().is_some();
        let written = match r {
            Ok(ExecResult::Streamed { .. }) if streamed => {
                if self.deprecate_eof {
                    self.io.write_packet(&ok_packet(0xfe, 0, 0, status, warnings, ""));
                } else {
                    self.io.write_packet(&eof_packet(warnings, status));
                }
                Ok(())
            }
            Ok(ExecResult::Streamed { .. }) => {
                // Rows without a header cannot happen; say so rather than send a bad packet.
                let e = errno::Error::msg(errno::ER_INTERNAL, "result rows without a header");
                self.io.write_packet(&err_packet(&e));
                Ok(())
            }
            Ok(ExecResult::Rows(rs)) => write_result_set(
                self.io,
                &rs.columns,
                &rs.rows,
                self.deprecate_eof,
                status,
                warnings,
                self.binary,
            ),
            Ok(ExecResult::Ok(ok)) => {
                self.io.write_packet(&ok_packet(
                    0,
                    ok.affected_rows,
                    ok.last_insert_id,
                    status,
                    warnings,
                    &ok.info,
                ));
                Ok(())
            }
            Err(e) => {
                if e.code == 1105 {
                    warn!(conn_id = self.conn_id, error = %e, "internal error");
                }
                // After a streamed header and rows, ERR ends the result set (as MySQL does when
                // a statement fails midway).
                self.io.write_packet(&err_packet(&e));
                Ok(())
            }
        };
        if let Err(e) = written {
            self.error = Some(e);
        }
    }
}
