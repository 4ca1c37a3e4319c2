//! DDL: CREATE/DROP DATABASE, CREATE/DROP TABLE.

use catalog::{Catalog, ColumnInfo, DefaultValue, FkAction, ForeignKeyInfo, IndexInfo, TableInfo};
use errno::{
    Error, Result, ER_DUP_FIELDNAME, ER_DUP_KEYNAME, ER_KEY_COLUMN_DOES_NOT_EXIST,
    ER_MULTIPLE_PRI_KEY, ER_NOT_SUPPORTED_YET, ER_WRONG_AUTO_KEY,
};
use sqlparser::ast::{
    self, CharacterLength, ColumnOption, CreateTable, DataType, IndexColumn, ObjectName,
    ObjectType, TableConstraint,
};
use types::{ColumnType, TypeKind, Value};

use super::{object_parts, table_name};
use crate::{
    context::SessionCtx,
    result::{ExecResult, OkResult},
};

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// `CREATE DATABASE [IF NOT EXISTS] name`.
pub fn create_database(
    catalog: &Catalog,
    name: &ObjectName,
    if_not_exists: bool,
) -> Result<ExecResult> {
    let parts = object_parts(name);
    let created =
        catalog.create_database(parts.last().map_or("", String::as_str), if_not_exists)?;
    Ok(ExecResult::Ok(OkResult { affected_rows: u64::from(created), ..Default::default() }))
}

/// `DROP DATABASE|SCHEMA`, `DROP [TEMPORARY] TABLE t1, t2` (a session's temporary table
/// first, as MySQL does).
pub fn drop(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    object_type: &ObjectType,
    names: &[ObjectName],
    if_exists: bool,
    temporary: bool,
) -> Result<ExecResult> {
    match object_type {
        ObjectType::Database | ObjectType::Schema => {
            for n in names {
                let parts = object_parts(n);
                let db = parts.last().map_or("", String::as_str);
                catalog.drop_database(db, if_exists)?;
                if ctx.current_db.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(db)) {
                    ctx.current_db = None;
                }
            }
            Ok(ExecResult::ok())
        }
        ObjectType::Table => {
            // MySQL checks every name first, reporting all missing ones in one 1051.
            let schema = catalog.schema();
            let mut missing = Vec::new();
            let mut resolved = Vec::new();
            let mut temporaries = Vec::new();
            for n in names {
                let (db, t) = table_name(ctx, n)?;
                if let Some(temp) = ctx.temporary_table(&db, &t) {
                    temporaries.push(temp);
                    continue;
                }
                if temporary || schema.table(&db, &t).map_or(true, |t| t.view.is_some()) {
                    missing.push(format!("{db}.{t}"));
                }
                resolved.push((db, t));
            }
            if !missing.is_empty() && !if_exists {
                return Err(Error::fmt(errno::ER_BAD_TABLE, &[&missing.join(",")]));
            }
            if ctx.vars.bool("foreign_key_checks") {
                for (db, t) in &resolved {
                    for (child, child_db, fk) in schema.referencing(db, t) {
                        let dropped_too = resolved.iter().any(|(d, n)| {
                            d.eq_ignore_ascii_case(&child_db) && n.eq_ignore_ascii_case(&child.name)
                        });
                        if !dropped_too {
                            return Err(Error::fmt(
                                errno::ER_FK_CANNOT_DROP_PARENT,
                                &[t, &fk.name, &child.name],
                            ));
                        }
                    }
                }
            }
            for temp in temporaries {
                catalog.drop_temporary(temp.id)?;
                ctx.temp_tables.retain(|(_, t)| t.id != temp.id);
            }
            for (db, t) in resolved {
                if missing.contains(&format!("{db}.{t}")) {
                    ctx.warn(1051, format!("Unknown table '{db}.{t}'"));
                } else {
                    catalog.drop_table(&db, &t, true)?;
                }
            }
            Ok(ExecResult::ok())
        }
        other => Err(unsupported(format!("DROP {other}"))),
    }
}

