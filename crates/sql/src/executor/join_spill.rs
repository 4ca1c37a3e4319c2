//! Grace hash join: a join step whose source rows (the build side) would pass the statement's
//! memory quota writes them to partition files by a hash of their join key instead of failing
//! with 8175 — when `tidb_enable_tmp_storage_on_oom` is on (TiDB's default), as TiDB's hash
//! join spills its build side. The rows it is then given to join (the probe side) go to the
//! matching partition's file too, and once the last of them has arrived each partition is
//! joined on its own: its build rows hashed in memory, its probe rows streamed past them.
//!
//! A partition too large for memory is joined in chunks (the probe file read once per
//! chunk, a flag per probe row remembering whether it found a partner, for LEFT, semi and
//! anti joins). Probe rows whose key could equal build keys of another comparison class
//! (`'1' = 1` compares as doubles), and every probe row of a join without hash keys, are
//! compared with every build row the same way — chunk by chunk over all partitions.

use std::collections::{HashMap, VecDeque};

use errno::Result;
use types::Value;

use super::{
    join::{hash_key, pair},
    ops::spill::{partition_of, spill_dir, RowFile, RowReader, PARTITIONS},
    query::QueryEnv,
};
use crate::{
    expr::{hash_key::KeyBytes, EvalCtx, Expr},
    memory::{row_bytes, Charge},
    planner::{HashKeys, StepKind},
};

/// Rows read from a file at a time.
const READ: usize = 256;

/// Where a probe row went.
pub(super) enum Probe {
    /// To a file, joined later.
    Written,
    /// Its key is NULL: it pairs with nothing (the caller pads it now if it must).
    Unpaired,
}

/// A step's build side on disk, the probe rows waiting for it, and the join of the two.
pub(super) struct SpilledBuild {
    dir: std::path::PathBuf,
    /// Build rows by partition (rows with unhashable keys in partition 0).
    build: Vec<Option<RowFile>>,
    /// Probe rows by partition, each joined with its partition's build rows by key.
    probe: Vec<Option<RowFile>>,
    /// Probe rows compared with every build row.
    every: Option<RowFile>,
    /// Class signatures of the build keys seen.
    classes: Vec<Vec<u8>>,
    /// Some build key cannot be hashed (a double): every probe row is compared with it.
    odd: bool,
    /// Partitions still to join (`None`: the probe rows compared with every build row).
    todo: Option<VecDeque<Option<usize>>>,
    active: Option<Active>,
}

/// The pair of files being joined now.
struct Active {
    probe: RowReader,
    /// Which probe file (`None`: `every`), to read it again for the next chunk. A partition's
    /// files are joined by key (when the step has hash keys), `every`'s by comparing each pair.
    probe_at: Option<usize>,
    probe_rows: VecDeque<Vec<Value>>,
    /// Position of the next probe row in its file.
    at: usize,
    /// Per probe row: some build row paired with it (in an earlier chunk or this one).
    matched: Vec<bool>,
    /// Build files still to read, and the one being read.
    builds: VecDeque<usize>,
    build: Option<RowReader>,
    build_rows: VecDeque<Vec<Value>>,
    /// The build rows in memory, hashed by key for a partition.
    chunk: Vec<Vec<Value>>,
    buckets: HashMap<Vec<u8>, Vec<usize>>,
    held: Charge,
    /// `chunk` holds the last build rows.
    last: bool,
}

impl SpilledBuild {
    /// An empty build side on disk, or `None` when spilling is off.
    pub fn start(env: &QueryEnv<'_, '_, '_>) -> Option<Self> {
        let vars = &env.ctx.vars;
        vars.bool("tidb_enable_tmp_storage_on_oom").then(|| SpilledBuild {
            dir: spill_dir(vars),
            build: (0..PARTITIONS).map(|_| None).collect(),
            probe: (0..PARTITIONS).map(|_| None).collect(),
            every: None,
            classes: Vec::new(),
            odd: false,
            todo: None,
            active: None,
        })
    }

    /// Adds one build row (`hash`: the step's keys, if any).
    pub fn add_build(
        &mut self,
        hash: Option<&HashKeys>,
        row: &[Value],
        eval: &EvalCtx<'_>,
    ) -> Result<()> {
        let part = match hash {
            None => 0,
            Some(h) => match hash_key(&h.right, row, eval)? {
                // Equal to nothing.
                KeyBytes::Null => return Ok(()),
                KeyBytes::Other => {
                    self.odd = true;
                    0
                }
                KeyBytes::Key(k, classes) => {
                    if !self.classes.contains(&classes) {
                        self.classes.push(classes);
                    }
                    partition_of(&k, 0)
                }
            },
        };
        RowFile::in_slot(&self.dir, &mut self.build[part])?.push(row)
    }

