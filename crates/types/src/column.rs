//! Column types as declared in `CREATE TABLE`.

use serde::{Deserialize, Serialize};

use crate::field::{charset, FieldType};

/// The base kind of a column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TypeKind {
    /// TINYINT (BOOLEAN is TINYINT(1)).
    TinyInt,
    /// SMALLINT.
    SmallInt,
    /// MEDIUMINT.
    MediumInt,
    /// INT / INTEGER.
    Int,
    /// BIGINT.
    BigInt,
    /// FLOAT.
    Float,
    /// DOUBLE / REAL.
    Double,
    /// DECIMAL(precision, scale) / NUMERIC.
    Decimal,
    /// DATE.
    Date,
    /// DATETIME(fsp) (`scale` holds fsp).
    DateTime,
    /// TIMESTAMP(fsp) (`scale` holds fsp).
    Timestamp,
    /// YEAR.
    Year,
    /// TIME(fsp) (`scale` holds fsp).
    Time,
    /// JSON (stored as validated text).
    Json,
    /// ENUM('a', 'b', …).
    Enum,
    /// SET('a', 'b', …).
    Set,
    /// CHAR(n).
    Char,
    /// VARCHAR(n).
    VarChar,
    /// TINYTEXT / TEXT / MEDIUMTEXT / LONGTEXT (length = max bytes).
    Text,
    /// BINARY(n).
    Binary,
    /// VARBINARY(n).
    VarBinary,
    /// TINYBLOB / BLOB / MEDIUMBLOB / LONGBLOB (length = max bytes).
    Blob,
}

/// A declared column type: kind, length, signedness.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColumnType {
    /// Base kind.
    pub kind: TypeKind,
    /// Display width for integers, characters for CHAR/VARCHAR, bytes for TEXT/BLOB/BINARY.
    pub length: u32,
    /// UNSIGNED integer.
    pub unsigned: bool,
    /// Digits after the point (DECIMAL).
    #[serde(default)]
    pub scale: u32,
    /// The members of an ENUM or SET.
    #[serde(default)]
    pub elems: Vec<String>,
}

impl ColumnType {
    /// A type with MySQL's default length for its kind.
    pub fn new(kind: TypeKind) -> Self {
        let length = match kind {
            TypeKind::TinyInt => 4,
            TypeKind::SmallInt => 6,
            TypeKind::MediumInt => 9,
            TypeKind::Int => 11,
            TypeKind::BigInt => 20,
            TypeKind::Float => 12,
            TypeKind::Double => 22,
            TypeKind::Decimal => 10,
            TypeKind::Date => 10,
            TypeKind::DateTime | TypeKind::Timestamp => 19,
            TypeKind::Year => 4,
            TypeKind::Time => 10,
            TypeKind::Json => u32::MAX,
            TypeKind::Enum | TypeKind::Set => 1,
            TypeKind::Char | TypeKind::Binary => 1,
            TypeKind::VarChar | TypeKind::VarBinary => 255,
            TypeKind::Text | TypeKind::Blob => 65535,
        };
        ColumnType { kind, length, unsigned: false, scale: 0, elems: Vec::new() }
    }

