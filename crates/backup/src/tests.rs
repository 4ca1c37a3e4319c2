use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use catalog::{Catalog, ColumnInfo, IndexInfo, IndexState, TableInfo};
use kv::{KeyRange, Storage, TxnOptions};
use types::{ColumnType, TypeKind, Value};

use super::*;
use crate::tasks::Progress;

fn open_at(dir: &std::path::Path) -> (Arc<dyn Storage>, Arc<Catalog>) {
    let storage: Arc<dyn Storage> = Arc::new(
        store_local::LocalStorage::open(
            dir,
            store_local::LocalOptions { gc_interval: None, ..Default::default() },
        )
        .expect("store"),
    );
    let cat = Arc::new(Catalog::open(storage.clone()).expect("catalog"));
    (storage, cat)
}

/// `accounts(id INT PRIMARY KEY, balance INT, KEY b(balance))` in database `bank`.
fn accounts() -> TableInfo {
    let col = |id, name: &str| ColumnInfo {
        id,
        name: name.into(),
        ty: ColumnType::new(TypeKind::Int),
        not_null: false,
        default: None,
        auto_increment: false,
        on_update_now: false,
        comment: String::new(),
        generated: None,
    };
    let mut t = TableInfo::with_columns("accounts", vec![col(1, "id"), col(2, "balance")]);
    t.indexes = vec![
        IndexInfo {
            id: 1,
            name: "PRIMARY".into(),
            columns: vec![0],
            unique: true,
            primary: true,
            state: IndexState::Public,
        },
        IndexInfo {
            id: 2,
            name: "b".into(),
            columns: vec![1],
            unique: false,
            primary: false,
            state: IndexState::Public,
        },
    ];
    t.pk_is_handle = true;
    t.next_index_id = 3;
    t
}

/// Writes row `id` with `balance` (and its index entry, replacing `old`'s) into `txn`.
fn put_row(txn: &mut dyn kv::Transaction, table: i64, id: i64, balance: i64, old: Option<i64>) {
    if let Some(old) = old {
        txn.delete(tablecodec::index_key(table, 2, &[Value::Int(old)], Some(id))).expect("del");
    }
    let row = tablecodec::row::encode_row(&[(1, &Value::Int(id)), (2, &Value::Int(balance))]);
    txn.put(tablecodec::record_key(table, id), row).expect("put");
    txn.put(tablecodec::index_key(table, 2, &[Value::Int(balance)], Some(id)), Vec::new())
        .expect("idx");
}

fn balances(storage: &dyn Storage, table: i64) -> Vec<(i64, i64)> {
    let snap = storage.snapshot(None).expect("snap");
    snap.scan(&KeyRange::prefix(&tablecodec::record_prefix(table)), usize::MAX, false)
        .expect("scan")
        .into_iter()
        .map(|(k, v)| {
            let id = tablecodec::decode_record_key(&k).expect("handle");
            let row = tablecodec::row::decode_row(&v).expect("row");
            (id, row[1].1.to_i64())
        })
        .collect()
}

fn index_entries(storage: &dyn Storage, table: i64) -> usize {
    let snap = storage.snapshot(None).expect("snap");
    snap.scan(&KeyRange::prefix(&tablecodec::index_prefix(table, 2)), usize::MAX, false)
        .expect("scan")
        .len()
}

const ACCOUNTS: i64 = 5000;
const TOTAL: i64 = ACCOUNTS * 100;

fn seed(storage: &dyn Storage, cat: &Catalog) -> i64 {
    cat.create_database("bank", false).expect("db");
    cat.create_table("bank", accounts(), false).expect("table");
    let id = cat.schema().table("bank", "accounts").expect("t").id;
    let mut txn = storage.begin(TxnOptions::default()).expect("txn");
    for i in 0..ACCOUNTS {
        put_row(txn.as_mut(), id, i, 100, None);
    }
    txn.commit().expect("commit");
    cat.alloc_auto_ids(id, 1, 0).expect("auto id");
    id
}

fn no_interrupt() -> errno::Result<()> {
    Ok(())
}

