//! Transaction-control statements, recognised here and carried out by the session.

use sqlparser::ast::{Statement, TransactionAccessMode, TransactionMode};

/// A statement that starts, ends or marks a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnStmt {
    /// `BEGIN` / `START TRANSACTION [READ ONLY | READ WRITE] [WITH CONSISTENT SNAPSHOT]`.
    Begin {
        /// `READ ONLY` was given.
        read_only: bool,
    },
    /// `COMMIT [WORK]`.
    Commit,
    /// `ROLLBACK [WORK]`.
    Rollback,
    /// `SAVEPOINT name`.
    Savepoint(String),
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackTo(String),
    /// `RELEASE SAVEPOINT name`.
    Release(String),
}

impl TxnStmt {
    /// Recognises a transaction-control statement.
    pub fn from_ast(stmt: &Statement) -> Option<TxnStmt> {
        Some(match stmt {
            Statement::StartTransaction { modes, .. } => {
                let read_only = modes.iter().any(|m| {
                    matches!(m, TransactionMode::AccessMode(TransactionAccessMode::ReadOnly))
                });
                TxnStmt::Begin { read_only }
            }
            Statement::Commit { .. } => TxnStmt::Commit,
            Statement::Rollback { savepoint: None, .. } => TxnStmt::Rollback,
            Statement::Rollback { savepoint: Some(name), .. } => {
                TxnStmt::RollbackTo(name.value.clone())
            }
            Statement::Savepoint { name } => TxnStmt::Savepoint(name.value.clone()),
            Statement::ReleaseSavepoint { name } => TxnStmt::Release(name.value.clone()),
            _ => return None,
        })
    }
}
