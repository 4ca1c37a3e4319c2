//! Server responses: OK, ERR, EOF, column definitions and text result sets.
//!
//! // #[PerformanceCriticalPath]: rows are encoded straight into the packet writer's buffer.

use errno::Error;
use types::{FieldType, ResultColumn, Value};

use crate::{
    codec::{put_lenenc_int, put_lenenc_str},
    error::ProtocolError,
    packet::PacketIo,
};

/// Encodes an OK packet (`header` is 0x00, or 0xFE when it ends a result set under DEPRECATE_EOF).
pub fn ok_packet(
    header: u8,
    affected: u64,
    last_insert_id: u64,
    status: u16,
    warnings: u16,
    info: &str,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(16 + info.len());
    p.push(header);
    put_lenenc_int(&mut p, affected);
    put_lenenc_int(&mut p, last_insert_id);
    p.extend_from_slice(&status.to_le_bytes());
    p.extend_from_slice(&warnings.to_le_bytes());
    // Servers write the info as a length-encoded string (libmariadb reads it that way).
    if !info.is_empty() {
        put_lenenc_str(&mut p, info.as_bytes());
    }
    p
}

/// Encodes an ERR packet with SQLSTATE.
pub fn err_packet(e: &Error) -> Vec<u8> {
    let mut p = Vec::with_capacity(16 + e.message.len());
    p.push(0xff);
    p.extend_from_slice(&e.code.to_le_bytes());
    p.push(b'#');
    let state = e.state.as_bytes();
    p.extend_from_slice(&state[..state.len().min(5)]);
    p.extend(std::iter::repeat_n(b'0', 5usize.saturating_sub(state.len())));
    p.extend_from_slice(e.message.as_bytes());
    p
}

/// Encodes an EOF packet.
pub fn eof_packet(warnings: u16, status: u16) -> Vec<u8> {
    let mut p = Vec::with_capacity(5);
    p.push(0xfe);
    p.extend_from_slice(&warnings.to_le_bytes());
    p.extend_from_slice(&status.to_le_bytes());
    p
}

/// Encodes a ColumnDefinition41 packet. `default` is only sent for COM_FIELD_LIST.
pub fn column_definition(c: &ResultColumn, default: Option<&[u8]>) -> Vec<u8> {
    let mut p = Vec::with_capacity(64);
    put_lenenc_str(&mut p, b"def");
    put_lenenc_str(&mut p, c.schema.as_bytes());
    put_lenenc_str(&mut p, c.table.as_bytes());
    put_lenenc_str(&mut p, c.org_table.as_bytes());
    put_lenenc_str(&mut p, c.name.as_bytes());
    put_lenenc_str(&mut p, c.org_name.as_bytes());
    p.push(0x0c);
    p.extend_from_slice(&c.charset.to_le_bytes());
    p.extend_from_slice(&c.length.to_le_bytes());
    // VARCHAR travels as VAR_STRING, ENUM/SET as STRING (with their flags), as MySQL sends them.
    let wire_type = match c.field_type {
        types::FieldType::VarChar => types::FieldType::VarString,
        types::FieldType::Enum | types::FieldType::Set => types::FieldType::String,
        t => t,
    };
    p.push(wire_type as u8);
    p.extend_from_slice(&c.flags.0.to_le_bytes());
    p.push(c.decimals);
    p.extend_from_slice(&[0, 0]);
    if let Some(d) = default {
        put_lenenc_str(&mut p, d);
    }
    p
}

/// Encodes one text-protocol row.
pub fn text_row(columns: &[ResultColumn], row: &[Value], buf: &mut Vec<u8>) {
    buf.clear();
    for (i, v) in row.iter().enumerate() {
        let field_type = columns.get(i).map_or(FieldType::VarString, |c| c.field_type);
        match v {
            // Integers without an allocation (the common case); `Value::wire_text` otherwise.
            Value::Int(i) if field_type != FieldType::Year => {
                put_lenenc_str(buf, itoa::Buffer::new().format(*i).as_bytes())
            }
            Value::UInt(u) => put_lenenc_str(buf, itoa::Buffer::new().format(*u).as_bytes()),
            v => match v.wire_text(field_type) {
                None => buf.push(0xfb),
                Some(text) => put_lenenc_str(buf, &text),
            },
        }
    }
}

/// Writes a whole text result set. `deprecate_eof` selects the OK terminator; `status` goes into
/// the terminator (with MORE_RESULTS_EXISTS when another result follows).
pub fn write_result_set(
    io: &mut PacketIo,
    columns: &[ResultColumn],
    rows: &[Vec<Value>],
    deprecate_eof: bool,
    status: u16,
    warnings: u16,
    binary: bool,
) -> Result<(), ProtocolError> {
    let mut p = Vec::with_capacity(9);
    put_lenenc_int(&mut p, columns.len() as u64);
    io.write_packet(&p);
    for c in columns {
        io.write_packet(&column_definition(c, None));
    }
    if !deprecate_eof {
        io.write_packet(&eof_packet(warnings, status));
    }
    let mut buf = Vec::with_capacity(256);
    for row in rows {
        if binary {
            crate::binary::binary_row(columns, row, &mut buf);
        } else {
            text_row(columns, row, &mut buf);
        }
        io.write_packet(&buf);
        io.maybe_flush()?;
    }
    if deprecate_eof {
        io.write_packet(&ok_packet(0xfe, 0, 0, status, warnings, ""));
    } else {
        io.write_packet(&eof_packet(warnings, status));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn err_packet_layout() {
        let e = Error::fmt(errno::ER_NO_SUCH_TABLE, &[&"test", &"t"]);
        let p = err_packet(&e);
        assert_eq!(p[0], 0xff);
        assert_eq!(u16::from_le_bytes([p[1], p[2]]), 1146);
        assert_eq!(&p[3..9], b"#42S02");
        assert_eq!(&p[9..], b"Table 'test.t' doesn't exist");
    }

    #[test]
    fn text_row_encodes_null_and_numbers() {
        let mut buf = Vec::new();
        text_row(&[], &[Value::Null, Value::Int(-12), Value::String("ab".into())], &mut buf);
        assert_eq!(buf, vec![0xfb, 3, b'-', b'1', b'2', 2, b'a', b'b']);
        let year = ResultColumn { field_type: FieldType::Year, ..ResultColumn::varchar("y", 4) };
        text_row(&[year.clone(), year], &[Value::Int(0), Value::Int(2024)], &mut buf);
        assert_eq!(buf, b"\x040000\x042024".to_vec());
    }

    #[test]
    fn ok_packet_layout() {
        let p = ok_packet(0, 300, 5, 2, 1, "");
        assert_eq!(p, vec![0, 0xfc, 0x2c, 0x01, 5, 2, 0, 1, 0]);
        let p = ok_packet(0, 1, 0, 2, 0, "ab");
        assert_eq!(p, vec![0, 1, 0, 2, 0, 0, 0, 2, b'a', b'b']);
    }
}
