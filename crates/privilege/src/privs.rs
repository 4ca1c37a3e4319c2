//! Static privileges: their names in GRANT, their columns in the grant tables, the levels they
//! may be granted at, and a bit set of them.

/// One static privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Priv {
    /// `SELECT`.
    Select,
    /// `INSERT`.
    Insert,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// `CREATE`.
    Create,
    /// `DROP`.
    Drop,
    /// `PROCESS`.
    Process,
    /// `GRANT OPTION`.
    Grant,
    /// `REFERENCES`.
    References,
    /// `ALTER`.
    Alter,
    /// `SHOW DATABASES`.
    ShowDb,
    /// `SUPER`.
    Super,
    /// `CREATE TEMPORARY TABLES`.
    CreateTmpTable,
    /// `LOCK TABLES`.
    LockTables,
    /// `EXECUTE`.
    Execute,
    /// `CREATE VIEW`.
    CreateView,
    /// `SHOW VIEW`.
    ShowView,
    /// `CREATE ROUTINE`.
    CreateRoutine,
    /// `ALTER ROUTINE`.
    AlterRoutine,
    /// `INDEX`.
    Index,
    /// `CREATE USER`.
    CreateUser,
    /// `EVENT`.
    Event,
    /// `TRIGGER`.
    Trigger,
    /// `CREATE ROLE`.
    CreateRole,
    /// `DROP ROLE`.
    DropRole,
    /// `SHUTDOWN`.
    Shutdown,
    /// `RELOAD`.
    Reload,
    /// `FILE`.
    File,
    /// `CONFIG` (TiDB).
    Config,
    /// `CREATE TABLESPACE`.
    CreateTablespace,
    /// `REPLICATION SLAVE`.
    ReplSlave,
    /// `REPLICATION CLIENT`.
    ReplClient,
}

/// Where a privilege may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `ON *.*` (`mysql.user`).
    Global,
    /// `ON db.*` (`mysql.db`).
    Db,
    /// `ON db.t` (`mysql.tables_priv`).
    Table,
    /// `(col, …) ON db.t` (`mysql.columns_priv`).
    Column,
}

/// Every static privilege with its GRANT keyword and its `mysql.user` column, in the order of
/// TiDB's `mysql.user` table (the order SHOW GRANTS lists them in).
pub const ALL_PRIVS: &[(Priv, &str, &str)] = &[
    (Priv::Select, "SELECT", "Select_priv"),
    (Priv::Insert, "INSERT", "Insert_priv"),
    (Priv::Update, "UPDATE", "Update_priv"),
    (Priv::Delete, "DELETE", "Delete_priv"),
    (Priv::Create, "CREATE", "Create_priv"),
    (Priv::Drop, "DROP", "Drop_priv"),
    (Priv::Process, "PROCESS", "Process_priv"),
    (Priv::Grant, "GRANT OPTION", "Grant_priv"),
    (Priv::References, "REFERENCES", "References_priv"),
    (Priv::Alter, "ALTER", "Alter_priv"),
    (Priv::ShowDb, "SHOW DATABASES", "Show_db_priv"),
    (Priv::Super, "SUPER", "Super_priv"),
    (Priv::CreateTmpTable, "CREATE TEMPORARY TABLES", "Create_tmp_table_priv"),
    (Priv::LockTables, "LOCK TABLES", "Lock_tables_priv"),
    (Priv::Execute, "EXECUTE", "Execute_priv"),
    (Priv::CreateView, "CREATE VIEW", "Create_view_priv"),
    (Priv::ShowView, "SHOW VIEW", "Show_view_priv"),
    (Priv::CreateRoutine, "CREATE ROUTINE", "Create_routine_priv"),
    (Priv::AlterRoutine, "ALTER ROUTINE", "Alter_routine_priv"),
    (Priv::Index, "INDEX", "Index_priv"),
    (Priv::CreateUser, "CREATE USER", "Create_user_priv"),
    (Priv::Event, "EVENT", "Event_priv"),
    (Priv::Trigger, "TRIGGER", "Trigger_priv"),
    (Priv::CreateRole, "CREATE ROLE", "Create_role_priv"),
    (Priv::DropRole, "DROP ROLE", "Drop_role_priv"),
    (Priv::Shutdown, "SHUTDOWN", "Shutdown_priv"),
    (Priv::Reload, "RELOAD", "Reload_priv"),
    (Priv::File, "FILE", "FILE_priv"),
    (Priv::Config, "CONFIG", "Config_priv"),
    (Priv::CreateTablespace, "CREATE TABLESPACE", "Create_Tablespace_Priv"),
    (Priv::ReplSlave, "REPLICATION SLAVE", "Repl_slave_priv"),
    (Priv::ReplClient, "REPLICATION CLIENT", "Repl_client_priv"),
];

