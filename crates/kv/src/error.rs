//! Store errors, and their MySQL/TiDB faces.

use errno::{
    ER_ENTRY_TOO_LARGE, ER_INTERNAL, ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_WRITE_CONFLICT,
};

/// What a store operation can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A pessimistic lock was not granted within the lock-wait timeout.
    #[error("lock wait timeout")]
    LockWaitTimeout,
    /// Waiting for this lock would close a cycle; this transaction is the victim.
    #[error("deadlock")]
    Deadlock,
    /// Optimistic commit found a newer committed write to a key this transaction wrote.
    #[error("write conflict on key {key:?}")]
    WriteConflict {
        /// This transaction's start timestamp.
        start_ts: u64,
        /// The conflicting transaction's start timestamp.
        conflict_start_ts: u64,
        /// The conflicting transaction's commit timestamp.
        conflict_commit_ts: u64,
        /// The key.
        key: Vec<u8>,
    },
    /// A key or value is over the configured limit; nothing was written.
    #[error("entry too large: {size} bytes, limit {limit}")]
    EntryTooLarge {
        /// The limit.
        limit: usize,
        /// The offending size.
        size: usize,
    },
    /// The transaction's buffered writes would pass the configured total; the write was
    /// refused.
    #[error("transaction too large: {size} bytes")]
    TxnTooLarge {
        /// The size the write would have brought the transaction to.
        size: usize,
    },
    /// Write attempted in a read-only transaction.
    #[error("transaction is read-only")]
    ReadOnlyTxn,
    /// The store refused writes after an I/O failure; reads still work.
    #[error("store is read-only after an I/O error: {0}")]
    StoreReadOnly(String),
    /// The disk is full: the commit log could not grow. Nothing was written and the store
    /// stays writable; the same write succeeds once space is freed.
    #[error("disk full: {0}; nothing was written, retry once space is freed")]
    DiskFull(String),
    /// The underlying engine failed.
    #[error("storage engine: {0}")]
    Engine(String),
    /// Stored bytes did not decode (corruption or a bug).
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// Result alias for store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the transaction should be retried from the start.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Deadlock | Error::WriteConflict { .. } | Error::LockWaitTimeout)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl From<Error> for errno::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::LockWaitTimeout => errno::Error::fmt(ER_LOCK_WAIT_TIMEOUT, &[]),
            Error::Deadlock => errno::Error::fmt(ER_LOCK_DEADLOCK, &[]),
            Error::WriteConflict { start_ts, conflict_start_ts, conflict_commit_ts, key } => {
                let k = hex(&key);
                errno::Error::fmt(
                    ER_WRITE_CONFLICT,
                    &[&start_ts, &conflict_start_ts, &conflict_commit_ts, &k, &k],
                )
            }
            Error::EntryTooLarge { limit, size } => {
                errno::Error::fmt(ER_ENTRY_TOO_LARGE, &[&limit, &size])
            }
            Error::TxnTooLarge { size } => errno::Error::fmt(errno::ER_TXN_TOO_LARGE, &[&size]),
            Error::ReadOnlyTxn => {
                errno::Error::fmt(errno::ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, &[])
            }
            other => errno::Error::msg(ER_INTERNAL, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_faces() {
        assert_eq!(errno::Error::from(Error::LockWaitTimeout).code, 1205);
        assert_eq!(errno::Error::from(Error::Deadlock).code, 1213);
        let e = errno::Error::from(Error::WriteConflict {
            start_ts: 1,
            conflict_start_ts: 2,
            conflict_commit_ts: 3,
            key: b"k".to_vec(),
        });
        assert_eq!(e.code, 9007);
        assert!(e
            .message
            .starts_with("Write conflict, txnStartTS=1, conflictStartTS=2, conflictCommitTS=3"));
    }
}
