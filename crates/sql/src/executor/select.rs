//! `SELECT` without tables: projections, `WHERE`, `LIMIT` over the one-row `DUAL` relation.
//!
//! Table access (scans, point gets, joins) arrives with the catalog; a `FROM t` naming a table
//! reports 1146 because no user table can exist before then.

use errno::{Error, Result, ER_NOT_SUPPORTED_YET, ER_NO_TABLES_USED};
use sqlparser::ast::{self, LimitClause, Query, SelectItem, SetExpr, Spanned, TableFactor};
use types::{ResultColumn, Value};

use crate::{
    binder::{bind_expr, Scope},
    context::SessionCtx,
    expr::{EvalCtx, Expr, ExprType, Truth},
    frontend::parser::offset_of,
    result::{ExecResult, ResultSet},
};

/// Whether the query reads table data: a table in FROM (anything but `DUAL`), WITH, or a
/// subquery anywhere in it — or needs the planner for a window function.
pub fn reads_tables(q: &Query) -> bool {
    let subquery = ast::visit_expressions(q, |e| match e {
        ast::Expr::Subquery(_)
        | ast::Expr::Exists { .. }
        | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => {
            std::ops::ControlFlow::Break(())
        }
        ast::Expr::Function(f) if f.over.is_some() => std::ops::ControlFlow::Break(()),
        _ => std::ops::ControlFlow::Continue(()),
    });
    if q.with.is_some() || subquery.is_break() {
        return true;
    }
    match q.body.as_ref() {
        SetExpr::Select(select) => select.from.iter().any(|f| {
            !f.joins.is_empty()
                || !matches!(&f.relation, TableFactor::Table { name, .. } if name.to_string().eq_ignore_ascii_case("dual"))
        }),
        _ => true,
    }
}

/// Executes a query without tables.
pub fn execute_query(ctx: &mut SessionCtx, q: &Query, text: &str) -> Result<ExecResult> {
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"this query form"]));
    };
    if reads_tables(q) {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&"this query form"]));
    }
    let scope = Scope::default();
    let mut exprs: Vec<(String, Expr, ExprType)> = Vec::with_capacity(select.projection.len());
    for item in &select.projection {
        let (name, e) = match item {
            SelectItem::UnnamedExpr(e) => (source_text(text, e), e),
            SelectItem::ExprWithAlias { expr, alias } => (alias.value.clone(), expr),
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                return Err(Error::fmt(ER_NO_TABLES_USED, &[]))
            }
            other => return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&other.to_string()])),
        };
        let (expr, ty) = bind_expr(e, &scope, ctx, "field list")?;
        exprs.push((name, expr, ty));
    }
    let eval = EvalCtx::new(ctx);
    let mut keep = match &select.selection {
        Some(w) => {
            bind_expr(w, &scope, ctx, "where clause")?.0.eval(&[], &eval)?.truth() == Some(true)
        }
        None => true,
    };
    if let Some(limit) = &q.limit_clause {
        let (limit, offset) = match limit {
            LimitClause::LimitOffset { limit, offset, .. } => {
                (limit.as_ref(), offset.as_ref().map(|o| &o.value))
            }
            LimitClause::OffsetCommaLimit { offset, limit } => (Some(limit), Some(offset)),
        };
        let n = |e: Option<&ast::Expr>| -> Result<i64> {
            match e {
                Some(e) => Ok(crate::expr::to_i64(
                    &bind_expr(e, &scope, ctx, "limit")?.0.eval(&[], &eval)?,
                )),
                None => Ok(0),
            }
        };
        if (limit.is_some() && n(limit)? <= 0) || n(offset)? > 0 {
            keep = false;
        }
    }
    let columns = exprs.iter().map(|(name, _, ty)| result_column(name, ty)).collect();
    let mut rows = Vec::new();
    if keep {
        let row =
            exprs.iter().map(|(_, e, _)| e.eval(&[], &eval)).collect::<Result<Vec<Value>>>()?;
        rows.push(row);
    }
    Ok(ExecResult::Rows(ResultSet { columns, rows }))
}

/// A result column for an expression of static type `ty`.
pub fn result_column(name: &str, ty: &ExprType) -> ResultColumn {
    let mut c = ResultColumn::expr(name, ty.field_type);
    if ty.length > 0 && c.charset != types::charset::BINARY {
        c.length = ty.length.saturating_mul(4);
    }
    if !ty.nullable {
        c.flags.0 |= types::ColumnFlags::NOT_NULL;
    }
    c
}

