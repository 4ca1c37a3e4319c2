//! Subqueries of expressions, planned with the query that holds them (TiDB's `Apply`): the
//! binder meets `(SELECT …)`, `EXISTS (…)` or `x IN (SELECT …)` and asks for a plan here. The
//! names the subquery takes from enclosing queries become its **arguments**
//! (`binder::OuterRefs`): expressions over the enclosing row, passed to the plan as
//! `Expr::Param` slots. The executor (`executor::subquery`) runs the plan once per statement
//! when there are none, and once per distinct argument values otherwise.
//!
//! A subquery whose only ties to the enclosing row are equalities `inner = outer.col` also gets
//! a decorrelated form (`decorrelate.rs`): run once without them, grouped by the inner sides,
//! looked up per row — a hash join instead of a run per row.

use std::{cell::RefCell, ops::ControlFlow, rc::Rc, sync::Arc};

use errno::Result;
use sqlparser::ast;
use types::{FieldType, Value};

use super::{decorrelate, plan_query, Plan};
use crate::{
    binder::{OuterRefs, OuterRow},
    executor::QueryEnv,
    expr::ExprType,
};

/// A planned subquery. Its plan reads argument `i` as `Expr::Param(i)`; the arguments
/// themselves are in the `Expr::Subquery` that holds it (so the planner may move them).
pub struct SubPlan {
    /// Its number in the statement (EXPLAIN's `subquery_N`).
    pub id: usize,
    /// Its query, for the rule that flattens it into the enclosing join (`semi.rs`).
    pub query: ast::Query,
    /// Its plan.
    pub plan: Plan,
    /// Its decorrelated form, when it has one.
    pub grouped: Option<GroupedPlan>,
    /// Whether its rows may be kept per argument values: false when a call varies per row
    /// (`RAND()`, `UUID()` …) or it locks.
    pub cache: bool,
    /// Its first result column's type (a scalar subquery's type), nullable.
    pub column: Option<ExprType>,
}

/// A subquery run once without its correlating equalities (see `decorrelate.rs`).
pub struct GroupedPlan {
    /// The rewritten query: the inner sides of the equalities first, then its own columns.
    pub once: Plan,
    /// How many leading columns of `once` are keys.
    pub keys: usize,
    /// The argument slots each key must equal, in order.
    pub args: Vec<usize>,
    /// For an aggregate without GROUP BY: the query over no rows (what a key with no
    /// partners gets).
    pub empty: Option<Plan>,
}

impl std::fmt::Debug for SubPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "subquery_{}", self.id)
    }
}

/// Two subqueries are the same only when they are one plan (a copy of an expression shares
/// it).
impl PartialEq for SubPlan {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Plans `q` as a subquery inside `outer` (see the module documentation); its arguments are
/// recorded in `outer.refs`.
pub(crate) fn plan(
    env: &QueryEnv<'_, '_, '_>,
    q: &ast::Query,
    exists: bool,
    outer: &OuterRow<'_>,
) -> Result<Arc<SubPlan>> {
    let id = env.next_subquery();
    let planned = env.planning_subquery(outer.refs, || plan_query(env, q, "", Some(outer)))?;
    let cache = q.locks.is_empty() && !varies(q);
    let column = planned
        .columns
        .first()
        .map(|c| ExprType { length: c.length, ..ExprType::of(c.field_type, true) });
    let takes_arguments = !outer.refs.borrow().args.is_empty();
    let grouped = match takes_arguments {
        true => decorrelate::plan(env, q, outer, exists)?,
        false => None,
    };
    let sub = SubPlan { id, query: q.clone(), plan: planned.plan, grouped, cache, column };
    Ok(Arc::new(sub))
}

/// Plans `q` inside `outer` as one that must take nothing from it: `None` when it does.
pub(super) fn plan_alone(
    env: &QueryEnv<'_, '_, '_>,
    q: &ast::Query,
    outer: &OuterRow<'_>,
) -> Option<Plan> {
    let refs = Rc::new(RefCell::new(OuterRefs::default()));
    let alone = OuterRow { refs: &refs, ..*outer };
    let planned = env.planning_subquery(&refs, || plan_query(env, q, "", Some(&alone))).ok()?;
    let took = !refs.borrow().args.is_empty();
    (!took).then_some(planned.plan)
}

/// Functions whose result varies from call to call (or that act): a subquery calling one runs
/// for every row.
const VARYING: [&str; 14] = [
    "RAND",
    "UUID",
    "UUID_V4",
    "UUID_V7",
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

/// Whether `q` calls a function of [`VARYING`].
fn varies(q: &ast::Query) -> bool {
    ast::visit_expressions(q, |e| match e {
        ast::Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            match VARYING.contains(&name.as_str()) {
                true => ControlFlow::Break(()),
                false => ControlFlow::Continue(()),
            }
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// A value of type `ty` standing for an argument while the subquery's access paths are
/// chosen (its real values come per run, when the readers rebuild their ranges): any
/// non-NULL value of the type, so that `col = arg` reads as a point.
pub(crate) fn stand_in(ty: &ExprType) -> Value {
    use FieldType as F;
    match ty.field_type {
        F::Tiny | F::Short | F::Int24 | F::Long | F::LongLong | F::Year | F::Bit => Value::Int(1),
        F::Float | F::Double => Value::Double(1.0),
        F::Decimal | F::NewDecimal => Value::Int(1),
        F::Date | F::DateTime | F::Timestamp => Value::String("2000-01-01".into()),
        F::Time => Value::String("00:00:00".into()),
        _ => Value::String("a".into()),
    }
}