    /// Whether values are integers.
    pub fn is_integer(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::TinyInt
                | TypeKind::SmallInt
                | TypeKind::MediumInt
                | TypeKind::Int
                | TypeKind::BigInt
        )
    }

    /// Whether values are character strings.
    pub fn is_text(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::Char | TypeKind::VarChar | TypeKind::Text | TypeKind::Enum | TypeKind::Set
        )
    }

    /// Whether values are byte strings.
    pub fn is_binary(&self) -> bool {
        matches!(self.kind, TypeKind::Binary | TypeKind::VarBinary | TypeKind::Blob)
    }

    /// The inclusive value range of an integer type.
    pub fn int_range(&self) -> (i128, i128) {
        let bits = match self.kind {
            TypeKind::TinyInt => 8,
            TypeKind::SmallInt => 16,
            TypeKind::MediumInt => 24,
            TypeKind::Int => 32,
            _ => 64,
        };
        if self.unsigned {
            (0, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        }
    }

    /// The wire type in column definitions.
    pub fn field_type(&self) -> FieldType {
        match self.kind {
            TypeKind::TinyInt => FieldType::Tiny,
            TypeKind::SmallInt => FieldType::Short,
            TypeKind::MediumInt => FieldType::Int24,
            TypeKind::Int => FieldType::Long,
            TypeKind::BigInt => FieldType::LongLong,
            TypeKind::Float => FieldType::Float,
            TypeKind::Double => FieldType::Double,
            TypeKind::Decimal => FieldType::NewDecimal,
            TypeKind::Date => FieldType::Date,
            TypeKind::DateTime => FieldType::DateTime,
            TypeKind::Timestamp => FieldType::Timestamp,
            TypeKind::Year => FieldType::Year,
            TypeKind::Time => FieldType::Time,
            TypeKind::Json => FieldType::Json,
            TypeKind::Enum => FieldType::Enum,
            TypeKind::Set => FieldType::Set,
            TypeKind::Char | TypeKind::Binary => FieldType::String,
            TypeKind::VarChar | TypeKind::VarBinary => FieldType::VarString,
            TypeKind::Text | TypeKind::Blob => FieldType::Blob,
        }
    }

    /// The collation id in column definitions.
    pub fn charset(&self) -> u16 {
        if self.kind == TypeKind::Json {
            return charset::BINARY;
        }
        if self.is_text() {
            charset::UTF8MB4_BIN
        } else {
            charset::BINARY
        }
    }

    /// The column-definition length: bytes (characters × 4 for utf8mb4 text).
    pub fn display_length(&self) -> u32 {
        if matches!(self.kind, TypeKind::DateTime | TypeKind::Timestamp) && self.scale > 0 {
            return 20 + self.scale;
        }
        if self.kind == TypeKind::Time && self.scale > 0 {
            return 11 + self.scale;
        }
        if matches!(self.kind, TypeKind::Enum | TypeKind::Set) {
            let longest = self.elems.iter().map(|e| e.chars().count() as u32).max().unwrap_or(1);
            let chars = if self.kind == TypeKind::Set {
                self.elems.iter().map(|e| e.chars().count() as u32 + 1).sum::<u32>().max(1)
            } else {
                longest
            };
            return chars.saturating_mul(4);
        }
        if self.kind == TypeKind::Decimal {
            // digits, the point, and the sign
            return self.length + u32::from(self.scale > 0) + u32::from(!self.unsigned);
        }
        if self.is_text() && self.kind != TypeKind::Text {
            self.length.saturating_mul(4)
        } else {
            self.length
        }
    }

    /// The SQL spelling, as `SHOW CREATE TABLE` and `DESCRIBE` print it.
    pub fn sql(&self) -> String {
        let base = match self.kind {
            TypeKind::TinyInt => "tinyint",
            TypeKind::SmallInt => "smallint",
            TypeKind::MediumInt => "mediumint",
            TypeKind::Int => "int",
            TypeKind::BigInt => "bigint",
            TypeKind::Float => "float",
            TypeKind::Double => "double",
            TypeKind::Decimal => "decimal",
            TypeKind::Date => "date",
            TypeKind::DateTime => "datetime",
            TypeKind::Timestamp => "timestamp",
            TypeKind::Year => "year",
            TypeKind::Time => "time",
            TypeKind::Json => "json",
            TypeKind::Enum => "enum",
            TypeKind::Set => "set",
            TypeKind::Char => "char",
            TypeKind::VarChar => "varchar",
            TypeKind::Binary => "binary",
            TypeKind::VarBinary => "varbinary",
            TypeKind::Text => match self.length {
                0..=255 => "tinytext",
                256..=65535 => "text",
                65536..=16777215 => "mediumtext",
                _ => "longtext",
            },
            TypeKind::Blob => match self.length {
                0..=255 => "tinyblob",
                256..=65535 => "blob",
                65536..=16777215 => "mediumblob",
                _ => "longblob",
            },
        };
        let mut s = match self.kind {
            // TiDB prints integer display widths (`int(11)`), as MySQL 5.7 did.
            TypeKind::Char
            | TypeKind::VarChar
            | TypeKind::Binary
            | TypeKind::VarBinary
            | TypeKind::TinyInt
            | TypeKind::SmallInt
            | TypeKind::MediumInt
            | TypeKind::Int
            | TypeKind::BigInt => format!("{base}({})", self.length),
            TypeKind::Decimal => format!("{base}({},{})", self.length, self.scale),
            TypeKind::DateTime | TypeKind::Timestamp | TypeKind::Time if self.scale > 0 => {
                format!("{base}({})", self.scale)
            }
            TypeKind::Year => format!("{base}(4)"),
            TypeKind::Enum | TypeKind::Set => {
                let quoted: Vec<String> =
                    self.elems.iter().map(|e| format!("'{}'", e.replace('\'', "''"))).collect();
                format!("{base}({})", quoted.join(","))
            }
            _ => base.to_string(),
        };
        if self.unsigned {
            s.push_str(" unsigned");
        }
        s
    }
}
