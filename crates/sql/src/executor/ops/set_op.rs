//! `INTERSECT` / `EXCEPT` `[ALL]`: the right input is read first into a counted set of rows
//! (memcomparable keys, so NULLs are equal as set members; charged to the statement's memory),
//! then the left input streams through it.

use std::collections::{HashMap, HashSet};

use errno::Result;

use super::{Batch, Cx, Operator};
use crate::{memory::Charge, table::Row};

/// Keeps left rows by whether the right input has them.
pub struct SetOp {
    left: Box<dyn Operator>,
    right: Box<dyn Operator>,
    intersect: bool,
    all: bool,
    /// Right rows by key, with how many are not yet matched (ALL) — `None` until read.
    counts: Option<HashMap<Vec<u8>, usize>>,
    /// Left rows already returned (DISTINCT).
    seen: HashSet<Vec<u8>>,
    held: Option<Charge>,
}

impl SetOp {
    /// `left INTERSECT right` (or EXCEPT when `!intersect`), with or without ALL.
    pub fn new(
        left: Box<dyn Operator>,
        right: Box<dyn Operator>,
        intersect: bool,
        all: bool,
    ) -> Self {
        SetOp { left, right, intersect, all, counts: None, seen: HashSet::new(), held: None }
    }

    fn read_right(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<HashMap<Vec<u8>, usize>> {
        let held = self.held.get_or_insert_with(|| Charge::new(&cx.env.mem));
        let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
        while let Some(batch) = self.right.next(cx)? {
            for row in batch {
                let key = row_key(&row);
                if !counts.contains_key(&key) {
                    held.add(key.len() + 48)?;
                }
                *counts.entry(key).or_default() += 1;
            }
        }
        Ok(counts)
    }

    /// Whether `row` is returned (and, for ALL, uses up one of its right-side partners).
    fn keep(&mut self, row: &Row) -> Result<bool> {
        let key = row_key(row);
        let Some(counts) = self.counts.as_mut() else { return Ok(false) };
        if self.all {
            return Ok(match counts.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    self.intersect
                }
                _ => !self.intersect,
            });
        }
        if counts.contains_key(&key) != self.intersect || self.seen.contains(&key) {
            return Ok(false);
        }
        if let Some(held) = self.held.as_mut() {
            held.add(key.len() + 48)?;
        }
        self.seen.insert(key);
        Ok(true)
    }
}

fn row_key(row: &Row) -> Vec<u8> {
    crate::executor::query::datum_key(&row.values)
}

impl Operator for SetOp {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.counts.is_none() {
            self.counts = Some(self.read_right(cx)?);
        }
        while let Some(batch) = self.left.next(cx)? {
            let mut out = Vec::with_capacity(batch.len());
            for row in batch {
                if self.keep(&row)? {
                    out.push(row);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}
