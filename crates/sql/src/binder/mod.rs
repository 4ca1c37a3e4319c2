//! The binder: resolves names in AST expressions against a [`Scope`] and produces typed
//! [`crate::expr::Expr`]s.

mod expr;
mod rows;

pub(crate) use expr::value_type;
pub use expr::{bind_expr, bind_expr_in, bind_post_agg, is_aggregate, PostAgg, INSERTED_ROW};

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

/// The current row of an enclosing query, for binding correlated references in a subquery:
/// a name not found in the subquery's own scope is looked up here (then in `parent`) and bound
/// to the row's value.
#[derive(Debug, Clone, Copy)]
pub struct OuterRow<'a> {
    /// The enclosing query's columns.
    pub scope: &'a Scope,
    /// Their values for the current row.
    pub row: &'a [types::Value],
    /// The query enclosing that one, if any.
    pub parent: Option<&'a OuterRow<'a>>,
    /// Where to record which of this row's columns were named (and whether a name went past
    /// it to `parent`), when the subquery runner wants to know what a subquery depends on.
    pub refs: Option<&'a std::cell::RefCell<OuterRefs>>,
    /// Bind this row's columns as columns of one combined row, from this position on, instead
    /// of as their values (a subquery flattened into its enclosing query's join).
    pub columns_at: Option<usize>,
    /// Bind this row's columns as parameters ([`crate::expr::Expr::Param`] `i` for column
    /// `i`) instead of as their values, so the plan can run again for another row.
    pub as_params: bool,
}

/// The outer columns a subquery named, found while binding it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OuterRefs {
    /// Positions in the outer row.
    pub columns: Vec<usize>,
    /// Some name resolved further out than this row.
    pub deeper: bool,
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
