//! Protocol constants: capability flags and command bytes.

/// `CLIENT_*` capability flags.
pub mod cap {
    /// Use the improved old password authentication.
    pub const LONG_PASSWORD: u32 = 1;
    /// Affected rows means rows matched, not rows changed.
    pub const FOUND_ROWS: u32 = 1 << 1;
    /// All column flags.
    pub const LONG_FLAG: u32 = 1 << 2;
    /// A database name may be given in the handshake response.
    pub const CONNECT_WITH_DB: u32 = 1 << 3;
    /// `db.table.column` is not allowed.
    pub const NO_SCHEMA: u32 = 1 << 4;
    /// Compression protocol (not supported).
    pub const COMPRESS: u32 = 1 << 5;
    /// ODBC client.
    pub const ODBC: u32 = 1 << 6;
    /// `LOAD DATA LOCAL`: the client may send a file the server asks for.
    pub const LOCAL_FILES: u32 = 1 << 7;
    /// Ignore spaces before `(`.
    pub const IGNORE_SPACE: u32 = 1 << 8;
    /// The 4.1 protocol.
    pub const PROTOCOL_41: u32 = 1 << 9;
    /// Interactive client (`interactive_timeout`).
    pub const INTERACTIVE: u32 = 1 << 10;
    /// TLS via SSLRequest.
    pub const SSL: u32 = 1 << 11;
    /// Ignore SIGPIPE.
    pub const IGNORE_SIGPIPE: u32 = 1 << 12;
    /// Transaction status flags in OK/EOF.
    pub const TRANSACTIONS: u32 = 1 << 13;
    /// Old 4.1 flag.
    pub const RESERVED: u32 = 1 << 14;
    /// 4.1 authentication.
    pub const SECURE_CONNECTION: u32 = 1 << 15;
    /// Several statements per COM_QUERY.
    pub const MULTI_STATEMENTS: u32 = 1 << 16;
    /// Several result sets per COM_QUERY.
    pub const MULTI_RESULTS: u32 = 1 << 17;
    /// Several result sets per COM_STMT_EXECUTE.
    pub const PS_MULTI_RESULTS: u32 = 1 << 18;
    /// Authentication plugins.
    pub const PLUGIN_AUTH: u32 = 1 << 19;
    /// Connection attributes.
    pub const CONNECT_ATTRS: u32 = 1 << 20;
    /// Length-encoded auth response.
    pub const PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 1 << 21;
    /// Client can handle expired passwords.
    pub const CAN_HANDLE_EXPIRED_PASSWORDS: u32 = 1 << 22;
    /// Session state tracking (not supported).
    pub const SESSION_TRACK: u32 = 1 << 23;
    /// OK packets replace EOF packets.
    pub const DEPRECATE_EOF: u32 = 1 << 24;

    /// What FerroDB offers in its greeting (SSL is added when TLS is configured).
    pub const SERVER: u32 = LONG_PASSWORD
        | FOUND_ROWS
        | LONG_FLAG
        | CONNECT_WITH_DB
        | NO_SCHEMA
        | ODBC
        | LOCAL_FILES
        | IGNORE_SPACE
        | PROTOCOL_41
        | INTERACTIVE
        | IGNORE_SIGPIPE
        | TRANSACTIONS
        | RESERVED
        | SECURE_CONNECTION
        | MULTI_STATEMENTS
        | MULTI_RESULTS
        | PS_MULTI_RESULTS
        | PLUGIN_AUTH
        | CONNECT_ATTRS
        | PLUGIN_AUTH_LENENC_CLIENT_DATA
        | CAN_HANDLE_EXPIRED_PASSWORDS
        | DEPRECATE_EOF;
}

/// `COM_*` command bytes.
pub mod com {
    /// Close the connection.
    pub const QUIT: u8 = 0x01;
    /// Change the default database.
    pub const INIT_DB: u8 = 0x02;
    /// Text-protocol query.
    pub const QUERY: u8 = 0x03;
    /// List a table's columns (deprecated).
    pub const FIELD_LIST: u8 = 0x04;
    /// Server statistics string.
    pub const STATISTICS: u8 = 0x09;
    /// Liveness check.
    pub const PING: u8 = 0x0e;
    /// Re-authenticate as another user.
    pub const CHANGE_USER: u8 = 0x11;
    /// Prepare a statement (binary protocol).
    pub const STMT_PREPARE: u8 = 0x16;
    /// Execute a prepared statement.
    pub const STMT_EXECUTE: u8 = 0x17;
    /// Send a long parameter value (no reply).
    pub const STMT_SEND_LONG_DATA: u8 = 0x18;
    /// Close a prepared statement (no reply).
    pub const STMT_CLOSE: u8 = 0x19;
    /// Reset a prepared statement.
    pub const STMT_RESET: u8 = 0x1a;
    /// Fetch rows of a cursor.
    pub const STMT_FETCH: u8 = 0x1c;
    /// Toggle multi-statements.
    pub const SET_OPTION: u8 = 0x1b;
    /// Reset session state.
    pub const RESET_CONNECTION: u8 = 0x1f;
}
