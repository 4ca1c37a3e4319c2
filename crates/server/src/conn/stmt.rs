//! The binary protocol's commands on one connection: COM_STMT_PREPARE, EXECUTE, FETCH,
//! SEND_LONG_DATA, RESET and CLOSE.
//!
//! The session keeps each statement's parse; the connection keeps what is the protocol's:
//! parameter types from the last execution, long data sent ahead, and an open cursor's rows.

use std::collections::HashMap;

use errno::Error;
use session::{ExecResult, ResultSink, RowSink, ServerStatus, Session};
use types::{ResultColumn, Value};

use super::Conn;
use crate::{
    binary::{binary_row, decode_params, ParamType},
    codec::{put_lenenc_int, Reader},
    error::ProtocolError,
    protocol::cap,
    response::{column_definition, eof_packet, ok_packet},
    sink::WireSink,
};

/// `SERVER_STATUS_CURSOR_EXISTS`: an EXECUTE opened a cursor.
const CURSOR_EXISTS: u16 = 0x0040;
/// `SERVER_STATUS_LAST_ROW_SENT`: a FETCH reached the cursor's end.
const LAST_ROW_SENT: u16 = 0x0080;
/// `CURSOR_TYPE_READ_ONLY` in COM_STMT_EXECUTE's flags.
const CURSOR_READ_ONLY: u8 = 0x01;

/// The connection's side of one prepared statement.
#[derive(Default)]
pub(super) struct StmtState {
    params: usize,
    types: Vec<ParamType>,
    long_data: HashMap<u16, Vec<u8>>,
    cursor: Option<Cursor>,
}

/// The rows of an open cursor, handed out by COM_STMT_FETCH.
struct Cursor {
    columns: Vec<ResultColumn>,
    rows: std::vec::IntoIter<Vec<Value>>,
}

fn unknown_stmt(id: u32, command: &str) -> Error {
    Error::fmt(errno::ER_UNKNOWN_STMT_HANDLER, &[&id, &command])
}

/// Collects an execution's outcome whole (for a cursor).
struct Collect(Option<errno::Result<ExecResult>>, ServerStatus, u16);

impl RowSink for Collect {
    fn columns(&mut self, _: &[ResultColumn]) -> errno::Result<()> {
        Ok(())
    }
    fn rows(&mut self, _: &[Vec<Value>]) -> errno::Result<()> {
        Ok(())
    }
}

impl ResultSink for Collect {
    fn result(&mut self, r: errno::Result<ExecResult>, status: ServerStatus, w: u16, _: bool) {
        self.0 = Some(r);
        self.1 = status;
        self.2 = w;
    }
}

impl Conn {
    /// COM_STMT_PREPARE: the statement's id, its parameters and result columns.
    pub(super) fn stmt_prepare(
        &mut self,
        session: &mut Session,
        body: &[u8],
    ) -> Result<(), ProtocolError> {
        let text = Session::decode_query(body);
        let info = match session.prepare(&text) {
            Ok(info) => info,
            Err(e) => return self.send_error(&e),
        };
        let deprecate_eof = self.caps & cap::DEPRECATE_EOF != 0;
        let status = session.status().0;
        let mut p = vec![0x00];
        p.extend_from_slice(&info.id.to_le_bytes());
        p.extend_from_slice(&(info.columns.len() as u16).to_le_bytes());
        p.extend_from_slice(&(info.params as u16).to_le_bytes());
        p.push(0);
        p.extend_from_slice(&session.warning_count().to_le_bytes());
        self.io.write_packet(&p);
        if info.params > 0 {
            let param =
                ResultColumn { charset: types::charset::BINARY, ..ResultColumn::varchar("?", 0) };
            let def = column_definition(&param, None);
            for _ in 0..info.params {
                self.io.write_packet(&def);
            }
            if !deprecate_eof {
                self.io.write_packet(&eof_packet(0, status));
            }
        }
        if !info.columns.is_empty() {
            for c in &info.columns {
                self.io.write_packet(&column_definition(c, None));
            }
            if !deprecate_eof {
                self.io.write_packet(&eof_packet(0, status));
            }
        }
        self.stmts.insert(info.id, StmtState { params: info.params, ..Default::default() });
        self.io.flush()
    }

    /// COM_STMT_EXECUTE: binds the parameters and runs the statement; rows come back in the
    /// binary format, or stay in a cursor when the client asks for one.
    pub(super) fn stmt_execute(
        &mut self,
        session: &mut Session,
        body: &[u8],
    ) -> Result<(), ProtocolError> {
        let mut r = Reader::new(body);
        let (Ok(id), Ok(flags), Ok(_iterations)) = (r.u32(), r.u8(), r.u32()) else {
            return self.send_code(errno::ER_MALFORMED_PACKET);
        };
        let Some(state) = self.stmts.get_mut(&id) else {
            return self.send_error(&unknown_stmt(id, "stmt_execute"));
        };
        state.cursor = None;
        let decoded = decode_params(r.rest(), state.params, &mut state.types, &mut state.long_data);
        // Long data belongs to one execution, as in MySQL.
        state.long_data.clear();
        let params = match decoded {
            Ok(p) => p,
            Err(e) => return self.send_error(&e),
        };
        if flags & !CURSOR_READ_ONLY & 0x0f != 0 {
            let e = Error::msg(errno::ER_INTERNAL, format!("unsupported cursor flag: {flags:#x}"));
            return self.send_error(&e);
        }
        if flags & CURSOR_READ_ONLY != 0 {
            return self.execute_with_cursor(session, id, &params);
        }
        let deprecate_eof = self.caps & cap::DEPRECATE_EOF != 0;
        let status = session.status().0;
        let mut sink = WireSink::new(&mut self.io, deprecate_eof, status, self.conn_id).binary();
        session.execute_prepared_to(id, &params, &mut sink, true);
        if let Some(e) = sink.error {
            return Err(e);
        }
        self.io.flush()
    }

