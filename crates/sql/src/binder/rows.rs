//! Row constructors in comparisons — `(a, b) = (1, 2)`, `(a, b) < (x, y)`,
//! `(a, b) [NOT] IN ((1, 2), (3, 4))` — rewritten into scalar comparisons with MySQL's meaning:
//! equality is the AND of the pairs' equalities, order is lexicographic, and NULLs propagate
//! through the same three-valued logic.

use errno::{Error, Result, ER_OPERAND_COLUMNS};
use sqlparser::ast::{self, BinaryOperator as B};

/// The items of a row constructor `(a, b, …)`, if `e` is one.
pub fn row_items(e: &ast::Expr) -> Option<&[ast::Expr]> {
    match e {
        ast::Expr::Tuple(items) => Some(items),
        ast::Expr::Nested(inner) => row_items(inner),
        _ => None,
    }
}

fn op(left: &ast::Expr, op: B, right: &ast::Expr) -> ast::Expr {
    ast::Expr::Nested(Box::new(ast::Expr::BinaryOp {
        left: Box::new(left.clone()),
        op,
        right: Box::new(right.clone()),
    }))
}

/// `parts` joined by `joiner` (AND or OR, associative) as a balanced tree, so a row IN list of
/// thousands of rows nests only as deep as the logarithm of its length (a left-deep chain
/// would be as deep as the list is long, past what the statement's stack was sized for).
fn fold(mut parts: Vec<ast::Expr>, joiner: B) -> Option<ast::Expr> {
    while parts.len() > 1 {
        let mut paired = Vec::with_capacity(parts.len().div_ceil(2));
        let mut items = parts.into_iter();
        while let Some(a) = items.next() {
            paired.push(match items.next() {
                Some(b) => op(&a, joiner.clone(), &b),
                None => a,
            });
        }
        parts = paired;
    }
    parts.pop()
}

fn width_error(n: usize) -> Error {
    Error::fmt(ER_OPERAND_COLUMNS, &[&n])
}

/// `l op r` for two rows of the same width.
fn compare_rows(l: &[ast::Expr], o: &B, r: &[ast::Expr]) -> Result<ast::Expr> {
    if l.len() != r.len() {
        return Err(width_error(l.len()));
    }
    let pairs = |each: B| l.iter().zip(r).map(|(a, b)| op(a, each.clone(), b)).collect::<Vec<_>>();
    let out = match o {
        B::Eq => fold(pairs(B::Eq), B::And),
        B::Spaceship => fold(pairs(B::Spaceship), B::And),
        B::NotEq => fold(pairs(B::NotEq), B::Or),
        B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let strict = match o {
                B::Lt | B::LtEq => B::Lt,
                _ => B::Gt,
            };
            // From the last column backwards: a_i < b_i OR (a_i = b_i AND rest).
            let last = l.len().checked_sub(1).ok_or_else(|| width_error(1))?;
            let mut acc = op(&l[last], o.clone(), &r[last]);
            for i in (0..last).rev() {
                let tie = op(&op(&l[i], B::Eq, &r[i]), B::And, &acc);
                acc = op(&op(&l[i], strict.clone(), &r[i]), B::Or, &tie);
            }
            Some(acc)
        }
        other => {
            return Err(Error::fmt(
                errno::ER_NOT_SUPPORTED_YET,
                &[&format!("row constructors with {other}")],
            ))
        }
    };
    out.ok_or_else(|| width_error(1))
}

/// `expr IN (list)` for a row `expr` as an OR of the rows' equalities.
pub fn any_row(expr: &ast::Expr, list: &[ast::Expr]) -> Result<ast::Expr> {
    let l = row_items(expr).ok_or_else(|| width_error(1))?;
    let mut alternatives = Vec::with_capacity(list.len());
    for item in list {
        let r = row_items(item).ok_or_else(|| width_error(l.len()))?;
        alternatives.push(compare_rows(l, &B::Eq, r)?);
    }
    fold(alternatives, B::Or).ok_or_else(|| width_error(l.len()))
}

/// The scalar form of a comparison or IN list involving row constructors.
pub fn desugar(e: &ast::Expr) -> Result<ast::Expr> {
    match e {
        ast::Expr::BinaryOp { left, op: o, right } => match (row_items(left), row_items(right)) {
            (Some(l), Some(r)) => compare_rows(l, o, r),
            (Some(l), None) => Err(width_error(l.len())),
            (None, _) => Err(width_error(1)),
        },
        ast::Expr::In { expr, target: ast::InTarget::List(list), negated, .. } => {
            let any = any_row(expr, list)?;
            Ok(if *negated {
                ast::Expr::UnaryOp { op: ast::UnaryOperator::Not, expr: Box::new(any) }
            } else {
                any
            })
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(sql: &str) -> ast::Expr {
        sqlparser::parser::Parser::new(&sqlparser::dialect::MySqlDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    #[test]
    fn rows_become_scalar_comparisons() {
        assert_eq!(desugar(&expr("(a, b) = (1, 2)")).unwrap().to_string(), "((a = 1) AND (b = 2))");
        assert_eq!(
            desugar(&expr("(a, b) < (1, 2)")).unwrap().to_string(),
            "((a < 1) OR ((a = 1) AND (b < 2)))"
        );
        assert_eq!(
            desugar(&expr("(a, b) NOT IN ((1, 2), (3, 4))")).unwrap().to_string(),
            "NOT (((a = 1) AND (b = 2)) OR ((a = 3) AND (b = 4)))"
        );
        assert_eq!(
            desugar(&expr("(a, b) IN ((1, 2), (3, 4), (5, 6))")).unwrap().to_string(),
            "((((a = 1) AND (b = 2)) OR ((a = 3) AND (b = 4))) OR ((a = 5) AND (b = 6)))"
        );
        assert_eq!(desugar(&expr("(a, b) = (1, 2, 3)")).unwrap_err().code, 1241);
        assert_eq!(desugar(&expr("(a, b) IN (1, 2)")).unwrap_err().code, 1241);
    }
}
