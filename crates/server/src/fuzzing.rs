//! Entry points for fuzzing (`crates/fuzz-targets`, `fuzz/`): the server's parsers of client
//! bytes, fed arbitrary input. Each must return (an error is fine) and never panic.

use std::collections::HashMap;

use crate::{binary, codec::Reader, handshake};

/// Parses `data` as what a client sends before and during login: an SSL request, a handshake
/// response, and (from the first byte's choice) a COM_STMT_EXECUTE body with parameters.
pub fn client_bytes(data: &[u8]) {
    let _ = handshake::is_ssl_request(data);
    let _ = handshake::parse_response(data);
    if let Some((&count, rest)) = data.split_first() {
        let mut types = Vec::new();
        let mut long_data = HashMap::new();
        if let Some((&with_long, rest)) = rest.split_first() {
            if with_long & 1 == 1 {
                long_data.insert(0, rest.iter().rev().copied().collect());
            }
            let _ = binary::decode_params(rest, usize::from(count), &mut types, &mut long_data);
            // A second execution reuses the types the first one bound.
            let _ = binary::decode_params(rest, usize::from(count), &mut types, &mut long_data);
        }
    }
    let mut r = Reader::new(data);
    while r.remaining() > 0 {
        if r.lenenc_bytes().is_err() {
            break;
        }
    }
}
