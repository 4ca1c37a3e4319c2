//! Accounts and privileges: MySQL's privilege system as TiDB implements it
//! (`pkg/privilege/privileges`).
//!
//! The grant tables live in the store as ordinary tables of the `mysql` database (`mysql.user`,
//! `mysql.db`, `mysql.tables_priv`, `mysql.columns_priv`, `mysql.role_edges`,
//! `mysql.default_roles`, `mysql.global_grants`), so they are durable and transactional like any
//! data. This crate holds what is derived from them: an immutable in-memory snapshot
//! ([`GrantTables`]) that logins and statement checks read, replaced whole when an account
//! statement commits ([`Privileges::replace`]); the password forms ([`password`]); host
//! patterns ([`host`]); and SHOW GRANTS ([`show_grants`]).

mod grants;
pub mod host;
mod lockout;
pub mod password;
mod privs;
mod tables;

pub use grants::show_grants;
pub use lockout::{Blocked, LoginFailures};
pub use privs::{
    Level, Priv, Privs, ALL_PRIVS, COLUMN_PRIVS, DB_PRIVS, DYNAMIC_PRIVS, TABLE_PRIVS,
};
pub use tables::{
    db_matches, ColumnRow, DbRow, DefaultRole, DynamicGrant, GrantTables, Identity, RoleEdge,
    TableRow, UserRow,
};

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use parking_lot::RwLock;

/// The server's privilege state: the current grant-table snapshot and caching_sha2's cache.
#[derive(Debug, Default)]
pub struct Privileges {
    tables: RwLock<Arc<GrantTables>>,
    version: AtomicU64,
    /// caching_sha2's fast-path digests.
    pub fast_auth: password::FastAuthCache,
    /// Consecutive failed logins (FAILED_LOGIN_ATTEMPTS).
    pub failures: LoginFailures,
}

impl Privileges {
    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<GrantTables> {
        self.tables.read().clone()
    }

    /// Replaces the snapshot (after the grant tables changed).
    pub fn replace(&self, mut tables: GrantTables) {
        tables.sort();
        *self.tables.write() = Arc::new(tables);
        self.version.fetch_add(1, Ordering::Release);
    }

    /// Bumped by every [`Privileges::replace`]: sessions cache what they derived per version.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
}
