//! Schema objects as stored (JSON, like TiDB's meta records).

use serde::{Deserialize, Serialize};
use types::ColumnType;

/// A database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInfo {
    /// Unique id.
    pub id: i64,
    /// Name as created.
    pub name: String,
    /// Default character set.
    pub charset: String,
    /// Default collation.
    pub collation: String,
}

/// A column's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DefaultValue {
    /// `DEFAULT NULL`.
    Null,
    /// A literal, kept as text and converted to the column type on use (as MySQL stores it).
    Text(String),
    /// `DEFAULT CURRENT_TIMESTAMP`.
    CurrentTimestamp,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Id within the table (stable across renames; rows store values by id).
    pub id: u32,
    /// Name as created.
    pub name: String,
    /// Declared type.
    pub ty: ColumnType,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT …`; `None` means no default (an INSERT must give a value in strict mode).
    pub default: Option<DefaultValue>,
    /// `AUTO_INCREMENT`.
    pub auto_increment: bool,
    /// `ON UPDATE CURRENT_TIMESTAMP`.
    #[serde(default)]
    pub on_update_now: bool,
    /// `COMMENT '…'`.
    pub comment: String,
    /// `GENERATED ALWAYS AS (expr) [VIRTUAL | STORED]`: computed from the row's other columns
    /// whenever the row is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedColumn>,
}

/// A generated column's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedColumn {
    /// Its expression, as SQL text.
    pub expr: String,
    /// `STORED` (else `VIRTUAL`; both are computed when the row is written).
    pub stored: bool,
}

/// An index (the primary key is one, with `primary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    /// Id within the table.
    pub id: i64,
    /// Name (`PRIMARY` for the primary key).
    pub name: String,
    /// Column positions (offsets into [`TableInfo::columns`]).
    pub columns: Vec<usize>,
    /// UNIQUE (or PRIMARY).
    pub unique: bool,
    /// The primary key.
    pub primary: bool,
    /// Where the index is in its online build (absent in older catalogs: public).
    #[serde(default)]
    pub state: IndexState,
}

/// The state of an index being added online (TiDB's F1-style schema states, reduced to the two
/// a single server needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum IndexState {
    /// Complete: reads may use it.
    #[default]
    Public,
    /// Being backfilled: every write maintains (and checks) it, no read uses it.
    WriteOnly,
}

impl IndexInfo {
    /// Whether reads may use the index (and metadata shows it).
    pub fn is_public(&self) -> bool {
        self.state == IndexState::Public
    }
}

/// What happens to child rows when the parent row changes or goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FkAction {
    /// `RESTRICT` as written: refuse the parent change while child rows reference it.
    Restrict,
    /// Delete (or update) the child rows too.
    Cascade,
    /// Set the child's referencing columns to NULL.
    SetNull,
    /// `NO ACTION`, or no clause (the default): enforced like RESTRICT, shown as MySQL shows
    /// the default (no clause in SHOW CREATE TABLE, `NO ACTION` in information_schema).
    #[default]
    NoAction,
}

impl FkAction {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::NoAction => "NO ACTION",
        }
    }

    /// Whether the change is refused while children exist (RESTRICT and NO ACTION).
    pub fn restricts(self) -> bool {
        matches!(self, FkAction::Restrict | FkAction::NoAction)
    }
}

/// A foreign key of a child table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyInfo {
    /// Constraint name.
    pub name: String,
    /// Referencing columns (offsets into the child's columns).
    pub columns: Vec<usize>,
    /// Referenced database.
    pub ref_db: String,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns (names in the parent).
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: FkAction,
    /// `ON UPDATE`.
    pub on_update: FkAction,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    /// Unique id (the `t{id}` key prefix).
    pub id: i64,
    /// Owning database id.
    pub db_id: i64,
    /// Name as created.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<ColumnInfo>,
    /// Indexes, including the primary key.
    pub indexes: Vec<IndexInfo>,
    /// Whether the primary key is one integer column whose value is the row handle (clustered).
    pub pk_is_handle: bool,
    /// Next column id to assign.
    pub next_column_id: u32,
    /// Next index id to assign.
    pub next_index_id: i64,
    /// `COMMENT='…'`.
    pub comment: String,
    /// Foreign keys to parent tables.
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKeyInfo>,
    /// Set when this is a view rather than a base table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<ViewInfo>,
}

