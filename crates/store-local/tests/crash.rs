//! Crash safety: a child process commits concurrently and reports each acknowledged commit;
//! the parent SIGKILLs it at a random moment, reopens the store, and checks that every
//! acknowledged commit is there and no transaction is half there. Repeated many times on the
//! same data directory.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::{mpsc, Arc},
    thread,
    time::{Duration, Instant},
};

use kv::{Storage, TxnOptions};
use store_local::{LocalOptions, LocalStorage};

const WRITERS: usize = 4;
const ROUNDS: usize = 12;

fn opts() -> LocalOptions {
    LocalOptions { gc_interval: None, ..Default::default() }
}

fn counter_key(w: usize) -> Vec<u8> {
    format!("counter/{w}").into_bytes()
}

fn item_key(w: usize, n: u64) -> Vec<u8> {
    format!("item/{w}/{n:08}").into_bytes()
}

fn read_u64(v: Option<Vec<u8>>) -> u64 {
    v.map_or(0, |b| String::from_utf8(b).expect("utf8").parse().expect("number"))
}

/// The child side: runs only when the parent sets FERRODB_CRASH_DIR.
#[test]
#[ignore = "spawned by kill_minus_nine_loses_nothing_acknowledged"]
fn crash_child() {
    let Ok(dir) = std::env::var("FERRODB_CRASH_DIR") else { return };
    let store = Arc::new(LocalStorage::open(dir.as_ref(), opts()).expect("open"));
    let (tx, rx) = mpsc::channel::<String>();
    for w in 0..WRITERS {
        let (store, tx) = (store.clone(), tx.clone());
        thread::spawn(move || loop {
            let mut t = store.begin(TxnOptions::default()).expect("begin");
            let n = read_u64(t.lock_keys(&[counter_key(w)]).expect("lock").remove(0)) + 1;
            t.put(counter_key(w), n.to_string().into_bytes()).expect("put");
            t.put(item_key(w, n), vec![b'x'; 100]).expect("put");
            t.commit().expect("commit");
            if tx.send(format!("ack {w} {n}")).is_err() {
                return;
            }
        });
    }
    drop(tx);
    let mut out = std::io::stdout().lock();
    for line in rx {
        writeln!(out, "{line}").expect("stdout");
        out.flush().expect("flush");
    }
}

#[test]
fn kill_minus_nine_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tmp");
    let exe = std::env::current_exe().expect("test binary");
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env("FERRODB_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("ack ") {
                    let mut parts = rest.split(' ');
                    let w: usize = parts.next().and_then(|p| p.parse().ok()).expect("writer");
                    let n: u64 = parts.next().and_then(|p| p.parse().ok()).expect("n");
                    if tx.send((w, n)).is_err() {
                        return;
                    }
                }
            }
        });
        // Wait for the first acknowledgement, then let it run a random while and kill it.
        let mut acked = [0u64; WRITERS];
        let (w, n) = rx.recv_timeout(Duration::from_secs(60)).expect("child never committed");
        acked[w] = acked[w].max(n);
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let run_for = Duration::from_millis(20 + (seed >> 33) % 300);
        let until = Instant::now() + run_for;
        while Instant::now() < until {
            if let Ok((w, n)) = rx.recv_timeout(Duration::from_millis(5)) {
                acked[w] = acked[w].max(n);
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader");
        while let Ok((w, n)) = rx.try_recv() {
            acked[w] = acked[w].max(n);
        }

        let store = LocalStorage::open(dir.path(), opts()).expect("reopen after kill");
        let snap = store.snapshot(None).expect("snapshot");
        for (w, &acked_n) in acked.iter().enumerate() {
            let n = read_u64(snap.get(&counter_key(w)).expect("get"));
            assert!(
                n >= acked_n,
                "round {round}: writer {w} acknowledged {acked_n} but counter is {n}"
            );
            for i in 1..=n {
                assert!(
                    snap.get(&item_key(w, i)).expect("get").is_some(),
                    "round {round}: writer {w}: counter {n} but item {i} missing (partial transaction)"
                );
            }
            assert!(
                snap.get(&item_key(w, n + 1)).expect("get").is_none(),
                "round {round}: writer {w}: item {} present beyond counter {n}",
                n + 1
            );
        }
        // The reopened store takes writes (no stall after recovery).
        let mut t = store.begin(TxnOptions::default()).expect("begin");
        t.put(b"probe".to_vec(), round.to_string().into_bytes()).expect("put");
        t.commit().expect("commit after recovery");
    }
}
