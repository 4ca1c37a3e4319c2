//! The binder: resolves names in AST expressions against a [`Scope`] and produces typed
//! [`crate::expr::Expr`]s.

mod expr;
mod rows;

pub(crate) use expr::value_type;
pub use expr::{
    bind_expr, bind_expr_in, bind_post_agg, bind_windowed, bind_with, has_subquery, is_aggregate,
    PostAgg, WindowLayout, INSERTED_ROW,
};

use crate::expr::ExprType;

/// One column visible to expressions: its qualifier, name and type.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeColumn {
    /// Table name or alias the column can be qualified with.
    pub table: Option<String>,
    /// Column name.
    pub name: String,
    /// Static type.
    pub ty: ExprType,
    /// Reachable only qualified: the right column of a USING or NATURAL join, merged into
    /// the left one.
    pub hidden: bool,
}

/// An enclosing query, for binding correlated references in a subquery: a name not found in
/// the subquery's own scope is looked up in `scope` (then in `parent`'s) and becomes one of the
/// subquery's arguments — an expression over the enclosing row, evaluated per row and passed
/// to the subquery's plan as parameter slot `i` ([`crate::expr::Expr::Param`]), TiDB's
/// correlated column.
#[derive(Debug, Clone, Copy)]
pub struct OuterRow<'a> {
    /// The enclosing query's columns.
    pub scope: &'a Scope,
    /// The query enclosing that one, if any.
    pub parent: Option<&'a OuterRow<'a>>,
    /// The subquery's arguments found so far.
    pub refs: &'a std::rc::Rc<std::cell::RefCell<OuterRefs>>,
    /// Bind this row's columns as columns of one combined row, from this position on, instead
    /// of as arguments (a subquery flattened into its enclosing query's join).
    pub columns_at: Option<usize>,
}

/// What a subquery takes from the queries enclosing it, found while binding it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OuterRefs {
    /// Its arguments: expressions over the enclosing row (argument `i` is the subquery's
    /// `Expr::Param(i)`), with their types.
    pub args: Vec<(crate::expr::Expr, ExprType)>,
    /// Some name resolved to a column of the enclosing row itself.
    pub names_row: bool,
}

impl OuterRefs {
    /// The parameter slot of argument `e` (added when new).
    pub fn slot(&mut self, e: crate::expr::Expr, ty: ExprType) -> usize {
        match self.args.iter().position(|(a, _)| *a == e) {
            Some(i) => i,
            None => {
                self.args.push((e, ty));
                self.args.len() - 1
            }
        }
    }
}

/// Plans the subqueries the binder meets (the query environment does): the binder hands it
/// the subquery and the enclosing query, and gets back the planned subquery.
pub trait SubqueryPlanner {
    /// The session the statement runs in.
    fn session(&self) -> &crate::context::SessionCtx;
    /// Plans `q` (an `EXISTS` subquery when `exists`) inside `outer`, recording its
    /// arguments in `outer.refs`.
    fn plan_subquery(
        &self,
        q: &sqlparser::ast::Query,
        exists: bool,
        outer: &OuterRow<'_>,
    ) -> errno::Result<std::sync::Arc<crate::planner::SubPlan>>;
}

/// The columns an expression may reference, in input-row order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// Columns by position.
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// A scope of unqualified columns (e.g. a SHOW statement's result columns).
    pub fn unqualified(columns: &[(&str, ExprType)]) -> Self {
        Scope {
            columns: columns
                .iter()
                .map(|(n, ty)| ScopeColumn {
                    table: None,
                    name: n.to_string(),
                    ty: *ty,
                    hidden: false,
                })
                .collect(),
        }
    }
}