/// Privileges of `mysql.db` (database level), in its column order.
pub const DB_PRIVS: &[Priv] = &[
    Priv::Select,
    Priv::Insert,
    Priv::Update,
    Priv::Delete,
    Priv::Create,
    Priv::Drop,
    Priv::Grant,
    Priv::References,
    Priv::Index,
    Priv::Alter,
    Priv::CreateTmpTable,
    Priv::LockTables,
    Priv::CreateView,
    Priv::ShowView,
    Priv::CreateRoutine,
    Priv::AlterRoutine,
    Priv::Execute,
    Priv::Event,
    Priv::Trigger,
];

/// Privileges of `mysql.tables_priv.Table_priv`, with their SET member names.
pub const TABLE_PRIVS: &[(Priv, &str)] = &[
    (Priv::Select, "Select"),
    (Priv::Insert, "Insert"),
    (Priv::Update, "Update"),
    (Priv::Delete, "Delete"),
    (Priv::Create, "Create"),
    (Priv::Drop, "Drop"),
    (Priv::Grant, "Grant"),
    (Priv::Index, "Index"),
    (Priv::Alter, "Alter"),
    (Priv::CreateView, "Create View"),
    (Priv::ShowView, "Show View"),
    (Priv::Trigger, "Trigger"),
    (Priv::References, "References"),
];

/// Privileges of `Column_priv`, with their SET member names.
pub const COLUMN_PRIVS: &[(Priv, &str)] = &[
    (Priv::Select, "Select"),
    (Priv::Insert, "Insert"),
    (Priv::Update, "Update"),
    (Priv::References, "References"),
];

impl Priv {
    /// The privilege's GRANT keyword (`SELECT`, `CREATE TEMPORARY TABLES`, …).
    pub fn keyword(self) -> &'static str {
        ALL_PRIVS.iter().find(|p| p.0 == self).map_or("USAGE", |p| p.1)
    }

    /// The privilege's `mysql.user` / `mysql.db` column (`Select_priv`, …).
    pub fn column(self) -> &'static str {
        ALL_PRIVS.iter().find(|p| p.0 == self).map_or("", |p| p.2)
    }

    /// The privilege named by a GRANT keyword (words already joined by one space, any case).
    pub fn from_keyword(name: &str) -> Option<Priv> {
        let upper = name.to_ascii_uppercase();
        let upper = match upper.as_str() {
            "GRANT" => "GRANT OPTION",
            "CREATE TEMPORARY TABLE" => "CREATE TEMPORARY TABLES",
            u => u,
        };
        ALL_PRIVS.iter().find(|p| p.1 == upper).map(|p| p.0)
    }

    /// Whether the privilege may be granted at `level`.
    pub fn allowed_at(self, level: Level) -> bool {
        match level {
            Level::Global => true,
            Level::Db => DB_PRIVS.contains(&self),
            Level::Table => TABLE_PRIVS.iter().any(|p| p.0 == self),
            Level::Column => COLUMN_PRIVS.iter().any(|p| p.0 == self),
        }
    }

    fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

/// A set of static privileges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Privs(u64);

impl Privs {
    /// No privilege (USAGE).
    pub const NONE: Privs = Privs(0);

    /// One privilege.
    pub fn one(p: Priv) -> Privs {
        Privs(p.bit())
    }

    /// Every privilege grantable at `level` — what `ALL [PRIVILEGES]` means there (without
    /// GRANT OPTION, which ALL does not include).
    pub fn all_at(level: Level) -> Privs {
        let mut s = Privs::NONE;
        for (p, _, _) in ALL_PRIVS {
            if *p != Priv::Grant && p.allowed_at(level) {
                s.insert(*p);
            }
        }
        s
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Priv) {
        self.0 |= p.bit();
    }

