//! The session's transaction state machine (BEGIN/COMMIT/ROLLBACK/SAVEPOINT).
//!
//! It tracks what the client sees — whether a transaction is open, read-only, and its savepoints —
//! and is where the storage transaction is begun, committed and rolled back once tables exist.

use errno::{Error, Result, ER_SP_DOES_NOT_EXIST};
use sql::{ExecResult, TxnStmt};

/// An open transaction.
#[derive(Debug, Default)]
struct Active {
    read_only: bool,
    savepoints: Vec<String>,
}

/// Whether a transaction is open, and its savepoints.
#[derive(Debug, Default)]
pub struct TxnState {
    active: Option<Active>,
}

impl TxnState {
    /// Carries out a transaction-control statement.
    pub fn execute(&mut self, stmt: &TxnStmt) -> Result<ExecResult> {
        match stmt {
            TxnStmt::Begin { read_only } => {
                // BEGIN inside a transaction implicitly commits the open one first.
                self.commit();
                self.active = Some(Active { read_only: *read_only, savepoints: Vec::new() });
            }
            TxnStmt::Commit => self.commit(),
            TxnStmt::Rollback => self.rollback(),
            TxnStmt::Savepoint(name) => {
                if let Some(a) = &mut self.active {
                    a.savepoints.retain(|s| !s.eq_ignore_ascii_case(name));
                    a.savepoints.push(name.clone());
                }
            }
            TxnStmt::RollbackTo(name) => {
                let sps = self.active.as_mut().map(|a| &mut a.savepoints);
                let pos =
                    sps.as_ref().and_then(|s| s.iter().position(|x| x.eq_ignore_ascii_case(name)));
                match (sps, pos) {
                    (Some(s), Some(p)) => s.truncate(p + 1),
                    _ => return Err(Error::fmt(ER_SP_DOES_NOT_EXIST, &[&"SAVEPOINT", name])),
                }
            }
            TxnStmt::Release(name) => {
                let sps = self.active.as_mut().map(|a| &mut a.savepoints);
                let pos =
                    sps.as_ref().and_then(|s| s.iter().position(|x| x.eq_ignore_ascii_case(name)));
                match (sps, pos) {
                    (Some(s), Some(p)) => s.truncate(p),
                    _ => return Err(Error::fmt(ER_SP_DOES_NOT_EXIST, &[&"SAVEPOINT", name])),
                }
            }
        }
        Ok(ExecResult::ok())
    }

    /// Whether a transaction is open.
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Whether the open transaction is read-only.
    pub fn is_read_only(&self) -> bool {
        self.active.as_ref().is_some_and(|a| a.read_only)
    }

    /// Ends the open transaction, keeping its effects.
    pub fn commit(&mut self) {
        self.active = None;
    }

    /// Ends the open transaction, discarding its effects.
    pub fn rollback(&mut self) {
        self.active = None;
    }
}
