//! Joins of the FROM clause's sources, left to right, with outer joins padding NULLs.
//!
//! Each stored table is read one of two ways:
//! - **Index lookup join**: when an equality `this.col = expr` (from ON, or from WHERE for inner
//!   and comma joins) ties this table's handle or the leading column of one of its indexes to
//!   the sources before it, each row so far looks up its partners by key (results cached per
//!   key). Foreign-key joins — what ORMs emit — read only matching rows.
//! - **Filtered read**: otherwise the table is read once along the access path chosen for the
//!   conjuncts that mention only it (its ON conjuncts for inner and left joins; WHERE conjuncts
//!   unless it is the NULL-padded side of an outer join, where filtering early would change the
//!   result), then joined by a **hash join** when an equality ties it to the sources before with
//!   keys of one comparison class (integers/decimals, strings, date-times, times — where equal
//!   by MySQL's comparison means equal keys), else by nested loops.
//!
//! Either way the whole ON condition is evaluated on every candidate pair and the WHERE clause
//! afterwards, so narrowing reads never changes the answer.

use std::collections::HashMap;

use catalog::{IndexInfo, TableInfo};
use errno::Result;
use kv::KeyRange;
use sqlparser::ast;
use types::Value;

use super::{
    access::{self, Needs},
    query::{table_scope, QueryEnv, Source},
    ranges::{conjuncts, point},
};
use crate::{
    binder::{bind_expr_in, OuterRow, Scope},
    context::SessionCtx,
    expr::{EvalCtx, Expr, Truth},
    memory::Charge,
    stmt_txn::StmtTxn,
    table::{self, Row},
};

/// How a source joins the ones before it.
pub enum JoinSpec {
    /// Comma or CROSS JOIN (or INNER JOIN without ON).
    Cross,
    /// INNER JOIN … ON.
    Inner(ast::Expr),
    /// LEFT [OUTER] JOIN … ON.
    Left(ast::Expr),
    /// RIGHT [OUTER] JOIN … ON.
    Right(ast::Expr),
}

/// How one table's partner rows are found for a row of the sources before it.
pub enum Lookup {
    /// By handle.
    Handle,
    /// Through an index whose first column is the key.
    Index(IndexInfo),
}

/// A per-row lookup: the key expression over the rows so far, and the column it must equal.
pub struct LookupJoin {
    /// The key, bound over the rows of the sources before this one.
    pub key: Expr,
    /// The key as written (for EXPLAIN).
    pub key_text: String,
    /// The column of this table it must equal.
    pub column: usize,
    /// Handle or index.
    pub via: Lookup,
}

/// Whether `e` mentions only `src` (by qualified or unambiguous names) and no subquery.
fn only_source(e: &ast::Expr, src: &Source, all: &[Source]) -> bool {
    use std::ops::ControlFlow;
    let mut mentions = false;
    let flow = ast::visit_expressions(e, |x| {
        let ok = match x {
            ast::Expr::Subquery(_)
            | ast::Expr::Exists { .. }
            | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => false,
            ast::Expr::Identifier(id) => {
                mentions = true;
                src.table.column(&id.value).is_some()
                    && all.iter().filter(|s| s.table.column(&id.value).is_some()).count() == 1
            }
            ast::Expr::CompoundIdentifier(parts) => {
                mentions = true;
                let n = parts.len();
                n >= 2
                    && parts[n - 2].value.eq_ignore_ascii_case(&src.alias)
                    && src.table.column(&parts[n - 1].value).is_some()
            }
            _ => true,
        };
        if ok {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
    mentions && flow.is_continue()
}

/// The column of `src` that `e` names, if it unambiguously names one.
fn own_column(e: &ast::Expr, src: &Source, all: &[Source]) -> Option<usize> {
    match e {
        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) if only_source(e, src, all) => {
            let name = match e {
                ast::Expr::Identifier(id) => &id.value,
                ast::Expr::CompoundIdentifier(parts) => &parts.last()?.value,
                _ => return None,
            };
            src.table.column(name).map(|(i, _)| i)
        }
        ast::Expr::Nested(inner) => own_column(inner, src, all),
        _ => None,
    }
}

/// The equalities among `candidates` that tie an expression of `src` (at position `at`) alone to
/// one computable from the sources before it: `(src side, earlier side, whole equality)`.
fn equi_sides<'e>(
    candidates: &'e [&'e ast::Expr],
    src: &'e Source,
    at: usize,
    all: &'e [Source],
) -> impl Iterator<Item = (&'e ast::Expr, &'e ast::Expr, &'e ast::Expr)> {
    candidates.iter().flat_map(move |&c| {
        let sides = match c {
            ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right } => {
                vec![(left.as_ref(), right.as_ref()), (right.as_ref(), left.as_ref())]
            }
            _ => Vec::new(),
        };
        sides.into_iter().filter_map(move |(mine, theirs)| {
            let usable = only_source(mine, src, all)
                && !all[at..].iter().any(|s| only_source(theirs, s, all));
            usable.then_some((mine, theirs, c))
        })
    })
}