    /// Whether `p` is in the set.
    pub fn contains(self, p: Priv) -> bool {
        self.0 & p.bit() != 0
    }

    /// Whether every privilege of `other` is in the set.
    pub fn contains_all(self, other: Privs) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union.
    pub fn union(self, other: Privs) -> Privs {
        Privs(self.0 | other.0)
    }

    /// The privileges of `self` not in `other`.
    pub fn minus(self, other: Privs) -> Privs {
        Privs(self.0 & !other.0)
    }

    /// The privileges in both.
    pub fn intersect(self, other: Privs) -> Privs {
        Privs(self.0 & other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The privileges in the set, in [`ALL_PRIVS`] order.
    pub fn iter(self) -> impl Iterator<Item = Priv> {
        ALL_PRIVS.iter().map(|p| p.0).filter(move |p| self.contains(*p))
    }

    /// The set as a `SET(…)` value over `members` (`Select,Insert`).
    pub fn to_set_text(self, members: &[(Priv, &str)]) -> String {
        let names: Vec<&str> =
            members.iter().filter(|(p, _)| self.contains(*p)).map(|(_, n)| *n).collect();
        names.join(",")
    }

    /// Parses a `SET(…)` value over `members`; unknown members are ignored.
    pub fn from_set_text(text: &str, members: &[(Priv, &str)]) -> Privs {
        let mut s = Privs::NONE;
        for part in text.split(',') {
            if let Some((p, _)) = members.iter().find(|(_, n)| n.eq_ignore_ascii_case(part.trim()))
            {
                s.insert(*p);
            }
        }
        s
    }
}

impl FromIterator<Priv> for Privs {
    fn from_iter<I: IntoIterator<Item = Priv>>(iter: I) -> Self {
        let mut s = Privs::NONE;
        for p in iter {
            s.insert(p);
        }
        s
    }
}

/// TiDB's dynamic privileges (granted at `*.*` only, kept in `mysql.global_grants`).
pub const DYNAMIC_PRIVS: &[&str] = &[
    "BACKUP_ADMIN",
    "RESTORE_ADMIN",
    "SYSTEM_USER",
    "SYSTEM_VARIABLES_ADMIN",
    "ROLE_ADMIN",
    "CONNECTION_ADMIN",
    "PLACEMENT_ADMIN",
    "DASHBOARD_CLIENT",
    "RESTRICTED_TABLES_ADMIN",
    "RESTRICTED_STATUS_ADMIN",
    "RESTRICTED_VARIABLES_ADMIN",
    "RESTRICTED_USER_ADMIN",
    "RESTRICTED_CONNECTION_ADMIN",
    "RESTRICTED_REPLICA_WRITER_ADMIN",
    "RESOURCE_GROUP_ADMIN",
    "RESOURCE_GROUP_USER",
    "TRAFFIC_CAPTURE_ADMIN",
    "TRAFFIC_REPLAY_ADMIN",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip_and_levels() {
        for (p, kw, _) in ALL_PRIVS {
            assert_eq!(Priv::from_keyword(kw), Some(*p));
        }
        assert_eq!(Priv::from_keyword("grant"), Some(Priv::Grant));
        assert!(Priv::Select.allowed_at(Level::Column));
        assert!(!Priv::Delete.allowed_at(Level::Column));
        assert!(!Priv::Super.allowed_at(Level::Db));
        assert!(!Privs::all_at(Level::Global).contains(Priv::Grant));
        assert!(Privs::all_at(Level::Table).contains(Priv::ShowView));
        assert!(!Privs::all_at(Level::Table).contains(Priv::Execute));
    }

    #[test]
    fn set_text_round_trip() {
        let s: Privs = [Priv::Select, Priv::CreateView].into_iter().collect();
        assert_eq!(s.to_set_text(TABLE_PRIVS), "Select,Create View");
        assert_eq!(Privs::from_set_text("Select,Create View", TABLE_PRIVS), s);
        assert_eq!(Privs::from_set_text("", TABLE_PRIVS), Privs::NONE);
    }
}
