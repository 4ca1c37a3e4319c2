//! A planned join (`planner::join`), streamed: rows of the first source come from a table
//! reader (or precomputed rows), filtered, a batch at a time, and each row goes down the join
//! steps depth first, so what is held at once is the current rows' partners, not the whole
//! join; a LIMIT above stops it early. A step whose source went to disk (a grace hash join,
//! `executor::join_spill`) joins it once every row has passed it, first step first. A FROM
//! clause with a RIGHT JOIN the planner left as one (its left side several sources, which
//! must be complete) is joined at once. Columns leave in FROM order.

use std::{
    cell::RefCell,
    collections::VecDeque,
    rc::Rc,
    time::{Duration, Instant},
};

use errno::Result;

use super::{
    filter::Filter,
    guard::{Guard, OpStats},
    table_reader::{ranges_from, TableReader},
    Batch, Cx, Drain, Operator,
};
use crate::{
    executor::{
        join::{join_all, JoinStep},
        Access, Source,
    },
    memory::{row_bytes, Charge},
    planner::{AnalysisSlots, JoinPlan, Plan, Read},
    table::Row,
};

/// The joined rows of several sources.
pub struct Join {
    plan: Option<Box<JoinPlan>>,
    sources: Vec<Source>,
    to_from: Option<Vec<usize>>,
    state: State,
    /// Under EXPLAIN ANALYZE: where to record the steps' measurements, and what they are.
    analysis: Option<Analysis>,
}

/// A streamed join's measurements under EXPLAIN ANALYZE (the first source's are recorded by
/// its operator's guard).
struct Analysis {
    stats: Rc<RefCell<Vec<OpStats>>>,
    slots: AnalysisSlots,
    /// Per step (`[0]`, the first source, unused).
    tallies: Vec<Tally>,
}

/// What one join step did.
#[derive(Clone, Copy, Default)]
struct Tally {
    /// Time spent reading its source and joining, excluding the steps before.
    time: Duration,
    /// Rows passed on.
    passed: u64,
    /// Batches they were passed on in.
    batches: u64,
}

impl Analysis {
    /// Step `i` worked for `time` and passed on `rows`.
    fn stepped(&mut self, i: usize, time: Duration, rows: u64) {
        if let Some(t) = self.tallies.get_mut(i) {
            t.time += time;
            t.passed += rows;
            t.batches += 1;
        }
    }

    /// Writes what was measured so far into the slots (each join node's time includes the
    /// steps below it, as TiDB reports operator times).
    fn record(&self, steps: &[JoinStep]) {
        let mut stats = self.stats.borrow_mut();
        let mut acc = stats.get(self.slots.first()).map_or(Duration::ZERO, |s| s.time);
        for (k, step) in steps.iter().enumerate() {
            let i = k + 1;
            let t = self.tallies.get(i).copied().unwrap_or_default();
            acc += t.time;
            if let Some(s) = stats.get_mut(self.slots.source(i)) {
                *s = OpStats { rows: step.source_rows, loops: step.reads, time: t.time };
            }
            if let Some(s) = self.slots.joined(i).and_then(|at| stats.get_mut(at)) {
                *s = OpStats { rows: t.passed, loops: t.batches, time: acc };
            }
        }
    }
}

enum State {
    /// Not started.
    New,
    /// Joined at once (a RIGHT JOIN is present).
    Whole(Drain),
    /// Streaming.
    Streaming(Streaming),
}

/// A streamed join's state: `pending[i]` holds rows waiting to be joined by `steps[i]`.
struct Streaming {
    first: Box<dyn Operator>,
    steps: Vec<JoinStep>,
    pending: Vec<VecDeque<Vec<types::Value>>>,
    held: Charge,
    done: bool,
}

impl Join {
    /// Runs `plan`.
    pub fn new(plan: Box<JoinPlan>) -> Self {
        Join {
            plan: Some(plan),
            sources: Vec::new(),
            to_from: None,
            state: State::New,
            analysis: None,
        }
    }

