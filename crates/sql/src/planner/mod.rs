//! The planner: a bound, physical [`Plan`] for a query, between the parser and the operators.
//!
//! ```text
//!   ast::Query ──bind + lower (select.rs)──▶ Plan ──ops::build──▶ operators ──next()──▶ rows
//! ```
//!
//! A query body — one `SELECT` block or a set operation over planned sides (`query.rs`) — is
//! one plan. Derived tables, views and common table expressions are planned into it (a CTE
//! under a `Plan::Cte`, computed once per statement). Subqueries of expressions are planned with
//! the query that holds them (`subquery.rs`, `decorrelate.rs`); uncorrelated scalar, EXISTS and
//! small IN subqueries are evaluated while planning (`subquery_values.rs`), correlated EXISTS
//! and IN become semi and anti joins (`semi.rs`), the others run per distinct arguments.

pub(crate) mod access;
mod decorrelate;
mod fast;
mod join;
mod plan;
mod query;
pub(crate) mod ranges;
mod select;
mod semi;
mod subquery;
pub(crate) mod subquery_values;
pub(crate) mod using;
pub(crate) mod window;

pub use fast::{try_point_get, HandleSource, PointGetPlan};
pub use join::{
    filtered_rows, AnalysisSlots, HashKeys, JoinPlan, Lookup, LookupPlan, Read, Step, StepKind,
};
pub use plan::Plan;
pub use query::plan_query;
pub use select::{plan_select, SelectPlan};
pub(crate) use subquery::{plan as plan_subquery, stand_in};
pub use subquery::{GroupedPlan, SubPlan};
pub use window::{Bound, Frame, Offset, WindowCall, WindowFunc};
