//! DISTINCT: drops rows equal to one already returned (compared as memcomparable keys, so
//! equal values of one type are equal rows).
//!
//! **Spilling** (`tidb_enable_tmp_storage_on_oom`): once the keys seen would pass the
//! statement's memory quota, rows whose key is not held go to partition files by a hash of
//! the key (`spill::Partitions`: equal rows share a file), and each file is deduplicated
//! after the input ends, with fresh memory (split again if needed, a few levels deep).

use std::collections::HashSet;

use errno::Result;

use super::{
    spill::{Partitions, RowFile, RowReader},
    Batch, Cx, Operator,
};
use crate::{memory::Charge, table::Row};

/// Returns each distinct row once (in first-seen order, unless it spilled).
pub struct Distinct {
    input: Box<dyn Operator>,
    seen: HashSet<Vec<u8>>,
    held: Option<Charge>,
    /// The pass's depth (0: the input; n: a partition split n times).
    depth: u32,
    /// Spilling this pass: where rows whose key is not held go.
    parts: Option<Partitions>,
    /// The partition this pass reads (after the input has ended).
    reading: Option<RowReader>,
    input_done: bool,
    /// Partitions still to deduplicate, with their depth.
    pending: Vec<(RowFile, u32)>,
}

impl Distinct {
    /// Deduplicates `input`.
    pub fn new(input: Box<dyn Operator>) -> Self {
        Distinct {
            input,
            seen: HashSet::new(),
            held: None,
            depth: 0,
            parts: None,
            reading: None,
            input_done: false,
            pending: Vec::new(),
        }
    }

    /// The next rows to deduplicate: from the input, then from each spilled partition (each
    /// a pass of its own); `None` when all are done.
    fn next_rows(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Vec<Row>>> {
        loop {
            if !self.input_done {
                match self.input.next(cx)? {
                    Some(batch) => return Ok(Some(batch)),
                    None => {
                        self.input_done = true;
                        self.end_pass(cx);
                        continue;
                    }
                }
            }
            if let Some(reader) = &mut self.reading {
                cx.env.check_interrupt()?;
                match reader.next_rows(super::BATCH)? {
                    Some(rows) => {
                        return Ok(Some(
                            rows.into_iter().map(|values| Row { handle: 0, values }).collect(),
                        ))
                    }
                    None => {
                        self.reading = None;
                        self.end_pass(cx);
                        continue;
                    }
                }
            }
            let Some((file, depth)) = self.pending.pop() else { return Ok(None) };
            self.depth = depth;
            self.reading = Some(file.into_reader()?);
        }
    }

    /// Ends a pass: forgets its keys and queues the partitions it spilled.
    fn end_pass(&mut self, cx: &Cx<'_, '_, '_, '_>) {
        self.seen = HashSet::new();
        self.held = None;
        if let Some(parts) = self.parts.take() {
            self.pending.extend(parts.finish(&cx.env.mem));
        }
    }
}

impl Operator for Distinct {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        while let Some(batch) = self.next_rows(cx)? {
            let vars = &cx.env.ctx.vars;
            let mut out = Vec::with_capacity(batch.len());
            for r in batch {
                let mut k = Vec::new();
                for v in &r.values {
                    tablecodec::datum::encode(&mut k, v);
                }
                if self.seen.contains(&k) {
                    continue;
                }
                if let Some(files) = &mut self.parts {
                    files.push(&k, &r.values)?;
                    continue;
                }
                let bytes = k.len() + std::mem::size_of::<Vec<u8>>();
                self.seen.insert(k);
                out.push(r);
                let held = self.held.get_or_insert_with(|| Charge::new(&cx.env.mem));
                if let Err(e) = held.add(bytes) {
                    self.parts = Some(Partitions::start(vars, self.depth).ok_or(e)?);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}
