//! MySQL column types, flags and result-set column metadata.

/// MySQL protocol column type codes (`enum_field_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FieldType {
    /// Old DECIMAL (unused by servers since 5.0; kept for completeness).
    Decimal = 0,
    /// TINYINT.
    Tiny = 1,
    /// SMALLINT.
    Short = 2,
    /// INT.
    Long = 3,
    /// FLOAT.
    Float = 4,
    /// DOUBLE.
    Double = 5,
    /// NULL-typed expression (e.g. `SELECT NULL`).
    Null = 6,
    /// TIMESTAMP.
    Timestamp = 7,
    /// BIGINT.
    LongLong = 8,
    /// MEDIUMINT.
    Int24 = 9,
    /// DATE.
    Date = 10,
    /// TIME.
    Time = 11,
    /// DATETIME.
    DateTime = 12,
    /// YEAR.
    Year = 13,
    /// VARCHAR (internal; VAR_STRING is sent on the wire).
    VarChar = 15,
    /// BIT.
    Bit = 16,
    /// JSON.
    Json = 245,
    /// DECIMAL / NUMERIC.
    NewDecimal = 246,
    /// ENUM (sent as STRING with the ENUM flag).
    Enum = 247,
    /// SET (sent as STRING with the SET flag).
    Set = 248,
    /// TINYBLOB / TINYTEXT.
    TinyBlob = 249,
    /// MEDIUMBLOB / MEDIUMTEXT.
    MediumBlob = 250,
    /// LONGBLOB / LONGTEXT.
    LongBlob = 251,
    /// BLOB / TEXT.
    Blob = 252,
    /// VARCHAR / VARBINARY.
    VarString = 253,
    /// CHAR / BINARY.
    String = 254,
    /// Spatial types.
    Geometry = 255,
}

/// Column definition flags (`NOT_NULL_FLAG` …) as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ColumnFlags(pub u16);

impl ColumnFlags {
    /// Field can't be NULL.
    pub const NOT_NULL: u16 = 1;
    /// Field is part of a primary key.
    pub const PRI_KEY: u16 = 2;
    /// Field is part of a unique key.
    pub const UNIQUE_KEY: u16 = 4;
    /// Field is part of a non-unique key.
    pub const MULTIPLE_KEY: u16 = 8;
    /// Field is a BLOB or TEXT.
    pub const BLOB: u16 = 16;
    /// Field is UNSIGNED.
    pub const UNSIGNED: u16 = 32;
    /// Field is ZEROFILL.
    pub const ZEROFILL: u16 = 64;
    /// Field is binary (binary collation / byte string).
    pub const BINARY: u16 = 128;
    /// Field is an ENUM.
    pub const ENUM: u16 = 256;
    /// Field is AUTO_INCREMENT.
    pub const AUTO_INCREMENT: u16 = 512;
    /// Field is a TIMESTAMP.
    pub const TIMESTAMP: u16 = 1024;
    /// Field is a SET.
    pub const SET: u16 = 2048;
    /// Field has no default value.
    pub const NO_DEFAULT_VALUE: u16 = 4096;
    /// Field is set to NOW on UPDATE.
    pub const ON_UPDATE_NOW: u16 = 8192;
    /// Field is numeric.
    pub const NUM: u16 = 32768;

    /// Whether every bit of `flag` is set.
    pub fn has(self, flag: u16) -> bool {
        self.0 & flag == flag
    }
}

/// Collation ids used in column definitions and the handshake.
pub mod charset {
    /// `binary`: numbers, dates and byte strings. PyMySQL returns `bytes` only for this charset.
    pub const BINARY: u16 = 63;
    /// `utf8mb4_general_ci`: what PyMySQL announces in its handshake.
    pub const UTF8MB4_GENERAL_CI: u16 = 45;
    /// `utf8mb4_bin`: FerroDB's (and TiDB's) default collation.
    pub const UTF8MB4_BIN: u16 = 46;
    /// `utf8mb4_0900_ai_ci`: MySQL 8's default.
    pub const UTF8MB4_0900_AI_CI: u16 = 255;
}

/// One column of a result set, as the column-definition packet describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    /// Schema (database) of the underlying table, or empty.
    pub schema: String,
    /// Table alias as written in the query, or empty.
    pub table: String,
    /// Physical table name, or empty.
    pub org_table: String,
    /// Column alias (what clients show as the column name).
    pub name: String,
    /// Physical column name, or empty for expressions.
    pub org_name: String,
    /// Collation id: [`charset::BINARY`] for numbers/binary, a utf8mb4 one for strings.
    pub charset: u16,
    /// Maximum display length in bytes (characters × 4 for utf8mb4 strings).
    pub length: u32,
    /// Wire type.
    pub field_type: FieldType,
    /// Column flags.
    pub flags: ColumnFlags,
    /// Digits after the decimal point (0x1f for "not fixed" on floats and strings).
    pub decimals: u8,
}

impl ResultColumn {
    /// An expression column (no table) of the given type, with MySQL's default length for it.
    pub fn expr(name: impl Into<String>, field_type: FieldType) -> Self {
        let (charset, length, decimals, flags) = match field_type {
            FieldType::Tiny => (charset::BINARY, 4, 0, ColumnFlags::NUM),
            FieldType::Short => (charset::BINARY, 6, 0, ColumnFlags::NUM),
            FieldType::Int24 => (charset::BINARY, 9, 0, ColumnFlags::NUM),
            FieldType::Long => (charset::BINARY, 11, 0, ColumnFlags::NUM),
            FieldType::LongLong => (charset::BINARY, 20, 0, ColumnFlags::NUM),
            FieldType::Float => (charset::BINARY, 12, 31, ColumnFlags::NUM),
            FieldType::Double => (charset::BINARY, 22, 31, ColumnFlags::NUM),
            FieldType::NewDecimal | FieldType::Decimal => {
                (charset::BINARY, 65, 30, ColumnFlags::NUM)
            }
            FieldType::Null => (charset::BINARY, 0, 0, ColumnFlags::BINARY),
            FieldType::Date => (charset::BINARY, 10, 0, ColumnFlags::BINARY),
            FieldType::Time => (charset::BINARY, 10, 0, ColumnFlags::BINARY),
            FieldType::DateTime | FieldType::Timestamp => {
                (charset::BINARY, 19, 0, ColumnFlags::BINARY)
            }
            FieldType::Year => (charset::BINARY, 4, 0, ColumnFlags::NUM | ColumnFlags::UNSIGNED),
            _ => (charset::UTF8MB4_BIN, 1024, 31, 0),
        };
        ResultColumn {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            name: name.into(),
            org_name: String::new(),
            charset,
            length,
            field_type,
            flags: ColumnFlags(flags),
            decimals,
        }
    }

    /// A utf8mb4 string expression column of `chars` characters.
    pub fn varchar(name: impl Into<String>, chars: u32) -> Self {
        let mut c = Self::expr(name, FieldType::VarString);
        c.length = chars.saturating_mul(4);
        c
    }

    /// A BIGINT expression column.
    pub fn bigint(name: impl Into<String>) -> Self {
        Self::expr(name, FieldType::LongLong)
    }

    /// Marks the column NOT NULL.
    pub fn not_null(mut self) -> Self {
        self.flags.0 |= ColumnFlags::NOT_NULL;
        self
    }
}