/// The expression's text as written, which MySQL uses as the column name — except a quoted
/// string literal, which names its column by its contents (`SELECT 'x'` and `N'x'` are `x`).
pub fn source_text(text: &str, e: &ast::Expr) -> String {
    if let ast::Expr::Value(v) = e {
        if let ast::Value::SingleQuotedString(s)
        | ast::Value::DoubleQuotedString(s)
        | ast::Value::NationalStringLiteral(s) = &v.value
        {
            return s.clone();
        }
    }
    let span = e.span();
    match (offset_of(text, span.start), offset_of(text, span.end)) {
        (Some(a), Some(b)) if a < b && b <= text.len() => {
            // A call's span stops short of its closing parenthesis; take in the argument list.
            let end = match (e, text[a..].find('(')) {
                (ast::Expr::Function(_), Some(p)) => after_parens(text, a + p).max(b),
                _ => b,
            };
            let end = widen_for_over(text, e, end);
            let (a, end) = widen_for_interval(text, e, a, end);
            let (a, end) = widen_for_keyword_call(text, e, a, end);
            let (a, end) = widen_for_operators(text, e, a, end);
            let (a, end) = balance_parens(text, a, end);
            text[a..end].to_string()
        }
        _ => e.to_string(),
    }
}

/// sqlparser's spans leave out prefix operators (`-x`, `NOT x`, `~x`) and the `IS [NOT]
/// TRUE|FALSE|NULL|UNKNOWN` suffix: take them in, so `SELECT -5, 1 IS TRUE` names its columns
/// `-5` and `1 IS TRUE` as MySQL does.
fn widen_for_operators(text: &str, e: &ast::Expr, a: usize, end: usize) -> (usize, usize) {
    use ast::Expr as A;
    // The prefix operators on the expression's leftmost path, outermost first, and its
    // postfix tests, outermost first.
    let (mut prefixes, mut suffixes) = (Vec::new(), 0usize);
    let mut cur = e;
    loop {
        cur = match cur {
            A::UnaryOp { op, expr } => {
                prefixes.push(op.to_string());
                expr
            }
            A::IsTrue(x)
            | A::IsFalse(x)
            | A::IsNotTrue(x)
            | A::IsNotFalse(x)
            | A::IsNull(x)
            | A::IsNotNull(x)
            | A::IsUnknown(x)
            | A::IsNotUnknown(x) => {
                if prefixes.is_empty() {
                    suffixes += 1;
                }
                x
            }
            A::BinaryOp { left, .. } => left,
            A::Nested(x) if !prefixes.is_empty() => {
                prefixes.push("(".to_string());
                x
            }
            _ => break,
        };
    }
    let mut start = a;
    for op in prefixes.iter().rev() {
        let before = text[..start].trim_end();
        match before.len().checked_sub(op.len()) {
            Some(k) if before.is_char_boundary(k) && before[k..].eq_ignore_ascii_case(op) => {
                start = k;
            }
            _ => break,
        }
    }
    // The word after `at` (past whitespace): its end, if it is one of `words`.
    let word_after = |at: usize, words: &[&str]| -> Option<usize> {
        let r = text.get(at..)?;
        let lead = r.len() - r.trim_start().len();
        let len = r[lead..].find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(r.len() - lead);
        let w = &r[lead..lead + len];
        words.iter().any(|x| x.eq_ignore_ascii_case(w)).then_some(at + lead + len)
    };
    let tests = ["TRUE", "FALSE", "NULL", "UNKNOWN"];
    let mut stop = end;
    for _ in 0..suffixes {
        let Some(after_is) = word_after(stop, &["IS"]) else { break };
        let after_not = word_after(after_is, &["NOT"]).unwrap_or(after_is);
        match word_after(after_not, &tests) {
            Some(e) => stop = e,
            None => break,
        }
    }
    (start, stop)
}