    /// Records each step's measurements into `stats` at `slots` (EXPLAIN ANALYZE).
    pub fn measured(mut self, stats: Rc<RefCell<Vec<OpStats>>>, slots: AnalysisSlots) -> Self {
        let tallies = vec![Tally::default(); slots.steps];
        self.analysis = Some(Analysis { stats, slots, tallies });
        self
    }

    fn start(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<()> {
        let env = cx.env;
        let Some(plan) = self.plan.take() else { return Ok(()) };
        let JoinPlan { mut sources, steps: plan_steps, to_from, whole, mut columns } = *plan;
        // Computed sources' plans: the first source's streams (unless joined whole), the
        // others' rows are read by their step, as a stored source's are.
        let mut computed: Vec<Option<Plan>> =
            sources.iter_mut().map(|s| s.computed.take()).collect();
        let mut width_left = 0;
        let mut steps: Vec<JoinStep> = Vec::with_capacity(plan_steps.len());
        for (i, s) in plan_steps.into_iter().enumerate() {
            let at = s.at;
            let width = sources[at].table.columns.len();
            let needed = columns.get_mut(at).and_then(Option::take);
            let mut step =
                JoinStep::new(s, width_left, width, env).with_columns(needed).with_spill(!whole);
            if i > 0 || whole {
                if let Some(p) = computed.get_mut(at).and_then(Option::take) {
                    step = step.with_computed(super::build(p));
                }
            }
            steps.push(step);
            width_left += width;
        }
        self.sources = sources;
        self.to_from = to_from;
        if whole {
            let rows = join_all(env, &self.sources, &mut steps, cx.eval)?;
            let rows = rows.into_iter().map(|r| self.reorder(r)).collect();
            self.state = State::Whole(Drain::new(rows));
            return Ok(());
        }
        // The first source is read directly (its step would join it to the one empty row).
        let first = steps.remove(0);
        let needed = first.columns().map(<[bool]>::to_vec);
        let first_step = first.step;
        let src = &self.sources[first_step.at];
        let (access, filter) = match first_step.read {
            Read::Once { access, filter, .. } => (access, filter),
            Read::Lookup(lp) => (None, lp.filter),
        };
        let mut first: Box<dyn Operator> =
            match computed.get_mut(first_step.at).and_then(Option::take) {
                Some(p) => super::build(p),
                None => {
                    let access = access.unwrap_or(Access::FullScan);
                    let from = ranges_from(filter.as_ref(), &access);
                    Box::new(
                        TableReader::new(src.table.clone(), access, false)
                            .with_columns(needed)
                            .with_ranges_from(from)
                            .with_prefilter(filter.as_ref()),
                    )
                }
            };
        if let Some(f) = filter {
            first = Box::new(Filter::new(first, f));
        }
        if let Some(a) = &self.analysis {
            first = Box::new(Guard::new(first, Some((a.stats.clone(), a.slots.first()))));
        }
        let pending = steps.iter().map(|_| VecDeque::new()).collect();
        self.state = State::Streaming(Streaming {
            first,
            steps,
            pending,
            held: Charge::new(&env.mem),
            done: false,
        });
        Ok(())
    }

    /// A joined row (sources in join order) with its columns in FROM order.
    fn reorder(&self, r: Row) -> Row {
        in_from_order(&self.to_from, r.values)
    }
}

impl Operator for Join {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if let State::New = self.state {
            self.start(cx)?;
        }
        match &mut self.state {
            State::New => Ok(None),
            State::Whole(drain) => Ok(drain.next_batch()),
            State::Streaming(s) => {
                let out = s.next(&self.sources, &self.to_from, cx, self.analysis.as_mut());
                if let Some(a) = &self.analysis {
                    a.record(&s.steps);
                }
                out
            }
        }
    }
}