    /// Runs the statement whole and keeps its rows for COM_STMT_FETCH; the answer is the
    /// column definitions and an EOF carrying CURSOR_EXISTS (as MySQL and TiDB send it).
    fn execute_with_cursor(
        &mut self,
        session: &mut Session,
        id: u32,
        params: &[Value],
    ) -> Result<(), ProtocolError> {
        let mut out = Collect(None, ServerStatus::default(), 0);
        session.execute_prepared_to(id, params, &mut out, false);
        let Collect(result, status, warnings) = out;
        let result = result.unwrap_or_else(|| Ok(ExecResult::ok()));
        match result {
            Ok(ExecResult::Rows(rs)) => {
                let mut p = Vec::with_capacity(9);
                put_lenenc_int(&mut p, rs.columns.len() as u64);
                self.io.write_packet(&p);
                for c in &rs.columns {
                    self.io.write_packet(&column_definition(c, None));
                }
                self.io.write_packet(&eof_packet(warnings, status.0 | CURSOR_EXISTS));
                if let Some(state) = self.stmts.get_mut(&id) {
                    state.cursor = Some(Cursor { columns: rs.columns, rows: rs.rows.into_iter() });
                }
                self.io.flush()
            }
            Ok(ExecResult::Ok(ok)) => {
                let p =
                    ok_packet(0, ok.affected_rows, ok.last_insert_id, status.0, warnings, &ok.info);
                self.io.write_packet(&p);
                self.io.flush()
            }
            Ok(ExecResult::Streamed { .. }) => {
                let e = Error::msg(errno::ER_INTERNAL, "cursor result was streamed");
                self.send_error(&e)
            }
            Err(e) => self.send_error(&e),
        }
    }

    /// COM_STMT_FETCH: up to n rows of the statement's open cursor.
    pub(super) fn stmt_fetch(
        &mut self,
        session: &mut Session,
        body: &[u8],
    ) -> Result<(), ProtocolError> {
        let mut r = Reader::new(body);
        let (Ok(id), Ok(count)) = (r.u32(), r.u32()) else {
            return self.send_code(errno::ER_MALFORMED_PACKET);
        };
        let deprecate_eof = self.caps & cap::DEPRECATE_EOF != 0;
        let status = session.status().0 | CURSOR_EXISTS;
        let Some(state) = self.stmts.get_mut(&id) else {
            return self.send_error(&unknown_stmt(id, "stmt_fetch"));
        };
        let Some(cursor) = state.cursor.as_mut() else {
            return self.send_code(errno::ER_SP_CURSOR_NOT_OPEN);
        };
        let mut buf = Vec::with_capacity(256);
        for row in cursor.rows.by_ref().take(count.max(1) as usize) {
            binary_row(&cursor.columns, &row, &mut buf);
            self.io.write_packet(&buf);
            self.io.maybe_flush()?;
        }
        let done = cursor.rows.len() == 0;
        let status = if done {
            state.cursor = None;
            status | LAST_ROW_SENT
        } else {
            status
        };
        if deprecate_eof {
            self.io.write_packet(&ok_packet(0xfe, 0, 0, status, 0, ""));
        } else {
            self.io.write_packet(&eof_packet(0, status));
        }
        self.io.flush()
    }

    /// COM_STMT_SEND_LONG_DATA: appends to a parameter's value (no answer, even on error, as
    /// in MySQL; an unknown statement is reported by the next EXECUTE).
    pub(super) fn stmt_send_long_data(&mut self, body: &[u8]) {
        let mut r = Reader::new(body);
        let (Ok(id), Ok(param)) = (r.u32(), r.u16()) else { return };
        if let Some(state) = self.stmts.get_mut(&id) {
            if usize::from(param) < state.params {
                state.long_data.entry(param).or_default().extend_from_slice(r.rest());
            }
        }
    }

    /// COM_STMT_RESET: drops long data and the open cursor.
    pub(super) fn stmt_reset(
        &mut self,
        session: &mut Session,
        body: &[u8],
    ) -> Result<(), ProtocolError> {
        let Ok(id) = Reader::new(body).u32() else {
            return self.send_code(errno::ER_MALFORMED_PACKET);
        };
        match self.stmts.get_mut(&id) {
            Some(state) => {
                state.long_data.clear();
                state.cursor = None;
                self.ok(session)
            }
            None => self.send_error(&unknown_stmt(id, "stmt_reset")),
        }
    }

    /// COM_STMT_CLOSE: forgets the statement (no answer).
    pub(super) fn stmt_close(&mut self, session: &mut Session, body: &[u8]) {
        if let Ok(id) = Reader::new(body).u32() {
            self.stmts.remove(&id);
            session.close_prepared(id);
        }
    }
}
