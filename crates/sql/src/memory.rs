//! Per-statement memory accounting: every operator that holds rows (sort, top-n, aggregation,
//! distinct, joins, the collected result) charges what it holds to the statement's
//! [`MemTracker`], and gives it back when it lets go. A statement whose rows exceed
//! `tidb_mem_quota_query` fails with TiDB's error 8175 instead of taking the server's memory.
//!
//! Sizes are estimates of the heap a row takes ([`row_bytes`]): enough to stop a runaway join
//! or sort long before the machine runs out, cheap enough to keep on every row.
//!
//! Server-wide, every statement's bytes add up ([`server_used`]); past
//! `tidb_server_memory_limit` (default 80 % of RAM) the statement holding the most is
//! cancelled with TiDB's 8176, wherever it is (it notices at its next charge or batch).

use std::{
    cell::Cell,
    collections::HashMap,
    rc::Rc,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex, OnceLock,
    },
};

use errno::{Error, Result};
use types::Value;

/// One running statement as the server-wide accounting sees it.
#[derive(Debug, Default)]
struct Running {
    used: AtomicUsize,
    cancelled: AtomicBool,
}

/// Bytes held by all running statements.
static SERVER_USED: AtomicUsize = AtomicUsize::new(0);
/// Every running statement, by tracker id.
static RUNNING: OnceLock<Mutex<HashMap<u64, Arc<Running>>>> = OnceLock::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn running() -> std::sync::MutexGuard<'static, HashMap<u64, Arc<Running>>> {
    let m = RUNNING.get_or_init(|| Mutex::new(HashMap::new()));
    // Every update is one call: a panic elsewhere cannot leave the map half-written.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bytes all running statements hold now.
pub fn server_used() -> usize {
    SERVER_USED.load(Ordering::Relaxed)
}

/// The machine's memory in bytes (`/proc/meminfo`), if known.
pub fn total_memory() -> Option<u64> {
    static TOTAL: OnceLock<Option<u64>> = OnceLock::new();
    *TOTAL.get_or_init(|| {
        let info = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    })
}

/// `tidb_server_memory_limit` in bytes: a byte count (`4294967296`, `4GB`, `512MB`) or a
/// percentage of the machine's memory (`80%`); `0` means no limit.
pub fn parse_server_limit(text: &str) -> Option<usize> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        let pct: f64 = p.trim().parse().ok()?;
        return Some((total_memory()? as f64 * pct / 100.0) as usize);
    }
    let upper = t.to_ascii_uppercase();
    let (num, unit) = match upper.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&upper[..i], &upper[i..]),
        None => (upper.as_str(), ""),
    };
    let n: f64 = num.trim().parse().ok()?;
    let mult = match unit {
        "" | "B" => 1.0,
        "KB" | "K" | "KIB" => 1024.0,
        "MB" | "M" | "MIB" => 1024.0 * 1024.0,
        "GB" | "G" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as usize)
}

/// What one statement holds, against its quota and the server's limit.
#[derive(Debug)]
pub struct MemTracker {
    /// Most bytes the statement may hold (`0`: no limit).
    quota: usize,
    /// Most bytes all statements together may hold (`0`: no limit).
    server_limit: usize,
    used: Cell<usize>,
    peak: Cell<usize>,
    /// Bytes written to disk instead (spilled sort runs).
    disk: Cell<u64>,
    /// The connection, named in the error as TiDB does.
    conn: u64,
    id: u64,
    shared: Arc<Running>,
}

impl MemTracker {
    /// A tracker for connection `conn` with `quota` bytes (`<= 0`: unlimited) under a server
    /// limit of `server_limit` bytes (`0`: none).
    pub fn new(quota: i64, conn: u64) -> Rc<Self> {
        Self::with_server_limit(quota, conn, 0)
    }

