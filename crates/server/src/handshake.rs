//! The initial handshake: the server greeting (HandshakeV10) and the client's response
//! (HandshakeResponse41, or a short SSLRequest first).

use std::collections::HashMap;

use crate::{
    auth::{AuthPlugin, SCRAMBLE_LEN},
    codec::Reader,
    error::ProtocolError,
    protocol::cap,
};

/// Builds the HandshakeV10 payload.
pub fn greeting(
    version: &str,
    connection_id: u32,
    scramble: &[u8; SCRAMBLE_LEN],
    capabilities: u32,
    status: u16,
    plugin: AuthPlugin,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(128);
    p.push(10); // protocol version
    p.extend_from_slice(version.as_bytes());
    p.push(0);
    p.extend_from_slice(&connection_id.to_le_bytes());
    p.extend_from_slice(&scramble[..8]);
    p.push(0);
    p.extend_from_slice(&(capabilities as u16).to_le_bytes());
    p.push(types::charset::UTF8MB4_BIN as u8);
    // PyMySQL decides whether to send `SET AUTOCOMMIT` from this status: it must be the truth.
    p.extend_from_slice(&status.to_le_bytes());
    p.extend_from_slice(&((capabilities >> 16) as u16).to_le_bytes());
    p.push(SCRAMBLE_LEN as u8 + 1);
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(&scramble[8..]);
    p.push(0);
    p.extend_from_slice(plugin.name().as_bytes());
    p.push(0);
    p
}

/// What the client answered to the greeting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandshakeResponse {
    /// Client capability flags.
    pub capabilities: u32,
    /// Largest packet the client accepts.
    pub max_packet: u32,
    /// Client collation id.
    pub collation: u8,
    /// User name.
    pub user: String,
    /// Scramble response for `plugin`.
    pub auth_response: Vec<u8>,
    /// Requested initial database.
    pub database: Option<String>,
    /// Plugin the client used for `auth_response` (absent from very old clients).
    pub plugin: Option<String>,
    /// Connection attributes (`_client_name`, `_pid` …).
    pub attrs: HashMap<String, String>,
}

/// Length of an SSLRequest payload: capabilities, max packet, charset, 23 filler bytes.
pub const SSL_REQUEST_LEN: usize = 32;

/// Whether a response payload is an SSLRequest (the short form with the SSL capability).
pub fn is_ssl_request(payload: &[u8]) -> bool {
    payload.len() == SSL_REQUEST_LEN
        && u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]) & cap::SSL != 0
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parses a HandshakeResponse41. Pre-4.1 clients are refused.
pub fn parse_response(payload: &[u8]) -> Result<HandshakeResponse, ProtocolError> {
    let mut r = Reader::new(payload);
    let capabilities = r.u32()?;
    if capabilities & cap::PROTOCOL_41 == 0 {
        return Err(ProtocolError::Malformed("client does not speak protocol 4.1"));
    }
    let max_packet = r.u32()?;
    let collation = r.u8()?;
    r.take(23)?;
    let user = text(r.nul_bytes()?);
    let auth_response = if capabilities & cap::PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
        r.lenenc_bytes()?.to_vec()
    } else if capabilities & cap::SECURE_CONNECTION != 0 {
        let n = r.u8()?;
        r.take(usize::from(n))?.to_vec()
    } else {
        r.nul_bytes()?.to_vec()
    };
    let mut resp = HandshakeResponse {
        capabilities,
        max_packet,
        collation,
        user,
        auth_response,
        ..Default::default()
    };
    if capabilities & cap::CONNECT_WITH_DB != 0 && r.remaining() > 0 {
        let db = text(r.nul_bytes()?);
        resp.database = (!db.is_empty()).then_some(db);
    }
    if capabilities & cap::PLUGIN_AUTH != 0 && r.remaining() > 0 {
        // Some clients omit the terminating NUL on the last field.
        let rest = r.rest();
        let name = rest.split(|&b| b == 0).next().unwrap_or_default();
        let consumed = (name.len() + 1).min(rest.len());
        resp.plugin = Some(text(name));
        let mut attrs = Reader::new(&rest[consumed..]);
        if capabilities & cap::CONNECT_ATTRS != 0 && attrs.remaining() > 0 {
            resp.attrs = parse_attrs(&mut attrs)?;
        }
    } else if capabilities & cap::CONNECT_ATTRS != 0 && r.remaining() > 0 {
        resp.attrs = parse_attrs(&mut r)?;
    }
    Ok(resp)
}

fn parse_attrs(r: &mut Reader<'_>) -> Result<HashMap<String, String>, ProtocolError> {
    let total = usize::try_from(r.lenenc_int()?).map_err(|_| ProtocolError::Truncated)?;
    let mut block = Reader::new(r.take(total)?);
    let mut attrs = HashMap::new();
    while block.remaining() > 0 {
        let k = text(block.lenenc_bytes()?);
        let v = text(block.lenenc_bytes()?);
        attrs.insert(k, v);
    }
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::put_lenenc_str;

    fn pymysql_like_response() -> Vec<u8> {
        let caps = 0x3aa20f_u32 | cap::PLUGIN_AUTH_LENENC_CLIENT_DATA;
        let mut p = Vec::new();
        p.extend_from_slice(&caps.to_le_bytes());
        p.extend_from_slice(&(1u32 << 24).to_le_bytes());
        p.push(45);
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(b"root\0");
        put_lenenc_str(&mut p, b"");
        p.extend_from_slice(b"test\0");
        p.extend_from_slice(b"mysql_native_password\0");
        let mut attrs = Vec::new();
        put_lenenc_str(&mut attrs, b"_client_name");
        put_lenenc_str(&mut attrs, b"pymysql");
        put_lenenc_str(&mut p, &attrs);
        p
    }

    #[test]
    fn parses_pymysql_handshake_response() {
        let r = parse_response(&pymysql_like_response()).expect("parse");
        assert_eq!(r.user, "root");
        assert_eq!(r.database.as_deref(), Some("test"));
        assert_eq!(r.plugin.as_deref(), Some("mysql_native_password"));
        assert_eq!(r.attrs.get("_client_name").map(String::as_str), Some("pymysql"));
        assert!(r.auth_response.is_empty());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = pymysql_like_response();
        for n in 0..full.len() {
            let _ = parse_response(&full[..n]); // must not panic
        }
        assert!(parse_response(&full[..10]).is_err());
    }

    #[test]
    fn greeting_layout() {
        let s = [7u8; SCRAMBLE_LEN];
        let g = greeting("8.0.11-TiDB", 42, &s, cap::SERVER, 2, AuthPlugin::Native);
        assert_eq!(g[0], 10);
        assert!(g.ends_with(b"mysql_native_password\0"));
        let after_version = 1 + "8.0.11-TiDB".len() + 1;
        assert_eq!(&g[after_version..after_version + 4], &42u32.to_le_bytes());
    }
}
