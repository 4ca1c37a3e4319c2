//! A transaction of the embedded store.

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::Instant,
};

use kv::{Key, KeyRange, KvPair, Timestamp, Transaction, TxnMode, TxnOptions, Value};

use crate::{
    engine::{Cf, Op},
    keys::version_key,
    mvcc,
    record::WriteRecord,
    Inner,
};

/// Buffered writes, locks held, and the snapshot timestamp.
pub struct LocalTxn {
    inner: Arc<Inner>,
    start_ts: u64,
    read_ts: u64,
    opts: TxnOptions,
    /// Own writes: `None` is a delete.
    buffer: BTreeMap<Key, Option<Value>>,
    /// Keys locked pessimistically (held until commit or rollback).
    locked: HashSet<Key>,
    /// Undo log for savepoints: each write's key and its previous buffer entry.
    undo: Vec<(Key, Option<Option<Value>>)>,
    /// Bytes of `buffer`, keys and values (against `LocalOptions::max_txn_size`).
    size: usize,
    finished: bool,
}

impl LocalTxn {
    /// Starts a transaction at a fresh timestamp.
    pub fn begin(inner: Arc<Inner>, opts: TxnOptions) -> kv::Result<Self> {
        let start_ts = inner.begin_ts()?;
        Ok(LocalTxn {
            inner,
            start_ts,
            read_ts: start_ts,
            opts,
            buffer: BTreeMap::new(),
            locked: HashSet::new(),
            undo: Vec::new(),
            size: 0,
            finished: false,
        })
    }

    fn check_size(&self, key: &[u8], value: usize) -> kv::Result<()> {
        let o = &self.inner.opts;
        if key.len() > o.max_key_size {
            return Err(kv::Error::EntryTooLarge { limit: o.max_key_size, size: key.len() });
        }
        if key.len() + value > o.max_entry_size {
            return Err(kv::Error::EntryTooLarge {
                limit: o.max_entry_size,
                size: key.len() + value,
            });
        }
        Ok(())
    }

    /// Buffers `value` (`None`: a delete) under `key`, unless the transaction would then hold
    /// more than `max_txn_size` bytes of writes (TiDB's 8004).
    fn buffer_write(&mut self, key: Key, value: Option<Value>) -> kv::Result<()> {
        let old = self.buffer.get(&key).map_or(0, |v| entry_bytes(&key, v));
        let size = self.size - old + entry_bytes(&key, &value);
        let limit = self.inner.opts.max_txn_size;
        if limit > 0 && size > limit {
            return Err(kv::Error::TxnTooLarge { size });
        }
        self.size = size;
        let prev = self.buffer.insert(key.clone(), value);
        self.undo.push((key, prev));
        Ok(())
    }

    fn writable(&self) -> kv::Result<()> {
        if self.opts.read_only {
            return Err(kv::Error::ReadOnlyTxn);
        }
        if let Some(e) = self.inner.committer.failure() {
            return Err(kv::Error::StoreReadOnly(e));
        }
        Ok(())
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.opts.lock_wait_timeout
    }

    /// The values of `keys` at `ts`, in order: own writes first, the rest read together
    /// ([`Inner::read_many`]: one scan over neighbouring keys).
    fn read_keys(&self, keys: &[Key], ts: u64) -> kv::Result<Vec<Option<Value>>> {
        let unbuffered: Vec<&[u8]> =
            keys.iter().filter(|k| !self.buffer.contains_key(*k)).map(Vec::as_slice).collect();
        let mut read = self.inner.read_many(&unbuffered, ts)?.into_iter();
        Ok(keys
            .iter()
            .map(|k| match self.buffer.get(k) {
                Some(v) => v.clone(),
                None => read.next().flatten(),
            })
            .collect())
    }

    /// Releases every lock and leaves the live-transaction set.
    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let keys: Vec<Key> = self.locked.drain().collect();
        self.inner.locks.release(self.start_ts, keys.iter());
        self.inner.readers.unregister(self.start_ts);
    }

    /// Prewrite: lock every written key (optimistic keys without waiting long), check
    /// conflicts, and mark the locks prewritten so readers above `start_ts` wait for the commit.
    fn prewrite(&mut self) -> kv::Result<()> {
        let deadline = self.deadline();
        let keys: Vec<Key> = self.buffer.keys().cloned().collect();
        for key in &keys {
            if !self.locked.contains(key) {
                self.inner.locks.acquire(self.start_ts, key, deadline)?;
                self.locked.insert(key.clone());
            }
            // Optimistic transactions detect write-write conflicts here. Pessimistic ones locked
            // every row they changed when the statement ran, and the other keys they write (index
            // entries) follow from those rows, so — as in TiDB — they are not checked again.
            if self.opts.mode == TxnMode::Optimistic {
                let snap = self.inner.engine.snapshot();
                if let Some((commit_ts, rec)) = mvcc::get_version(snap.as_ref(), key, u64::MAX)? {
                    if commit_ts > self.start_ts {
                        return Err(kv::Error::WriteConflict {
                            start_ts: self.start_ts,
                            conflict_start_ts: rec.start_ts,
                            conflict_commit_ts: commit_ts,
                            key: key.clone(),
                        });
                    }
                }
            }
        }
        self.inner.locks.mark_prewritten(self.start_ts, keys.iter());
        Ok(())
    }
}