/// CHECK constraints are parsed and ignored, as TiDB does while `tidb_enable_check_constraint`
/// is off (its default), with TiDB's warning.
pub fn check_constraints_off(ctx: &mut SessionCtx) {
    if !ctx
        .warnings
        .to_vec()
        .iter()
        .any(|w| w.code == 1105 && w.message.contains("check constraint"))
    {
        ctx.warn(1105, "the switch of check constraint is off");
    }
}

/// `CREATE TABLE`.
pub fn create_table(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    ct: &CreateTable,
) -> Result<ExecResult> {
    if let Some(q) = &ct.query {
        return create_table_select(ctx, catalog, ct, q);
    }
    let (db, name) = table_name(ctx, &ct.name)?;
    if let Some(like) = &ct.like {
        let source = match like {
            ast::CreateTableLikeKind::Parenthesized(l) | ast::CreateTableLikeKind::Plain(l) => {
                &l.name
            }
        };
        let (sdb, sname) = table_name(ctx, source)?;
        let mut copy = (*super::find_table(ctx, catalog, &sdb, &sname)?).clone();
        copy.name = name;
        if ct.temporary {
            return create_temporary(ctx, catalog, &db, copy, ct);
        }
        let created = catalog.create_table(&db, copy, ct.if_not_exists)?;
        if !created {
            ctx.warn(1050, format!("Table '{}' already exists", object_parts(&ct.name).join(".")));
        }
        return Ok(ExecResult::ok());
    }
    let mut table = TableInfo {
        id: 0,
        db_id: 0,
        name,
        columns: Vec::new(),
        indexes: Vec::new(),
        pk_is_handle: false,
        next_column_id: 1,
        next_index_id: 1,
        comment: table_comment(ct),
        foreign_keys: Vec::new(),
        view: None,
    };
    let mut pending: Vec<(Option<String>, Vec<String>, bool, bool)> = Vec::new();
    let mut fks: Vec<&ast::ForeignKeyConstraint> = Vec::new();
    for def in &ct.columns {
        if table.column(&def.name.value).is_some() {
            return Err(Error::fmt(ER_DUP_FIELDNAME, &[&def.name.value]));
        }
        let mut options: Vec<ColumnOption> = def.options.iter().map(|o| o.option.clone()).collect();
        if options.iter().any(|o| matches!(o, ColumnOption::Check(_))) {
            options.retain(|o| !matches!(o, ColumnOption::Check(_)));
            check_constraints_off(ctx);
        }
        let (col, keys) =
            build_column(table.next_column_id, &def.name.value, &def.data_type, &options)?;
        table.next_column_id += 1;
        pending.extend(keys);
        table.columns.push(col);
    }
    for c in &ct.constraints {
        match c {
            TableConstraint::PrimaryKey(pk) => {
                pending.push((None, index_columns(&pk.columns)?, true, true))
            }
            TableConstraint::Unique(u) => pending.push((
                u.name.as_ref().or(u.index_name.as_ref()).map(|n| n.value.clone()),
                index_columns(&u.columns)?,
                true,
                false,
            )),
            TableConstraint::Index(i) => pending.push((
                i.name.as_ref().map(|n| n.value.clone()),
                index_columns(&i.columns)?,
                false,
                false,
            )),
            TableConstraint::ForeignKey(fk) => fks.push(fk),
            TableConstraint::Check(_) => check_constraints_off(ctx),
            other => return Err(unsupported(format!("table constraint {other}"))),
        }
    }
    for (name, cols, unique, primary) in pending {
        add_index(&mut table, name, &cols, unique, primary)?;
    }
    for fk in fks {
        add_foreign_key(ctx, catalog, &db, &mut table, fk)?;
    }
    let autos: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.auto_increment)
        .map(|(i, _)| i)
        .collect();
    if autos.len() > 1
        || autos
            .first()
            .is_some_and(|&a| !table.indexes.iter().any(|i| i.columns.first() == Some(&a)))
    {
        return Err(Error::fmt(ER_WRONG_AUTO_KEY, &[]));
    }
    if let Some(pk) = table.primary_key() {
        table.pk_is_handle = pk.columns.len() == 1 && table.columns[pk.columns[0]].ty.is_integer();
    }
    for c in &table.columns {
        if let Some(g) = &c.generated {
            crate::table::generated::bind_generated(ctx, &table, &g.expr)?;
        }
    }
    if ct.temporary {
        return create_temporary(ctx, catalog, &db, table, ct);
    }
    let created = catalog.create_table(&db, table, ct.if_not_exists)?;
    if !created {
        ctx.warn(1050, format!("Table '{}' already exists", object_parts(&ct.name).join(".")));
    }
    Ok(ExecResult::ok())
}

