use std::sync::Arc;

use types::{ColumnType, TypeKind};

use super::*;

fn open() -> (tempfile::TempDir, Arc<dyn Storage>, Catalog) {
    let dir = tempfile::tempdir().expect("tmp");
    let storage: Arc<dyn Storage> = Arc::new(
        store_local::LocalStorage::open(
            dir.path(),
            store_local::LocalOptions { gc_interval: None, ..Default::default() },
        )
        .expect("store"),
    );
    let cat = Catalog::open(storage.clone()).expect("catalog");
    (dir, storage, cat)
}

fn players() -> TableInfo {
    let col = |id, name: &str, kind| ColumnInfo {
        id,
        name: name.into(),
        ty: ColumnType::new(kind),
        not_null: false,
        default: None,
        auto_increment: false,
        on_update_now: false,
        comment: String::new(),
        generated: None,
    };
    TableInfo {
        id: 0,
        db_id: 0,
        name: "Players".into(),
        columns: vec![col(1, "id", TypeKind::Int), col(2, "name", TypeKind::VarChar)],
        indexes: vec![IndexInfo {
            id: 1,
            name: "PRIMARY".into(),
            columns: vec![0],
            unique: true,
            primary: true,
            state: IndexState::Public,
        }],
        pk_is_handle: true,
        next_column_id: 3,
        next_index_id: 2,
        comment: String::new(),
        foreign_keys: Vec::new(),
        view: None,
    }
}

#[test]
fn bootstrap_databases_exist_and_survive_reopen() {
    let (_dir, storage, cat) = open();
    assert!(cat.database_exists("test") && cat.database_exists("MYSQL"));
    assert!(cat.database_exists("information_schema"));
    assert!(!cat.database_exists("nope"));
    let v = cat.schema().version;
    let again = Catalog::open(storage).expect("reopen");
    assert_eq!(again.schema().version, v, "bootstrap runs once");
}

#[test]
fn create_and_drop_tables_case_insensitively() {
    let (_dir, storage, cat) = open();
    assert!(cat.create_table("test", players(), false).expect("create"));
    assert!(!cat.create_table("test", players(), true).expect("if not exists"));
    assert_eq!(cat.create_table("test", players(), false).map_err(|e| e.code), Err(1050));
    let t = cat.schema().table("TEST", "players").expect("found").clone();
    assert!(t.id > 0);
    assert_eq!(
        Catalog::open(storage)
            .expect("reopen")
            .schema()
            .table("test", "players")
            .expect("persisted")
            .id,
        t.id
    );
    assert!(cat.drop_table("test", "PLAYERS", false).expect("drop"));
    assert_eq!(cat.schema().table("test", "players").map_err(|e| e.code).err(), Some(1146));
    assert_eq!(cat.drop_table("test", "players", false).map_err(|e| e.code), Err(1051));
    assert!(!cat.drop_table("test", "players", true).expect("if exists"));
}

#[test]
fn databases_create_and_drop() {
    let (_dir, _storage, cat) = open();
    assert!(cat.create_database("app", false).expect("create"));
    assert_eq!(cat.create_database("APP", false).map_err(|e| e.code), Err(1007));
    cat.create_table("app", players(), false).expect("table");
    assert!(cat.drop_database("app", false).expect("drop"));
    assert_eq!(cat.drop_database("app", false).map_err(|e| e.code), Err(1008));
    assert!(cat.schema().tables("app").is_empty());
}

#[test]
fn auto_ids_are_consecutive_and_rebase() {
    let (_dir, _storage, cat) = open();
    assert_eq!(cat.alloc_auto_ids(7, 1, 0).expect("a"), 1);
    assert_eq!(cat.alloc_auto_ids(7, 50, 0).expect("b"), 2);
    assert_eq!(cat.alloc_auto_ids(7, 1, 0).expect("c"), 52);
    cat.rebase_auto_id(7, 100).expect("rebase");
    assert_eq!(cat.alloc_auto_ids(7, 1, 0).expect("d"), 101);
}

#[test]
fn temporary_tables_stay_out_of_the_schema_and_a_restart_removes_what_a_crash_left() {
    let (_dir, storage, cat) = open();
    let t = cat.create_temporary("test", players()).expect("temporary");
    assert!(t.id > 0);
    assert!(cat.schema().table("test", "Players").is_err(), "no other session sees it");
    assert!(cat.create_temporary("nope", players()).is_err(), "1049 for an unknown database");
    // A row of it, and a session that never dropped it (a crash).
    let row = tablecodec::record_key(t.id, 1);
    let mut txn = storage.begin(TxnOptions::default()).expect("txn");
    txn.put(row.clone(), b"x".to_vec()).expect("put");
    txn.commit().expect("commit");
    drop(cat);
    let _reopened = Catalog::open(storage.clone()).expect("reopen");
    let snap = storage.snapshot(None).expect("snapshot");
    assert_eq!(snap.get(&row).expect("get"), None, "its rows are gone");
    assert_eq!(snap.get(&temporary_key(t.id)).expect("get"), None, "and its registration");
}
