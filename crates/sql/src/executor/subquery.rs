//! Running subqueries of expressions for each outer row, with as little repetition as the
//! semantics allow (what TiDB's decorrelation and MariaDB's subquery cache achieve):
//!
//! - **Uncorrelated** (it plans without the outer row): run once per statement; its rows serve
//!   every outer row.
//! - **Correlated by equalities only** (`inner = outer.col` in its WHERE): run once without
//!   them, grouped by their inner sides, and looked up per outer row by key
//!   ([`super::decorrelate`]: a hash join instead of a run per row).
//! - **Otherwise correlated**: it is planned once, the outer row's columns bound as
//!   parameters (`Expr::Param`), and that plan runs for each outer row with the row as its
//!   parameters — access paths rebuilt for the values when the plan's readers open (an
//!   `Apply`, TiDB's plan for what it cannot decorrelate). Planning records which columns of
//!   the outer row it names (`binder::OuterRefs`); later rows with the same values of those
//!   columns reuse the rows computed for them (a per-key cache). One that names rows further
//!   out, holds subqueries of its own, calls a non-deterministic function, or runs where
//!   common table expressions are in scope, is planned and run for every outer row.
//!
//! Cached rows are charged to the statement's memory; when the quota would be passed, rows are
//! no longer cached (the subquery then runs each time).

use std::{cell::RefCell, collections::HashMap, ops::ControlFlow, rc::Rc};

use errno::Result;
use sqlparser::ast::{self, Query};
use types::Value;

use super::{
    decorrelate::{self, Grouped},
    query::{execute_table_query, plan_kept, run_kept, QueryEnv},
};
use crate::{
    binder::{OuterRefs, OuterRow},
    memory::Charge,
    planner::Plan,
};

/// A subquery's rows, shared by the outer rows that get them.
type Rows = Rc<Vec<Vec<Value>>>;

/// What is known of one subquery in a statement.
pub(super) struct Entry {
    /// A copy, to tell it from another subquery planned at the same address later.
    query: Rc<Query>,
    kind: Kind,
    held: Option<Charge>,
}

enum Kind {
    /// Uncorrelated: its rows.
    Once(Rc<Vec<Vec<Value>>>),
    /// Decorrelated: run once, rows by key.
    Grouped(Grouped),
    /// Correlated: its plan, run with the outer row as parameters; rows kept by the values
    /// of the outer columns it names.
    Kept { plan: Rc<Plan>, columns: Vec<usize>, rows: HashMap<Vec<u8>, Rc<Vec<Vec<Value>>>> },
    /// Runs for every outer row.
    Always,
}

/// The subqueries of one statement, by address.
pub(super) type Cache = RefCell<HashMap<usize, Entry>>;

/// Whether `query` holds a subquery of its own (when `nested` is set), WITH, or a call whose
/// result varies per call.
fn runs_every_time(query: &Query, nested: bool) -> bool {
    let found = ast::visit_expressions(&*query.body, |e| match e {
        ast::Expr::Subquery(_)
        | ast::Expr::Exists { .. }
        | ast::Expr::In { target: ast::InTarget::Subquery(_), .. }
            if nested =>
        {
            ControlFlow::Break(())
        }
        ast::Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            const VARYING: [&str; 12] = [
                "RAND",
                "UUID",
                "UUID_SHORT",
                "SLEEP",
                "NEXTVAL",
                "RANDOM_BYTES",
                "ROW_COUNT",
                "GET_LOCK",
                "RELEASE_LOCK",
                "RELEASE_ALL_LOCKS",
                "IS_FREE_LOCK",
                "IS_USED_LOCK",
            ];
            if VARYING.contains(&name.as_str()) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
        _ => ControlFlow::Continue(()),
    });
    found.is_break() || query.with.is_some()
}

fn key_of(row: &[Value], columns: &[usize]) -> Vec<u8> {
    let mut k = Vec::new();
    for &c in columns {
        tablecodec::datum::encode(&mut k, row.get(c).unwrap_or(&Value::Null));
    }
    k
}

/// Charges `rows` to `held`; false (and nothing charged) when the quota would be passed.
fn charge(env: &QueryEnv<'_, '_, '_>, held: &mut Option<Charge>, rows: &[Vec<Value>]) -> bool {
    let bytes: usize = rows.iter().map(|r| crate::memory::row_bytes(r)).sum();
    held.get_or_insert_with(|| Charge::new(&env.mem)).add(bytes).is_ok()
}

