//! Running the subqueries of expressions (planned with their query: `planner::subquery`),
//! with as little repetition as the semantics allow — what TiDB's `Apply` with its cache and
//! MariaDB's subquery cache do:
//!
//! - **No arguments** (uncorrelated): run once per statement; its rows serve every row.
//! - **Arguments**: run with their values as the plan's parameters, the rows kept per
//!   distinct values, so later rows with the same values reuse them. The readers rebuild
//!   their ranges from the values on every run.
//! - **Decorrelated** (only equalities tie it to the row): its rewritten query runs once and
//!   each row looks its rows up by key ([`super::decorrelate`]); a key that cannot be looked
//!   up runs the plan as above.
//! - A subquery calling a function that varies per call, or locking, runs for every row.
//!
//! Kept rows are charged to the statement's memory; when the quota would be passed, rows are
//! no longer kept (the subquery then runs each time).

use std::{cell::RefCell, collections::HashMap, rc::Rc, sync::Arc};

use errno::Result;
use types::Value;

use super::{decorrelate::Grouped, ops, query::QueryEnv};
use crate::{
    expr::EvalCtx,
    memory::Charge,
    planner::{Plan, SubPlan},
};

/// A subquery's rows, shared by the rows that get them.
pub(crate) type Rows = Rc<Vec<Vec<Value>>>;

/// What the statement keeps of one subquery.
pub(super) struct Entry {
    /// The subquery, held so that its address stays its own for the statement.
    _sub: Arc<SubPlan>,
    /// Rows per encoded argument values.
    rows: HashMap<Vec<u8>, Rows>,
    /// Its decorrelated rows, once built (`Some(None)`: it could not be built).
    grouped: Option<Option<Grouped>>,
    /// What the kept rows hold of the statement's memory; `None` once the quota refused.
    held: Option<Charge>,
    /// The quota refused: keep nothing more.
    full: bool,
}

/// The subqueries of one statement, by the address of their plan.
pub(super) type Cache = RefCell<HashMap<usize, Entry>>;

impl Entry {
    fn new(sub: &Arc<SubPlan>) -> Self {
        Entry { _sub: sub.clone(), rows: HashMap::new(), grouped: None, held: None, full: false }
    }
}

/// The statement's entry for `sub`.
fn entry<'c>(env: &'c QueryEnv<'_, '_, '_>, sub: &Arc<SubPlan>) -> std::cell::RefMut<'c, Entry> {
    let addr = Arc::as_ptr(sub) as usize;
    std::cell::RefMut::map(env.subqueries.borrow_mut(), |c| {
        c.entry(addr).or_insert_with(|| Entry::new(sub))
    })
}

fn key_of(params: &[Value]) -> Vec<u8> {
    let mut k = Vec::new();
    for v in params {
        tablecodec::datum::encode(&mut k, v);
    }
    k
}

/// The rows of `sub` for the argument values `params` (see the module documentation).
pub(super) fn run(
    env: &QueryEnv<'_, '_, '_>,
    sub: &Arc<SubPlan>,
    params: &[Value],
) -> Result<Rows> {
    if !sub.cache {
        return Ok(Rc::new(run_plan(env, &sub.plan, params)?));
    }
    let addr = Arc::as_ptr(sub) as usize;
    if let Some(g) = &sub.grouped {
        let built = env.subqueries.borrow().get(&addr).is_some_and(|e| e.grouped.is_some());
        if !built {
            let grouped = Grouped::build(env, g);
            entry(env, sub).grouped = Some(grouped);
        }
        let found = env.subqueries.borrow().get(&addr).and_then(|e| match &e.grouped {
            Some(Some(g)) => Some(g.rows_for(params)),
            _ => None,
        });
        match found {
            Some(Some(rows)) => return Ok(rows),
            // This row's key cannot be looked up: it runs alone.
            Some(None) => return Ok(Rc::new(run_plan(env, &sub.plan, params)?)),
            None => {}
        }
    }
    let key = key_of(params);
    if let Some(rows) = env.subqueries.borrow().get(&addr).and_then(|e| e.rows.get(&key)) {
        return Ok(rows.clone());
    }
    let rows = Rc::new(run_plan(env, &sub.plan, params)?);
    let mut cache = env.subqueries.borrow_mut();
    let entry = cache.entry(addr).or_insert_with(|| Entry::new(sub));
    if !entry.full {
        let bytes: usize = rows.iter().map(|r| crate::memory::row_bytes(r)).sum();
        let held = entry.held.get_or_insert_with(|| Charge::new(&env.mem));
        match held.add(bytes + key.len()) {
            Ok(()) => {
                entry.rows.insert(key, rows.clone());
            }
            Err(_) => entry.full = true,
        }
    }
    Ok(rows)
}

/// Runs `plan` (a subquery's, or its decorrelated form) with `params` as its parameters and
/// collects its rows; measured under EXPLAIN ANALYZE, each run adding to the same figures.
pub(super) fn run_plan(
    env: &QueryEnv<'_, '_, '_>,
    plan: &Plan,
    params: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let eval = EvalCtx { session: env.ctx, subqueries: Some(env), params };
    let stats = env.subquery_stats(plan);
    let mut root = match &stats {
        Some(stats) => ops::build_analyzed(plan.clone(), stats),
        None => ops::build(plan.clone()),
    };
    Ok(ops::collect(root.as_mut(), &ops::Cx { env, eval: &eval })?
        .into_iter()
        .map(|r| r.values)
        .collect())
}

/// The rows of `sub`, a subquery taking no arguments, computed now (while planning) and kept
/// for the statement; `None` when it must run per row (it varies per call or locks) or fails
/// — then it runs per row, and reports its error there if a row needs it.
pub(crate) fn uncorrelated_rows(env: &QueryEnv<'_, '_, '_>, sub: &Arc<SubPlan>) -> Option<Rows> {
    if !sub.cache {
        return None;
    }
    run(env, sub, &[]).ok()
}