/// An equality usable for an index lookup join into `src` (at position `at`).
fn lookup_join(
    candidates: &[&ast::Expr],
    src: &Source,
    at: usize,
    all: &[Source],
    left_scope: &Scope,
    ctx: &SessionCtx,
    outer: Option<&OuterRow<'_>>,
) -> Option<LookupJoin> {
    let t = &src.table;
    for (mine, theirs, _) in equi_sides(candidates, src, at, all) {
        let Some(column) = own_column(mine, src, all) else { continue };
        let Ok((key, _)) = bind_expr_in(theirs, left_scope, ctx, "on clause", outer) else {
            continue;
        };
        let via = if t.handle_column() == Some(column) {
            Lookup::Handle
        } else {
            let leading: Vec<&IndexInfo> =
                t.readable_indexes().filter(|i| i.columns.first() == Some(&column)).collect();
            match leading.iter().find(|i| i.unique).or(leading.first()) {
                Some(i) => Lookup::Index((*i).clone()),
                None => continue,
            }
        };
        return Some(LookupJoin { key, key_text: theirs.to_string(), column, via });
    }
    None
}

/// The rows of `t` whose `column` equals `v`; `None` when `v` cannot be compared by key (the
/// caller then falls back to every row).
fn lookup_rows(
    st: &mut StmtTxn<'_>,
    t: &TableInfo,
    lj: &LookupJoin,
    v: &Value,
) -> Result<Option<Vec<Vec<Value>>>> {
    if v.is_null() {
        return Ok(Some(Vec::new()));
    }
    let key = match point(&t.columns[lj.column], v) {
        None => return Ok(None),
        Some(None) => return Ok(Some(Vec::new())),
        Some(Some(k)) => k,
    };
    let rows = match &lj.via {
        Lookup::Handle => {
            let h = match key {
                Value::Int(h) => h,
                Value::UInt(u) => u as i64,
                _ => return Ok(None),
            };
            table::get_row(st, t, h)?.into_iter().collect()
        }
        Lookup::Index(idx) => {
            let prefix = tablecodec::index_key(t.id, idx.id, &[key], None);
            let access = access::Access::IndexRanges {
                index: idx.clone(),
                ranges: vec![KeyRange::prefix(&prefix)],
                shown: String::new(),
                covering: false,
                est: None,
            };
            access::fetch(st, t, &access)?
        }
    };
    Ok(Some(rows.into_iter().map(|r| r.values).collect()))
}

/// How one source of a join is read.
pub enum SourcePlan {
    /// Rows already computed (derived tables, views, CTEs, information_schema).
    Rows(Option<Box<HashJoin>>),
    /// Per-row key lookups into the table.
    Lookup(Box<LookupJoin>),
    /// One read along the access path for these conjuncts (those mentioning only this source).
    Read(Option<Box<ast::Expr>>, Option<Box<HashJoin>>),
}

/// An equi-join key for a hash join: rows of this source are grouped by `right`, and each row of
/// the sources before looks up its `left` value. Only keys of one comparison class (integers
/// and decimals, strings, date-times, times) qualify, so equal-by-comparison means equal keys.
pub struct HashJoin {
    /// Key over the rows of the sources before.
    pub left: Expr,
    /// Key over this source's own row.
    pub right: Expr,
    /// The equality as written (for EXPLAIN).
    pub text: String,
    /// The keys' comparison class (see [`key_class`]).
    pub class: u8,
}

/// Comparison classes whose equal values have equal [`hash_key`]s.
fn key_class(ft: types::FieldType) -> Option<u8> {
    use types::FieldType as F;
    match ft {
        F::Tiny | F::Short | F::Long | F::LongLong | F::Int24 | F::Year | F::NewDecimal => Some(1),
        F::VarChar | F::VarString | F::String => Some(2),
        F::Date | F::DateTime | F::Timestamp => Some(3),
        F::Time => Some(4),
        _ => None,
    }
}

/// What a key value hashes to.
enum HashKey {
    /// NULL: equal to nothing.
    Null,
    /// A key of its class.
    Key(Vec<u8>),
    /// A value outside the expected class: compared with every row.
    Other,
}

