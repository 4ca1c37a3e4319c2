//! The planner: a bound, physical [`Plan`] for a query, between the parser and the operators.
//!
//! ```text
//!   ast::Query ──bind + lower (select.rs)──▶ Plan ──ops::build──▶ operators ──next()──▶ rows
//! ```
//!
//! Today one `SELECT` block is planned at a time (set operations and common table expressions
//! combine the rows of planned blocks; subqueries in expressions run per row). See
//! ARCHITECTURE.md for what moves here next.

mod fast;
mod join;
mod plan;
mod select;

pub use fast::{try_point_get, HandleSource, PointGetPlan};
pub use join::{HashKeys, JoinPlan, Lookup, LookupPlan, Read, Step, StepKind};
pub use plan::Plan;
pub use select::{plan_select, SelectPlan};