#[test]
fn backup_taken_during_transfers_restores_a_consistent_snapshot() {
    let dir = tempfile::tempdir().expect("tmp");
    let (storage, cat) = open_at(&dir.path().join("db"));
    let table = seed(storage.as_ref(), &cat);

    // Transfers between random accounts keep the total while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (storage, stop) = (storage.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            let mut seed = 7u64;
            while !stop.load(Ordering::Acquire) || n < 50 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let (a, b) = ((seed >> 33) as i64 % ACCOUNTS, (seed >> 13) as i64 % ACCOUNTS);
                if a == b {
                    continue;
                }
                let mut txn = storage.begin(TxnOptions::default()).expect("txn");
                let got = txn
                    .lock_keys(&[
                        tablecodec::record_key(table, a),
                        tablecodec::record_key(table, b),
                    ])
                    .expect("lock");
                let bal = |v: &Option<Vec<u8>>| {
                    tablecodec::row::decode_row(v.as_deref().expect("row")).expect("decode")[1]
                        .1
                        .to_i64()
                };
                let (ba, bb) = (bal(&got[0]), bal(&got[1]));
                put_row(txn.as_mut(), table, a, ba - 1, Some(ba));
                put_row(txn.as_mut(), table, b, bb + 1, Some(bb));
                txn.commit().expect("commit");
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    let loc =
        Location::parse(&format!("local://{}", dir.path().join("bk").display())).expect("loc");
    let summary = run_backup(
        storage.as_ref(),
        &loc,
        &Targets::Databases(vec!["bank".into()]),
        &BackupOptions::default(),
        &Progress::default(),
        &no_interrupt,
    )
    .expect("backup");
    stop.store(true, Ordering::Release);
    let transfers = writer.join().expect("writer");
    assert!(transfers >= 50);
    assert_eq!(summary.tables, 1);
    assert!(summary.size > 0);

    cat.drop_database("bank", false).expect("drop");
    let restored = run_restore(
        storage.as_ref(),
        &cat,
        &loc,
        &Targets::All,
        &RestoreOptions::default(),
        &Progress::default(),
        &no_interrupt,
    )
    .expect("restore");
    assert_eq!(restored.backup_ts, summary.backup_ts);
    let t = cat.schema().table("bank", "accounts").expect("restored").clone();
    assert_ne!(t.id, table, "restored under a new id");
    let rows = balances(storage.as_ref(), t.id);
    assert_eq!(rows.len() as i64, ACCOUNTS);
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), TOTAL, "one snapshot: no transfer half in");
    assert_eq!(index_entries(storage.as_ref(), t.id) as i64, ACCOUNTS);
    // The AUTO_INCREMENT reservation came along: new ids continue above it.
    assert!(cat.alloc_auto_ids(t.id, 1, 0).expect("auto id") > 30_000);
    // And the archive stays usable: nothing was consumed.
    assert!(BackupMeta::read(&loc).is_ok());
}

fn backup_of_seeded(dir: &std::path::Path) -> (Arc<dyn Storage>, Arc<Catalog>, Location) {
    let (storage, cat) = open_at(&dir.join("db"));
    seed(storage.as_ref(), &cat);
    let loc = Location::parse(&dir.join("bk").display().to_string()).expect("loc");
    run_backup(
        storage.as_ref(),
        &loc,
        &Targets::All,
        &BackupOptions::default(),
        &Progress::default(),
        &no_interrupt,
    )
    .expect("backup");
    (storage, cat, loc)
}

fn restore_all(
    storage: &dyn Storage,
    cat: &Catalog,
    loc: &Location,
) -> errno::Result<RestoreSummary> {
    run_restore(
        storage,
        cat,
        loc,
        &Targets::All,
        &RestoreOptions::default(),
        &Progress::default(),
        &no_interrupt,
    )
}

#[test]
fn refusals() {
    let dir = tempfile::tempdir().expect("tmp");
    let (storage, cat, loc) = backup_of_seeded(dir.path());
    // The same directory again.
    let again = run_backup(
        storage.as_ref(),
        &loc,
        &Targets::All,
        &BackupOptions::default(),
        &Progress::default(),
        &no_interrupt,
    );
    let e = again.expect_err("meta exists");
    assert_eq!(e.code, 8124);
    assert!(e.message.contains("backup meta file exists"), "{}", e.message);
    // Unknown database or table.
    let e = run_backup(
        storage.as_ref(),
        &Location::parse(&dir.path().join("x").display().to_string()).expect("loc"),
        &Targets::Tables(vec![("bank".into(), "nope".into())]),
        &BackupOptions::default(),
        &Progress::default(),
        &no_interrupt,
    )
    .expect_err("no table");
    assert_eq!(
        (e.code, e.message.as_str()),
        (8124, "Backup failed: Table 'bank.nope' doesn't exist")
    );
    // Restoring over an existing table writes nothing.
    let before = cat.schema().version;
    let e = restore_all(storage.as_ref(), &cat, &loc).expect_err("exists");
    assert_eq!(e.code, 8125);
    assert!(e.message.contains("`bank`.`accounts` already exists"), "{}", e.message);
    assert_eq!(cat.schema().version, before);
    // No archive there.
    let e = restore_all(
        storage.as_ref(),
        &cat,
        &Location::parse(&dir.path().join("empty").display().to_string()).expect("loc"),
    )
    .expect_err("no meta");
    assert!(e.message.contains("backupmeta.json is missing"), "{}", e.message);
}

