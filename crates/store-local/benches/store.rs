//! Store benchmarks; prints figures (run: `cargo bench -p store-local`).
//!
//! * engine: random puts in batches of 100, point gets, 100-key range scans, fsync'd single puts;
//! * MVCC point reads of 1M committed records, one by one and in batches, without and with the
//!   row cache (over all rows and over a hot tenth);
//! * transactions: durable commits/s with 1, 4 and 32 concurrent writers (group commit at work).
//!
//! `FERRODB_BENCH_SECS` sets the duration of each timed phase (default 3);
//! `FERRODB_BENCH_ONLY=engine,mvcc,commit` picks phases.

use std::{
    ops::Bound,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use kv::{KeyRange, Storage, TxnOptions};
use store_local::{
    engine::{Cf, Engine, FjallEngine, Op},
    LocalOptions, LocalStorage,
};

/// Whether phase `name` runs: all unless `FERRODB_BENCH_ONLY` names others.
fn runs(name: &str) -> bool {
    std::env::var("FERRODB_BENCH_ONLY").map_or(true, |only| only.split(',').any(|o| o == name))
}

fn secs() -> Duration {
    let s = std::env::var("FERRODB_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    Duration::from_secs_f64(s)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn key(n: u64) -> Vec<u8> {
    format!("key{n:012}").into_bytes()
}

fn rate(label: &str, n: u64, elapsed: Duration) {
    println!(
        "{label:<44} {:>12.0} /s   ({n} in {:.2}s)",
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
}

fn engine_bench(name: &str, open: EngineFactory) {
    println!("-- {name}");
    let dir = tempfile::tempdir().expect("tmp");
    let engine = open(dir.path());
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let keyspace = 200_000;
    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < secs() {
        let ops = (0..100)
            .map(|_| Op::Put(Cf::Write, key(rng.next() % keyspace), vec![7u8; 100]))
            .collect();
        engine.write(ops, false).expect("write");
        n += 100;
    }
    rate("engine: random puts (batches of 100)", n, start.elapsed());

    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < secs() {
        let snap = engine.snapshot();
        for _ in 0..100 {
            let _ = snap.get(Cf::Write, &key(rng.next() % keyspace)).expect("get");
        }
        n += 100;
    }
    rate("engine: point gets", n, start.elapsed());

    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < secs() {
        let snap = engine.snapshot();
        for _ in 0..100 {
            let from = key(rng.next() % keyspace);
            let mut it = snap.range(Cf::Write, Bound::Included(&from), Bound::Unbounded, false);
            let _ = it.next();
        }
        n += 100;
    }
    rate("engine: seeks (first key at or after)", n, start.elapsed());

    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < secs() {
        let snap = engine.snapshot();
        let from = key(rng.next() % keyspace);
        let got = snap
            .range(Cf::Write, Bound::Included(&from), Bound::Unbounded, false)
            .take(100)
            .count();
        n += got as u64;
    }
    rate("engine: range-scanned keys (100 per scan)", n, start.elapsed());

    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < secs() {
        engine
            .write(vec![Op::Put(Cf::Write, key(rng.next() % keyspace), vec![1; 100])], true)
            .expect("write");
        n += 1;
    }
    rate("engine: fsync'd single-put writes", n, start.elapsed());
}

/// MVCC point reads on a store of `rows` committed records (TPC-H-like record keys): what a
/// lookup join pays per key, one by one and batched, over all rows and over a hot tenth —
/// with a row cache of `row_cache_mb` (0: none).
fn mvcc_read_bench(name: &str, open: EngineFactory, rows: u64, row_cache_mb: u64) {
    let dir = tempfile::tempdir().expect("tmp");
    let engine: Arc<dyn Engine> = Arc::from(open(dir.path()));
    let row_cache_bytes = row_cache_mb << 20;
    let opts = LocalOptions { gc_interval: None, row_cache_bytes, ..Default::default() };
    let name = &format!("{name}, row cache {row_cache_mb} MiB");
    let store = LocalStorage::with_engine(engine, opts).expect("open");
    let record = |h: u64| {
        let mut k = b"t\x80\x00\x00\x00\x00\x00\x00\x2a_r".to_vec();
        k.extend_from_slice(&(h ^ (1 << 63)).to_be_bytes());
        k
    };
    let start = Instant::now();
    for chunk in 0..rows.div_ceil(10_000) {
        let mut t = store.begin(TxnOptions::default()).expect("begin");
        for h in chunk * 10_000..((chunk + 1) * 10_000).min(rows) {
            t.put(record(h), vec![5u8; 120]).expect("put");
        }
        t.commit().expect("commit");
    }
    rate(&format!("mvcc ({name}): loaded records"), rows, start.elapsed());
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let snap = store.snapshot(None).expect("snap");
    for (over, span) in [("all rows", rows), ("hot 10 %", rows / 10)] {
        let (start, mut n) = (Instant::now(), 0u64);
        while start.elapsed() < secs() {
            for _ in 0..100 {
                let got = snap.get(&record(rng.next() % span)).expect("get");
                assert!(got.is_some());
            }
            n += 100;
        }
        rate(&format!("mvcc ({name}): random point gets, {over}"), n, start.elapsed());
        let (start, mut n) = (Instant::now(), 0u64);
        while start.elapsed() < secs() {
            let keys: Vec<_> = (0..256).map(|_| record(rng.next() % span)).collect();
            n += snap.batch_get(&keys).expect("batch").len() as u64;
        }
        rate(&format!("mvcc ({name}): random batch gets (256), {over}"), n, start.elapsed());
    }
}

type EngineFactory = fn(&std::path::Path) -> Box<dyn Engine>;

fn commit_bench(name: &str, open: EngineFactory, writers: usize) {
    let dir = tempfile::tempdir().expect("tmp");
    let engine: Arc<dyn Engine> = Arc::from(open(dir.path()));
    let opts = LocalOptions { gc_interval: None, ..Default::default() };
    let store = Arc::new(LocalStorage::with_engine(engine, opts).expect("open"));
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let (store, stop, commits) = (store.clone(), stop.clone(), commits.clone());
            thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let mut t = store.begin(TxnOptions::default()).expect("begin");
                    t.put(format!("w{w}/{i}").into_bytes(), vec![3u8; 100]).expect("put");
                    t.commit().expect("commit");
                    commits.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    thread::sleep(secs());
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().expect("join");
    }
    rate(
        &format!("txn ({name}): durable commits, {writers} writers"),
        commits.load(Ordering::Relaxed),
        start.elapsed(),
    );
    let snap = store.snapshot(None).expect("snap");
    let start = Instant::now();
    let n = snap.scan(&KeyRange::prefix(b"w0/"), usize::MAX, false).expect("scan").len();
    rate("txn: MVCC scan of writer 0's keys", n as u64, start.elapsed());
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benches; nothing to list here.
    }
    println!("FerroDB store benchmarks (each phase {:.1}s)", secs().as_secs_f64());
    let fjall: EngineFactory = |p| Box::new(FjallEngine::open(p).expect("open fjall"));
    #[allow(unused_mut)]
    let mut engines = vec![("fjall", fjall)];
    #[cfg(feature = "rocksdb")]
    engines.push(("rocksdb", |p| {
        Box::new(store_local::engine::RocksEngine::open(p).expect("open rocksdb"))
    }));
    for (name, open) in &engines {
        if runs("engine") {
            engine_bench(name, *open);
        }
        if runs("mvcc") {
            for row_cache_mb in [0, 128] {
                mvcc_read_bench(name, *open, 1_000_000, row_cache_mb);
            }
        }
        if runs("commit") {
            for w in [1, 4, 32] {
                commit_bench(name, *open, w);
            }
        }
    }
}