/// A window function's name takes in its `OVER w` / `OVER (…)`, which its span leaves out.
fn widen_for_over(text: &str, e: &ast::Expr, end: usize) -> usize {
    let ast::Expr::Function(f) = e else { return end };
    if f.over.is_none() {
        return end;
    }
    let Some(rest) = text.get(end..) else { return end };
    let skipped = rest.len() - rest.trim_start().len();
    if !rest[skipped..].get(..4).is_some_and(|w| w.eq_ignore_ascii_case("over")) {
        return end;
    }
    let at = end + skipped + 4;
    let tail = &text[at..];
    let gap = tail.len() - tail.trim_start().len();
    if tail.trim_start().starts_with('(') {
        return after_parens(text, at + gap);
    }
    // A window name.
    let name_len = tail[gap..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '`'))
        .unwrap_or(tail.len() - gap);
    at + gap + name_len
}

/// sqlparser's span of `INTERVAL n unit` covers only `n`: take in a leading `INTERVAL` keyword
/// and a trailing unit word so the name reads as written.
fn widen_for_interval(text: &str, e: &ast::Expr, a: usize, end: usize) -> (usize, usize) {
    if !e.to_string().to_ascii_uppercase().contains("INTERVAL ") {
        return (a, end);
    }
    let before = text[..a].trim_end();
    let start = match before.len().checked_sub("INTERVAL".len()) {
        Some(k) if before.is_char_boundary(k) && before[k..].eq_ignore_ascii_case("INTERVAL") => k,
        _ => a,
    };
    let rest = &text[end..];
    let word_start = rest.len() - rest.trim_start().len();
    let word_len = rest[word_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len() - word_start);
    let word = &rest[word_start..word_start + word_len];
    let unit = crate::expr::func_time::INTERVAL_UNITS.iter().any(|u| u.eq_ignore_ascii_case(word));
    (start, if unit { end + word_start + word_len } else { end })
}

/// sqlparser's span of `CAST(x AS t)`, `TRIM(…)`, `EXTRACT(…)` and other calls written with
/// keywords covers only their first argument: take in the keyword and the whole argument list.
fn widen_for_keyword_call(text: &str, e: &ast::Expr, a: usize, end: usize) -> (usize, usize) {
    let keywords: &[&str] = match e {
        ast::Expr::Cast { .. } => &["CAST", "CONVERT"],
        ast::Expr::Convert { .. } => &["CONVERT"],
        ast::Expr::Substring { .. } => &["SUBSTRING", "SUBSTR"],
        ast::Expr::Trim { .. } => &["TRIM"],
        ast::Expr::Extract { .. } => &["EXTRACT"],
        ast::Expr::Position { .. } => &["POSITION"],
        ast::Expr::Ceil { .. } => &["CEILING", "CEIL"],
        ast::Expr::Floor { .. } => &["FLOOR"],
        _ => return (a, end),
    };
    let starts_with_keyword = |at: usize| {
        keywords
            .iter()
            .any(|k| text.get(at..at + k.len()).is_some_and(|w| w.eq_ignore_ascii_case(k)))
    };
    let start = if starts_with_keyword(a) {
        Some(a)
    } else {
        // Walk back over `(`, spaces and a leading TRIM mode word to the keyword.
        let mut i = a;
        let mut found = None;
        while i > 0 {
            i -= 1;
            if !text.is_char_boundary(i) {
                continue;
            }
            if starts_with_keyword(i)
                && (i == 0 || !text.as_bytes()[i - 1].is_ascii_alphanumeric())
                && text[i..a].contains('(')
            {
                found = Some(i);
                break;
            }
            if a - i > 64 {
                break;
            }
        }
        found
    };
    let Some(start) = start else { return (a, end) };
    match text[start..].find('(') {
        Some(p) => (start, after_parens(text, start + p).max(end)),
        None => (a, end),
    }
}

/// Widens `text[a..end]` until its parentheses balance (outside quotes): sqlparser's spans of
/// nested calls can start inside an enclosing `CAST(` or stop before a trailing `f()`'s
/// argument list. A `(` reached going left takes in the function name before it.
fn balance_parens(text: &str, mut a: usize, mut end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    // A call name right at the end: take in its argument list.
    if end > 0 && (bytes[end - 1].is_ascii_alphanumeric() || bytes[end - 1] == b'_') {
        end = after_parens(text, end);
    }
    let depth = |a: usize, end: usize| -> (usize, usize) {
        let (mut open, mut unmatched_close) = (0usize, 0usize);
        for (_, c) in unquoted(&bytes[..end], a) {
            match c {
                b'(' => open += 1,
                b')' if open > 0 => open -= 1,
                b')' => unmatched_close += 1,
                _ => {}
            }
        }
        (open, unmatched_close)
    };
    let (_, mut close) = depth(a, end);
    while close > 0 && a > 0 {
        a -= 1;
        match bytes[a] {
            b')' => close += 1,
            b'(' => close -= 1,
            _ => {}
        }
    }
    if close == 0 {
        while a > 0 && (bytes[a - 1].is_ascii_alphanumeric() || bytes[a - 1] == b'_') {
            a -= 1;
        }
    }
    let (mut open, _) = depth(a, end);
    while open > 0 && end < bytes.len() {
        match bytes[end] {
            b'(' => open += 1,
            b')' => open -= 1,
            _ => {}
        }
        end += 1;
    }
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (a, end)
}