/// What a view stores: its query, with table names qualified by database at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewInfo {
    /// The defining `SELECT`, as SQL text.
    pub select: String,
    /// `DEFINER`, as `user@host` (views made before accounts existed: `root@%`).
    #[serde(default = "root_definer")]
    pub definer: String,
    /// `SQL SECURITY INVOKER`: the view's tables are checked against whoever reads it
    /// (otherwise against its definer).
    #[serde(default)]
    pub invoker: bool,
}

fn root_definer() -> String {
    "root@%".to_string()
}

impl ViewInfo {
    /// The definer as `(user, host)`.
    pub fn definer_parts(&self) -> (&str, &str) {
        self.definer.rsplit_once('@').unwrap_or((self.definer.as_str(), "%"))
    }
}

/// The most columns a table may have (TiDB's `table-column-count-limit` default; MySQL's is 4096).
pub const MAX_COLUMNS: usize = 1017;
/// The most indexes a table may have, its primary key included (TiDB's `index-limit` default).
pub const MAX_INDEXES: usize = 64;
/// The most columns one index may have (MySQL's and TiDB's `MAX_KEY_PARTS`).
pub const MAX_KEY_PARTS: usize = 16;

impl TableInfo {
    /// Errors 1117, 1069 and 1070 when the definition has more columns, indexes or index
    /// columns than [`MAX_COLUMNS`], [`MAX_INDEXES`] and [`MAX_KEY_PARTS`] allow.
    pub fn check_limits(&self) -> errno::Result<()> {
        if self.columns.len() > MAX_COLUMNS {
            return Err(errno::Error::fmt(errno::ER_TOO_MANY_FIELDS, &[]));
        }
        if self.indexes.len() > MAX_INDEXES {
            return Err(errno::Error::fmt(errno::ER_TOO_MANY_KEYS, &[&MAX_INDEXES]));
        }
        if self.indexes.iter().any(|i| i.columns.len() > MAX_KEY_PARTS) {
            return Err(errno::Error::fmt(errno::ER_TOO_MANY_KEY_PARTS, &[&MAX_KEY_PARTS]));
        }
        Ok(())
    }

    /// A definition with just a name and columns: no indexes, keys or storage identity yet
    /// (the rows of a derived table, or a view before the catalog assigns ids).
    pub fn with_columns(name: impl Into<String>, columns: Vec<ColumnInfo>) -> Self {
        TableInfo {
            id: 0,
            db_id: 0,
            name: name.into(),
            next_column_id: columns.len() as u32 + 1,
            columns,
            indexes: Vec::new(),
            pk_is_handle: false,
            next_index_id: 1,
            comment: String::new(),
            foreign_keys: Vec::new(),
            view: None,
        }
    }

    /// The column named `name` (case-insensitive).
    pub fn column(&self, name: &str) -> Option<(usize, &ColumnInfo)> {
        self.columns.iter().enumerate().find(|(_, c)| c.name.eq_ignore_ascii_case(name))
    }

    /// The primary key, if declared.
    pub fn primary_key(&self) -> Option<&IndexInfo> {
        self.indexes.iter().find(|i| i.primary)
    }

    /// The offset of the integer primary-key column that is the handle, if any.
    pub fn handle_column(&self) -> Option<usize> {
        if !self.pk_is_handle {
            return None;
        }
        self.primary_key().and_then(|pk| pk.columns.first().copied())
    }

    /// The AUTO_INCREMENT column's offset, if any.
    pub fn auto_increment_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.auto_increment)
    }

    /// Indexes stored as separate entries (all but a clustered integer primary key), including
    /// ones still being built: what writes maintain.
    pub fn stored_indexes(&self) -> impl Iterator<Item = &IndexInfo> {
        self.indexes.iter().filter(move |i| !(i.primary && self.pk_is_handle))
    }

    /// Stored indexes that are complete: what reads may use.
    pub fn readable_indexes(&self) -> impl Iterator<Item = &IndexInfo> {
        self.stored_indexes().filter(|i| i.is_public())
    }

    /// Indexes as metadata shows them (complete ones, the primary key included).
    pub fn public_indexes(&self) -> impl Iterator<Item = &IndexInfo> {
        self.indexes.iter().filter(|i| i.is_public())
    }
}
