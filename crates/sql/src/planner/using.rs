//! `JOIN … USING (c, …)` and `NATURAL JOIN`, as MySQL defines them: the join condition is
//! `left.c = right.c` for each common column, and the two columns become one — `SELECT *`
//! shows it once, first (coalesced columns in the left operand's order, then the rest of the
//! left operand, then the rest of the right), and an unqualified `c` names it without being
//! ambiguous. The column kept is the left one, or the right one for RIGHT JOIN (the side never
//! NULL-padded: MySQL's COALESCE of the two). Both stay reachable qualified (`t2.c`, `t2.*`).

use errno::{Error, Result};
use sqlparser::ast;

use crate::executor::{JoinSpec, Source};

/// Where the FROM clause's columns go: `SELECT *`'s order and the columns a USING or NATURAL
/// join merged away (by position in the clause's combined row).
#[derive(Debug, Clone, Default)]
pub struct FromLayout {
    /// Positions, in `SELECT *` order (merged-away columns left out).
    pub star: Vec<usize>,
    /// Positions an unqualified name does not resolve to.
    pub hidden: Vec<usize>,
}

/// How a join was written before its condition is known.
pub(crate) enum Written {
    /// A complete spec (comma, cross, or with ON).
    Spec(Box<JoinSpec>),
    /// USING columns or NATURAL (`None`), joined inner (`outer` none), left or right.
    Using { columns: Option<Vec<String>>, outer: Option<bool> },
}

/// Builds the FROM clause's layout while its sources are added in order.
#[derive(Default)]
pub(crate) struct LayoutBuilder {
    layout: FromLayout,
    /// Where the current comma group's columns start in `star`.
    group_start: usize,
    width: usize,
}

impl LayoutBuilder {
    /// Adds `src` joined as `written` to the sources before it (`sources`, not holding it);
    /// returns the join's spec.
    pub(crate) fn add(
        &mut self,
        sources: &[Source],
        src: &Source,
        written: Written,
    ) -> Result<JoinSpec> {
        let offset = self.width;
        let own: Vec<usize> = (offset..offset + src.table.columns.len()).collect();
        self.width += own.len();
        let (columns, outer) = match written {
            Written::Spec(spec) => {
                let spec = *spec;
                if matches!(spec, JoinSpec::Comma) {
                    self.group_start = self.layout.star.len();
                }
                self.layout.star.extend(own);
                return Ok(spec);
            }
            Written::Using { columns, outer } => (columns, outer),
        };
        // The left operand: the visible columns of this comma group so far.
        let left: Vec<usize> = self.layout.star[self.group_start..].to_vec();
        let name_at = |pos: usize| -> (&Source, &str) { column_at(sources, src, pos) };
        let names: Vec<String> = match columns {
            Some(names) => names,
            None => left
                .iter()
                .map(|&p| name_at(p).1.to_string())
                .filter(|n| src.table.columns.iter().any(|c| c.name.eq_ignore_ascii_case(n)))
                .collect(),
        };
        // Each common column: its left and right positions.
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for name in &names {
            let on_left: Vec<usize> =
                left.iter().copied().filter(|&p| name_at(p).1.eq_ignore_ascii_case(name)).collect();
            let right = src.table.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name));
            let (l, r) = match (on_left.as_slice(), right) {
                ([l], Some(r)) => (*l, offset + r),
                ([_, _, ..], _) => {
                    return Err(Error::fmt(errno::ER_NON_UNIQ, &[name, &"from clause"]));
                }
                _ => return Err(Error::fmt(errno::ER_BAD_FIELD, &[name, &"from clause"])),
            };
            if !pairs.contains(&(l, r)) {
                pairs.push((l, r));
            }
        }
        // Coalesced columns in the kept side's order, then that side's rest, then the other's.
        let right_join = outer == Some(false);
        pairs.sort_by_key(|&(l, r)| if right_join { r } else { l });
        let kept: Vec<usize> = pairs.iter().map(|&(l, r)| if right_join { r } else { l }).collect();
        let merged: Vec<usize> =
            pairs.iter().map(|&(l, r)| if right_join { l } else { r }).collect();
        let rest = |cols: &[usize]| -> Vec<usize> {
            cols.iter().copied().filter(|p| !kept.contains(p) && !merged.contains(p)).collect()
        };
        let (first, second) = if right_join { (&own, &left) } else { (&left, &own) };
        let mut order = kept.clone();
        order.extend(rest(first));
        order.extend(rest(second));
        self.layout.star.truncate(self.group_start);
        self.layout.star.extend(order);
        self.layout.hidden.extend(merged);
        let on = pairs.iter().map(|&(l, r)| equal(name_at(l), name_at(r))).reduce(|a, b| {
            ast::Expr::BinaryOp {
                left: Box::new(a),
                op: ast::BinaryOperator::And,
                right: Box::new(b),
            }
        });
        Ok(match (on, outer) {
            (None, _) => JoinSpec::Cross,
            (Some(on), None) => JoinSpec::Inner(on),
            (Some(on), Some(true)) => JoinSpec::Left(on),
            (Some(on), Some(false)) => JoinSpec::Right(on),
        })
    }

    /// The finished layout.
    pub(crate) fn finish(self) -> FromLayout {
        self.layout
    }
}

/// The source and column name at combined position `pos` (`src` is the one being added).
fn column_at<'a>(sources: &'a [Source], src: &'a Source, mut pos: usize) -> (&'a Source, &'a str) {
    for s in sources.iter().chain(std::iter::once(src)) {
        match s.table.columns.get(pos) {
            Some(c) => return (s, &c.name),
            None => pos -= s.table.columns.len(),
        }
    }
    (src, "")
}

/// `a.x = b.y` by alias-qualified names.
fn equal((a, x): (&Source, &str), (b, y): (&Source, &str)) -> ast::Expr {
    let name = |s: &Source, c: &str| {
        ast::Expr::CompoundIdentifier(vec![
            ast::Ident::with_quote('`', s.alias.as_str()),
            ast::Ident::with_quote('`', c),
        ])
    };
    ast::Expr::BinaryOp {
        left: Box::new(name(a, x)),
        op: ast::BinaryOperator::Eq,
        right: Box::new(name(b, y)),
    }
}

/// The USING list's column names.
pub(crate) fn using_names(list: &[ast::ObjectName]) -> Vec<String> {
    list.iter()
        .map(|n| {
            n.0.last().and_then(|p| p.as_ident()).map_or_else(|| n.to_string(), |i| i.value.clone())
        })
        .collect()
}
