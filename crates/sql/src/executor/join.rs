//! Running one planned join step (`planner::join`): a source joined to the rows so far, one
//! left row at a time — by key lookups into its table (cached per key), through a hash table
//! of its filtered rows, or against all of them. Its rows are read on first use and charged
//! to the statement's memory. Every candidate pair is checked against the step's whole
//! condition, so narrowing by key never changes the answer.

use std::collections::HashMap;

use errno::Result;
use sqlparser::ast;
use types::Value;

use super::{
    access,
    join_spill::{padded, Probe, SpilledBuild},
    lookup_workers,
    ops::{Cx, Operator, TableReader},
    query::QueryEnv,
    ranges::point,
    Access, Source,
};
use crate::{
    expr::{
        hash_key::{key_bytes, KeyBytes},
        EvalCtx, Expr, Truth,
    },
    memory::Charge,
    planner::{HashKeys, Lookup, Read, Step, StepKind},
    stmt_txn::KeyReads,
    table::{self, Row},
};

/// How a FROM source joins the ones before it, as written (bound by the planner).
pub enum JoinSpec {
    /// The first source after a comma (or the very first): starts a group of joins that binds
    /// tighter than the comma, as in MySQL (`a, b RIGHT JOIN c ON …` is `a, (b RIGHT JOIN c)`).
    Comma,
    /// CROSS JOIN (or INNER JOIN without ON).
    Cross,
    /// INNER JOIN … ON.
    Inner(ast::Expr),
    /// LEFT [OUTER] JOIN … ON.
    Left(ast::Expr),
    /// RIGHT [OUTER] JOIN … ON.
    Right(ast::Expr),
}

/// The hash key of `keys` evaluated over `row`.
pub(super) fn hash_key(keys: &[Expr], row: &[Value], eval: &EvalCtx<'_>) -> Result<KeyBytes> {
    let values = keys.iter().map(|k| k.eval(row, eval)).collect::<Result<Vec<_>>>()?;
    Ok(key_bytes(values.iter()))
}

/// One step's state while running.
pub struct JoinStep {
    /// The plan.
    pub step: Step,
    width_left: usize,
    width_right: usize,
    /// The source's (filtered) rows, once read.
    rows: Option<Vec<Vec<Value>>>,
    /// Hash join: row positions by key, and by class signature.
    buckets: HashMap<Vec<u8>, Vec<usize>>,
    classes: HashMap<Vec<u8>, Vec<usize>>,
    /// Hash join: rows whose key cannot be hashed.
    odd: Vec<usize>,
    /// Lookup join: partners per encoded key (`None`: the key cannot be looked up), for the
    /// rows of the last prefetch and the keys looked up one by one since.
    cache: HashMap<Vec<u8>, Option<Vec<Vec<Value>>>>,
    /// What `cache` holds.
    cache_held: Charge,
    prepared: bool,
    held: Charge,
    /// Columns of the source the query reads (`None`: all).
    needed: Option<Vec<bool>>,
    /// A computed source's operators (its plan built), read when the step prepares.
    computed: Option<Box<dyn Operator>>,
    /// Rows still waiting in this step's queue that the last prefetch looked ahead for.
    covered: usize,
    /// Decodes looked-up records into the needed columns (made at the first prefetch).
    decoder: Option<table::RowDecoder>,
    /// The source's rows may go to disk when they would pass the memory quota.
    may_spill: bool,
    /// The source's rows on disk (a grace hash join), once they did.
    spilled: Option<SpilledBuild>,
    /// Rows of the source this step read and kept (after its filter), for EXPLAIN ANALYZE.
    pub source_rows: u64,
    /// Reads of the source (one for a read-once source, one per lookup batch or key).
    pub reads: u64,
}

/// Waiting rows whose keys one prefetch looks up together.
const PREFETCH: usize = 1024;
/// Keys looked up one by one (outside a prefetch) that the cache keeps at most.
const CACHED_KEYS: usize = 4 * PREFETCH;

