//! The planner: a bound, physical [`Plan`] for a query, between the parser and the operators.
//!
//! ```text
//!   ast::Query ──bind + lower (select.rs)──▶ Plan ──ops::build──▶ operators ──next()──▶ rows
//! ```
//!
//! A query body — one `SELECT` block or a set operation over planned sides (`query.rs`) — is
//! one plan. Derived tables, views and common table expressions are planned into it (a CTE
//! under a `Plan::Cte`, computed once per statement); uncorrelated scalar, EXISTS and small IN
//! subqueries are evaluated while planning (`subquery_values.rs`), the others run through the
//! subquery runner. See ARCHITECTURE.md for what moves here next.

mod fast;
mod join;
mod plan;
mod query;
mod select;
mod semi;
pub(crate) mod subquery_values;
pub(crate) mod using;

pub use fast::{try_point_get, HandleSource, PointGetPlan};
pub use join::{
    filtered_rows, AnalysisSlots, HashKeys, JoinPlan, Lookup, LookupPlan, Read, Step, StepKind,
};
pub use plan::Plan;
pub use query::plan_query;
pub use select::{plan_select, SelectPlan};
