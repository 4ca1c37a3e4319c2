//! `ADMIN CHECKSUM TABLE` (TiDB: CRC-64 XOR, kv count and bytes of a table's rows and index
//! entries — what BR compares) and `CHECKSUM TABLE` (MySQL: a checksum of the rows; NULL with a
//! warning for a table that does not exist). Both read one snapshot.

use catalog::TableInfo;
use errno::{Error, Result, ER_NO_DB, ER_NO_SUCH_TABLE, ER_WRONG_OBJECT};
use kv::{KeyRange, Snapshot};
use privilege::Priv;
use sql::frontend::checksum::ChecksumStmt;
use types::{ColumnFlags, ResultColumn, Value};

use crate::{brie::unsigned, ExecResult, Session};

impl Session {
    /// Runs either checksum statement, recording its error for SHOW WARNINGS.
    pub(crate) fn checksum_statement(&mut self, stmt: &ChecksumStmt) -> Result<ExecResult> {
        self.ctx.warnings.clear();
        self.ctx.start_statement();
        let result = match stmt {
            ChecksumStmt::Admin(names) => self.admin_checksum(names),
            ChecksumStmt::Mysql(names) => self.mysql_checksum(names),
        };
        if let Err(e) = &result {
            self.record_error(e);
        }
        result
    }

    /// `(db, table)` of a one- or two-part name.
    pub(crate) fn qualify_table(&self, name: &[String]) -> Result<(String, String)> {
        match name {
            [db, t] => Ok((db.clone(), t.clone())),
            [t] => match &self.ctx.current_db {
                Some(db) => Ok((db.clone(), t.clone())),
                None => Err(Error::fmt(ER_NO_DB, &[])),
            },
            _ => Err(Error::fmt(ER_NO_DB, &[])),
        }
    }

    /// The table `db.name` as this session sees it (its temporary tables first).
    fn table_for_checksum(&self, db: &str, name: &str) -> Option<std::sync::Arc<TableInfo>> {
        self.ctx
            .temp_tables
            .iter()
            .find(|(d, t)| d.eq_ignore_ascii_case(db) && t.name.eq_ignore_ascii_case(name))
            .map(|(_, t)| t.clone())
            .or_else(|| self.catalog.schema().table(db, name).ok().cloned())
    }

    fn admin_checksum(&mut self, names: &[Vec<String>]) -> Result<ExecResult> {
        let mut tables = Vec::with_capacity(names.len());
        for n in names {
            let (db, name) = self.qualify_table(n)?;
            sql::privileges::check_table(&self.ctx, &self.catalog, &db, &name, &[Priv::Select])?;
            let t = self
                .table_for_checksum(&db, &name)
                .ok_or_else(|| Error::fmt(ER_NO_SUCH_TABLE, &[&db, &name]))?;
            tables.push((db, t));
        }
        let snap = self.manager.storage.snapshot(None)?;
        let mut rows = Vec::with_capacity(tables.len());
        for (db, t) in tables {
            let sum = backup::table_checksum(snap.as_ref(), t.id, t.id)?;
            rows.push(vec![
                Value::String(db),
                Value::String(t.name.clone()),
                Value::UInt(sum.crc64_xor),
                Value::UInt(sum.total_kvs),
                Value::UInt(sum.total_bytes),
            ]);
        }
        let columns = vec![
            ResultColumn::varchar("Db_name", 64).not_null(),
            ResultColumn::varchar("Table_name", 64).not_null(),
            unsigned("Checksum_crc64_xor"),
            unsigned("Total_kvs"),
            unsigned("Total_bytes"),
        ];
        Ok(ExecResult::Rows(sql::ResultSet { columns, rows }))
    }

    fn mysql_checksum(&mut self, names: &[Vec<String>]) -> Result<ExecResult> {
        let snap = self.manager.storage.snapshot(None)?;
        let mut rows = Vec::with_capacity(names.len());
        for n in names {
            let (db, name) = self.qualify_table(n)?;
            sql::privileges::check_table(&self.ctx, &self.catalog, &db, &name, &[Priv::Select])?;
            let shown = format!("{db}.{name}");
            let sum = match self.table_for_checksum(&db, &name) {
                None => {
                    let e = Error::fmt(ER_NO_SUCH_TABLE, &[&db, &name]);
                    self.ctx.warnings.push(sql::Warning {
                        level: sql::Level::Error,
                        code: e.code,
                        message: e.message,
                    });
                    Value::Null
                }
                Some(t) if t.view.is_some() => {
                    let e = Error::fmt(ER_WRONG_OBJECT, &[&db, &name, &"BASE TABLE"]);
                    self.ctx.warnings.push(sql::Warning {
                        level: sql::Level::Error,
                        code: e.code,
                        message: e.message,
                    });
                    Value::Null
                }
                Some(t) => Value::UInt(row_checksum(snap.as_ref(), t.id)?),
            };
            rows.push(vec![Value::String(shown), sum]);
        }
        let mut checksum = ResultColumn::bigint("Checksum");
        checksum.flags.0 |= ColumnFlags::UNSIGNED;
        let columns = vec![ResultColumn::varchar("Table", 128).not_null(), checksum];
        Ok(ExecResult::Rows(sql::ResultSet { columns, rows }))
    }
}

/// MySQL's live checksum: the sum, wrapping at 32 bits, of each row's CRC-32 (here over the
/// row's stored form, as MySQL's is over its storage format); 0 for an empty table.
fn row_checksum(snap: &dyn Snapshot, table_id: i64) -> Result<u64> {
    let mut sum = 0u32;
    backup::scan_range(
        snap,
        KeyRange::prefix(&tablecodec::record_prefix(table_id)),
        &mut |_, v| sum = sum.wrapping_add(crc32fast::hash(v)),
        &mut || Ok(()),
    )?;
    Ok(u64::from(sum))
}