/// The key of `v` in comparison class `class`; a value of another class (an expression's value
/// need not match its declared type, e.g. `IFNULL(date_col, '2020-01-01')`) is `Other`.
fn hash_key(v: &Value, class: u8) -> HashKey {
    let of = match v {
        Value::Null => return HashKey::Null,
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => 1,
        Value::String(_) | Value::Bytes(_) => 2,
        Value::Temporal(_) => 3,
        Value::Time(_) => 4,
        Value::Double(_) => 0,
    };
    if of != class {
        return HashKey::Other;
    }
    let int = |i: i128| {
        let mut k = vec![1];
        k.extend_from_slice(&i.to_be_bytes());
        HashKey::Key(k)
    };
    match v {
        Value::Null => HashKey::Null,
        Value::Int(i) => int(i128::from(*i)),
        Value::UInt(u) => int(i128::from(*u)),
        Value::Decimal(d) => {
            let t = d.trunc_to_i128();
            if types::Decimal::from_i128(t) == *d {
                int(t)
            } else {
                let text = d.to_string();
                let mut k = vec![5];
                k.extend_from_slice(text.trim_end_matches('0').as_bytes());
                HashKey::Key(k)
            }
        }
        Value::String(s) => HashKey::Key([&[2u8][..], s.as_bytes()].concat()),
        Value::Bytes(b) => HashKey::Key([&[2u8][..], b].concat()),
        Value::Temporal(t) => HashKey::Key([&[3u8][..], &t.packed().to_be_bytes()].concat()),
        Value::Time(d) => HashKey::Key([&[4u8][..], &d.micros().to_be_bytes()].concat()),
        Value::Double(_) => HashKey::Other,
    }
}

/// An equality between this source alone and the sources before, usable as a hash-join key.
fn hash_join(
    candidates: &[&ast::Expr],
    src: &Source,
    at: usize,
    all: &[Source],
    left_scope: &Scope,
    ctx: &SessionCtx,
    outer: Option<&OuterRow<'_>>,
) -> Option<Box<HashJoin>> {
    let own_scope = table_scope(&src.table, &src.alias);
    for (mine, theirs, c) in equi_sides(candidates, src, at, all) {
        let Ok((r, rt)) = bind_expr_in(mine, &own_scope, ctx, "on clause", outer) else {
            continue;
        };
        let Ok((l, lt)) = bind_expr_in(theirs, left_scope, ctx, "on clause", outer) else {
            continue;
        };
        match (key_class(lt.field_type), key_class(rt.field_type)) {
            (Some(a), Some(b)) if a == b => {
                return Some(Box::new(HashJoin {
                    left: l,
                    right: r,
                    text: c.to_string(),
                    class: a,
                }));
            }
            _ => {}
        }
    }
    None
}

/// Decides, left to right, how each source is read (see the module documentation).
pub fn plan_sources(
    sources: &[Source],
    specs: &[JoinSpec],
    where_: Option<&ast::Expr>,
    ctx: &SessionCtx,
    outer: Option<&OuterRow<'_>>,
) -> Vec<SourcePlan> {
    let where_conjuncts = where_.map(conjuncts).unwrap_or_default();
    let mut scope = Scope::default();
    let mut plans = Vec::with_capacity(sources.len());
    for (at, (src, spec)) in sources.iter().zip(specs).enumerate() {
        let padded = matches!(spec, JoinSpec::Left(_))
            || specs[at + 1..].iter().any(|s| matches!(s, JoinSpec::Right(_)));
        let on_conjuncts = match spec {
            JoinSpec::Inner(e) | JoinSpec::Left(e) => conjuncts(e),
            JoinSpec::Cross | JoinSpec::Right(_) => Vec::new(),
        };
        let mut equalities = on_conjuncts.clone();
        if !padded && !matches!(spec, JoinSpec::Right(_)) {
            equalities.extend(where_conjuncts.iter().copied());
        }
        let lookup = match (&src.rows, at) {
            (None, 1..) if !matches!(spec, JoinSpec::Right(_)) => {
                lookup_join(&equalities, src, at, sources, &scope, ctx, outer)
            }
            _ => None,
        };
        let hash = || match (at, spec) {
            (0, _) | (_, JoinSpec::Right(_)) => None,
            _ => hash_join(&equalities, src, at, sources, &scope, ctx, outer),
        };
        let plan = match (&src.rows, lookup) {
            (Some(_), _) => SourcePlan::Rows(hash()),
            (None, Some(lj)) => SourcePlan::Lookup(Box::new(lj)),
            (None, None) => {
                let mut local: Vec<&ast::Expr> = on_conjuncts
                    .iter()
                    .copied()
                    .filter(|c| !matches!(spec, JoinSpec::Right(_)) && only_source(c, src, sources))
                    .collect();
                if !padded {
                    local.extend(
                        where_conjuncts.iter().copied().filter(|c| only_source(c, src, sources)),
                    );
                }
                let pred = local.into_iter().cloned().reduce(|a, b| ast::Expr::BinaryOp {
                    left: Box::new(a),
                    op: ast::BinaryOperator::And,
                    right: Box::new(b),
                });
                SourcePlan::Read(pred.map(Box::new), hash())
            }
        };
        plans.push(plan);
        scope.columns.extend(table_scope(&src.table, &src.alias).columns);
    }
    plans
}