/// The rows of `query` for the outer row `outer` (see the module documentation); for
/// `EXISTS` only whether there are any.
pub(super) fn run(
    env: &QueryEnv<'_, '_, '_>,
    query: &Query,
    outer: &OuterRow<'_>,
    exists: bool,
) -> Result<Rc<Vec<Vec<Value>>>> {
    let addr = query as *const Query as usize;
    let cache = &env.subqueries;
    // A subquery met before: its rows, or how to find them.
    let known = match cache.borrow().get(&addr) {
        Some(e) if *e.query == *query => match &e.kind {
            Kind::Once(rows) => return Ok(rows.clone()),
            Kind::Grouped(g) => match g.rows_for(outer.row) {
                Some(rows) => return Ok(rows),
                None => Some(None),
            },
            Kind::Kept { plan, columns, rows } => {
                let key = key_of(outer.row, columns);
                match rows.get(&key) {
                    Some(rows) => return Ok(rows.clone()),
                    None => Some(Some((plan.clone(), key))),
                }
            }
            Kind::Always => Some(None),
        },
        _ => None,
    };
    // The same uncorrelated subquery under another address (the planner copies expressions
    // it moves, and may have run it to estimate a join): its rows, kept under this one too.
    // Not inside a WITH, where the same text may name a common table expression instead.
    if known.is_none() && env.ctes.borrow().is_empty() {
        if let Some((query, rows)) = once_twin(cache, query) {
            let entry = Entry { query, kind: Kind::Once(rows.clone()), held: None };
            cache.borrow_mut().insert(addr, entry);
            return Ok(rows);
        }
    }
    match known {
        Some(Some((plan, key))) => {
            let rows = Rc::new(run_kept(env, &plan, outer.row)?);
            let mut cache = cache.borrow_mut();
            if let Some(e) = cache.get_mut(&addr) {
                if charge(env, &mut e.held, &rows) {
                    if let Kind::Kept { rows: cached, .. } = &mut e.kind {
                        cached.insert(key, rows.clone());
                    }
                }
            }
            Ok(rows)
        }
        Some(None) => Ok(Rc::new(execute_table_query(env, query, "", Some(outer))?.rows)),
        None => first_run(env, query, outer, addr, exists),
    }
}

/// An uncorrelated subquery of the same text run before in the statement: its kept copy and
/// its rows.
fn once_twin(cache: &Cache, query: &Query) -> Option<(Rc<Query>, Rows)> {
    cache.borrow().values().find_map(|e| match &e.kind {
        Kind::Once(rows) if *e.query == *query => Some((e.query.clone(), rows.clone())),
        _ => None,
    })
}

/// The rows of `query` run alone — when it is uncorrelated (binds without an enclosing row),
/// deterministic, without WITH or FOR UPDATE — computed once per statement: kept as the
/// runner keeps an uncorrelated subquery's rows (so the runs of the same text share them).
/// `None` when it cannot run alone (it names an enclosing query) or fails: then it runs per
/// row, and reports its error there if a row needs it.
pub(crate) fn uncorrelated_rows(
    env: &QueryEnv<'_, '_, '_>,
    query: &Query,
) -> Option<Rc<Vec<Vec<Value>>>> {
    if !env.ctes.borrow().is_empty() || runs_every_time(query, false) || !query.locks.is_empty() {
        return None;
    }
    if let Some((_, rows)) = once_twin(&env.subqueries, query) {
        return Some(rows);
    }
    let rows = Rc::new(execute_table_query(env, query, "", None).ok()?.rows);
    let mut held = None;
    if charge(env, &mut held, &rows) {
        let query = Rc::new(query.clone());
        let key = Rc::as_ptr(&query) as usize;
        let entry = Entry { query, kind: Kind::Once(rows.clone()), held };
        env.subqueries.borrow_mut().insert(key, entry);
    }
    Some(rows)
}

/// The first run of a subquery in this statement: tells uncorrelated from correlated, and
/// records what a correlated one depends on.
fn first_run(
    env: &QueryEnv<'_, '_, '_>,
    query: &Query,
    outer: &OuterRow<'_>,
    addr: usize,
    exists: bool,
) -> Result<Rc<Vec<Vec<Value>>>> {
    // Run without the outer row (nested subqueries included: one naming the outer row fails
    // to bind there, and one never reached cannot have changed the result).
    let once = env.ctes.borrow().is_empty() && !runs_every_time(query, false);
    let cacheable = once && !runs_every_time(query, true);
    let mut held = None;
    if once {
        if let Ok(rs) = execute_table_query(env, query, "", None) {
            let rows = Rc::new(rs.rows);
            let kind =
                if charge(env, &mut held, &rows) { Kind::Once(rows.clone()) } else { Kind::Always };
            env.subqueries
                .borrow_mut()
                .insert(addr, Entry { query: Rc::new(query.clone()), kind, held });
            return Ok(rows);
        }
        if let Some(g) = decorrelate::group(env, query, outer, exists)? {
            let found = g.rows_for(outer.row);
            let kind = Kind::Grouped(g);
            env.subqueries
                .borrow_mut()
                .insert(addr, Entry { query: Rc::new(query.clone()), kind, held: None });
            if let Some(rows) = found {
                return Ok(rows);
            }
            return Ok(Rc::new(execute_table_query(env, query, "", Some(outer))?.rows));
        }
    }
    let refs = RefCell::new(OuterRefs::default());
    let recorded = OuterRow { refs: Some(&refs), ..*outer };
    // A locking read locks the rows its plan's point reads name when it is built.
    if !cacheable || !query.locks.is_empty() {
        let rows = Rc::new(execute_table_query(env, query, "", Some(&recorded))?.rows);
        let entry = Entry { query: Rc::new(query.clone()), kind: Kind::Always, held };
        env.subqueries.borrow_mut().insert(addr, entry);
        return Ok(rows);
    }
    let plan = plan_kept(env, query, &recorded)?;
    let rows = Rc::new(run_kept(env, &plan, outer.row)?);
    let refs = refs.into_inner();
    // A name bound further out was bound to that row's value: the plan is this row's only.
    let kind = if refs.deeper {
        Kind::Always
    } else {
        let mut columns = refs.columns;
        columns.sort_unstable();
        columns.dedup();
        let mut cached = HashMap::new();
        if charge(env, &mut held, &rows) {
            cached.insert(key_of(outer.row, &columns), rows.clone());
        }
        Kind::Kept { plan: Rc::new(plan), columns, rows: cached }
    };
    env.subqueries.borrow_mut().insert(addr, Entry { query: Rc::new(query.clone()), kind, held });
    Ok(rows)
}
