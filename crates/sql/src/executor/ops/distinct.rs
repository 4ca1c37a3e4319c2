//! DISTINCT: drops rows equal to one already returned (compared as memcomparable keys, so
//! equal values of one type are equal rows).
//!
//! **Spilling** (`tidb_enable_tmp_storage_on_oom`): once the keys seen would pass the
//! statement's memory quota, rows whose key is not held go to one of `spill::PARTITIONS`
//! files by a hash of the key (so equal rows share a file), and each file is deduplicated
//! after the input ends, with fresh memory (split again if needed, up to `spill::MAX_DEPTH`).

use std::collections::HashSet;

use errno::Result;

use super::{
    spill::{partition, spill_dir, RowFile, RowReader, MAX_DEPTH, PARTITIONS},
    Batch, Cx, Operator,
};
use crate::{memory::Charge, sysvar::VarScope, table::Row};

/// Returns each distinct row once (in first-seen order, unless it spilled).
pub struct Distinct {
    input: Box<dyn Operator>,
    seen: HashSet<Vec<u8>>,
    held: Option<Charge>,
    /// The pass's depth (0: the input; n: a partition split n times).
    depth: u32,
    /// Spilling this pass: a file per partition, made on first use.
    parts: Option<Vec<Option<RowFile>>>,
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
        let depth = self.depth + 1;
        for f in self.parts.take().into_iter().flatten().flatten() {
            cx.env.mem.spilled(f.bytes);
            self.pending.push((f, depth));
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
                    let slot = &mut files[partition(&k, self.depth)];
                    if slot.is_none() {
                        let dir = spill_dir(
                            &vars.get_text("datadir", VarScope::Global).unwrap_or_default(),
                        );
                        *slot = Some(RowFile::create(&dir)?);
                    }
                    if let Some(f) = slot {
                        f.push(&r.values)?;
                    }
                    continue;
                }
                let bytes = k.len() + std::mem::size_of::<Vec<u8>>();
                self.seen.insert(k);
                out.push(r);
                let held = self.held.get_or_insert_with(|| Charge::new(&cx.env.mem));
                if let Err(e) = held.add(bytes) {
                    if self.depth >= MAX_DEPTH || !vars.bool("tidb_enable_tmp_storage_on_oom") {
                        return Err(e);
                    }
                    self.parts = Some((0..PARTITIONS).map(|_| None).collect());
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}