/// Joins all sources; `where_` is the statement's WHERE clause (applied by the caller after).
pub fn join_rows(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    specs: &[JoinSpec],
    where_: Option<&ast::Expr>,
    outer: Option<&OuterRow<'_>>,
    eval: &EvalCtx<'_>,
) -> Result<Vec<Row>> {
    let (st, ctx, mem) = (env.st, env.ctx, &env.mem);
    let plans = plan_sources(sources, specs, where_, ctx, outer);
    let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
    // The rows joined so far and the ones being joined: both held at once, both charged.
    let mut held_acc = Charge::new(mem);
    let mut held_next = Charge::new(mem);
    let mut scope = Scope::default();
    for ((src, spec), plan) in sources.iter().zip(specs).zip(plans) {
        let (lookup, mut all_rows, hash) = match plan {
            SourcePlan::Rows(hash) => (
                None,
                src.rows
                    .as_ref()
                    .map(|rows| rows.iter().map(|r| r.values.clone()).collect::<Vec<_>>()),
                hash,
            ),
            SourcePlan::Lookup(lj) => (Some(*lj), None, None),
            SourcePlan::Read(pred, hash) => {
                let rows = access::fetch_rows(
                    &mut st.borrow_mut(),
                    &src.table,
                    &src.alias,
                    pred.as_deref(),
                    Needs::AllColumns,
                    ctx,
                )?;
                (None, Some(rows.into_iter().map(|r| r.values).collect()), hash)
            }
        };
        // Hash join: this source's rows grouped by key; rows whose key is of another class are
        // tried against every row of the sources before.
        let mut buckets: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        let mut odd: Vec<usize> = Vec::new();
        if let (Some(h), Some(rows)) = (&hash, &all_rows) {
            for (i, r) in rows.iter().enumerate() {
                match hash_key(&h.right.eval(r, eval)?, h.class) {
                    HashKey::Null => {}
                    HashKey::Key(k) => buckets.entry(k).or_default().push(i),
                    HashKey::Other => odd.push(i),
                }
            }
        }
        scope.columns.extend(table_scope(&src.table, &src.alias).columns);
        let on = match spec {
            JoinSpec::Cross => None,
            JoinSpec::Inner(e) | JoinSpec::Left(e) | JoinSpec::Right(e) => {
                Some(bind_expr_in(e, &scope, ctx, "on clause", outer)?.0)
            }
        };
        let width_left = acc.first().map_or(0, Vec::len);
        let width_right = src.table.columns.len();
        let matches = |l: &[Value], r: &[Value]| -> Result<Option<Vec<Value>>> {
            let mut row = Vec::with_capacity(l.len() + r.len());
            row.extend_from_slice(l);
            row.extend_from_slice(r);
            let ok = match &on {
                Some(p) => p.eval(&row, eval)?.truth() == Some(true),
                None => true,
            };
            Ok(ok.then_some(row))
        };
        let mut next = Vec::new();
        let mut charged = 0;
        if let JoinSpec::Right(_) = spec {
            let right = all_rows.take().unwrap_or_default();
            for r in &right {
                env.check_interrupt()?;
                let mut any = false;
                for l in &acc {
                    if let Some(row) = matches(l, r)? {
                        next.push(row);
                        any = true;
                    }
                }
                if !any {
                    let mut row = vec![Value::Null; width_left];
                    row.extend_from_slice(r);
                    next.push(row);
                }
                charge_new(&mut held_next, &next, &mut charged)?;
            }
            acc = next;
            std::mem::swap(&mut held_acc, &mut held_next);
            held_next.clear();
            continue;
        }
        let mut cache: HashMap<Vec<u8>, Option<Vec<Vec<Value>>>> = HashMap::new();
        for l in &acc {
            env.check_interrupt()?;
            // The rows of this source that may pair with `l`: a whole slice, or picked ones.
            let (every, picked): (&[Vec<Value>], Vec<&Vec<Value>>) = match (&lookup, &hash) {
                (Some(lj), _) => {
                    let v = lj.key.eval(l, eval)?;
                    let mut k = Vec::new();
                    tablecodec::datum::encode(&mut k, &v);
                    if !cache.contains_key(&k) {
                        let found = lookup_rows(&mut st.borrow_mut(), &src.table, lj, &v)?;
                        cache.insert(k.clone(), found);
                    }
                    match cache.get(&k) {
                        Some(Some(rows)) => (&[], rows.iter().collect()),
                        _ => {
                            if all_rows.is_none() {
                                let rows = table::scan_rows(&mut st.borrow_mut(), &src.table)?;
                                all_rows = Some(rows.into_iter().map(|r| r.values).collect());
                            }
                            (all_rows.as_deref().unwrap_or_default(), Vec::new())
                        }
                    }
                }
                (None, Some(h)) => {
                    let rows = all_rows.as_deref().unwrap_or_default();
                    match hash_key(&h.left.eval(l, eval)?, h.class) {
                        HashKey::Null => (&[], odd.iter().map(|&i| &rows[i]).collect()),
                        HashKey::Key(k) => (
                            &[],
                            buckets
                                .get(&k)
                                .into_iter()
                                .flatten()
                                .chain(&odd)
                                .map(|&i| &rows[i])
                                .collect(),
                        ),
                        HashKey::Other => (rows, Vec::new()),
                    }
                }
                (None, None) => (all_rows.as_deref().unwrap_or_default(), Vec::new()),
            };
            let mut any = false;
            for r in every.iter().chain(picked) {
                if let Some(row) = matches(l, r)? {
                    next.push(row);
                    any = true;
                }
            }
            if !any && matches!(spec, JoinSpec::Left(_)) {
                let mut row = l.clone();
                row.extend(std::iter::repeat_n(Value::Null, width_right));
                next.push(row);
            }
            charge_new(&mut held_next, &next, &mut charged)?;
        }
        acc = next;
        std::mem::swap(&mut held_acc, &mut held_next);
        held_next.clear();
    }
    Ok(acc.into_iter().map(|values| Row { handle: 0, values }).collect())
}