/// `CREATE TABLE t [AS] SELECT …`: a table with the query's result columns (names and types
/// as the query reports them; nullable ones DEFAULT NULL), filled with its rows by an
/// `INSERT … SELECT` in a transaction of its own; if that fails the table is dropped again, so
/// the statement leaves nothing behind (MySQL's atomic CREATE … SELECT). Column definitions
/// of its own are not supported yet (1235).
fn create_table_select(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    ct: &CreateTable,
    q: &ast::Query,
) -> Result<ExecResult> {
    if !ct.columns.is_empty() || !ct.constraints.is_empty() || ct.temporary || ct.like.is_some() {
        return Err(unsupported("CREATE TABLE … SELECT with column definitions"));
    }
    let (db, name) = table_name(ctx, &ct.name)?;
    let result = {
        let mut txn = catalog.begin_read()?;
        let mut st = crate::stmt_txn::StmtTxn::new(txn.as_mut());
        let cell = std::cell::RefCell::new(&mut st);
        let env = super::query::QueryEnv::new(ctx, catalog, &cell);
        super::query::with_scope(&env, q, |q| crate::planner::plan_query(&env, q, "", None))?
            .columns
    };
    let mut columns = super::query::source_columns(&result, &[]);
    // A computed DECIMAL whose scale the query does not know keeps every digit (MySQL infers
    // one; reading it as DECIMAL(10,0) would round the rows away).
    for (c, rc) in columns.iter_mut().zip(&result) {
        let decimal =
            matches!(rc.field_type, types::FieldType::NewDecimal | types::FieldType::Decimal);
        if decimal && rc.decimals >= 30 {
            c.ty.length = 65;
            c.ty.scale = 30;
        }
    }
    let mut seen = std::collections::HashSet::new();
    for c in &mut columns {
        if !seen.insert(c.name.to_lowercase()) {
            return Err(Error::fmt(errno::ER_DUP_FIELDNAME, &[&c.name]));
        }
        if !c.not_null {
            c.default = Some(DefaultValue::Null);
        }
    }
    let mut table = TableInfo::with_columns(name.clone(), columns);
    table.comment = table_comment(ct);
    if !catalog.create_table(&db, table, ct.if_not_exists)? {
        ctx.warn(1050, format!("Table '{}' already exists", object_parts(&ct.name).join(".")));
        return Ok(ExecResult::ok());
    }
    let insert =
        format!("INSERT INTO `{}`.`{}` {q}", db.replace('`', "``"), name.replace('`', "``"));
    let filled = (|| -> Result<ExecResult> {
        let ast::Statement::Insert(ins) = crate::parse_statement(&insert)? else {
            return Err(Error::msg(errno::ER_INTERNAL, "CREATE … SELECT lost its INSERT"));
        };
        let mut txn = catalog.begin_write()?;
        let r = {
            let mut st = crate::stmt_txn::StmtTxn::new(txn.as_mut());
            let r = super::insert::execute_insert(ctx, catalog, &mut st, &ins, None)?;
            st.flush()?;
            r
        };
        txn.commit()?;
        Ok(r)
    })();
    match filled {
        Ok(r) => Ok(r),
        Err(e) => {
            let _ = catalog.drop_table(&db, &name, true);
            Err(e)
        }
    }
}