    /// Takes one probe row (every build row must have been added).
    pub fn add_probe(
        &mut self,
        hash: Option<&HashKeys>,
        row: &[Value],
        eval: &EvalCtx<'_>,
    ) -> Result<Probe> {
        let slot = match hash {
            None => None,
            Some(h) => match hash_key(&h.left, row, eval)? {
                KeyBytes::Null => return Ok(Probe::Unpaired),
                KeyBytes::Other => None,
                // Build keys of another class may still equal it: compare with every row.
                KeyBytes::Key(_, classes)
                    if self.odd || self.classes.iter().any(|c| *c != classes) =>
                {
                    None
                }
                KeyBytes::Key(k, _) => Some(partition_of(&k, 0)),
            },
        };
        let file = match slot {
            Some(p) => &mut self.probe[p],
            None => &mut self.every,
        };
        RowFile::in_slot(&self.dir, file)?.push(row)?;
        Ok(Probe::Written)
    }

    /// Whether joining the files is still to do or under way.
    pub fn pending(&self) -> bool {
        self.todo.as_ref().is_none_or(|t| !t.is_empty()) || self.active.is_some()
    }

    /// Joins the next probe rows once every one has arrived: appends to `out` until it holds
    /// `max` rows or the join is done. `width_right` is the build rows' width.
    #[allow(clippy::too_many_arguments)]
    pub fn drain(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        kind: StepKind,
        cond: Option<&Expr>,
        hash: Option<&HashKeys>,
        width_right: usize,
        out: &mut Vec<Vec<Value>>,
        max: usize,
    ) -> Result<()> {
        if self.todo.is_none() {
            let mut todo: VecDeque<Option<usize>> =
                (0..PARTITIONS).filter(|&p| self.probe[p].is_some()).map(Some).collect();
            if self.every.is_some() {
                todo.push_back(None);
            }
            let files = self.build.iter().chain(&self.probe).chain(std::iter::once(&self.every));
            env.mem.spilled(files.flatten().map(|f| f.bytes).sum());
            self.todo = Some(todo);
        }
        while out.len() < max {
            env.check_interrupt()?;
            if self.active.is_none() {
                let Some(next) = self.todo.as_mut().and_then(VecDeque::pop_front) else {
                    return Ok(());
                };
                self.active = Some(self.open(env, eval, next, hash)?);
            }
            let Some(a) = self.active.as_mut() else { continue };
            let Some(l) = a.next_probe()? else {
                if a.last {
                    self.active = None;
                } else {
                    a.load_chunk(env, eval, hash, &mut self.build)?;
                    a.rewind(&mut self.probe, &mut self.every)?;
                }
                continue;
            };
            a.join(eval, kind, cond, hash, width_right, l, out)?;
        }
        Ok(())
    }

    /// Starts joining partition `part`'s probe rows (`None`: those compared with every row).
    fn open(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        part: Option<usize>,
        hash: Option<&HashKeys>,
    ) -> Result<Active> {
        let (probe, builds) = match part {
            Some(p) => (self.probe[p].as_mut(), VecDeque::from([p])),
            None => (self.every.as_mut(), (0..PARTITIONS).collect()),
        };
        let probe = match probe {
            Some(f) => f.reread()?,
            None => {
                return Err(errno::Error::msg(errno::ER_INTERNAL, "spilled join: no probe file"))
            }
        };
        let mut a = Active {
            probe,
            probe_at: part,
            probe_rows: VecDeque::new(),
            at: 0,
            matched: Vec::new(),
            builds,
            build: None,
            build_rows: VecDeque::new(),
            chunk: Vec::new(),
            buckets: HashMap::new(),
            held: Charge::new(&env.mem),
            last: false,
        };
        a.load_chunk(env, eval, hash, &mut self.build)?;
        Ok(a)
    }
}

impl Active {
    /// The next probe row, if any are left in this pass.
    fn next_probe(&mut self) -> Result<Option<Vec<Value>>> {
        if self.probe_rows.is_empty() {
            if let Some(rows) = self.probe.next_rows(READ)? {
                self.probe_rows.extend(rows);
            }
        }
        Ok(self.probe_rows.pop_front())
    }