/// Charges the rows of `rows` past the first `charged` ones (those pushed since the last call).
fn charge_new(held: &mut Charge, rows: &[Vec<Value>], charged: &mut usize) -> Result<()> {
    for r in rows.get(*charged..).unwrap_or_default() {
        held.add_row(r)?;
    }
    *charged = rows.len();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::compare;
    use types::{Temporal, TemporalKind};

    fn key(v: &Value, class: u8) -> Vec<u8> {
        match hash_key(v, class) {
            HashKey::Key(k) => k,
            HashKey::Null => b"null".to_vec(),
            HashKey::Other => b"other".to_vec(),
        }
    }

    #[test]
    fn values_equal_by_comparison_share_a_key_within_a_class() {
        let d = |s: &str| Value::Decimal(s.parse().expect("decimal"));
        let t = |k, s| Value::Temporal(Temporal::parse(k, s).expect("temporal"));
        let groups: [(u8, Vec<Value>); 4] = [
            (1, vec![Value::Int(1), Value::UInt(1), d("1.00")]),
            (1, vec![d("1.50"), d("1.5")]),
            (2, vec![Value::String("ab".into()), Value::Bytes(b"ab".to_vec())]),
            (
                3,
                vec![
                    t(TemporalKind::Date, "2020-01-01"),
                    t(TemporalKind::DateTime, "2020-01-01 00:00:00"),
                ],
            ),
        ];
        for (class, values) in &groups {
            for a in values {
                for b in values {
                    assert_eq!(compare(a, b), Some(std::cmp::Ordering::Equal), "{a:?} {b:?}");
                    assert_eq!(key(a, *class), key(b, *class), "{a:?} {b:?}");
                }
            }
        }
        assert_ne!(key(&Value::Int(1), 1), key(&d("1.5"), 1));
        // A value outside the class is compared with every row, never mis-keyed.
        assert_eq!(key(&Value::String("1".into()), 1), b"other".to_vec());
        assert_eq!(key(&Value::Double(1.0), 1), b"other".to_vec());
        assert_eq!(key(&Value::Null, 2), b"null".to_vec());
    }
}