/// `CREATE TEMPORARY TABLE`: `table` becomes the session's, shadowing a stored table of the
/// same name (MySQL's local temporary table; its rows live in the store under its own id
/// and are removed when the session ends).
fn create_temporary(
    ctx: &mut SessionCtx,
    catalog: &Catalog,
    db: &str,
    table: TableInfo,
    ct: &CreateTable,
) -> Result<ExecResult> {
    if ctx.temporary_table(db, &table.name).is_some() {
        if ct.if_not_exists {
            ctx.warn(1050, format!("Table '{}' already exists", object_parts(&ct.name).join(".")));
            return Ok(ExecResult::ok());
        }
        return Err(Error::fmt(errno::ER_TABLE_EXISTS, &[&table.name]));
    }
    if !table.foreign_keys.is_empty() {
        return Err(unsupported("foreign keys on temporary tables"));
    }
    let created = catalog.create_temporary(db, table)?;
    ctx.temp_tables.push((db.to_string(), std::sync::Arc::new(created)));
    Ok(ExecResult::ok())
}

/// Adds a foreign key to `table` (in database `db`): validates the parent's columns and index,
/// and gives the child an index on the referencing columns if it has none.
fn add_foreign_key(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: &str,
    table: &mut TableInfo,
    fk: &ast::ForeignKeyConstraint,
) -> Result<()> {
    let name = fk
        .name
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| format!("{}_ibfk_{}", table.name, table.foreign_keys.len() + 1));
    let mut columns = Vec::with_capacity(fk.columns.len());
    for c in &fk.columns {
        let (i, _) = table
            .column(&c.value)
            .ok_or_else(|| Error::fmt(ER_KEY_COLUMN_DOES_NOT_EXIST, &[&c.value]))?;
        columns.push(i);
    }
    let (ref_db, ref_table) = table_name(ctx, &fk.foreign_table)?;
    let self_ref = ref_db.eq_ignore_ascii_case(db) && ref_table.eq_ignore_ascii_case(&table.name);
    let schema = catalog.schema();
    let parent: TableInfo = match schema.table(&ref_db, &ref_table) {
        _ if self_ref => table.clone(),
        Ok(t) => (**t).clone(),
        // With foreign_key_checks off the parent may come later (a dump restores tables in
        // name order), as in MySQL and TiDB: the key is kept as written.
        Err(_) if !ctx.vars.bool("foreign_key_checks") && !fk.referred_columns.is_empty() => {
            let ref_columns = fk.referred_columns.iter().map(|c| c.value.clone()).collect();
            return push_foreign_key(table, fk, name, columns, (ref_db, ref_table, ref_columns));
        }
        Err(e) => return Err(e),
    };
    let ref_columns: Vec<String> = if fk.referred_columns.is_empty() {
        parent
            .primary_key()
            .map(|pk| pk.columns.iter().map(|&c| parent.columns[c].name.clone()).collect())
            .unwrap_or_default()
    } else {
        fk.referred_columns.iter().map(|c| c.value.clone()).collect()
    };
    let ref_offsets: Option<Vec<usize>> =
        ref_columns.iter().map(|c| parent.column(c).map(|(i, _)| i)).collect();
    let indexed = ref_offsets
        .as_ref()
        .is_some_and(|o| parent.indexes.iter().any(|i| i.columns.starts_with(o)));
    if ref_columns.len() != columns.len() || !indexed {
        return Err(Error::fmt(errno::ER_FK_NO_INDEX_PARENT, &[&name, &ref_table]));
    }
    push_foreign_key(table, fk, name, columns, (ref_db, ref_table, ref_columns))
}