impl JoinStep {
    /// Decodes only `needed` columns (by position) of the source's rows read whole.
    pub fn with_columns(mut self, needed: Option<Vec<bool>>) -> Self {
        self.needed = needed;
        self
    }

    /// The operators of a computed source (a derived table, view, CTE …), read instead of
    /// storage.
    pub fn with_computed(mut self, source: Box<dyn Operator>) -> Self {
        self.computed = Some(source);
        self
    }

    /// The columns of the source the query reads (`None`: all).
    pub fn columns(&self) -> Option<&[bool]> {
        self.needed.as_deref()
    }

    /// A step ready to run, joining rows of `width_left` columns with its source's
    /// `width_right`.
    pub fn new(
        step: Step,
        width_left: usize,
        width_right: usize,
        env: &QueryEnv<'_, '_, '_>,
    ) -> Self {
        JoinStep {
            step,
            width_left,
            width_right,
            rows: None,
            buckets: HashMap::new(),
            classes: HashMap::new(),
            odd: Vec::new(),
            cache: HashMap::new(),
            prepared: false,
            held: Charge::new(&env.mem),
            cache_held: Charge::new(&env.mem),
            needed: None,
            computed: None,
            covered: 0,
            decoder: None,
            may_spill: false,
            spilled: None,
            source_rows: 0,
            reads: 0,
        }
    }

    /// Lets the source's rows spill to disk past the memory quota (a streamed join, whose
    /// rows may come out in any order).
    pub fn with_spill(mut self, may: bool) -> Self {
        self.may_spill = may;
        self
    }

    /// Whether the step joined its rows on disk and still has joined rows to give.
    pub fn spill_pending(&self) -> bool {
        self.spilled.as_ref().is_some_and(SpilledBuild::pending)
    }

    /// Once every row to join has been given: appends joined rows of the rows on disk to `out`,
    /// until it holds `max` or none are left ([`JoinStep::spill_pending`]).
    pub fn drain_spilled(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        out: &mut Vec<Vec<Value>>,
        max: usize,
    ) -> Result<()> {
        let Some(sp) = self.spilled.as_mut() else { return Ok(()) };
        let (kind, cond) = (self.step.kind, self.step.cond.as_ref());
        sp.drain(env, eval, kind, cond, hash_keys(&self.step.read), self.width_right, out, max)
    }

    /// Whether the next row waiting for this step should have its key looked up together with
    /// the rows after it ([`JoinStep::prefetch`]).
    pub fn wants_prefetch(&self) -> bool {
        self.covered == 0 && matches!(self.step.read, Read::Lookup(_))
    }