#[test]
fn a_damaged_archive_restores_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (storage, cat, loc) = backup_of_seeded(dir.path());
    cat.drop_database("bank", false).expect("drop");
    let meta = BackupMeta::read(&loc).expect("meta");
    let file = loc.dir.join(meta.tables[0].file.as_ref().expect("file"));
    let mut bytes = std::fs::read(&file).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&file, &bytes).expect("write");
    let e = restore_all(storage.as_ref(), &cat, &loc).expect_err("damaged");
    assert_eq!(e.code, 8125);
    assert!(e.message.contains("is damaged"), "{}", e.message);
    assert!(cat.schema().table("bank", "accounts").is_err());

    // Without the up-front check, a corrupt block still stops the load, and what was
    // loaded goes (byte 16 is the first block's codec).
    bytes[at] ^= 0x20;
    bytes[16] = 9;
    std::fs::write(&file, &bytes).expect("write");
    let opts = RestoreOptions { checksum: false, ..Default::default() };
    let e = run_restore(
        storage.as_ref(),
        &cat,
        &loc,
        &Targets::All,
        &opts,
        &Progress::default(),
        &no_interrupt,
    )
    .expect_err("corrupt block");
    assert!(e.message.contains("corrupt data file: unknown codec"), "{}", e.message);
    assert!(cat.schema().table("bank", "accounts").is_err());
    let snap = storage.snapshot(None).expect("snap");
    let leftover_tables: usize =
        snap.scan(&KeyRange::prefix(b"mTmpTbl"), usize::MAX, false).expect("scan").len();
    assert_eq!(leftover_tables, 0, "no reservation left behind");
}

#[test]
fn an_interrupted_restore_leaves_nothing_and_a_restart_cleans_a_crashed_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let (storage, cat, loc) = backup_of_seeded(dir.path());
    cat.drop_database("bank", false).expect("drop");
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let stop_at_load = || -> errno::Result<()> {
        // The checksum pass asks once per table, then each table once before loading.
        if calls.fetch_add(1, Ordering::AcqRel) >= 1 {
            return Err(errno::Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
        }
        Ok(())
    };
    let e = run_restore(
        storage.as_ref(),
        &cat,
        &loc,
        &Targets::All,
        &RestoreOptions::default(),
        &Progress::default(),
        &stop_at_load,
    )
    .expect_err("interrupted");
    assert_eq!(e.code, 1317);
    assert!(cat.schema().table("bank", "accounts").is_err());

    // A crash between loading and publishing: data under a reserved id, no table.
    let id = cat.reserve_restore_id().expect("reserve");
    let mut txn = storage.begin(TxnOptions::default()).expect("txn");
    put_row(txn.as_mut(), id, 1, 1, None);
    txn.commit().expect("commit");
    drop(cat);
    drop(storage);
    let (storage, cat) = open_at(&dir.path().join("db"));
    let snap = storage.snapshot(None).expect("snap");
    assert!(snap
        .scan(&KeyRange::prefix(&tablecodec::table_prefix(id)), 1, false)
        .expect("scan")
        .is_empty());
    // The archive still restores.
    restore_all(storage.as_ref(), &cat, &loc).expect("restore");
    let t = cat.schema().table("bank", "accounts").expect("restored").clone();
    assert_eq!(balances(storage.as_ref(), t.id).len() as i64, ACCOUNTS);
}

#[test]
fn an_index_being_built_is_left_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let (storage, cat) = open_at(&dir.path().join("db"));
    let table = seed(storage.as_ref(), &cat);
    cat.alter_table("bank", "accounts", |_, t| {
        t.indexes[1].state = IndexState::WriteOnly;
        Ok(())
    })
    .expect("alter");
    let loc = Location::parse(&dir.path().join("bk").display().to_string()).expect("loc");
    run_backup(
        storage.as_ref(),
        &loc,
        &Targets::Tables(vec![("bank".into(), "accounts".into())]),
        &BackupOptions::default(),
        &Progress::default(),
        &no_interrupt,
    )
    .expect("backup");
    let meta = BackupMeta::read(&loc).expect("meta");
    assert_eq!(meta.tables[0].info.indexes.len(), 1);
    assert_eq!(meta.tables[0].checksum.total_kvs as i64, ACCOUNTS, "rows only");
    assert!(index_entries(storage.as_ref(), table) > 0);
}