/// Adds foreign key `fk` (its child columns resolved to `columns`, referencing `(database,
/// table, columns)`) to `table`, with the index it needs on the child side.
fn push_foreign_key(
    table: &mut TableInfo,
    fk: &ast::ForeignKeyConstraint,
    name: String,
    columns: Vec<usize>,
    (ref_db, ref_table, ref_columns): (String, String, Vec<String>),
) -> Result<()> {
    let action = |a: &Option<ast::ReferentialAction>| -> Result<FkAction> {
        Ok(match a {
            None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
            Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
            Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
            Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
            Some(ast::ReferentialAction::SetDefault) => {
                return Err(unsupported("ON … SET DEFAULT"))
            }
        })
    };
    let (on_delete, on_update) = (action(&fk.on_delete)?, action(&fk.on_update)?);
    if on_delete == FkAction::SetNull || on_update == FkAction::SetNull {
        if let Some(&c) = columns.iter().find(|&&c| table.columns[c].not_null) {
            return Err(Error::fmt(errno::ER_FK_COLUMN_NOT_NULL, &[&table.columns[c].name, &name]));
        }
    }
    if !table.indexes.iter().any(|i| i.columns.starts_with(&columns)) {
        // MySQL names the index it makes for the key: the CONSTRAINT symbol, else the
        // FOREIGN KEY's index name, else after the first column (as an unnamed KEY).
        let cols: Vec<String> = columns.iter().map(|&c| table.columns[c].name.clone()).collect();
        let index_name = fk.name.as_ref().or(fk.index_name.as_ref()).map(|n| n.value.clone());
        add_index(table, index_name, &cols, false, false)?;
    }
    table.foreign_keys.push(ForeignKeyInfo {
        name,
        columns,
        ref_db,
        ref_table,
        ref_columns,
        on_delete,
        on_update,
    });
    Ok(())
}

/// A pending index from a column or table definition: (name, columns, unique, primary).
pub type PendingIndex = (Option<String>, Vec<String>, bool, bool);

/// Builds a column from its definition; also returns the indexes its options declare
/// (`PRIMARY KEY`, `UNIQUE`).
pub fn build_column(
    id: u32,
    name: &str,
    data_type: &DataType,
    options: &[ColumnOption],
) -> Result<(ColumnInfo, Vec<PendingIndex>)> {
    let mut col = ColumnInfo {
        id,
        name: name.to_string(),
        ty: column_type(data_type)?,
        not_null: false,
        default: None,
        auto_increment: false,
        on_update_now: false,
        comment: String::new(),
        generated: None,
    };
    let mut keys = Vec::new();
    let mut explicit_default = false;
    for opt in options {
        match opt {
            ColumnOption::NotNull => col.not_null = true,
            ColumnOption::Null => col.not_null = false,
            ColumnOption::Default(e) => {
                explicit_default = true;
                col.default = Some(default_value(e)?);
            }
            ColumnOption::PrimaryKey(_) => {
                col.not_null = true;
                keys.push((None, vec![col.name.clone()], true, true));
            }
            ColumnOption::Unique(_) => keys.push((None, vec![col.name.clone()], true, false)),
            ColumnOption::Comment(c) => col.comment = c.clone(),
            ColumnOption::CharacterSet(_) | ColumnOption::Collation(_) => {}
            ColumnOption::OnUpdate(e) if is_now(e) => col.on_update_now = true,
            ColumnOption::Generated {
                generation_expr: Some(e),
                generation_expr_mode,
                sequence_options: None,
                ..
            } => {
                let stored =
                    matches!(generation_expr_mode, Some(ast::GeneratedExpressionMode::Stored));
                col.generated = Some(catalog::GeneratedColumn { expr: e.to_string(), stored });
            }
            // MySQL parses and ignores inline `REFERENCES` (only table-level FOREIGN KEY counts).
            ColumnOption::ForeignKey(_) => {}
            ColumnOption::DialectSpecific(tokens)
                if tokens.iter().any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
            {
                col.auto_increment = true;
            }
            other => return Err(unsupported(format!("column option {other}"))),
        }
    }
    if col.generated.is_some() && (explicit_default || col.auto_increment) {
        let what = if col.auto_increment { "AUTO_INCREMENT" } else { "DEFAULT" };
        return Err(Error::msg(
            errno::ER_WRONG_USAGE,
            format!("Incorrect usage of {what} and generated column"),
        ));
    }
    if !explicit_default && !col.not_null && !col.auto_increment && col.generated.is_none() {
        col.default = Some(DefaultValue::Null);
    }
    if col.auto_increment && !col.ty.is_integer() {
        return Err(Error::fmt(errno::ER_WRONG_FIELD_SPEC, &[&col.name]));
    }
    Ok((col, keys))
}

