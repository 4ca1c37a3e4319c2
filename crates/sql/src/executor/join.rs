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

/// Whether `e` mentions `src` (by qualified or unambiguous names), no other source and no
/// subquery. Names of no source at all (a correlated subquery's outer row) are allowed: bound
/// with the outer row they are constants.
fn only_source(e: &ast::Expr, src: &Source, all: &[Source]) -> bool {
    use std::ops::ControlFlow;
    let mut mentions = false;
    let flow = ast::visit_expressions(e, |x| {
        let ok = match x {
            ast::Expr::Subquery(_)
            | ast::Expr::Exists { .. }
            | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => false,
            ast::Expr::Identifier(id) => {
                let owners = all.iter().filter(|s| s.table.column(&id.value).is_some()).count();
                let own = src.table.column(&id.value).is_some();
                mentions |= own;
                owners == 0 || (own && owners == 1)
            }
            ast::Expr::CompoundIdentifier(parts) => {
                let n = parts.len();
                let qualifier = n.checked_sub(2).map(|i| parts[i].value.as_str());
                let own = qualifier.is_some_and(|q| q.eq_ignore_ascii_case(&src.alias))
                    && src.table.column(&parts[n - 1].value).is_some();
                mentions |= own;
                own || qualifier
                    .is_some_and(|q| !all.iter().any(|s| s.alias.eq_ignore_ascii_case(q)))
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

/// The sources `e` names (positions in `all`), or `None` for a subquery or an ambiguous name.
/// Names of no source (a correlated subquery's outer row) are not counted.
fn sources_of(e: &ast::Expr, all: &[Source]) -> Option<Vec<usize>> {
    use std::ops::ControlFlow;
    let mut found = Vec::new();
    let flow = ast::visit_expressions(e, |x| {
        match x {
            ast::Expr::Subquery(_)
            | ast::Expr::Exists { .. }
            | ast::Expr::In { target: ast::InTarget::Subquery(_), .. } => {
                return ControlFlow::Break(())
            }
            ast::Expr::Identifier(id) => {
                let owners: Vec<usize> =
                    (0..all.len()).filter(|&i| all[i].table.column(&id.value).is_some()).collect();
                match owners.as_slice() {
                    [] => {}
                    [i] => found.push(*i),
                    _ => return ControlFlow::Break(()),
                }
            }
            ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let q = &parts[parts.len() - 2].value;
                if let Some(i) = all.iter().position(|s| s.alias.eq_ignore_ascii_case(q)) {
                    found.push(i);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    if flow.is_break() {
        return None;
    }
    found.sort_unstable();
    found.dedup();
    Some(found)
}

/// For inner and comma joins of three or more sources: an order in which each source after
/// the first is tied by an equality to the ones before it, when FROM's order would join a
/// source with nothing (a cross product) while a later one could be joined by key. Keeps
/// FROM's order otherwise. Returns the order (positions in FROM), or `None` to keep it.
pub fn connected_order(
    sources: &[Source],
    specs: &[JoinSpec],
    where_: Option<&ast::Expr>,
) -> Option<Vec<usize>> {
    if sources.len() < 3 || specs.iter().any(|s| !matches!(s, JoinSpec::Cross | JoinSpec::Inner(_)))
    {
        return None;
    }
    let mut equalities: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    let ons = specs.iter().filter_map(|s| match s {
        JoinSpec::Inner(e) => Some(e),
        _ => None,
    });
    for c in where_.into_iter().chain(ons).flat_map(conjuncts) {
        if let ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right } = c {
            if let (Some(l), Some(r)) = (sources_of(left, sources), sources_of(right, sources)) {
                if !l.is_empty() && !r.is_empty() {
                    equalities.push((l, r));
                }
            }
        }
    }
    let tied = |candidate: usize, chosen: &[usize]| {
        equalities.iter().any(|(l, r)| {
            let within = |side: &[usize]| side.iter().all(|i| chosen.contains(i));
            (l == &[candidate] && within(r)) || (r == &[candidate] && within(l))
        })
    };
    let mut order = vec![0];
    let mut rest: Vec<usize> = (1..sources.len()).collect();
    while !rest.is_empty() {
        let pick = rest.iter().position(|&c| tied(c, &order)).unwrap_or(0);
        order.push(rest.remove(pick));
    }
    order.windows(2).any(|w| w[0] > w[1]).then_some(order)
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

/// One source joined to the rows of the sources before it, one left row at a time: by key
/// lookups into its table, through a hash table of its rows, or against all its rows. Its rows
/// (and looked-up rows) are read on first use and charged to the statement's memory.
pub struct JoinStep {
    /// The source's position in FROM.
    pub at: usize,
    plan: SourcePlan,
    /// RIGHT JOIN: every row of this source is kept, NULL-padded on the left.
    pub right_join: bool,
    left_join: bool,
    on: Option<Expr>,
    width_left: usize,
    width_right: usize,
    rows: Option<Vec<Vec<Value>>>,
    buckets: HashMap<Vec<u8>, Vec<usize>>,
    odd: Vec<usize>,
    cache: HashMap<Vec<u8>, Option<Vec<Vec<Value>>>>,
    prepared: bool,
    held: Charge,
}

/// How every source joins the ones before it (`steps[i]` is source `i`; the first joins the
/// single empty row), with ON bound over the sources up to it.
pub fn join_steps(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    specs: &[JoinSpec],
    where_: Option<&ast::Expr>,
    outer: Option<&OuterRow<'_>>,
) -> Result<Vec<JoinStep>> {
    let ctx = env.ctx;
    let plans = plan_sources(sources, specs, where_, ctx, outer);
    let mut scope = Scope::default();
    let mut steps = Vec::with_capacity(sources.len());
    for (at, ((src, spec), plan)) in sources.iter().zip(specs).zip(plans).enumerate() {
        let width_left = scope.columns.len();
        scope.columns.extend(table_scope(&src.table, &src.alias).columns);
        let on = match spec {
            JoinSpec::Cross => None,
            JoinSpec::Inner(e) | JoinSpec::Left(e) | JoinSpec::Right(e) => {
                Some(bind_expr_in(e, &scope, ctx, "on clause", outer)?.0)
            }
        };
        steps.push(JoinStep {
            at,
            plan,
            right_join: matches!(spec, JoinSpec::Right(_)),
            left_join: matches!(spec, JoinSpec::Left(_)),
            on,
            width_left,
            width_right: src.table.columns.len(),
            rows: None,
            buckets: HashMap::new(),
            odd: Vec::new(),
            cache: HashMap::new(),
            prepared: false,
            held: Charge::new(&env.mem),
        });
    }
    Ok(steps)
}

impl JoinStep {
    /// How this source is read.
    pub fn plan(&self) -> &SourcePlan {
        &self.plan
    }

    /// Reads this source's rows (unless it is joined by lookups) and hashes them by join key.
    fn prepare(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
    ) -> Result<()> {
        if self.prepared {
            return Ok(());
        }
        self.prepared = true;
        let rows: Option<Vec<Vec<Value>>> = match &self.plan {
            SourcePlan::Rows(_) => {
                src.rows.as_ref().map(|rows| rows.iter().map(|r| r.values.clone()).collect())
            }
            SourcePlan::Lookup(_) => None,
            SourcePlan::Read(pred, _) => {
                let rows = access::fetch_rows(
                    &mut env.st.borrow_mut(),
                    &src.table,
                    &src.alias,
                    pred.as_deref(),
                    Needs::AllColumns,
                    env.ctx,
                    eval.outer,
                )?;
                Some(rows.into_iter().map(|r| r.values).collect())
            }
        };
        if let Some(rows) = &rows {
            for r in rows {
                self.held.add_row(r)?;
            }
        }
        // Hash join: this source's rows grouped by key; rows whose key is of another class are
        // tried against every row of the sources before.
        if let (SourcePlan::Rows(Some(h)) | SourcePlan::Read(_, Some(h)), Some(rows)) =
            (&self.plan, &rows)
        {
            for (i, r) in rows.iter().enumerate() {
                match hash_key(&h.right.eval(r, eval)?, h.class) {
                    HashKey::Null => {}
                    HashKey::Key(k) => {
                        self.held.add(k.len() + 32)?;
                        self.buckets.entry(k).or_default().push(i)
                    }
                    HashKey::Other => self.odd.push(i),
                }
            }
        }
        self.rows = rows;
        Ok(())
    }

    /// `l ++ r` if it satisfies ON.
    fn pair(&self, l: &[Value], r: &[Value], eval: &EvalCtx<'_>) -> Result<Option<Vec<Value>>> {
        let mut row = Vec::with_capacity(l.len() + r.len());
        row.extend_from_slice(l);
        row.extend_from_slice(r);
        let ok = match &self.on {
            Some(p) => p.eval(&row, eval)?.truth() == Some(true),
            None => true,
        };
        Ok(ok.then_some(row))
    }

    /// Appends to `out` the joined rows of left row `l` (for a LEFT JOIN, `l` NULL-padded when
    /// nothing pairs with it). Not for RIGHT JOIN (see [`join_all`]).
    pub fn join_row(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
        l: &[Value],
        out: &mut Vec<Vec<Value>>,
    ) -> Result<()> {
        self.prepare(env, eval, src)?;
        let mut key = Vec::new();
        let mut hashed = None;
        let via_lookup = match &self.plan {
            SourcePlan::Lookup(lj) => {
                let v = lj.key.eval(l, eval)?;
                tablecodec::datum::encode(&mut key, &v);
                if !self.cache.contains_key(&key) {
                    let found = lookup_rows(&mut env.st.borrow_mut(), &src.table, lj, &v)?;
                    for r in found.iter().flatten() {
                        self.held.add_row(r)?;
                    }
                    self.cache.insert(key.clone(), found);
                }
                if matches!(self.cache.get(&key), Some(None)) && self.rows.is_none() {
                    // The key cannot be looked up (another type): compare with every row.
                    let rows = table::scan_rows(&mut env.st.borrow_mut(), &src.table)?;
                    let rows: Vec<Vec<Value>> = rows.into_iter().map(|r| r.values).collect();
                    for r in &rows {
                        self.held.add_row(r)?;
                    }
                    self.rows = Some(rows);
                }
                true
            }
            SourcePlan::Rows(Some(h)) | SourcePlan::Read(_, Some(h)) => {
                hashed = Some(hash_key(&h.left.eval(l, eval)?, h.class));
                false
            }
            _ => false,
        };
        let all = self.rows.as_deref().unwrap_or_default();
        // The rows of this source that may pair with `l`: a whole slice, or picked ones.
        let (every, picked): (&[Vec<Value>], Vec<&Vec<Value>>) = match (via_lookup, hashed) {
            (true, _) => match self.cache.get(&key) {
                Some(Some(rows)) => (&[], rows.iter().collect()),
                _ => (all, Vec::new()),
            },
            (false, Some(HashKey::Null)) => (&[], self.odd.iter().map(|&i| &all[i]).collect()),
            (false, Some(HashKey::Key(k))) => (
                &[],
                self.buckets
                    .get(&k)
                    .into_iter()
                    .flatten()
                    .chain(&self.odd)
                    .map(|&i| &all[i])
                    .collect(),
            ),
            (false, Some(HashKey::Other) | None) => (all, Vec::new()),
        };
        let mut any = false;
        for r in every.iter().chain(picked) {
            if let Some(row) = self.pair(l, r, eval)? {
                out.push(row);
                any = true;
            }
        }
        if !any && self.left_join {
            let mut row = l.to_vec();
            row.extend(std::iter::repeat_n(Value::Null, self.width_right));
            out.push(row);
        }
        Ok(())
    }

    /// RIGHT JOIN: every row of this source with the rows of `left` it pairs with, or
    /// NULL-padded on the left.
    fn join_right(
        &mut self,
        env: &QueryEnv<'_, '_, '_>,
        eval: &EvalCtx<'_>,
        src: &Source,
        left: &[Vec<Value>],
        out: &mut Vec<Vec<Value>>,
        held: &mut Charge,
    ) -> Result<()> {
        self.prepare(env, eval, src)?;
        let right = self.rows.take().unwrap_or_default();
        for r in &right {
            env.check_interrupt()?;
            let mut any = false;
            for l in left {
                if let Some(row) = self.pair(l, r, eval)? {
                    held.add_row(&row)?;
                    out.push(row);
                    any = true;
                }
            }
            if !any {
                let mut row = vec![Value::Null; self.width_left];
                row.extend_from_slice(r);
                held.add_row(&row)?;
                out.push(row);
            }
        }
        self.rows = Some(right);
        Ok(())
    }
}

/// Joins all sources at once, holding each intermediate result (for FROM clauses with a RIGHT
/// JOIN, whose left side must be complete); the WHERE clause is applied by the caller after.
pub fn join_all(
    env: &QueryEnv<'_, '_, '_>,
    sources: &[Source],
    steps: &mut [JoinStep],
    eval: &EvalCtx<'_>,
) -> Result<Vec<Row>> {
    let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
    // The rows joined so far and the ones being joined: both held at once, both charged.
    let mut held_acc = Charge::new(&env.mem);
    for step in steps.iter_mut() {
        let src = &sources[step.at];
        let mut next = Vec::new();
        let mut held_next = Charge::new(&env.mem);
        if step.right_join {
            step.join_right(env, eval, src, &acc, &mut next, &mut held_next)?;
        } else {
            let mut charged = 0;
            for l in &acc {
                env.check_interrupt()?;
                step.join_row(env, eval, src, l, &mut next)?;
                charge_new(&mut held_next, &next, &mut charged)?;
            }
        }
        acc = next;
        held_acc = held_next;
    }
    drop(held_acc);
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