impl Drop for LocalTxn {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Transaction for LocalTxn {
    fn start_ts(&self) -> Timestamp {
        self.start_ts
    }

    fn get(&mut self, key: &[u8]) -> kv::Result<Option<Value>> {
        if let Some(v) = self.buffer.get(key) {
            return Ok(v.clone());
        }
        self.inner.read(key, self.read_ts)
    }

    fn batch_get(&mut self, keys: &[Key]) -> kv::Result<Vec<KvPair>> {
        let values = self.read_keys(keys, self.read_ts)?;
        Ok(keys.iter().zip(values).filter_map(|(k, v)| Some((k.clone(), v?))).collect())
    }

    fn scan(&mut self, range: &KeyRange, limit: usize, reverse: bool) -> kv::Result<Vec<KvPair>> {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        // Read enough committed pairs that own deletes cannot starve the result.
        let own: Vec<(&Key, &Option<Value>)> =
            self.buffer.iter().filter(|(k, _)| range.contains(k)).collect();
        let deletes = own.iter().filter(|(_, v)| v.is_none()).count();
        let committed =
            self.inner.scan(range, self.read_ts, limit.saturating_add(deletes), reverse)?;
        if own.is_empty() {
            return Ok(committed);
        }
        let mut merged: BTreeMap<Key, Option<Value>> =
            committed.into_iter().map(|(k, v)| (k, Some(v))).collect();
        for (k, v) in own {
            merged.insert(k.clone(), v.clone());
        }
        let visible = merged.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
        Ok(if reverse {
            visible.rev().take(limit).collect()
        } else {
            visible.take(limit).collect()
        })
    }

    fn read_snapshot(&self) -> kv::Result<Box<dyn kv::Snapshot>> {
        Ok(Box::new(crate::LocalSnapshot::at(self.inner.clone(), self.read_ts)))
    }

    fn lock_keys(&mut self, keys: &[Key]) -> kv::Result<Vec<Option<Value>>> {
        if self.opts.mode == TxnMode::Optimistic {
            return keys.iter().map(|k| self.get(k)).collect();
        }
        self.writable()?;
        let deadline = self.deadline();
        for k in keys {
            self.inner.locks.acquire(self.start_ts, k, deadline)?;
            self.locked.insert(k.clone());
        }
        // Current read: holding the locks, the newest committed versions are final.
        self.read_keys(keys, u64::MAX)
    }

    fn refresh_read_ts(&mut self) -> kv::Result<()> {
        self.read_ts = self.inner.next_ts()?;
        Ok(())
    }

    fn put(&mut self, key: Key, value: Value) -> kv::Result<()> {
        self.writable()?;
        self.check_size(&key, value.len())?;
        self.buffer_write(key, Some(value))
    }

    fn delete(&mut self, key: Key) -> kv::Result<()> {
        self.writable()?;
        self.check_size(&key, 0)?;
        self.buffer_write(key, None)
    }

    fn is_dirty(&self) -> bool {
        !self.buffer.is_empty()
    }

    fn write_budget(&self) -> Option<(usize, usize)> {
        let limit = self.inner.opts.max_txn_size;
        (limit > 0).then(|| (limit.saturating_sub(self.size), self.size))
    }

    fn savepoint(&mut self) -> usize {
        self.undo.len()
    }

    fn rollback_to_savepoint(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((key, prev)) = self.undo.pop() else { break };
            let now = self.buffer.get(&key).map_or(0, |v| entry_bytes(&key, v));
            let before = prev.as_ref().map_or(0, |v| entry_bytes(&key, v));
            self.size = self.size - now + before;
            match prev {
                Some(v) => self.buffer.insert(key, v),
                None => self.buffer.remove(&key),
            };
        }
    }

    fn commit(mut self: Box<Self>) -> kv::Result<Timestamp> {
        if self.buffer.is_empty() {
            self.finish();
            return Ok(self.start_ts);
        }
        self.writable()?;
        self.prewrite()?;
        let inner = self.inner.clone();
        let commit_ts =
            self.inner
                .locks
                .assign_commit_ts(self.start_ts, self.buffer.keys(), || inner.next_ts())?;
        let ops = self
            .buffer
            .iter()
            .map(|(k, v)| {
                let rec = WriteRecord::encode_parts(self.start_ts, v.as_deref());
                Op::Put(Cf::Write, version_key(k, commit_ts), rec)
            })
            .collect();
        let result = self.inner.committer.commit(ops);
        if result.is_ok() && self.inner.rows.enabled() {
            // In the engine, locks still held: cached entries of these keys move to this commit.
            for (k, v) in std::mem::take(&mut self.buffer) {
                self.inner.rows.committed(&k, commit_ts, v);
            }
        }
        self.finish();
        result.map(|()| commit_ts)
    }

    fn rollback(mut self: Box<Self>) -> kv::Result<()> {
        self.buffer.clear();
        self.finish();
        Ok(())
    }
}

/// Bytes a buffered write takes: its key and value (`None`: a delete).
fn entry_bytes(key: &[u8], value: &Option<Value>) -> usize {
    key.len() + value.as_ref().map_or(0, Vec::len)
}
