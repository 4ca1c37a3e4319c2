//! `information_schema`: read-only views over the catalog, built when a query reads them.

use catalog::{Catalog, ColumnInfo, DefaultValue, TableInfo};
use types::{ColumnType, TypeKind, Value};

/// Tables of `information_schema`, in `SHOW TABLES` order.
pub const TABLES: &[&str] = &[
    "COLUMNS",
    "COLUMN_PRIVILEGES",
    "FILES",
    "KEY_COLUMN_USAGE",
    "PARTITIONS",
    "PROCESSLIST",
    "REFERENTIAL_CONSTRAINTS",
    "SCHEMATA",
    "SCHEMA_PRIVILEGES",
    "STATISTICS",
    "TABLES",
    "TABLE_CONSTRAINTS",
    "TABLE_PRIVILEGES",
    "TRIGGERS",
    "USER_PRIVILEGES",
    "VIEWS",
];

/// `information_schema.PARTITIONS`'s columns (MySQL's), `true` for integers.
const PARTITION_COLUMNS: &[(&str, bool)] = &[
    ("TABLE_CATALOG", false),
    ("TABLE_SCHEMA", false),
    ("TABLE_NAME", false),
    ("PARTITION_NAME", false),
    ("SUBPARTITION_NAME", false),
    ("PARTITION_ORDINAL_POSITION", true),
    ("SUBPARTITION_ORDINAL_POSITION", true),
    ("PARTITION_METHOD", false),
    ("SUBPARTITION_METHOD", false),
    ("PARTITION_EXPRESSION", false),
    ("SUBPARTITION_EXPRESSION", false),
    ("PARTITION_DESCRIPTION", false),
    ("TABLE_ROWS", true),
    ("AVG_ROW_LENGTH", true),
    ("DATA_LENGTH", true),
    ("MAX_DATA_LENGTH", true),
    ("INDEX_LENGTH", true),
    ("DATA_FREE", true),
    ("CREATE_TIME", false),
    ("UPDATE_TIME", false),
    ("CHECK_TIME", false),
    ("CHECKSUM", true),
    ("PARTITION_COMMENT", false),
    ("NODEGROUP", false),
    ("TABLESPACE_NAME", false),
];

pub(super) fn def(name: &str, cols: &[(&str, bool)]) -> TableInfo {
    let columns = cols
        .iter()
        .enumerate()
        .map(|(i, (n, int))| ColumnInfo {
            id: i as u32 + 1,
            name: n.to_string(),
            ty: if *int {
                ColumnType::new(TypeKind::BigInt)
            } else {
                ColumnType { length: 512, ..ColumnType::new(TypeKind::VarChar) }
            },
            not_null: false,
            default: Some(DefaultValue::Null),
            auto_increment: false,
            on_update_now: false,
            comment: String::new(),
            generated: None,
        })
        .collect();
    TableInfo {
        id: 0,
        db_id: 0,
        name: name.to_string(),
        columns,
        indexes: Vec::new(),
        pk_is_handle: false,
        next_column_id: cols.len() as u32 + 1,
        next_index_id: 1,
        comment: String::new(),
        foreign_keys: Vec::new(),
        view: None,
    }
}

pub(super) fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn data_type(c: &ColumnInfo) -> String {
    c.ty.sql().split(['(', ' ']).next().unwrap_or_default().to_string()
}

