//! The session's transaction state machine (BEGIN/COMMIT/ROLLBACK/SAVEPOINT) over a storage
//! transaction.
//!
//! `BEGIN` starts a [`kv::Transaction`] with options taken from the session variables
//! (`tidb_txn_mode`, `innodb_lock_wait_timeout`, `transaction_read_only`); `COMMIT` commits it
//! durably and `ROLLBACK` discards it.

use std::{collections::HashMap, sync::Arc, time::Duration};

use catalog::{Catalog, TableInfo};
use errno::{Error, Result, ER_SP_DOES_NOT_EXIST};
use kv::{Storage, Transaction, TxnMode, TxnOptions};
use sql::{sysvar::SessionVars, ExecResult, TxnStmt};

/// An open transaction.
struct Active {
    txn: Box<dyn Transaction>,
    read_only: bool,
    savepoints: Vec<(String, usize)>,
    /// READ-COMMITTED: every statement reads a fresh snapshot.
    read_committed: bool,
    /// The definition of each table written, as the first statement writing it saw it.
    written: HashMap<i64, Arc<TableInfo>>,
    /// Rows changed per table, counted into the catalog's auto-analyze counts at commit.
    changed: HashMap<i64, u64>,
}

/// Whether a transaction is open, and its savepoints.
pub struct TxnState {
    storage: Arc<dyn Storage>,
    catalog: Arc<Catalog>,
    active: Option<Active>,
}

impl std::fmt::Debug for TxnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxnState")
            .field("start_ts", &self.active.as_ref().map(|a| a.txn.start_ts()))
            .finish()
    }
}

/// Transaction options from the session's variables.
pub fn txn_options(vars: &SessionVars, read_only: bool) -> TxnOptions {
    let mode = match vars.get_text("tidb_txn_mode", sql::sysvar::VarScope::Default).as_deref() {
        Ok("OPTIMISTIC") => TxnMode::Optimistic,
        _ => TxnMode::Pessimistic,
    };
    TxnOptions {
        mode,
        read_only: read_only || vars.bool("transaction_read_only"),
        lock_wait_timeout: Duration::from_secs(vars.int("innodb_lock_wait_timeout").max(1) as u64),
    }
}

impl TxnState {
    /// No transaction open, on `storage`; commits check table definitions against `catalog`.
    pub fn new(storage: Arc<dyn Storage>, catalog: Arc<Catalog>) -> Self {
        TxnState { storage, catalog, active: None }
    }

    /// Remembers that the open transaction wrote tables `ids`, as defined in `schema`.
    pub fn note_written(
        &mut self,
        ids: &[i64],
        changed: &[(i64, u64)],
        schema: &catalog::InfoSchema,
    ) {
        if let Some(a) = &mut self.active {
            for (id, n) in changed {
                *a.changed.entry(*id).or_default() += n;
            }
            for id in ids {
                if let (false, Some(t)) = (a.written.contains_key(id), schema.table_by_id(*id)) {
                    a.written.insert(*id, t.clone());
                }
            }
        }
    }

    /// Carries out a transaction-control statement.
    pub fn execute(&mut self, stmt: &TxnStmt, vars: &SessionVars) -> Result<ExecResult> {
        match stmt {
            TxnStmt::Begin { read_only } => {
                // BEGIN inside a transaction implicitly commits the open one first.
                self.commit()?;
                self.begin(vars, *read_only)?;
            }
            TxnStmt::Commit => self.commit()?,
            TxnStmt::Rollback => self.rollback(),
            TxnStmt::Savepoint(name) => {
                // Without autocommit the savepoint opens the implicit transaction.
                if self.active.is_none() && !vars.bool("autocommit") {
                    self.begin(vars, false)?;
                }
                if let Some(a) = &mut self.active {
                    a.savepoints.retain(|(s, _)| !s.eq_ignore_ascii_case(name));
                    let mark = a.txn.savepoint();
                    a.savepoints.push((name.clone(), mark));
                }
            }
            TxnStmt::RollbackTo(name) => {
                let (a, p) = self.find_savepoint(name)?;
                let mark = a.savepoints[p].1;
                a.txn.rollback_to_savepoint(mark);
                a.savepoints.truncate(p + 1);
            }
            TxnStmt::Release(name) => {
                let (a, p) = self.find_savepoint(name)?;
                a.savepoints.truncate(p);
            }
        }
        Ok(ExecResult::ok())
    }

