//! A statement's view of its transaction: writes are staged per statement and reach the
//! transaction only if the statement succeeds, so a failed statement (a duplicate key in the
//! third row of a multi-row INSERT, say) leaves no trace, as in MySQL. What a statement stages
//! counts against the transaction's size limit as it is staged (8004 at once), so an
//! `INSERT … SELECT` or UPDATE of a huge table fails before its staged writes fill memory.

use std::{collections::BTreeMap, ops::Bound};

use errno::Result;
use kv::{Key, KeyRange, KvPair, Transaction, Value};

/// Statement-level write staging over a transaction.
pub struct StmtTxn<'a> {
    txn: &'a mut dyn Transaction,
    staged: BTreeMap<Key, Option<Value>>,
    /// Bytes of `staged` (keys and values).
    staged_bytes: usize,
    /// What the transaction may still buffer and what it holds ([`Transaction::write_budget`]).
    budget: Option<(usize, usize)>,
    /// Keys locked ahead by [`StmtTxn::lock_ahead`], with their newest committed values
    /// (final while the locks are held).
    locked_ahead: std::collections::HashMap<Key, Option<Value>>,
}

impl<'a> StmtTxn<'a> {
    /// Stages over `txn`.
    pub fn new(txn: &'a mut dyn Transaction) -> Self {
        let budget = txn.write_budget();
        StmtTxn {
            txn,
            staged: BTreeMap::new(),
            staged_bytes: 0,
            budget,
            locked_ahead: std::collections::HashMap::new(),
        }
    }

    /// Reads `key` (staged writes first, then the transaction's snapshot).
    pub fn get(&mut self, key: &[u8]) -> Result<Option<Value>> {
        if let Some(v) = self.staged.get(key) {
            return Ok(v.clone());
        }
        Ok(self.txn.get(key)?)
    }

    /// Reads several keys (staged writes first); `None` for absent ones, in `keys` order.
    pub fn batch_get(&mut self, keys: &[Key]) -> Result<Vec<Option<Value>>> {
        let unstaged: Vec<Key> =
            keys.iter().filter(|k| !self.staged.contains_key(*k)).cloned().collect();
        let found: std::collections::HashMap<Key, Value> =
            self.txn.batch_get(&unstaged)?.into_iter().collect();
        // A key asked twice is answered twice (a join looks up `'a'` and `'b'` both as 0).
        Ok(keys
            .iter()
            .map(|k| match self.staged.get(k) {
                Some(v) => v.clone(),
                None => found.get(k).cloned(),
            })
            .collect())
    }

    /// How many keys `range` holds in the snapshot, counting at most `cap` (an estimate for
    /// choosing an access path: this statement's staged writes are not counted).
    pub fn count(&mut self, range: &KeyRange, cap: usize) -> Result<usize> {
        Ok(self.txn.scan(range, cap, false)?.len())
    }

    /// A snapshot other threads may scan, when it reads what this statement would: nothing is
    /// staged and the transaction has buffered no writes (else `None`).
    pub fn shared_snapshot(&self) -> Result<Option<Box<dyn kv::Snapshot>>> {
        if !self.staged.is_empty() || self.txn.is_dirty() {
            return Ok(None);
        }
        Ok(Some(self.txn.read_snapshot()?))
    }

    /// Locks `keys` (pessimistic) and returns their newest values, staged writes first.
    pub fn lock(&mut self, keys: &[Key]) -> Result<Vec<Option<Value>>> {
        if keys.iter().all(|k| self.locked_ahead.contains_key(k)) {
            let ahead = &self.locked_ahead;
            return Ok(keys
                .iter()
                .map(|k| match self.staged.get(k) {
                    Some(v) => v.clone(),
                    None => ahead.get(k).cloned().flatten(),
                })
                .collect());
        }
        let latest = self.txn.lock_keys(keys)?;
        Ok(keys.iter().zip(latest).map(|(k, v)| self.staged.get(k).cloned().unwrap_or(v)).collect())
    }

    /// Locks `keys` at once — a multi-row statement's keys before its rows are written — so
    /// that [`StmtTxn::lock`] of them later needs no lock or read of its own: one batched read
    /// instead of one per key. Only worth it when the transaction locks (pessimistic mode).
    pub fn lock_ahead(&mut self, keys: Vec<Key>) -> Result<()> {
        let mut keys = keys;
        keys.sort_unstable();
        keys.dedup();
        keys.retain(|k| !self.locked_ahead.contains_key(k));
        if keys.is_empty() {
            return Ok(());
        }
        let latest = self.txn.lock_keys(&keys)?;
        self.locked_ahead.extend(keys.into_iter().zip(latest));
        Ok(())
    }

    /// Every pair in `range`, staged writes merged in.
    pub fn scan(&mut self, range: &KeyRange) -> Result<Vec<KvPair>> {
        let base = self.txn.scan(range, usize::MAX, false)?;
        if self.staged.is_empty() {
            return Ok(base);
        }
        let mut merged: BTreeMap<Key, Option<Value>> =
            base.into_iter().map(|(k, v)| (k, Some(v))).collect();
        for (k, v) in self.staged.iter().filter(|(k, _)| range.contains(k)) {
            merged.insert(k.clone(), v.clone());
        }
        Ok(merged.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect())
    }