/// The definition and rows of `information_schema.<name>`, or `None` if there is no such view.
/// Only what `ctx`'s account may see is listed (databases and tables it holds some privilege
/// on, as MySQL does).
pub fn view(
    ctx: &crate::SessionCtx,
    catalog: &Catalog,
    name: &str,
) -> Option<(TableInfo, Vec<Vec<Value>>)> {
    let upper = name.to_ascii_uppercase();
    if let Some(v) = super::infoschema_privileges::view(ctx, &upper) {
        return Some(v);
    }
    let schema = catalog.schema();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let tables: Vec<(String, std::sync::Arc<TableInfo>)> = schema
        .databases()
        .flat_map(|d| schema.tables(&d.name).into_iter().map(move |t| (d.name.clone(), t)))
        .filter(|(db, t)| crate::privileges::may_see_table(ctx, db, &t.name))
        .collect();
    let t = match upper.as_str() {
        "PROCESSLIST" => {
            for p in crate::processes::visible(ctx) {
                rows.push(vec![
                    Value::Int(i64::try_from(p.id).unwrap_or(i64::MAX)),
                    s(p.user),
                    s(p.host),
                    p.db.map_or(Value::Null, s),
                    s(p.command),
                    Value::Int(i64::try_from(p.time).unwrap_or(i64::MAX)),
                    s(p.state),
                    p.info.map_or(Value::Null, s),
                    s(p.digest),
                ]);
            }
            def(
                "PROCESSLIST",
                &[
                    ("ID", true),
                    ("USER", false),
                    ("HOST", false),
                    ("DB", false),
                    ("COMMAND", false),
                    ("TIME", true),
                    ("STATE", false),
                    ("INFO", false),
                    ("DIGEST", false),
                ],
            )
        }
        "SCHEMATA" => {
            for d in catalog::VIRTUAL_DATABASES {
                rows.push(vec![s("def"), s(*d), s("utf8mb4"), s("utf8mb4_bin"), Value::Null]);
            }
            for d in schema.databases().filter(|d| crate::privileges::may_see_db(ctx, &d.name)) {
                rows.push(vec![
                    s("def"),
                    s(d.name.clone()),
                    s(d.charset.clone()),
                    s(d.collation.clone()),
                    Value::Null,
                ]);
            }
            def(
                "SCHEMATA",
                &[
                    ("CATALOG_NAME", false),
                    ("SCHEMA_NAME", false),
                    ("DEFAULT_CHARACTER_SET_NAME", false),
                    ("DEFAULT_COLLATION_NAME", false),
                    ("SQL_PATH", false),
                ],
            )
        }
        "VIEWS" => {
            for (db, t) in &tables {
                if let Some(v) = &t.view {
                    rows.push(vec![
                        s("def"),
                        s(db.clone()),
                        s(t.name.clone()),
                        s(v.select.clone()),
                        s("NONE"),
                        s("NO"),
                        s(v.definer.clone()),
                        s(if v.invoker { "INVOKER" } else { "DEFINER" }),
                        s("utf8mb4"),
                        s("utf8mb4_bin"),
                    ]);
                }
            }
            def(
                "VIEWS",
                &[
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("VIEW_DEFINITION", false),
                    ("CHECK_OPTION", false),
                    ("IS_UPDATABLE", false),
                    ("DEFINER", false),
                    ("SECURITY_TYPE", false),
                    ("CHARACTER_SET_CLIENT", false),
                    ("COLLATION_CONNECTION", false),
                ],
            )
        }
        "TABLES" => {
            for name in TABLES {
                rows.push(vec![
                    s("def"),
                    s("INFORMATION_SCHEMA"),
                    s(*name),
                    s("SYSTEM VIEW"),
                    Value::Null,
                    Value::Int(10),
                    s("Dynamic"),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    s("utf8mb4_bin"),
                    Value::Null,
                    s(""),
                    s(""),
                ]);
            }
            for (db, t) in &tables {
                rows.push(vec![
                    s("def"),
                    s(db.clone()),
                    s(t.name.clone()),
                    s(if t.view.is_some() { "VIEW" } else { "BASE TABLE" }),
                    if t.view.is_some() { Value::Null } else { s("InnoDB") },
                    if t.view.is_some() { Value::Null } else { Value::Int(10) },
                    if t.view.is_some() { Value::Null } else { s("Compact") },
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    s("utf8mb4_bin"),
                    Value::Null,
                    s(""),
                    s(t.comment.clone()),
                ]);
            }
            def(
                "TABLES",
                &[
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("TABLE_TYPE", false),
                    ("ENGINE", false),
                    ("VERSION", true),
                    ("ROW_FORMAT", false),
                    ("TABLE_ROWS", true),
                    ("AVG_ROW_LENGTH", true),
                    ("DATA_LENGTH", true),
                    ("MAX_DATA_LENGTH", true),
                    ("INDEX_LENGTH", true),
                    ("DATA_FREE", true),
                    ("AUTO_INCREMENT", true),
                    ("CREATE_TIME", false),
                    ("UPDATE_TIME", false),
                    ("CHECK_TIME", false),
                    ("TABLE_COLLATION", false),
                    ("CHECKSUM", true),
                    ("CREATE_OPTIONS", false),
                    ("TABLE_COMMENT", false),
                ],
            )
        }
        "COLUMNS" => {
            for (db, t) in &tables {
                for (i, c) in t.columns.iter().enumerate() {
                    let key =
                        if t.public_indexes().any(|x| x.primary && x.columns.first() == Some(&i)) {
                            "PRI"
                        } else if t
                            .indexes
                            .iter()
                            .any(|x| x.unique && x.columns.len() == 1 && x.columns[0] == i)
                        {
                            "UNI"
                        } else if t.public_indexes().any(|x| x.columns.first() == Some(&i)) {
                            "MUL"
                        } else {
                            ""
                        };
                    let default = match &c.default {
                        Some(DefaultValue::Text(v)) => s(v.clone()),
                        Some(DefaultValue::CurrentTimestamp) => s("CURRENT_TIMESTAMP"),
                        _ => Value::Null,
                    };
                    let (char_len, octets) = if c.ty.is_text() || c.ty.is_binary() {
                        let l = i64::from(c.ty.length);
                        (
                            Value::Int(l),
                            Value::Int(if c.ty.is_text() && c.ty.kind != TypeKind::Text {
                                l * 4
                            } else {
                                l
                            }),
                        )
                    } else {
                        (Value::Null, Value::Null)
                    };
                    let numeric = if c.ty.is_integer() {
                        Value::Int(i64::from(c.ty.length.min(20)))
                    } else {
                        Value::Null
                    };
                    rows.push(vec![
                        s("def"),
                        s(db.clone()),
                        s(t.name.clone()),
                        s(c.name.clone()),
                        Value::Int(i as i64 + 1),
                        default,
                        s(if c.not_null { "NO" } else { "YES" }),
                        s(data_type(c)),
                        char_len,
                        octets,
                        numeric.clone(),
                        if numeric.is_null() { Value::Null } else { Value::Int(0) },
                        Value::Null,
                        if c.ty.is_text() { s("utf8mb4") } else { Value::Null },
                        if c.ty.is_text() { s("utf8mb4_bin") } else { Value::Null },
                        s(c.ty.sql()),
                        s(key),
                        s(if c.auto_increment { "auto_increment" } else { "" }),
                        s("select,insert,update,references"),
                        s(c.comment.clone()),
                        s(""),
                    ]);
                }
            }
            def(
                "COLUMNS",
                &[
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("COLUMN_NAME", false),
                    ("ORDINAL_POSITION", true),
                    ("COLUMN_DEFAULT", false),
                    ("IS_NULLABLE", false),
                    ("DATA_TYPE", false),
                    ("CHARACTER_MAXIMUM_LENGTH", true),
                    ("CHARACTER_OCTET_LENGTH", true),
                    ("NUMERIC_PRECISION", true),
                    ("NUMERIC_SCALE", true),
                    ("DATETIME_PRECISION", true),
                    ("CHARACTER_SET_NAME", false),
                    ("COLLATION_NAME", false),
                    ("COLUMN_TYPE", false),
                    ("COLUMN_KEY", false),
                    ("EXTRA", false),
                    ("PRIVILEGES", false),
                    ("COLUMN_COMMENT", false),
                    ("GENERATION_EXPRESSION", false),
                ],
            )
        }
        "STATISTICS" => {
            for (db, t) in &tables {
                for idx in t.public_indexes() {
                    for (seq, &c) in idx.columns.iter().enumerate() {
                        rows.push(vec![
                            s("def"),
                            s(db.clone()),
                            s(t.name.clone()),
                            Value::Int(i64::from(!idx.unique)),
                            s(db.clone()),
                            s(idx.name.clone()),
                            Value::Int(seq as i64 + 1),
                            s(t.columns[c].name.clone()),
                            s("A"),
                            Value::Int(0),
                            Value::Null,
                            Value::Null,
                            s(if t.columns[c].not_null { "" } else { "YES" }),
                            s("BTREE"),
                            s(""),
                            s(""),
                        ]);
                    }
                }
            }
            def(
                "STATISTICS",
                &[
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("NON_UNIQUE", true),
                    ("INDEX_SCHEMA", false),
                    ("INDEX_NAME", false),
                    ("SEQ_IN_INDEX", true),
                    ("COLUMN_NAME", false),
                    ("COLLATION", false),
                    ("CARDINALITY", true),
                    ("SUB_PART", true),
                    ("PACKED", false),
                    ("NULLABLE", false),
                    ("INDEX_TYPE", false),
                    ("COMMENT", false),
                    ("INDEX_COMMENT", false),
                ],
            )
        }
        "KEY_COLUMN_USAGE" => {
            for (db, t) in &tables {
                for idx in t.public_indexes().filter(|i| i.unique) {
                    for (seq, &c) in idx.columns.iter().enumerate() {
                        rows.push(vec![
                            s("def"),
                            s(db.clone()),
                            s(idx.name.clone()),
                            s("def"),
                            s(db.clone()),
                            s(t.name.clone()),
                            s(t.columns[c].name.clone()),
                            Value::Int(seq as i64 + 1),
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            Value::Null,
                        ]);
                    }
                }
                for fk in &t.foreign_keys {
                    for (seq, (&c, r)) in fk.columns.iter().zip(&fk.ref_columns).enumerate() {
                        rows.push(vec![
                            s("def"),
                            s(db.clone()),
                            s(fk.name.clone()),
                            s("def"),
                            s(db.clone()),
                            s(t.name.clone()),
                            s(t.columns[c].name.clone()),
                            Value::Int(seq as i64 + 1),
                            Value::Int(seq as i64 + 1),
                            s(fk.ref_db.clone()),
                            s(fk.ref_table.clone()),
                            s(r.clone()),
                        ]);
                    }
                }
            }
            def(
                "KEY_COLUMN_USAGE",
                &[
                    ("CONSTRAINT_CATALOG", false),
                    ("CONSTRAINT_SCHEMA", false),
                    ("CONSTRAINT_NAME", false),
                    ("TABLE_CATALOG", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("COLUMN_NAME", false),
                    ("ORDINAL_POSITION", true),
                    ("POSITION_IN_UNIQUE_CONSTRAINT", true),
                    ("REFERENCED_TABLE_SCHEMA", false),
                    ("REFERENCED_TABLE_NAME", false),
                    ("REFERENCED_COLUMN_NAME", false),
                ],
            )
        }
        "TABLE_CONSTRAINTS" => {
            for (db, t) in &tables {
                for idx in t.public_indexes().filter(|i| i.unique) {
                    let kind = if idx.primary { "PRIMARY KEY" } else { "UNIQUE" };
                    rows.push(vec![
                        s("def"),
                        s(db.clone()),
                        s(idx.name.clone()),
                        s(db.clone()),
                        s(t.name.clone()),
                        s(kind),
                        s("YES"),
                    ]);
                }
            }
            for (db, t) in &tables {
                for fk in &t.foreign_keys {
                    rows.push(vec![
                        s("def"),
                        s(db.clone()),
                        s(fk.name.clone()),
                        s(db.clone()),
                        s(t.name.clone()),
                        s("FOREIGN KEY"),
                        s("YES"),
                    ]);
                }
            }
            def(
                "TABLE_CONSTRAINTS",
                &[
                    ("CONSTRAINT_CATALOG", false),
                    ("CONSTRAINT_SCHEMA", false),
                    ("CONSTRAINT_NAME", false),
                    ("TABLE_SCHEMA", false),
                    ("TABLE_NAME", false),
                    ("CONSTRAINT_TYPE", false),
                    ("ENFORCED", false),
                ],
            )
        }
        "REFERENTIAL_CONSTRAINTS" => {
            for (db, t) in &tables {
                for fk in &t.foreign_keys {
                    rows.push(vec![
                        s("def"),
                        s(db.clone()),
                        s(fk.name.clone()),
                        s("def"),
                        s(fk.ref_db.clone()),
                        s("PRIMARY"),
                        s("NONE"),
                        s(fk.on_update.sql()),
                        s(fk.on_delete.sql()),
                        s(t.name.clone()),
                        s(fk.ref_table.clone()),
                    ]);
                }
            }
            def(
                "REFERENTIAL_CONSTRAINTS",
                &[
                    ("CONSTRAINT_CATALOG", false),
                    ("CONSTRAINT_SCHEMA", false),
                    ("CONSTRAINT_NAME", false),
                    ("UNIQUE_CONSTRAINT_CATALOG", false),
                    ("UNIQUE_CONSTRAINT_SCHEMA", false),
                    ("UNIQUE_CONSTRAINT_NAME", false),
                    ("MATCH_OPTION", false),
                    ("UPDATE_RULE", false),
                    ("DELETE_RULE", false),
                    ("TABLE_NAME", false),
                    ("REFERENCED_TABLE_NAME", false),
                ],
            )
        }
        // Tablespace files: none (TiDB's is empty too); dump tools query it.
        "FILES" => {
            const TEXT: [&str; 12] = [
                "FILE_NAME",
                "FILE_TYPE",
                "TABLESPACE_NAME",
                "TABLE_CATALOG",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "LOGFILE_GROUP_NAME",
                "ENGINE",
                "ROW_FORMAT",
                "STATUS",
                "EXTRA",
                "FULLTEXT_KEYS",
            ];
            const INTS: [&str; 16] = [
                "FILE_ID",
                "LOGFILE_GROUP_NUMBER",
                "DELETED_ROWS",
                "UPDATE_COUNT",
                "FREE_EXTENTS",
                "TOTAL_EXTENTS",
                "EXTENT_SIZE",
                "INITIAL_SIZE",
                "MAXIMUM_SIZE",
                "AUTOEXTEND_SIZE",
                "TRANSACTION_COUNTER",
                "VERSION",
                "TABLE_ROWS",
                "DATA_LENGTH",
                "INDEX_LENGTH",
                "DATA_FREE",
            ];
            let cols: Vec<(&str, bool)> =
                TEXT.iter().map(|c| (*c, false)).chain(INTS.iter().map(|c| (*c, true))).collect();
            def("FILES", &cols)
        }
        // Triggers: none (TiDB has none either); dump tools query it per table.
        "TRIGGERS" => {
            let cols: Vec<(&str, bool)> = [
                "TRIGGER_CATALOG",
                "TRIGGER_SCHEMA",
                "TRIGGER_NAME",
                "EVENT_MANIPULATION",
                "EVENT_OBJECT_CATALOG",
                "EVENT_OBJECT_SCHEMA",
                "EVENT_OBJECT_TABLE",
                "ACTION_ORDER",
                "ACTION_CONDITION",
                "ACTION_STATEMENT",
                "ACTION_ORIENTATION",
                "ACTION_TIMING",
                "ACTION_REFERENCE_OLD_TABLE",
                "ACTION_REFERENCE_NEW_TABLE",
                "ACTION_REFERENCE_OLD_ROW",
                "ACTION_REFERENCE_NEW_ROW",
                "CREATED",
                "SQL_MODE",
                "DEFINER",
                "CHARACTER_SET_CLIENT",
                "COLLATION_CONNECTION",
                "DATABASE_COLLATION",
            ]
            .iter()
            .map(|c| (*c, *c == "ACTION_ORDER"))
            .collect();
            def("TRIGGERS", &cols)
        }
        // One row per table, its partition columns NULL (no table is partitioned), as MySQL
        // lists an unpartitioned table.
        "PARTITIONS" => {
            for (db, t) in tables.iter().filter(|(_, t)| t.view.is_none()) {
                let mut row = vec![s("def"), s(db.clone()), s(t.name.clone())];
                row.resize(PARTITION_COLUMNS.len(), Value::Null);
                rows.push(row);
            }
            def("PARTITIONS", PARTITION_COLUMNS)
        }
        _ => return None,
    };
    Some((t, rows))
}