/// If `text[from..]` starts (after spaces) with a parenthesised group, the offset just past its
/// closing parenthesis (quotes respected); otherwise `from`.
fn after_parens(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    if bytes.get(i) != Some(&b'(') {
        return from;
    }
    let mut depth = 0usize;
    for (at, c) in unquoted(bytes, i) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
    }
    from
}

/// The bytes of `bytes[from..]` outside quoted strings and identifiers, with their offsets
/// (quotes themselves and backslash escapes inside quotes are skipped).
fn unquoted(bytes: &[u8], from: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    bytes.iter().copied().enumerate().skip(from).filter(move |&(_, c)| {
        if escaped {
            escaped = false;
            return false;
        }
        match quote {
            Some(q) if c == b'\\' && q != b'`' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'\'' | b'"' | b'`') => quote = Some(c),
            None => return true,
        }
        false
    })
}

/// Evaluates a LIMIT/OFFSET count (0 when absent).
pub fn eval_count(ctx: &SessionCtx, e: Option<&ast::Expr>) -> Result<u64> {
    match e {
        Some(e) => {
            // MySQL takes only integer literals (and placeholders) here.
            if !matches!(e, ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..) | ast::Value::Placeholder(_)))
            {
                return Err(errno::Error::fmt(errno::ER_PARSE, &[&e.to_string(), &1]));
            }
            let v =
                bind_expr(e, &Scope::default(), ctx, "limit")?.0.eval(&[], &EvalCtx::new(ctx))?;
            // `LIMIT n, 18446744073709551615` (MySQL's "no limit") must not wrap around.
            Ok(match v {
                Value::UInt(u) => u,
                other => crate::expr::to_i64(&other).max(0) as u64,
            })
        }
        None => Ok(0),
    }
}

/// `(limit, offset)` of a LIMIT clause; `None` limit means unlimited.
pub fn limit_offset(ctx: &SessionCtx, l: Option<&LimitClause>) -> Result<(Option<usize>, usize)> {
    let Some(l) = l else { return Ok((None, 0)) };
    let (limit, offset) = match l {
        LimitClause::LimitOffset { limit, offset, .. } => {
            (limit.as_ref(), offset.as_ref().map(|o| &o.value))
        }
        LimitClause::OffsetCommaLimit { offset, limit } => (Some(limit), Some(offset)),
    };
    let lim = match limit {
        Some(e) => Some(usize::try_from(eval_count(ctx, Some(e))?).unwrap_or(usize::MAX)),
        None => None,
    };
    Ok((lim, usize::try_from(eval_count(ctx, offset)?).unwrap_or(usize::MAX)))
}

#[cfg(test)]
mod tests {
    use sqlparser::ast::{SelectItem, SetExpr, Statement};

    use super::source_text;

    /// The select list's column names as MySQL derives them from the text.
    fn names(sql: &str) -> Vec<String> {
        let Ok(Statement::Query(q)) = crate::frontend::parser::parse_statement(sql) else {
            panic!("not a query: {sql}")
        };
        let SetExpr::Select(s) = q.body.as_ref() else { panic!("not a SELECT: {sql}") };
        s.projection
            .iter()
            .map(|item| match item {
                SelectItem::UnnamedExpr(e) => source_text(sql, e),
                other => panic!("unexpected item {other}"),
            })
            .collect()
    }

    #[test]
    fn names_keep_calls_and_intervals_as_written() {
        assert_eq!(
            names("SELECT d + interval 2 DAY, INTERVAL 1 week + d, DATE_ADD(d, INTERVAL 1 HOUR), lower(x)"),
            ["d + interval 2 DAY", "INTERVAL 1 week + d", "DATE_ADD(d, INTERVAL 1 HOUR)", "lower(x)"]
        );
    }
}