    /// As [`MemTracker::new`], under a server-wide limit.
    pub fn with_server_limit(quota: i64, conn: u64, server_limit: usize) -> Rc<Self> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Running::default());
        running().insert(id, shared.clone());
        Rc::new(MemTracker {
            quota: usize::try_from(quota).unwrap_or(0),
            server_limit,
            used: Cell::new(0),
            peak: Cell::new(0),
            disk: Cell::new(0),
            conn,
            id,
            shared,
        })
    }

    /// Error 8176 when the server's limit cancelled this statement.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.shared.cancelled.load(Ordering::Relaxed) {
            return Err(Error::fmt(errno::ER_MEM_EXCEED_INSTANCE, &[&self.conn]));
        }
        Ok(())
    }

    /// Takes `bytes` more; fails with 8175 (and takes nothing) when that would pass the quota,
    /// and with 8176 when the server is over its limit and this statement holds the most.
    pub fn consume(&self, bytes: usize) -> Result<()> {
        self.check_cancelled()?;
        let used = self.used.get().saturating_add(bytes);
        if self.quota > 0 && used > self.quota {
            return Err(Error::fmt(errno::ER_MEM_EXCEED_THRESHOLD, &[&self.conn]));
        }
        self.used.set(used);
        self.peak.set(self.peak.get().max(used));
        self.shared.used.store(used, Ordering::Relaxed);
        let total = SERVER_USED.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if self.server_limit > 0 && total > self.server_limit {
            // Cancel the statement holding the most (perhaps this one).
            let largest = running()
                .iter()
                .max_by_key(|(_, r)| r.used.load(Ordering::Relaxed))
                .map(|(id, r)| (*id, r.clone()));
            if let Some((id, r)) = largest {
                r.cancelled.store(true, Ordering::Relaxed);
                if id == self.id {
                    return Err(Error::fmt(errno::ER_MEM_EXCEED_INSTANCE, &[&self.conn]));
                }
            }
        }
        Ok(())
    }

    /// Gives back `bytes`.
    pub fn release(&self, bytes: usize) {
        let n = bytes.min(self.used.get());
        self.used.set(self.used.get() - n);
        self.shared.used.store(self.used.get(), Ordering::Relaxed);
        SERVER_USED.fetch_sub(n, Ordering::Relaxed);
    }

    /// Bytes the statement may still take before its quota (`None`: no quota).
    pub fn headroom(&self) -> Option<usize> {
        (self.quota > 0).then(|| self.quota.saturating_sub(self.used.get()))
    }

    /// Bytes held now.
    pub fn used(&self) -> usize {
        self.used.get()
    }

    /// The most bytes held at once so far.
    pub fn peak(&self) -> usize {
        self.peak.get()
    }

    /// Records `bytes` spilled to disk.
    pub fn spilled(&self, bytes: u64) {
        self.disk.set(self.disk.get() + bytes);
    }

    /// Bytes spilled to disk so far.
    pub fn disk(&self) -> u64 {
        self.disk.get()
    }
}

impl Drop for MemTracker {
    fn drop(&mut self) {
        SERVER_USED.fetch_sub(self.used.get(), Ordering::Relaxed);
        running().remove(&self.id);
    }
}

/// What one holder (an operator, a join) has charged; released when dropped.
#[derive(Debug)]
pub struct Charge {
    tracker: Rc<MemTracker>,
    bytes: usize,
}

impl Charge {
    /// Nothing charged yet to `tracker`.
    pub fn new(tracker: &Rc<MemTracker>) -> Self {
        Charge { tracker: tracker.clone(), bytes: 0 }
    }

    /// Charges `bytes` more.
    pub fn add(&mut self, bytes: usize) -> Result<()> {
        self.tracker.consume(bytes)?;
        self.bytes += bytes;
        Ok(())
    }

    /// Charges one row of `values`.
    pub fn add_row(&mut self, values: &[Value]) -> Result<()> {
        self.add(row_bytes(values))
    }

    /// Gives back up to `bytes` of what this holder charged.
    pub fn sub(&mut self, bytes: usize) {
        let n = bytes.min(self.bytes);
        self.tracker.release(n);
        self.bytes -= n;
    }

    /// Gives back everything this holder charged.
    pub fn clear(&mut self) {
        self.sub(self.bytes);
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Estimated heap bytes of a row of `values` (the vector, each value, and string contents).
pub fn row_bytes(values: &[Value]) -> usize {
    let heap: usize = values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.len(),
            Value::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum();
    std::mem::size_of::<Vec<Value>>() + std::mem::size_of_val(values) + heap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_limit_cancels_the_largest_statement() {
        let big = MemTracker::with_server_limit(0, 1, 1 << 40);
        let small = MemTracker::with_server_limit(0, 2, 1 << 40);
        let mut b = Charge::new(&big);
        b.add(1 << 20).expect("under every limit");
        // A limit just under what is held: the next charge, even a small one elsewhere,
        // cancels the statement holding the most.
        let limit = server_used() + 1000;
        let small2 = MemTracker::with_server_limit(0, 3, limit);
        let mut c = Charge::new(&small2);
        c.add(2000).expect("the other statement is cancelled, not this one");
        assert_eq!(big.check_cancelled().map_err(|e| e.code), Err(8176));
        assert!(small.check_cancelled().is_ok());
        assert_eq!(b.add(1).map_err(|e| e.code), Err(8176));
        assert_eq!(parse_server_limit("512MB"), Some(512 << 20));
        assert_eq!(parse_server_limit("0"), Some(0));
        assert!(parse_server_limit("80%").is_some_and(|n| n > 0));
        assert_eq!(parse_server_limit("lots"), None);
    }

    #[test]
    fn quota_refuses_and_drop_releases() {
        let t = MemTracker::new(1000, 7);
        {
            let mut c = Charge::new(&t);
            c.add(600).expect("under quota");
            let err = c.add(600).expect_err("over quota");
            assert_eq!(err.code, 8175);
            assert!(err.message.contains("[conn=7]"), "{}", err.message);
            assert_eq!(t.used(), 600);
        }
        assert_eq!(t.used(), 0);
        assert_eq!(t.peak(), 600);
        let unlimited = MemTracker::new(0, 1);
        Charge::new(&unlimited).add(10_000).expect("no quota");
    }
}