    /// Looks up in one batch the keys of the next rows waiting for this step (`queue`) that
    /// are not cached yet — TiDB's index lookup join takes its outer rows in batches too — so
    /// the records of neighbouring keys are read by one scan instead of a seek each.
    pub fn prefetch<'r>(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
        queue: impl Iterator<Item = &'r Vec<Value>>,
    ) -> Result<()> {
        // The rows the last prefetch covered have all been joined.
        self.forget_cached();
        let Read::Lookup(lp) = &self.step.read else { return Ok(()) };
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut values: Vec<Vec<Value>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.covered = 0;
        for l in queue.take(PREFETCH) {
            self.covered += 1;
            let vals = lp.left.iter().map(|k| k.eval(l, eval)).collect::<Result<Vec<_>>>()?;
            if vals.iter().any(Value::is_null) {
                continue;
            }
            let key = lookup_key(&vals);
            if !self.cache.contains_key(&key) && seen.insert(key.clone()) {
                keys.push(key);
                values.push(vals);
            }
        }
        if keys.len() < 2 {
            return Ok(());
        }
        let found = self.fetch(env, src, &values)?;
        for (key, rows) in keys.into_iter().zip(found) {
            // A key that cannot be looked up is left to the per-row path.
            if let Some(rows) = rows {
                self.keep(eval, key, Some(rows))?;
            }
        }
        Ok(())
    }

    /// The rows of the source whose lookup columns equal each of `values` (one batch read);
    /// per key `None` when its values cannot be compared by key.
    fn fetch(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        src: &Source,
        values: &[Vec<Value>],
    ) -> Result<Vec<Option<Vec<Row>>>> {
        let Read::Lookup(lp) = &self.step.read else { return Ok(Vec::new()) };
        self.reads += 1;
        let t = &src.table;
        let decoder: &table::RowDecoder =
            self.decoder.get_or_insert_with(|| table::RowDecoder::new(t, self.needed.as_deref()));
        let via = match &lp.via {
            Lookup::Index(idx) => Via::Index(idx),
            Lookup::Handle => match lp.columns.first() {
                Some(&c) => Via::Handle(&t.columns[c]),
                None => return Ok(values.iter().map(|_| None).collect()),
            },
        };
        let read = |r: &mut dyn KeyReads, values: &[Vec<Value>]| match via {
            Via::Index(idx) => access::rows_by_index_prefixes(r, t, idx, values, decoder),
            Via::Handle(column) => rows_by_handles(r, t, column, values, decoder),
        };
        let workers = lookup_workers::workers(env, values.len());
        if workers > 1 {
            if let Some(snapshot) = env.st.borrow_mut().shared_snapshot()? {
                return lookup_workers::read_split(snapshot.as_ref(), workers, values, |r, v| {
                    read(r, v)
                });
            }
        }
        read(&mut **env.st.borrow_mut(), values)
    }

    /// Caches under `key` the `found` rows that pass the lookup's filter (charged).
    fn keep(&mut self, eval: &EvalCtx<'_>, key: Vec<u8>, found: Option<Vec<Row>>) -> Result<()> {
        let Read::Lookup(lp) = &self.step.read else { return Ok(()) };
        let found = match found {
            Some(rows) => {
                let mut kept = Vec::new();
                for r in rows {
                    if passes(lp.filter.as_ref(), &r.values, eval)? {
                        self.cache_held.add_row(&r.values)?;
                        self.source_rows += 1;
                        kept.push(r.values);
                    }
                }
                Some(kept)
            }
            None => None,
        };
        self.cache_held.add(key.len() + 48)?;
        self.cache.insert(key, found);
        Ok(())
    }

    /// Empties the lookup cache.
    fn forget_cached(&mut self) {
        self.cache.clear();
        self.cache_held.clear();
    }

    /// Reads the source's rows (unless it is looked up), filters them and hashes them by key.
    fn prepare(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
    ) -> Result<()> {
        if self.prepared {
            return Ok(());
        }
        self.prepared = true;
        let Read::Once { access, filter, hash } = &self.step.read else { return Ok(()) };
        // The source is read a batch at a time (a stored one through a table reader, by page)
        // and filtered as it comes, so only the rows kept are ever held (and charged).
        let mut source: Box<dyn Operator> = match self.computed.take() {
            Some(computed) => computed,
            None => {
                let access = access.clone().unwrap_or(Access::FullScan);
                let from = super::ops::ranges_from(filter.as_ref(), &access);
                Box::new(
                    TableReader::new(src.table.clone(), access, false)
                        .with_columns(self.needed.clone())
                        .with_ranges_from(from)
                        .with_prefilter(filter.as_ref()),
                )
            }
        };
        let cx = Cx { env, eval };
        let mut rows = Vec::new();
        while let Some(batch) = source.next(&cx)? {
            env.check_interrupt()?;
            for r in batch {
                if !passes(filter.as_ref(), &r.values, eval)? {
                    continue;
                }
                if let Some(sp) = &mut self.spilled {
                    sp.add_build(hash.as_ref(), &r.values, eval)?;
                    continue;
                }
                if let Err(e) = self.held.add_row(&r.values) {
                    // Past the quota: every row so far, and the rest, go to disk.
                    let spill = self.may_spill && e.code == errno::ER_MEM_EXCEED_THRESHOLD.code;
                    let mut sp = spill.then(|| SpilledBuild::start(env)).flatten().ok_or(e)?;
                    for held in rows.drain(..).chain(std::iter::once(r.values)) {
                        sp.add_build(hash.as_ref(), &held, eval)?;
                    }
                    self.held.clear();
                    self.spilled = Some(sp);
                    continue;
                }
                rows.push(r.values);
            }
        }
        if self.spilled.is_some() {
            self.rows = Some(Vec::new());
            return Ok(());
        }
        if let Some(h) = hash {
            for (i, r) in rows.iter().enumerate() {
                match hash_key(&h.right, r, eval)? {
                    KeyBytes::Null => {}
                    KeyBytes::Key(k, classes) => {
                        self.held.add(k.len() + 40)?;
                        self.buckets.entry(k).or_default().push(i);
                        self.classes.entry(classes).or_default().push(i);
                    }
                    KeyBytes::Other => self.odd.push(i),
                }
            }
        }
        self.source_rows += rows.len() as u64;
        self.reads += 1;
        self.rows = Some(rows);
        Ok(())
    }

    /// The looked-up (filtered) partners of key `values`, cached; `None` when the key cannot
    /// be looked up (compare with every row instead).
    fn lookup(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
        values: &[Value],
    ) -> Result<Vec<u8>> {
        let Read::Lookup(lp) = &self.step.read else { return Ok(Vec::new()) };
        let filter = lp.filter.clone();
        let key = lookup_key(values);
        if self.cache.contains_key(&key) {
            return Ok(key);
        }
        if self.covered == 0 && self.cache.len() >= CACHED_KEYS {
            self.forget_cached();
        }
        let found = self.fetch(env, src, &[values.to_vec()])?.pop().flatten();
        if found.is_none() && self.rows.is_none() {
            // The key cannot be looked up (another type): compare with every row.
            let mut rows = Vec::new();
            // (Read first: the filter may run a subquery, which reads the transaction too.)
            let all = table::scan_rows(&mut env.st.borrow_mut(), &src.table)?;
            for r in all {
                if passes(filter.as_ref(), &r.values, eval)? {
                    self.held.add_row(&r.values)?;
                    rows.push(r.values);
                }
            }
            self.rows = Some(rows);
        }
        self.keep(eval, key.clone(), found)?;
        Ok(key)
    }

    /// `l ++ r` if it satisfies the step's condition.
    fn pair(&self, l: &[Value], r: &[Value], eval: &EvalCtx<'_>) -> Result<Option<Vec<Value>>> {
        pair(self.step.cond.as_ref(), l, r, eval)
    }

    /// Appends to `out` the joined rows of left row `l` (for a LEFT JOIN, `l` NULL-padded when
    /// nothing pairs with it). Not for RIGHT JOIN (see [`join_all`]).
    pub fn join_row(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
        l: &[Value],
        out: &mut Vec<Vec<Value>>,
    ) -> Result<()> {
        self.prepare(env, eval, src)?;
        if let Some(sp) = &mut self.spilled {
            if let Probe::Unpaired = sp.add_probe(hash_keys(&self.step.read), l, eval)? {
                if matches!(self.step.kind, StepKind::Left | StepKind::Anti) {
                    out.push(padded(l, self.width_right));
                }
            }
            return Ok(());
        }
        self.covered = self.covered.saturating_sub(1);
        // The rows of this source that may pair with `l`: all of them, or picked ones.
        let mut picked: Vec<&Vec<Value>> = Vec::new();
        let mut every = false;
        match &self.step.read {
            Read::Lookup(lp) => {
                let values = lp.left.iter().map(|k| k.eval(l, eval)).collect::<Result<Vec<_>>>()?;
                if !values.iter().any(Value::is_null) {
                    let key = self.lookup(env, eval, src, &values)?;
                    match self.cache.get(&key) {
                        Some(Some(rows)) => picked.extend(rows),
                        _ => every = true,
                    }
                }
            }
            Read::Once { hash: Some(h), .. } => {
                let all = self.rows.as_deref().unwrap_or_default();
                match hash_key(&h.left, l, eval)? {
                    KeyBytes::Null => {}
                    KeyBytes::Other => every = true,
                    KeyBytes::Key(k, classes) => {
                        let hits = self.buckets.get(&k).into_iter().flatten();
                        let others = self
                            .classes
                            .iter()
                            .filter(|(c, _)| **c != classes)
                            .flat_map(|(_, rows)| rows);
                        picked.extend(hits.chain(others).chain(&self.odd).map(|&i| &all[i]));
                    }
                }
            }
            Read::Once { hash: None, .. } => every = true,
        }
        let all: &[Vec<Value>] = if every { self.rows.as_deref().unwrap_or_default() } else { &[] };
        let kind = self.step.kind;
        let mut any = false;
        for r in all.iter().chain(picked) {
            if let Some(row) = self.pair(l, r, eval)? {
                any = true;
                if kind.filters_only() {
                    break;
                }
                out.push(row);
            }
        }
        let keep = match kind {
            StepKind::Semi => any,
            StepKind::Anti => !any,
            _ => false,
        };
        if keep || (!any && kind == StepKind::Left) {
            out.push(padded(l, self.width_right));
        }
        Ok(())
    }

    /// RIGHT JOIN: every row of this source with the rows of `left` it pairs with, or
    /// NULL-padded on the left.
    fn join_right(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
        left: &[Vec<Value>],
        out: &mut Vec<Vec<Value>>,
        held: &mut Charge,
    ) -> Result<()> {
        self.prepare(env, eval, src)?;
        let right = self.rows.take().unwrap_or_default();
        for r in &right {
            env.check_interrupt()?;
            let mut any = false;
            for l in left {
                if let Some(row) = self.pair(l, r, eval)? {
                    held.add_row(&row)?;
                    out.push(row);
                    any = true;
                }
            }
            if !any {
                let mut row = vec![Value::Null; self.width_left];
                row.extend_from_slice(r);
                held.add_row(&row)?;
                out.push(row);
            }
        }
        self.rows = Some(right);
        Ok(())
    }
}

