//! The binder: resolves names in AST expressions against a [`Scope`] and produces typed
//! [`crate::expr::Expr`]s.

mod expr;

pub use expr::{bind_expr, bind_post_agg, is_aggregate, PostAgg};

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
                .map(|(n, ty)| ScopeColumn { table: None, name: n.to_string(), ty: *ty })
                .collect(),
        }
    }
}