/// Adds an index definition to `table` (validating columns and the name).
pub fn add_index(
    table: &mut TableInfo,
    name: Option<String>,
    cols: &[String],
    unique: bool,
    primary: bool,
) -> Result<()> {
    let mut offsets = Vec::with_capacity(cols.len());
    for c in cols {
        let (i, _) =
            table.column(c).ok_or_else(|| Error::fmt(ER_KEY_COLUMN_DOES_NOT_EXIST, &[c]))?;
        offsets.push(i);
    }
    if primary {
        if table.primary_key().is_some() {
            return Err(Error::fmt(ER_MULTIPLE_PRI_KEY, &[]));
        }
        for &o in &offsets {
            table.columns[o].not_null = true;
            if table.columns[o].default == Some(DefaultValue::Null) {
                table.columns[o].default = None;
            }
        }
    }
    let name = if primary {
        "PRIMARY".to_string()
    } else {
        match name {
            Some(n) => n,
            None => unique_index_name(table, &cols[0]),
        }
    };
    if table.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(&name)) {
        return Err(Error::fmt(ER_DUP_KEYNAME, &[&name]));
    }
    table.indexes.push(IndexInfo {
        id: table.next_index_id,
        name,
        columns: offsets,
        unique,
        primary,
        state: catalog::IndexState::Public,
    });
    table.next_index_id += 1;
    Ok(())
}

/// MySQL names an unnamed index after its first column, adding `_2`, `_3` … on clashes.
fn unique_index_name(table: &TableInfo, first_col: &str) -> String {
    let taken = |n: &str| table.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n));
    if !taken(first_col) {
        return first_col.to_string();
    }
    (2..).map(|i| format!("{first_col}_{i}")).find(|n| !taken(n)).unwrap_or_default()
}

/// The column names of an index definition.
pub fn index_columns(cols: &[IndexColumn]) -> Result<Vec<String>> {
    cols.iter()
        .map(|c| match &c.column.expr {
            ast::Expr::Identifier(id) => Ok(id.value.clone()),
            other => Err(unsupported(format!("index on expression {other}"))),
        })
        .collect()
}

/// `COMMENT [=] '…'`, wherever the parser put it (a clause or a table option).
fn table_comment(ct: &CreateTable) -> String {
    if let Some(c) = &ct.comment {
        return comment_text(c);
    }
    let options = match &ct.table_options {
        ast::CreateTableOptions::Plain(o)
        | ast::CreateTableOptions::Options(o)
        | ast::CreateTableOptions::With(o)
        | ast::CreateTableOptions::TableProperties(o) => o.as_slice(),
        ast::CreateTableOptions::None => &[],
    };
    options
        .iter()
        .find_map(|o| match o {
            ast::SqlOption::Comment(c) => Some(comment_text(c)),
            _ => None,
        })
        .unwrap_or_default()
}

fn comment_text(c: &ast::CommentDef) -> String {
    match c {
        ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
    }
}

/// Whether `e` is `CURRENT_TIMESTAMP` / `NOW()` / `LOCALTIMESTAMP` (with or without fsp).
fn is_now(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Function(f) if matches!(
        f.name.to_string().to_ascii_uppercase().as_str(),
        "CURRENT_TIMESTAMP" | "NOW" | "LOCALTIMESTAMP" | "LOCALTIME"
    ))
}