/// A hash join's keys (`None` for other reads).
fn hash_keys(read: &Read) -> Option<&HashKeys> {
    match read {
        Read::Once { hash, .. } => hash.as_ref(),
        Read::Lookup(_) => None,
    }
}

/// `l ++ r` if it satisfies `cond`.
pub(super) fn pair(
    cond: Option<&Expr>,
    l: &[Value],
    r: &[Value],
    eval: &EvalCtx<'_>,
) -> Result<Option<Vec<Value>>> {
    let mut row = Vec::with_capacity(l.len() + r.len());
    row.extend_from_slice(l);
    row.extend_from_slice(r);
    Ok(passes(cond, &row, eval)?.then_some(row))
}

/// Whether `row` satisfies `pred` (no predicate: yes).
fn passes(pred: Option<&Expr>, row: &[Value], eval: &EvalCtx<'_>) -> Result<bool> {
    Ok(match pred {
        Some(p) => p.eval(row, eval)?.truth() == Some(true),
        None => true,
    })
}

/// The cache key of lookup values.
fn lookup_key(values: &[Value]) -> Vec<u8> {
    let mut key = Vec::new();
    for v in values {
        tablecodec::datum::encode(&mut key, v);
    }
    key
}

/// Where a lookup reads its rows: by handle (the integer primary key column), or through an
/// index whose leading columns are the key.
#[derive(Clone, Copy)]
enum Via<'a> {
    Handle(&'a catalog::ColumnInfo),
    Index(&'a catalog::IndexInfo),
}

/// The rows of several handle keys (`values`: one handle value each, for `column`), read in
/// one batch; per key `None` when its value cannot be a handle.
fn rows_by_handles(
    st: &mut dyn KeyReads,
    t: &catalog::TableInfo,
    column: &catalog::ColumnInfo,
    values: &[Vec<Value>],
    decoder: &table::RowDecoder,
) -> Result<Vec<Option<Vec<Row>>>> {
    let handles: Vec<Option<Option<i64>>> = values
        .iter()
        .map(|v| match v.first().and_then(|v| point(column, v)) {
            None => None,
            Some(None) => Some(None),
            Some(Some(Value::Int(h))) => Some(Some(h)),
            Some(Some(Value::UInt(u))) => Some(Some(u as i64)),
            Some(Some(_)) => None,
        })
        .collect();
    let keys: Vec<Vec<u8>> =
        handles.iter().flatten().flatten().map(|&h| table::row_key(t, h)).collect();
    let mut raw = st.get_many(&keys)?.into_iter();
    let mut out = Vec::with_capacity(values.len());
    for h in handles {
        out.push(match h {
            None => None,
            Some(None) => Some(Vec::new()),
            Some(Some(h)) => match raw.next().flatten() {
                Some(bytes) => Some(vec![decoder.decode(t, h, &bytes)?]),
                None => Some(Vec::new()),
            },
        });
    }
    Ok(out)
}

/// Joins all steps at once, holding each intermediate result (for FROM clauses with a RIGHT
/// JOIN, whose left side must be complete); the residual WHERE is applied by the caller.
/// Each comma-separated group of joins is joined on its own — its rows prefixed with NULLs in
/// the columns of the groups before, so its conditions see their usual positions — and the
/// groups are then crossed: a RIGHT JOIN pads only its own group's left side.
pub fn join_all(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    steps: &mut [JoinStep],
    eval: &EvalCtx<'_>,
) -> Result<Vec<Row>> {
    let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
    let mut held_acc = Charge::new(&env.mem);
    let mut start = 0;
    while start < steps.len() {
        let end =
            (start + 1..steps.len()).find(|&i| steps[i].step.starts_group).unwrap_or(steps.len());
        let prefix = steps[start].width_left;
        let group = join_group(env, sources, &mut steps[start..end], eval, prefix)?;
        // Cross the groups so far with this one.
        let mut next = Vec::with_capacity(acc.len() * group.len());
        let mut held_next = Charge::new(&env.mem);
        for a in &acc {
            env.check_interrupt()?;
            for g in &group {
                let mut row = Vec::with_capacity(a.len() + g.len() - prefix);
                row.extend_from_slice(a);
                row.extend_from_slice(g.get(prefix..).unwrap_or_default());
                held_next.add_row(&row)?;
                next.push(row);
            }
        }
        acc = next;
        held_acc = held_next;
        start = end;
    }
    drop(held_acc);
    Ok(acc.into_iter().map(|values| Row { handle: 0, values }).collect())
}

/// The rows of one comma group's joins, each starting with `prefix` NULLs.
fn join_group(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    steps: &mut [JoinStep],
    eval: &EvalCtx<'_>,
    prefix: usize,
) -> Result<Vec<Vec<Value>>> {
    let mut acc: Vec<Vec<Value>> = vec![vec![Value::Null; prefix]];
    // The rows joined so far and the ones being joined: both held at once, both charged.
    let mut held_acc = Charge::new(&env.mem);
    for step in steps.iter_mut() {
        let src = &sources[step.step.at];
        let mut next = Vec::new();
        let mut held_next = Charge::new(&env.mem);
        if step.step.kind == StepKind::Right {
            step.join_right(env, eval, src, &acc, &mut next, &mut held_next)?;
        } else {
            let mut charged = 0;
            for l in &acc {
                env.check_interrupt()?;
                step.join_row(env, eval, src, l, &mut next)?;
                for r in next.get(charged..).unwrap_or_default() {
                    held_next.add_row(r)?;
                }
                charged = next.len();
            }
        }
        acc = next;
        held_acc = held_next;
    }
    drop(held_acc);
    Ok(acc)
}