    /// One page of `range`: up to `limit` pairs of the snapshot (descending when `reverse`), with
    /// the statement's staged writes merged in over the part of the range that page covers, and
    /// the rest of the range (`None` when it is done). Paging bounds what a scan holds at once.
    pub fn scan_page(
        &mut self,
        range: &KeyRange,
        limit: usize,
        reverse: bool,
    ) -> Result<(Vec<KvPair>, Option<KeyRange>)> {
        let base = self.txn.scan(range, limit, reverse)?;
        // The part of the range this page covers, and what is left after it.
        let (covered, rest) = match base.last() {
            Some((k, _)) if base.len() >= limit && !reverse => {
                let mut next = k.clone();
                next.push(0);
                let covered =
                    KeyRange { start: range.start.clone(), end: Bound::Excluded(next.clone()) };
                (covered, Some(KeyRange { start: Bound::Included(next), end: range.end.clone() }))
            }
            Some((k, _)) if base.len() >= limit => {
                let covered =
                    KeyRange { start: Bound::Included(k.clone()), end: range.end.clone() };
                (
                    covered,
                    Some(KeyRange { start: range.start.clone(), end: Bound::Excluded(k.clone()) }),
                )
            }
            _ => (range.clone(), None),
        };
        if self.staged.is_empty() {
            return Ok((base, rest));
        }
        let mut merged: BTreeMap<Key, Option<Value>> =
            base.into_iter().map(|(k, v)| (k, Some(v))).collect();
        // (BTreeMap::range panics on an inverted range.)
        if !covered.is_empty() {
            for (k, v) in self.staged.range::<Key, _>((covered.start, covered.end)) {
                merged.insert(k.clone(), v.clone());
            }
        }
        let visible = merged.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
        let page = if reverse { visible.rev().collect() } else { visible.collect() };
        Ok((page, rest))
    }

    /// Stages a write; 8004 when the statement's writes would pass the transaction's size
    /// limit.
    pub fn put(&mut self, key: Key, value: Value) -> Result<()> {
        self.stage(key, Some(value))
    }

    /// Stages a delete (8004 as [`StmtTxn::put`]).
    pub fn delete(&mut self, key: Key) -> Result<()> {
        self.stage(key, None)
    }

    fn stage(&mut self, key: Key, value: Option<Value>) -> Result<()> {
        let size = |k: &Key, v: &Option<Value>| k.len() + v.as_ref().map_or(0, Vec::len);
        let added = size(&key, &value);
        if let Some((left, held)) = self.budget {
            if self.staged_bytes + added > left {
                let size = held + self.staged_bytes + added;
                return Err(kv::Error::TxnTooLarge { size }.into());
            }
        }
        let key_len = key.len();
        if let Some(old) = self.staged.insert(key, value) {
            self.staged_bytes -= key_len + old.as_ref().map_or(0, Vec::len);
        }
        self.staged_bytes += added;
        Ok(())
    }

    /// Ids of the tables the staged writes touch (row and index keys `t{id}…`).
    pub fn written_tables(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .staged
            .keys()
            .filter(|k| k.first() == Some(&tablecodec::TABLE_PREFIX))
            .filter_map(|k| tablecodec::datum::get_i64(&k[1..]))
            .collect();
        ids.dedup();
        ids
    }

    /// Rows the staged writes change (record keys `t{id}_r…` put or deleted), per table id.
    pub fn changed_rows(&self) -> Vec<(i64, u64)> {
        let mut out: Vec<(i64, u64)> = Vec::new();
        for k in self.staged.keys() {
            if tablecodec::decode_record_key(k).is_none() {
                continue;
            }
            let Some(id) = k.get(1..).and_then(tablecodec::datum::get_i64) else { continue };
            match out.last_mut() {
                Some((last, n)) if *last == id => *n += 1,
                _ => out.push((id, 1)),
            }
        }
        out
    }

    /// Hands the staged writes to the transaction (the statement succeeded) — all of them or,
    /// when the transaction refuses one (an entry or the transaction too large, a store gone
    /// read-only), none: the statement fails whole, as a statement must.
    pub fn flush(self) -> Result<()> {
        let mark = self.txn.savepoint();
        for (k, v) in self.staged {
            let r = match v {
                Some(v) => self.txn.put(k, v),
                None => self.txn.delete(k),
            };
            if let Err(e) = r {
                self.txn.rollback_to_savepoint(mark);
                return Err(e.into());
            }
        }
        Ok(())
    }
}

/// The reads a join's key lookups make: through a statement (its staged writes merged in) or
/// from a snapshot that lookup workers share ([`StmtTxn::shared_snapshot`]).
pub trait KeyReads {
    /// Every pair in `range`, ascending.
    fn scan_all(&mut self, range: &KeyRange) -> Result<Vec<KvPair>>;

    /// Values of `keys` in order, `None` for absent ones (a key asked twice is answered twice).
    fn get_many(&mut self, keys: &[Key]) -> Result<Vec<Option<Value>>>;
}

impl KeyReads for StmtTxn<'_> {
    fn scan_all(&mut self, range: &KeyRange) -> Result<Vec<KvPair>> {
        self.scan(range)
    }

    fn get_many(&mut self, keys: &[Key]) -> Result<Vec<Option<Value>>> {
        self.batch_get(keys)
    }
}

impl KeyReads for &dyn kv::Snapshot {
    fn scan_all(&mut self, range: &KeyRange) -> Result<Vec<KvPair>> {
        Ok(self.scan(range, usize::MAX, false)?)
    }

    fn get_many(&mut self, keys: &[Key]) -> Result<Vec<Option<Value>>> {
        // Present pairs come back in `keys` order, duplicates included.
        let mut found = self.batch_get(keys)?.into_iter().peekable();
        Ok(keys.iter().map(|k| found.next_if(|(fk, _)| fk == k).map(|(_, v)| v)).collect())
    }
}