fn default_value(e: &ast::Expr) -> Result<DefaultValue> {
    if is_now(e) {
        return Ok(DefaultValue::CurrentTimestamp);
    }
    match e {
        ast::Expr::Value(v) => Ok(match &v.value {
            ast::Value::Null => DefaultValue::Null,
            ast::Value::Number(n, _) => DefaultValue::Text(n.clone()),
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                DefaultValue::Text(s.clone())
            }
            ast::Value::Boolean(b) => DefaultValue::Text(if *b { "1" } else { "0" }.into()),
            other => DefaultValue::Text(other.to_string()),
        }),
        ast::Expr::UnaryOp { op: ast::UnaryOperator::Minus, expr } => match default_value(expr)? {
            DefaultValue::Text(t) => Ok(DefaultValue::Text(format!("-{t}"))),
            other => Ok(other),
        },
        other => Err(unsupported(format!("DEFAULT {other}"))),
    }
}

fn char_len(l: &Option<CharacterLength>, default: u32) -> u32 {
    match l {
        Some(CharacterLength::IntegerLength { length, .. }) => *length as u32,
        _ => default,
    }
}

/// Maps a declared SQL type to a column type.
pub fn column_type(dt: &DataType) -> Result<ColumnType> {
    let int = |kind, width: &Option<u64>, unsigned| {
        let mut t = ColumnType::new(kind);
        if let Some(w) = width {
            t.length = *w as u32;
        } else if unsigned && kind != TypeKind::BigInt {
            t.length -= 1; // no sign: one digit less (int(10) unsigned)
        }
        t.unsigned = unsigned;
        t
    };
    let sized = |kind, len: u32| ColumnType { length: len, ..ColumnType::new(kind) };
    Ok(match dt {
        DataType::TinyInt(w) => int(TypeKind::TinyInt, w, false),
        DataType::TinyIntUnsigned(w) => int(TypeKind::TinyInt, w, true),
        DataType::Bool | DataType::Boolean => sized(TypeKind::TinyInt, 1),
        DataType::SmallInt(w) => int(TypeKind::SmallInt, w, false),
        DataType::SmallIntUnsigned(w) => int(TypeKind::SmallInt, w, true),
        DataType::MediumInt(w) => int(TypeKind::MediumInt, w, false),
        DataType::MediumIntUnsigned(w) => int(TypeKind::MediumInt, w, true),
        DataType::Int(w) | DataType::Integer(w) => int(TypeKind::Int, w, false),
        DataType::IntUnsigned(w) | DataType::IntegerUnsigned(w) => int(TypeKind::Int, w, true),
        DataType::BigInt(w) => int(TypeKind::BigInt, w, false),
        DataType::BigIntUnsigned(w) => int(TypeKind::BigInt, w, true),
        DataType::Decimal(info)
        | DataType::Numeric(info)
        | DataType::Dec(info)
        | DataType::DecimalUnsigned(info) => {
            let (p, sc) = decimal_precision(info)?;
            ColumnType {
                length: p,
                scale: sc,
                unsigned: matches!(dt, DataType::DecimalUnsigned(_)),
                ..ColumnType::new(TypeKind::Decimal)
            }
        }
        DataType::Date => ColumnType::new(TypeKind::Date),
        DataType::Time(fsp, _) => {
            let fsp = fsp.unwrap_or(0);
            if fsp > 6 {
                return Err(Error::fmt(errno::ER_TOO_BIG_PRECISION, &[&fsp, &"TIME", &6]));
            }
            ColumnType { scale: fsp as u32, ..ColumnType::new(TypeKind::Time) }
        }
        DataType::Custom(name, args)
            if name.to_string().eq_ignore_ascii_case("year")
                && (args.is_empty() || args.iter().map(|a| a.to_string()).eq(["4"])) =>
        {
            ColumnType::new(TypeKind::Year)
        }
        DataType::JSON => ColumnType::new(TypeKind::Json),
        DataType::Enum(members, _) => {
            let elems = members
                .iter()
                .map(|m| match m {
                    ast::EnumMember::Name(n) | ast::EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect();
            ColumnType { elems, ..ColumnType::new(TypeKind::Enum) }
        }
        DataType::Set(members) => {
            ColumnType { elems: members.clone(), ..ColumnType::new(TypeKind::Set) }
        }
        DataType::Datetime(fsp) | DataType::Timestamp(fsp, _) => {
            let fsp = fsp.unwrap_or(0);
            if fsp > 6 {
                return Err(Error::fmt(errno::ER_TOO_BIG_PRECISION, &[&fsp, &"DATETIME", &6]));
            }
            let kind = if matches!(dt, DataType::Datetime(_)) {
                TypeKind::DateTime
            } else {
                TypeKind::Timestamp
            };
            ColumnType { scale: fsp as u32, ..ColumnType::new(kind) }
        }
        DataType::Float(_) => ColumnType::new(TypeKind::Float),
        DataType::Double(_) | DataType::DoublePrecision | DataType::Real => {
            ColumnType::new(TypeKind::Double)
        }
        DataType::Char(l) | DataType::Character(l) => sized(TypeKind::Char, char_len(l, 1)),
        DataType::Varchar(l) | DataType::CharacterVarying(l) => {
            let Some(CharacterLength::IntegerLength { length, .. }) = l else {
                return Err(Error::fmt(errno::ER_PARSE, &[&"VARCHAR", &1]));
            };
            sized(TypeKind::VarChar, *length as u32)
        }
        DataType::TinyText => sized(TypeKind::Text, 255),
        DataType::Text => sized(TypeKind::Text, 65535),
        DataType::MediumText => sized(TypeKind::Text, 16_777_215),
        DataType::LongText => sized(TypeKind::Text, u32::MAX),
        DataType::Binary(n) => sized(TypeKind::Binary, n.map_or(1, |n| n as u32)),
        DataType::Varbinary(Some(ast::BinaryLength::IntegerLength { length })) => {
            sized(TypeKind::VarBinary, *length as u32)
        }
        DataType::TinyBlob => sized(TypeKind::Blob, 255),
        DataType::Blob(_) => sized(TypeKind::Blob, 65535),
        DataType::MediumBlob => sized(TypeKind::Blob, 16_777_215),
        DataType::LongBlob => sized(TypeKind::Blob, u32::MAX),
        other => return Err(unsupported(format!("column type {other}"))),
    })
}

/// `(precision, scale)` of DECIMAL: defaults (10, 0); at most 38 digits, scale ≤ 30 and ≤ precision.
pub fn decimal_precision(info: &ast::ExactNumberInfo) -> Result<(u32, u32)> {
    let (p, s) = match info {
        ast::ExactNumberInfo::None => (10, 0),
        ast::ExactNumberInfo::Precision(p) => (*p as u32, 0),
        ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p as u32, (*s).max(0) as u32),
    };
    if p > types::MAX_PRECISION {
        return Err(unsupported(format!(
            "DECIMAL precision above {} (got {p})",
            types::MAX_PRECISION
        )));
    }
    if s > types::MAX_SCALE || s > p {
        return Err(Error::fmt(errno::ER_TOO_BIG_SCALE, &[&s, &"DECIMAL", &types::MAX_SCALE]));
    }
    Ok((p.max(1), s))
}

/// A literal default converted to its column's type (for INSERT and DESCRIBE).
pub fn default_of(col: &ColumnInfo, now_micros: i64) -> Result<Option<Value>> {
    match &col.default {
        None => Ok(None),
        Some(DefaultValue::Null) => Ok(Some(Value::Null)),
        Some(DefaultValue::Text(t)) => {
            crate::convert::to_column(Value::String(t.clone()), col, 1).map(Some)
        }
        Some(DefaultValue::CurrentTimestamp) => {
            let now = crate::expr::now(now_micros, col.ty.scale as u8);
            crate::convert::to_column(now, col, 1).map(Some)
        }
    }
}