    /// Reads the probe rows again from the first (for the next chunk of build rows).
    fn rewind(&mut self, probe: &mut [Option<RowFile>], every: &mut Option<RowFile>) -> Result<()> {
        let file = match self.probe_at {
            Some(p) => probe[p].as_mut(),
            None => every.as_mut(),
        };
        if let Some(f) = file {
            self.probe = f.reread()?;
        }
        self.probe_rows.clear();
        self.at = 0;
        Ok(())
    }

    /// The next build row, from whichever build file is left.
    fn next_build(&mut self, build: &mut [Option<RowFile>]) -> Result<Option<Vec<Value>>> {
        loop {
            if let Some(r) = self.build_rows.pop_front() {
                return Ok(Some(r));
            }
            if let Some(reader) = self.build.as_mut() {
                if let Some(rows) = reader.next_rows(READ)? {
                    self.build_rows.extend(rows);
                    continue;
                }
                self.build = None;
            }
            let Some(p) = self.builds.pop_front() else { return Ok(None) };
            if let Some(f) = build[p].as_mut() {
                self.build = Some(f.reread()?);
            }
        }
    }

    /// Replaces the build rows in memory with the next ones: as many as take half of what the
    /// statement may still use (at least one row), hashed by key when joining by key.
    fn load_chunk(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        hash: Option<&HashKeys>,
        build: &mut [Option<RowFile>],
    ) -> Result<()> {
        self.chunk.clear();
        self.buckets.clear();
        self.held.clear();
        let budget = env.mem.headroom().map_or(usize::MAX, |h| h / 2);
        let mut bytes = 0usize;
        loop {
            let Some(row) = self.next_build(build)? else {
                self.last = true;
                break;
            };
            let b = row_bytes(&row);
            if !self.chunk.is_empty() && bytes.saturating_add(b) > budget {
                self.build_rows.push_front(row);
                break;
            }
            self.held.add(b)?;
            bytes += b;
            if let (Some(_), Some(h)) = (self.probe_at, hash) {
                if let KeyBytes::Key(k, _) = hash_key(&h.right, &row, eval)? {
                    self.held.add(k.len() + 40)?;
                    self.buckets.entry(k).or_default().push(self.chunk.len());
                }
            }
            self.chunk.push(row);
        }
        Ok(())
    }

    /// Joins probe row `l` with the build rows in memory, appending what it produces.
    #[allow(clippy::too_many_arguments)]
    fn join(
        &mut self,
        eval: &EvalCtx<'_>,
        kind: StepKind,
        cond: Option<&Expr>,
        hash: Option<&HashKeys>,
        width_right: usize,
        l: Vec<Value>,
        out: &mut Vec<Vec<Value>>,
    ) -> Result<()> {
        let j = self.at;
        self.at += 1;
        if self.matched.len() <= j {
            self.matched.push(false);
        }
        let done_before = kind.filters_only() && self.matched[j];
        if !done_before {
            // By key: the rows of its bucket; otherwise every row in memory.
            let bucket: Option<&[usize]> = match (self.probe_at, hash) {
                (Some(_), Some(h)) => Some(match hash_key(&h.left, &l, eval)? {
                    KeyBytes::Key(k, _) => self.buckets.get(&k).map_or(&[][..], Vec::as_slice),
                    _ => &[],
                }),
                _ => None,
            };
            let every = 0..if bucket.is_some() { 0 } else { self.chunk.len() };
            for i in bucket.unwrap_or_default().iter().copied().chain(every) {
                let Some(row) = pair(cond, &l, &self.chunk[i], eval)? else { continue };
                self.matched[j] = true;
                match kind {
                    StepKind::Semi => {
                        out.push(padded(&l, width_right));
                        break;
                    }
                    StepKind::Anti => break,
                    _ => out.push(row),
                }
            }
        }
        let unmatched = self.last && !self.matched[j];
        if unmatched && matches!(kind, StepKind::Left | StepKind::Anti) {
            out.push(padded(&l, width_right));
        }
        Ok(())
    }
}

/// `l` followed by `width` NULLs.
pub(super) fn padded(l: &[Value], width: usize) -> Vec<Value> {
    let mut row = Vec::with_capacity(l.len() + width);
    row.extend_from_slice(l);
    row.extend(std::iter::repeat_n(Value::Null, width));
    row
}