    fn find_savepoint(&mut self, name: &str) -> Result<(&mut Active, usize)> {
        let not_found = || Error::fmt(ER_SP_DOES_NOT_EXIST, &[&"SAVEPOINT", &name]);
        let a = self.active.as_mut().ok_or_else(not_found)?;
        let p = a
            .savepoints
            .iter()
            .position(|(x, _)| x.eq_ignore_ascii_case(name))
            .ok_or_else(not_found)?;
        Ok((a, p))
    }

    fn begin(&mut self, vars: &SessionVars, read_only: bool) -> Result<()> {
        let txn = self.storage.begin(txn_options(vars, read_only))?;
        let read_committed = vars
            .get_text("transaction_isolation", sql::sysvar::VarScope::Default)
            .is_ok_and(|l| l == "READ-COMMITTED");
        self.active = Some(Active {
            txn,
            read_only,
            savepoints: Vec::new(),
            read_committed,
            written: HashMap::new(),
            changed: HashMap::new(),
        });
        Ok(())
    }

    /// Makes sure a transaction is open for a data statement. Returns `true` when the statement
    /// runs in a transaction of its own (autocommit and none open) that the caller must end.
    /// Under READ-COMMITTED an open transaction takes a fresh snapshot for the statement.
    pub fn ensure(&mut self, vars: &SessionVars, autocommit: bool) -> Result<bool> {
        match &mut self.active {
            Some(a) => {
                if a.read_committed {
                    a.txn.refresh_read_ts()?;
                }
                Ok(false)
            }
            None => {
                self.begin(vars, false)?;
                Ok(autocommit)
            }
        }
    }

    /// The open transaction.
    pub fn current(&mut self) -> Result<&mut dyn Transaction> {
        match &mut self.active {
            Some(a) => Ok(a.txn.as_mut()),
            None => Err(Error::msg(errno::ER_INTERNAL, "no transaction is open")),
        }
    }

    /// Whether a transaction is open.
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Whether the open transaction is read-only.
    pub fn is_read_only(&self) -> bool {
        self.active.as_ref().is_some_and(|a| a.read_only)
    }

    /// Ends the open transaction, keeping its effects (durably, before returning). A
    /// transaction that wrote a table whose definition changed since (an index became
    /// write-only, a column changed) is rolled back with 8028, as TiDB does: its rows may lack
    /// what the new definition requires.
    pub fn commit(&mut self) -> Result<()> {
        let Some(a) = self.active.take() else { return Ok(()) };
        if a.written.is_empty() {
            return a.txn.commit().map(|_| ()).map_err(Error::from);
        }
        let changed = a.changed;
        let _gate = self.catalog.commit_gate();
        let now = self.catalog.schema();
        let changed_schema = a.written.iter().any(|(id, seen)| match now.table_by_id(*id) {
            Some(cur) => !Arc::ptr_eq(cur, seen) && **cur != **seen,
            None => true,
        });
        if changed_schema {
            let _ = a.txn.rollback();
            return Err(Error::fmt(errno::ER_INFO_SCHEMA_CHANGED, &[]));
        }
        a.txn.commit().map_err(Error::from)?;
        self.catalog.note_changes(changed);
        Ok(())
    }

    /// Ends the open transaction, discarding its effects.
    pub fn rollback(&mut self) {
        if let Some(a) = self.active.take() {
            let _ = a.txn.rollback();
        }
    }
}