impl Streaming {
    /// The next batch of joined rows (see the module documentation).
    fn next(
        &mut self,
        sources: &[Source],
        to_from: &Option<Vec<usize>>,
        cx: &Cx<'_, '_, '_, '_>,
        mut analysis: Option<&mut Analysis>,
    ) -> Result<Option<Batch>> {
        let Streaming { first, steps, pending, held, done } = self;
        let mut out: Batch = Vec::new();
        loop {
            // Depth first: the deepest step with waiting rows goes on, through its queue until
            // it has passed a batch on (so a lookup step sees its rows' keys a batch at a time,
            // and one row's many partners still stream).
            match (0..steps.len()).rev().find(|&i| !pending[i].is_empty()) {
                Some(i) => {
                    let started = analysis.as_ref().map(|_| Instant::now());
                    let last = i + 1 == steps.len();
                    let step = &mut steps[i];
                    let src = &sources[step.step.at];
                    let mut passed = 0;
                    while passed < super::BATCH {
                        if step.wants_prefetch() {
                            step.prefetch(cx.env, cx.eval, src, pending[i].iter())?;
                        }
                        let Some(l) = pending[i].pop_front() else { break };
                        held.sub(row_bytes(&l));
                        cx.env.check_interrupt()?;
                        let mut joined = Vec::new();
                        step.join_row(cx.env, cx.eval, src, &l, &mut joined)?;
                        passed += joined.len();
                        pass_on(joined, pending.get_mut(i + 1), held, &mut out, to_from)?;
                    }
                    if let (Some(a), Some(t)) = (analysis.as_deref_mut(), started) {
                        a.stepped(i + 1, t.elapsed(), passed as u64);
                    }
                    if last && out.len() >= super::BATCH {
                        return Ok(Some(out));
                    }
                }
                // Every row has been through every step: the steps whose source went to disk
                // join it now, the first one first (its rows go on down).
                None if *done => {
                    let Some(i) = steps.iter().position(JoinStep::spill_pending) else {
                        return Ok((!out.is_empty()).then_some(out));
                    };
                    let started = analysis.as_ref().map(|_| Instant::now());
                    let mut joined = Vec::new();
                    steps[i].drain_spilled(cx.env, cx.eval, &mut joined, super::BATCH)?;
                    let passed = joined.len() as u64;
                    pass_on(joined, pending.get_mut(i + 1), held, &mut out, to_from)?;
                    if let (Some(a), Some(t)) = (analysis.as_deref_mut(), started) {
                        a.stepped(i + 1, t.elapsed(), passed);
                    }
                    if out.len() >= super::BATCH {
                        return Ok(Some(out));
                    }
                }
                None => match first.next(cx)? {
                    Some(batch) => {
                        for r in &batch {
                            held.add_row(&r.values)?;
                        }
                        if let Some(p) = pending.first_mut() {
                            p.extend(batch.into_iter().map(|r| r.values));
                        }
                    }
                    None => *done = true,
                },
            }
        }
    }
}

/// Hands on the rows a step joined: to the next step's queue (charged to `held`), or, after
/// the last step, to `out` with their columns in FROM order.
fn pass_on(
    joined: Vec<Vec<types::Value>>,
    next: Option<&mut VecDeque<Vec<types::Value>>>,
    held: &mut Charge,
    out: &mut Batch,
    to_from: &Option<Vec<usize>>,
) -> Result<()> {
    match next {
        Some(queue) => {
            for r in &joined {
                held.add_row(r)?;
            }
            queue.extend(joined);
        }
        None => out.extend(joined.into_iter().map(|values| in_from_order(to_from, values))),
    }
    Ok(())
}

/// A joined row's values (sources in join order) as a row with its columns in FROM order.
fn in_from_order(to_from: &Option<Vec<usize>>, values: Vec<types::Value>) -> Row {
    match to_from {
        None => Row { handle: 0, values },
        Some(map) => Row {
            handle: 0,
            values: map
                .iter()
                .map(|&i| values.get(i).cloned().unwrap_or(types::Value::Null))
                .collect(),
        },
    }
}
