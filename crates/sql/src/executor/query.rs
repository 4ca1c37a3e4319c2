//! `SELECT` over one or more sources: access path (see [`super::access`]), filter, locking
//! reads, joins, grouping and aggregates, ordering, limit, projection; derived tables, common
//! table expressions (recursive too) and set operations.

use catalog::{Catalog, ColumnInfo, TableInfo};
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{self, OrderByKind, Query, SetExpr, TableFactor};
use types::{ColumnFlags, FieldType, ResultColumn, Value};

use super::{join::JoinSpec, ops, table_name};
use std::{cell::RefCell, rc::Rc};

use crate::{
    binder::{OuterRow, Scope, ScopeColumn},
    context::SessionCtx,
    expr::{EvalCtx, Expr, ExprType, SubqueryRunner},
    planner::{
        using::{using_names, FromLayout, LayoutBuilder, Written},
        Plan, SelectPlan,
    },
    result::{ExecResult, ResultSet},
    stmt_txn::StmtTxn,
    table::Row,
};

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::fmt(ER_NOT_SUPPORTED_YET, &[&what])
}

/// A result column describing a table column.
pub fn table_column(
    db: &str,
    alias: &str,
    _name: &str,
    c: &ColumnInfo,
    t: &TableInfo,
) -> ResultColumn {
    let mut flags = 0u16;
    if c.not_null {
        flags |= ColumnFlags::NOT_NULL;
    }
    if c.ty.unsigned {
        flags |= ColumnFlags::UNSIGNED;
    }
    if c.auto_increment {
        flags |= ColumnFlags::AUTO_INCREMENT;
    }
    if c.ty.is_integer()
        || matches!(c.ty.field_type(), FieldType::Float | FieldType::Double | FieldType::NewDecimal)
    {
        flags |= ColumnFlags::NUM;
    }
    // Dates and times are binary-collated, as MySQL marks them.
    let temporal = matches!(
        c.ty.field_type(),
        FieldType::Date | FieldType::DateTime | FieldType::Timestamp | FieldType::Time
    );
    if c.ty.is_binary() || temporal {
        flags |= ColumnFlags::BINARY;
    }
    if matches!(c.ty.field_type(), FieldType::Blob) {
        flags |= ColumnFlags::BLOB;
    }
    match c.ty.kind {
        types::TypeKind::Enum => flags |= ColumnFlags::ENUM,
        types::TypeKind::Set => flags |= ColumnFlags::SET,
        types::TypeKind::Json => flags |= ColumnFlags::BLOB | ColumnFlags::BINARY,
        _ => {}
    }
    if let Some(offset) = t.columns.iter().position(|x| x.id == c.id) {
        for i in t.public_indexes() {
            if i.columns.first() == Some(&offset) {
                flags |= if i.primary {
                    ColumnFlags::PRI_KEY
                } else if i.unique {
                    ColumnFlags::UNIQUE_KEY
                } else {
                    ColumnFlags::MULTIPLE_KEY
                };
            }
        }
    }
    ResultColumn {
        schema: db.to_string(),
        table: alias.to_string(),
        org_table: t.name.clone(),
        name: c.name.clone(),
        org_name: c.name.clone(),
        charset: c.ty.charset(),
        length: c.ty.display_length(),
        field_type: c.ty.field_type(),
        flags: ColumnFlags(flags),
        decimals: match c.ty.field_type() {
            FieldType::Float | FieldType::Double => 31,
            FieldType::NewDecimal => c.ty.scale as u8,
            // Fractional-second digits (clients read microseconds by them).
            FieldType::DateTime | FieldType::Timestamp | FieldType::Time => c.ty.scale as u8,
            _ => 0,
        },
    }
}

/// The columns of `t` as a binding scope qualified by `alias`.
pub fn table_scope(t: &TableInfo, alias: &str) -> Scope {
    Scope {
        columns: t
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: Some(alias.to_string()),
                hidden: false,
                name: c.name.clone(),
                // A stored table's DECIMAL columns have a known scale; a derived table's
                // (id 0) carry the digits its rows have.
                ty: if t.id > 0 {
                    ExprType::of_column(&c.ty, !c.not_null)
                } else {
                    ExprType { length: c.ty.length, ..ExprType::of(c.ty.field_type(), !c.not_null) }
                },
            })
            .collect(),
    }
}

/// Binds ORDER BY items: a select-list alias, a 1-based position, or an expression (`bind`).
pub fn order_keys_with(
    q: &Query,
    aliases: &[(String, Option<Expr>)],
    bind: impl Fn(&ast::Expr) -> Result<Expr>,
) -> Result<Vec<(Expr, bool)>> {
    let Some(ob) = &q.order_by else { return Ok(Vec::new()) };
    let OrderByKind::Expressions(items) = &ob.kind else {
        return Err(unsupported("ORDER BY ALL"));
    };
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        let asc = !matches!(item.options.sort, Some(ast::OrderBySort::Desc));
        let by_alias = match &item.expr {
            ast::Expr::Identifier(id) => aliases
                .iter()
                .find(|(a, e)| e.is_some() && a.eq_ignore_ascii_case(&id.value))
                .and_then(|(_, e)| e.clone()),
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => {
                    let pos: usize = n.parse().unwrap_or(0);
                    match aliases.get(pos.wrapping_sub(1)) {
                        Some((_, Some(e))) => Some(e.clone()),
                        _ => return Err(Error::fmt(errno::ER_BAD_FIELD, &[n, &"order clause"])),
                    }
                }
                _ => None,
            },
            _ => None,
        };
        let e = match by_alias {
            Some(e) => e,
            None => bind(&item.expr)?,
        };
        keys.push((e, asc));
    }
    Ok(keys)
}

/// What a query executes against: the session, the catalog, the statement's transaction view
/// (borrowed only while a query reads) and the common table expressions in scope.
pub struct QueryEnv<'a, 'b, 'c> {
    /// The session.
    pub ctx: &'a SessionCtx,
    /// The catalog.
    pub catalog: &'a Catalog,
    /// The statement's transaction view.
    pub st: &'a RefCell<&'b mut StmtTxn<'c>>,
    /// Common table expressions visible to the query being planned (innermost last).
    pub(super) ctes: RefCell<Vec<(String, CteDef)>>,
    /// How many of `ctes` are visible (a CTE's own query sees only those before it).
    cte_visible: std::cell::Cell<usize>,
    /// Ids handed to common table expressions planned as `Plan::Cte`.
    next_cte: std::cell::Cell<usize>,
    /// The rows of each `Plan::Cte` id computed so far in the statement (and what they hold
    /// of its memory).
    pub(super) cte_rows: RefCell<std::collections::HashMap<usize, CteRows>>,
    /// The `Plan::Cte` ids being computed (a subquery in a CTE's query that names the CTE
    /// itself must not compute it again).
    pub(super) cte_running: RefCell<std::collections::HashSet<usize>>,
    /// Recursive CTEs whose recursive part is being planned: their name reads their working
    /// rows (innermost last).
    cte_working: RefCell<Vec<(String, usize, std::sync::Arc<TableInfo>)>>,
    /// The rows the last round of each recursive CTE added (`Plan::WorkTable`).
    pub(super) cte_work: RefCell<std::collections::HashMap<usize, Rc<Vec<Row>>>>,
    /// How many views are being expanded around the current query (bounds view recursion).
    pub(super) view_depth: std::cell::Cell<u32>,
    /// Rows before LIMIT of the SELECT that asked SQL_CALC_FOUND_ROWS.
    pub(super) calc_found_rows: std::cell::Cell<Option<u64>>,
    /// What the statement's operators hold, against `tidb_mem_quota_query`.
    pub mem: std::rc::Rc<crate::memory::MemTracker>,
    /// When a SELECT must stop (`max_execution_time`, `MAX_EXECUTION_TIME(n)`): error 3024.
    pub deadline: Option<std::time::Instant>,
    /// What is known of the statement's subqueries (see [`super::subquery`]).
    pub(super) subqueries: super::subquery::Cache,
    /// Hash indexes of kept subquery results for `IN`, by the address of their rows (each
    /// holds its rows, so the address stays theirs).
    pub(super) in_sets: RefCell<std::collections::HashMap<usize, Rc<super::in_set::InSet>>>,
    /// The values of [`crate::expr::Expr::Param`] slots while the statement's plan is made
    /// (a prepared statement's parameters), so access paths are chosen for real values.
    pub(super) params: RefCell<Vec<Value>>,
    /// The arguments of the subqueries being planned (innermost last): while one is planned,
    /// its parameters stand for values of their types ([`crate::planner::stand_in`]).
    subquery_args: RefCell<Vec<Rc<RefCell<crate::binder::OuterRefs>>>>,
    /// Numbers handed to the statement's subqueries.
    next_subquery: std::cell::Cell<usize>,
    /// Under EXPLAIN ANALYZE: each subquery plan's operator figures, by the plan's address.
    pub(super) subquery_figures: RefCell<Option<SubqueryFigures>>,
    /// Set when planning put the values of uncorrelated subqueries into the plan
    /// (`planner::subquery_values`): a plan that must not be kept for later executions.
    pub(crate) evaluated_subqueries: std::cell::Cell<bool>,
}

impl<'a, 'b, 'c> QueryEnv<'a, 'b, 'c> {
    /// An environment with no common table expressions.
    pub fn new(
        ctx: &'a SessionCtx,
        catalog: &'a Catalog,
        st: &'a RefCell<&'b mut StmtTxn<'c>>,
    ) -> Self {
        QueryEnv {
            ctx,
            catalog,
            st,
            ctes: RefCell::new(Vec::new()),
            cte_visible: std::cell::Cell::new(usize::MAX),
            next_cte: std::cell::Cell::new(0),
            cte_rows: RefCell::new(std::collections::HashMap::new()),
            cte_running: RefCell::new(std::collections::HashSet::new()),
            cte_working: RefCell::new(Vec::new()),
            cte_work: RefCell::new(std::collections::HashMap::new()),
            view_depth: std::cell::Cell::new(0),
            calc_found_rows: std::cell::Cell::new(None),
            mem: crate::memory::MemTracker::with_server_limit(
                ctx.vars.int("tidb_mem_quota_query"),
                ctx.connection_id,
                ctx.vars
                    .get_text("tidb_server_memory_limit", crate::sysvar::VarScope::Global)
                    .ok()
                    .and_then(|t| crate::memory::parse_server_limit(&t))
                    .unwrap_or(0),
            ),
            deadline: None,
            subqueries: RefCell::new(std::collections::HashMap::new()),
            in_sets: RefCell::new(std::collections::HashMap::new()),
            params: RefCell::new(Vec::new()),
            subquery_args: RefCell::new(Vec::new()),
            next_subquery: std::cell::Cell::new(0),
            subquery_figures: RefCell::new(None),
            evaluated_subqueries: std::cell::Cell::new(false),
        }
    }

    /// The number of the next subquery planned in the statement.
    pub(crate) fn next_subquery(&self) -> usize {
        let id = self.next_subquery.get() + 1;
        self.next_subquery.set(id);
        id
    }

    /// Runs `f` (planning a subquery) with its arguments, `args`, standing for its
    /// parameters.
    pub(crate) fn planning_subquery<T>(
        &self,
        args: &Rc<RefCell<crate::binder::OuterRefs>>,
        f: impl FnOnce() -> T,
    ) -> T {
        self.subquery_args.borrow_mut().push(args.clone());
        let r = f();
        self.subquery_args.borrow_mut().pop();
        r
    }

    /// The parameter values access paths are chosen for: the stand-ins of the arguments of
    /// the subquery being planned, else the statement's own.
    fn planning_params(&self) -> Vec<Value> {
        match self.subquery_args.borrow().last() {
            Some(refs) => {
                refs.borrow().args.iter().map(|(_, ty)| crate::planner::stand_in(ty)).collect()
            }
            None => self.params.borrow().clone(),
        }
    }

    /// Where EXPLAIN ANALYZE records the operators of subquery plan `plan`, if it measures.
    pub(super) fn subquery_stats(&self, plan: &Plan) -> Option<Rc<RefCell<Vec<ops::OpStats>>>> {
        let figures = self.subquery_figures.borrow().clone()?;
        let addr = plan as *const Plan as usize;
        let mut figures = figures.borrow_mut();
        Some(figures.entry(addr).or_default().clone())
    }

    /// The environment of a SELECT whose text is `text`: it stops after `max_execution_time`
    /// milliseconds, or those of a `/*+ MAX_EXECUTION_TIME(n) */` hint (0: no limit).
    pub fn for_select(mut self, text: &str) -> Self {
        self.deadline = select_deadline(self.ctx, text);
        self
    }

    /// Error 1317 when the statement was killed, 3024 when its time is up, 8176 when the
    /// server's memory limit cancelled it.
    pub fn check_interrupt(&self) -> Result<()> {
        self.mem.check_cancelled()?;
        if self.ctx.kill.is_set() {
            return Err(Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
        }
        if self.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(Error::fmt(errno::ER_QUERY_TIMEOUT, &[]));
        }
        Ok(())
    }

    /// What `pred` (over `t`'s columns) says about each column, parameters at the values
    /// they have while the plan is made.
    pub(crate) fn column_conds(
        &self,
        pred: &Expr,
        t: &TableInfo,
    ) -> std::collections::HashMap<usize, super::Cond> {
        let params = self.planning_params();
        let cx = EvalCtx { session: self.ctx, subqueries: None, params: &params };
        super::column_conds(pred, t, &cx)
    }

    /// The conditions `pred` puts on `t`'s columns for choosing a path, with the statement's
    /// parameters as they are now.
    pub(crate) fn path_conds(&self, pred: &Expr, t: &TableInfo) -> super::PathConds {
        let params = self.planning_params();
        let cx = EvalCtx { session: self.ctx, subqueries: None, params: &params };
        super::path_conds(pred, t, &cx)
    }

    fn cte(&self, name: &str) -> Option<CteDef> {
        let working = self.cte_working.borrow();
        if let Some((_, id, table)) =
            working.iter().rev().find(|(n, ..)| n.eq_ignore_ascii_case(name))
        {
            return Some(CteDef::Working { id: *id, table: table.clone() });
        }
        let ctes = self.ctes.borrow();
        let visible = self.cte_visible.get().min(ctes.len());
        ctes[..visible]
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, d)| d.clone())
    }
}

/// The milliseconds of a `/*+ … MAX_EXECUTION_TIME(n) … */` optimizer hint in `text`.
fn hint_max_execution_time(text: &str) -> Option<u64> {
    let start = text.find("/*+")? + 3;
    let hint = &text[start..start + text[start..].find("*/")?];
    let upper = hint.to_ascii_uppercase();
    let at = upper.find("MAX_EXECUTION_TIME")? + "MAX_EXECUTION_TIME".len();
    let args = hint[at..].trim_start().strip_prefix('(')?;
    args[..args.find(')')?].trim().parse().ok()
}

/// Each subquery plan's operator figures under EXPLAIN ANALYZE, by the plan's address.
pub(super) type SubqueryFigures =
    Rc<RefCell<std::collections::HashMap<usize, Rc<RefCell<Vec<ops::OpStats>>>>>>;

impl crate::binder::SubqueryPlanner for QueryEnv<'_, '_, '_> {
    fn session(&self) -> &SessionCtx {
        self.ctx
    }

    fn plan_subquery(
        &self,
        q: &Query,
        exists: bool,
        outer: &OuterRow<'_>,
    ) -> Result<std::sync::Arc<crate::planner::SubPlan>> {
        crate::planner::plan_subquery(self, q, exists, outer)
    }
}

impl SubqueryRunner for QueryEnv<'_, '_, '_> {
    /// See [`super::subquery`]: once per statement when it takes no arguments, once per
    /// distinct argument values otherwise.
    fn run(
        &self,
        sub: &std::sync::Arc<crate::planner::SubPlan>,
        params: &[Value],
    ) -> Result<Rc<Vec<Vec<Value>>>> {
        super::subquery::run(self, sub, params)
    }

    /// Results the statement keeps (an uncorrelated subquery's, or a correlated one's per
    /// key: `rows` is shared with the cache) and that are large get a hash index, built once;
    /// others are searched directly.
    fn contains(&self, rows: &Rc<Vec<Vec<Value>>>, v: &Value) -> Result<Option<bool>> {
        if rows.len() < super::in_set::MIN_ROWS || Rc::strong_count(rows) < 2 {
            return Ok(super::in_set::contains_linear(rows, v));
        }
        let addr = Rc::as_ptr(rows) as usize;
        let known = self.in_sets.borrow().get(&addr).cloned();
        let set = match known {
            Some(set) => set,
            None => {
                let held = crate::memory::Charge::new(&self.mem);
                let set = Rc::new(super::in_set::InSet::new(rows.clone(), held)?);
                self.in_sets.borrow_mut().insert(addr, set.clone());
                set
            }
        };
        Ok(set.contains(v))
    }
}

/// Executes a query (a SELECT block, a set operation, with or without WITH) and returns all
/// its rows.
pub fn execute_table_query(env: &QueryEnv<'_, '_, '_>, q: &Query, text: &str) -> Result<ResultSet> {
    run_collected(env, q, text, None)
}

/// [`execute_table_query`] of a statement's own query, its operators measured into
/// `analysis` under EXPLAIN ANALYZE.
pub fn execute_table_query_measured(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ResultSet> {
    run_collected(env, q, "", analysis)
}

/// Plans `q`, runs it (measured into `analysis`, if given) and collects its rows.
fn run_collected(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    text: &str,
    analysis: Option<&super::explain::Analysis>,
) -> Result<ResultSet> {
    if q.locks.iter().any(|l| l.nonblock.is_some()) {
        return Err(unsupported("FOR UPDATE NOWAIT / SKIP LOCKED"));
    }
    with_scope(env, q, |q| {
        let planned = crate::planner::plan_query(env, q, text, None)?;
        let eval = EvalCtx { session: env.ctx, subqueries: Some(env), params: &[] };
        let mut root = super::explain::Analysis::operators(analysis, planned.plan, env)?;
        collected(
            root.as_mut(),
            &ops::Cx { env, eval: &eval },
            planned.columns,
            &planned.typed_by_values,
        )
    })
}

/// Runs `f` (planning) with `params` as the values of `Expr::Param` slots.
fn with_params<T>(env: &QueryEnv<'_, '_, '_>, params: Vec<Value>, f: impl FnOnce() -> T) -> T {
    let saved = env.params.replace(params);
    let r = f();
    *env.params.borrow_mut() = saved;
    r
}

/// Runs `f` (planning a CTE's query) while only the first `visible` CTEs are in scope.
fn with_ctes_visible<T>(env: &QueryEnv<'_, '_, '_>, visible: usize, f: impl FnOnce() -> T) -> T {
    let saved = env.cte_visible.replace(visible);
    let r = f();
    env.cte_visible.set(saved);
    r
}

/// The values of `Expr::Param` slots for the statement's own query: a prepared statement's
/// parameters while it runs unbound, else none.
fn prepared_params<'e>(env: &QueryEnv<'e, '_, '_>) -> &'e [Value] {
    env.ctx.prepared.as_ref().map_or(&[][..], |run| &run.params[..])
}

/// Every row `root` returns, with the result columns — those in `by_values` typed by the
/// values computed for them.
fn collected(
    root: &mut dyn ops::Operator,
    cx: &ops::Cx<'_, '_, '_, '_>,
    columns: Vec<ResultColumn>,
    by_values: &[usize],
) -> Result<ResultSet> {
    let rows: Vec<Vec<Value>> = ops::collect(root, cx)?.into_iter().map(|r| r.values).collect();
    let columns = columns
        .into_iter()
        .enumerate()
        .map(|(i, c)| match by_values.contains(&i) {
            true => typed_by_values(c, rows.iter().map(|r| &r[i])),
            false => c,
        })
        .collect();
    Ok(ResultSet { columns, rows })
}

/// Runs `f` on `q` without its WITH clause while that clause's common table expressions are
/// visible by name (to the plan and to every subquery it runs); on `q` itself without one.
pub(crate) fn with_scope<T>(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    f: impl FnOnce(&Query) -> Result<T>,
) -> Result<T> {
    with_scope_in(env, q, false, f)
}

/// [`with_scope`] of a subquery's query when `in_subquery`: its common table expressions are
/// planned into their readers (see [`CteDef::Query`]).
pub(crate) fn with_scope_in<T>(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    in_subquery: bool,
    f: impl FnOnce(&Query) -> Result<T>,
) -> Result<T> {
    let Some(with) = &q.with else { return f(q) };
    let mut inner = q.clone();
    inner.with = None;
    with_ctes(env, with, in_subquery, || f(&inner))
}

/// A common table expression's computed rows, and what they hold of the statement's memory.
pub(super) type CteRows = (Rc<Vec<Row>>, crate::memory::Charge);

/// A common table expression in scope.
#[derive(Clone)]
pub(super) enum CteDef {
    /// A query planned where it is read, as a `Plan::Cte`: its rows are computed once per
    /// statement, by the first reader that runs (TiDB's materialized CTE), and nothing runs
    /// while the statement is planned or EXPLAINed.
    Query {
        /// Its query.
        query: Rc<Query>,
        /// Its column names, if the WITH gives them.
        columns: Vec<ast::TableAliasColumnDef>,
        /// Its `Plan::Cte` id.
        id: usize,
        /// How many CTEs its query sees (those before it).
        visible: usize,
        /// Its WITH sits in a subquery: planned into each reader as a derived table, with the
        /// enclosing queries in scope (it may name their columns), rather than computed once.
        inline: bool,
    },
    /// A recursive one, planned where it is read as a `Plan::RecursiveUnion` under a
    /// `Plan::Cte`.
    Recursive {
        /// Its definition.
        cte: Rc<ast::Cte>,
        /// Its `Plan::Cte` id.
        id: usize,
        /// How many CTEs its query sees besides itself (those before it).
        visible: usize,
    },
    /// A recursive one read by its own recursive part: the rows the last round added.
    Working {
        /// Its id.
        id: usize,
        /// Its columns.
        table: std::sync::Arc<TableInfo>,
    },
}

/// Makes the common table expressions of `with` visible by name (in order, each seeing those
/// before it), runs `f`, then forgets them. They are planned where they are read (see
/// [`CteDef`]).
pub(super) fn with_ctes<T>(
    env: &QueryEnv<'_, '_, '_>,
    with: &ast::With,
    inline: bool,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let base = env.ctes.borrow().len();
    for cte in &with.cte_tables {
        let name = cte.alias.name.value.clone();
        let recursive = with.recursive && refers_to(&cte.query, &name);
        let id = env.next_cte.get();
        env.next_cte.set(id + 1);
        let visible = env.ctes.borrow().len();
        let def = if recursive {
            CteDef::Recursive { cte: Rc::new(cte.clone()), id, visible }
        } else {
            let query = Rc::new((*cte.query).clone());
            let columns = cte.alias.columns.clone();
            CteDef::Query { query, columns, id, visible, inline }
        };
        env.ctes.borrow_mut().push((name, def));
    }
    let r = f();
    env.ctes.borrow_mut().truncate(base);
    r
}

/// The result columns of a query from its plan (nothing runs); empty for WITH, whose common
/// table expressions would have to run first.
pub fn describe_query(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    text: &str,
) -> Result<Vec<ResultColumn>> {
    if q.with.is_some() {
        return Ok(Vec::new());
    }
    Ok(crate::planner::plan_query(env, q, text, None)?.columns)
}

/// The plan of a statement's own query: planned now, or — for a prepared statement running
/// with its placeholders unbound (`SessionCtx::prepared`) — the plan it keeps, made now with
/// its parameters' values if it has none for this schema and these parameter types.
fn planned_top(env: &QueryEnv<'_, '_, '_>, q: &Query, text: &str) -> Result<SelectPlan> {
    let Some(run) = &env.ctx.prepared else {
        return crate::planner::plan_query(env, q, text, None);
    };
    let version = env.catalog.schema().version;
    if let Some(kept) = run.plan.get(version, &run.params) {
        run.hit.store(true, std::sync::atomic::Ordering::Relaxed);
        return Ok(kept);
    }
    env.evaluated_subqueries.set(false);
    let planned =
        with_params(env, run.params.clone(), || crate::planner::plan_query(env, q, text, None))?;
    if !planned.plan.holds_computed_rows() && !env.evaluated_subqueries.get() {
        run.plan.keep(version, &run.params, &planned);
    }
    Ok(planned)
}

/// [`execute_table_query`] of a statement's own query, with its plan as [`stream_query`]
/// finds it (a prepared statement's kept plan).
pub fn execute_top_query(env: &QueryEnv<'_, '_, '_>, q: &Query, text: &str) -> Result<ResultSet> {
    if env.ctx.prepared.is_none() {
        return execute_table_query(env, q, text);
    }
    let planned = planned_top(env, q, text)?;
    let params = prepared_params(env);
    let eval = EvalCtx { session: env.ctx, subqueries: Some(env), params };
    let mut root = ops::build(planned.plan);
    let cx = ops::Cx { env, eval: &eval };
    collected(root.as_mut(), &cx, planned.columns, &planned.typed_by_values)
}

/// Executes a top-level query, sending its rows to `sink` batch by batch as the operators
/// produce them. A query with a scalar subquery column (typed by its values) is collected and
/// returned as usual.
pub fn stream_query(
    env: &QueryEnv<'_, '_, '_>,
    q: &Query,
    text: &str,
    sink: &mut dyn crate::result::RowSink,
) -> Result<ExecResult> {
    if q.locks.iter().any(|l| l.nonblock.is_some()) {
        return Err(unsupported("FOR UPDATE NOWAIT / SKIP LOCKED"));
    }
    with_scope(env, q, |q| {
        let planned = planned_top(env, q, text)?;
        let params = prepared_params(env);
        let eval = EvalCtx { session: env.ctx, subqueries: Some(env), params };
        let cx = ops::Cx { env, eval: &eval };
        let mut root = ops::build(planned.plan);
        if !planned.typed_by_values.is_empty() {
            let by_values = &planned.typed_by_values;
            return collected(root.as_mut(), &cx, planned.columns, by_values).map(ExecResult::Rows);
        }
        // The first batch comes before the header, so a statement that fails at once answers
        // with an error instead of a header followed by one.
        let first = root.next(&cx)?;
        sink.columns(&planned.columns)?;
        let mut sent = 0u64;
        let mut batch = first;
        while let Some(b) = batch {
            let rows: Vec<Vec<Value>> = b.into_iter().map(|r| r.values).collect();
            sent += rows.len() as u64;
            sink.rows(&rows)?;
            batch = root.next(&cx)?;
        }
        Ok(ExecResult::Streamed { rows: sent })
    })
}

/// One table in FROM.
#[derive(Clone)]
pub struct Source {
    /// Its database (empty for derived tables and common table expressions).
    pub(crate) db: String,
    /// The name it has in the query.
    pub(crate) alias: String,
    /// Its columns (a stored table's definition, or one describing computed rows).
    pub(crate) table: std::sync::Arc<TableInfo>,
    /// The plan computing a source that is not a stored table (a derived table or view's
    /// query, the rows of a common table expression or an information_schema table).
    pub(crate) computed: Option<Plan>,
}

/// A scalar subquery's column takes the type of the subquery's column, which binding does not
/// know; the values it produced carry it (every non-NULL value has that column's type).
fn typed_by_values<'v>(c: ResultColumn, values: impl Iterator<Item = &'v Value>) -> ResultColumn {
    let mut ft: Option<FieldType> = None;
    for v in values {
        let t = match v {
            Value::Null => continue,
            Value::String(_) | Value::Bytes(_) => return c,
            other => crate::binder::value_type(other),
        };
        match ft {
            None => ft = Some(t),
            Some(prev) if prev == t => {}
            Some(_) => return c,
        }
    }
    match ft {
        Some(ft) if ft != c.field_type => {
            let mut typed = ResultColumn::expr(&c.name, ft);
            typed.flags.0 |= c.flags.0 & ColumnFlags::NOT_NULL;
            typed
        }
        _ => c,
    }
}

/// A source's column type, from the wire type a derived table's result reports.
fn column_type_of(rc: &ResultColumn) -> types::ColumnType {
    use types::{ColumnType, TypeKind};
    let unsigned = rc.flags.has(ColumnFlags::UNSIGNED);
    let binary = rc.charset == types::charset::BINARY;
    // Result lengths count bytes: four per character for utf8mb4.
    let chars = if binary { rc.length } else { rc.length / 4 };
    let (kind, length, scale) = match rc.field_type {
        FieldType::Tiny => (TypeKind::TinyInt, 0, 0),
        FieldType::Short => (TypeKind::SmallInt, 0, 0),
        FieldType::Int24 => (TypeKind::MediumInt, 0, 0),
        FieldType::Long => (TypeKind::Int, 0, 0),
        FieldType::LongLong => (TypeKind::BigInt, 0, 0),
        FieldType::Float => (TypeKind::Float, 0, 0),
        FieldType::Double => (TypeKind::Double, 0, 0),
        // Decimals of 30 and up mean "not known" (MySQL's NOT_FIXED_DEC): keep the default.
        FieldType::NewDecimal | FieldType::Decimal if rc.decimals >= 30 => {
            (TypeKind::Decimal, 0, 0)
        }
        FieldType::NewDecimal | FieldType::Decimal => {
            // MySQL's display length is precision + point + sign.
            let scale = u32::from(rc.decimals).min(types::MAX_SCALE);
            let overhead = u32::from(scale > 0) + u32::from(!unsigned);
            let precision = rc.length.saturating_sub(overhead).clamp(scale.max(1), 65);
            (TypeKind::Decimal, precision, scale)
        }
        FieldType::Date => (TypeKind::Date, 0, 0),
        FieldType::DateTime => (TypeKind::DateTime, 0, 0),
        FieldType::Timestamp => (TypeKind::Timestamp, 0, 0),
        FieldType::Json => (TypeKind::Json, 0, 0),
        FieldType::VarString | FieldType::String if chars > 0 && chars <= 16383 => {
            (if binary { TypeKind::VarBinary } else { TypeKind::VarChar }, chars, 0)
        }
        _ if binary => (TypeKind::Blob, 0, 0),
        _ => (TypeKind::Text, 0, 0),
    };
    let mut ty = ColumnType { unsigned, ..ColumnType::new(kind) };
    if length > 0 {
        ty.length = length;
        ty.scale = scale;
    }
    ty
}

/// A derived table `(SELECT …) AS alias`: its query planned as the source's input.
fn derived_source(
    env: &QueryEnv<'_, '_, '_>,
    subquery: &Query,
    alias: Option<&ast::TableAlias>,
    outer: Option<&OuterRow<'_>>,
) -> Result<Source> {
    let alias = alias.ok_or_else(|| Error::fmt(errno::ER_DERIVED_MUST_HAVE_ALIAS, &[]))?;
    let planned = crate::planner::plan_query(env, subquery, "", outer)?;
    let mut seen = std::collections::HashSet::new();
    for (i, rc) in planned.columns.iter().enumerate() {
        let name = alias.columns.get(i).map_or(rc.name.clone(), |c| c.name.value.clone());
        if !seen.insert(name.to_lowercase()) {
            return Err(Error::fmt(errno::ER_DUP_FIELDNAME, &[&name]));
        }
    }
    Ok(source_of_plan(planned, &alias.name.value, &alias.columns))
}

/// A common table expression read as `alias`: its query planned (seeing the CTEs before it)
/// under a `Plan::Cte`, which computes its rows once per statement.
fn cte_source(
    env: &QueryEnv<'_, '_, '_>,
    query: &Query,
    columns: &[ast::TableAliasColumnDef],
    id: usize,
    visible: usize,
    name: &str,
    alias: &str,
) -> Result<Source> {
    let planned =
        with_ctes_visible(env, visible, || crate::planner::plan_query(env, query, "", None))?;
    if !columns.is_empty() && columns.len() != planned.columns.len() {
        return Err(Error::fmt(errno::ER_VIEW_WRONG_LIST, &[]));
    }
    Ok(cte_of(source_of_plan(planned, alias, columns), id, name))
}

/// `src` (a CTE's planned query) read through a `Plan::Cte`, which computes it once.
fn cte_of(mut src: Source, id: usize, name: &str) -> Source {
    if let Some(input) = src.computed.take() {
        let input = Box::new(input);
        src.computed = Some(Plan::Cte { id, name: name.to_string(), input });
    }
    src
}

/// A recursive common table expression read as `alias`: its seed planned, then its recursive
/// part with the CTE's name reading the working rows, under a `Plan::Cte` (computed once per
/// statement when the first reader runs).
fn recursive_source(
    env: &QueryEnv<'_, '_, '_>,
    cte: &ast::Cte,
    id: usize,
    visible: usize,
    alias: &str,
) -> Result<Source> {
    let name = &cte.alias.name.value;
    let (left, right, distinct) = recursive_parts(cte)?;
    let (seed, step) = with_ctes_visible(env, visible, || {
        let seed = crate::planner::plan_query(env, &side_query(left), "", None)?;
        let columns = source_columns(&seed.columns, &cte.alias.columns);
        let table = std::sync::Arc::new(TableInfo::with_columns(name, columns));
        env.cte_working.borrow_mut().push((name.clone(), id, table));
        let step = crate::planner::plan_query(env, &side_query(right), "", None);
        env.cte_working.borrow_mut().pop();
        Ok::<_, Error>((seed, step?))
    })?;
    if step.columns.len() != seed.columns.len() {
        return Err(Error::fmt(errno::ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT, &[]));
    }
    let union =
        Plan::RecursiveUnion { id, seed: Box::new(seed.plan), step: Box::new(step.plan), distinct };
    let planned = SelectPlan { plan: union, columns: seed.columns, typed_by_values: Vec::new() };
    Ok(cte_of(source_of_plan(planned, alias, &cte.alias.columns), id, name))
}

/// Column definitions describing a computed result (`column_aliases` rename them in order).
pub(super) fn source_columns(
    result: &[ResultColumn],
    column_aliases: &[ast::TableAliasColumnDef],
) -> Vec<ColumnInfo> {
    let mut columns = Vec::with_capacity(result.len());
    for (i, rc) in result.iter().enumerate() {
        let name = column_aliases.get(i).map_or(rc.name.clone(), |c| c.name.value.clone());
        columns.push(ColumnInfo {
            id: i as u32 + 1,
            name,
            ty: column_type_of(rc),
            not_null: rc.flags.has(ColumnFlags::NOT_NULL),
            default: None,
            auto_increment: false,
            on_update_now: false,
            comment: String::new(),
            generated: None,
        });
    }
    columns
}

/// A source computed by a planned query (derived tables, views).
fn source_of_plan(
    planned: crate::planner::SelectPlan,
    name: &str,
    column_aliases: &[ast::TableAliasColumnDef],
) -> Source {
    let table = TableInfo::with_columns(name, source_columns(&planned.columns, column_aliases));
    let names = table.columns.iter().map(|c| format!("{name}.{}", c.name)).collect();
    Source {
        db: String::new(),
        alias: name.to_string(),
        table: std::sync::Arc::new(table),
        computed: Some(Plan::Derived { input: Box::new(planned.plan), names }),
    }
}

fn resolve_source(
    env: &QueryEnv<'_, '_, '_>,
    f: &TableFactor,
    outer: Option<&OuterRow<'_>>,
) -> Result<Option<Source>> {
    let (ctx, catalog) = (env.ctx, env.catalog);
    let (name, alias) = match f {
        TableFactor::Table { partitions, .. } if !partitions.is_empty() => {
            return Err(Error::fmt(errno::ER_PARTITION_CLAUSE_ON_NONPARTITIONED, &[]));
        }
        TableFactor::Table { sample: Some(_), .. } => return Err(unsupported("TABLESAMPLE")),
        TableFactor::Table { name, alias, .. } => (name, alias),
        TableFactor::Derived { lateral: false, subquery, alias, .. } => {
            return derived_source(env, subquery, alias.as_ref(), outer).map(Some);
        }
        _ => return Err(unsupported("this kind of table reference")),
    };
    if let [part] = name.0.as_slice() {
        let cte_name = part.as_ident().map_or_else(|| part.to_string(), |i| i.value.clone());
        if let Some(def) = env.cte(&cte_name) {
            let alias_name = alias.as_ref().map_or(cte_name.clone(), |a| a.name.value.clone());
            return match def {
                CteDef::Query { query, columns, visible, inline: true, .. } => {
                    let planned = with_ctes_visible(env, visible, || {
                        crate::planner::plan_query(env, &query, "", outer)
                    })?;
                    if !columns.is_empty() && columns.len() != planned.columns.len() {
                        return Err(Error::fmt(errno::ER_VIEW_WRONG_LIST, &[]));
                    }
                    Ok(Some(source_of_plan(planned, &alias_name, &columns)))
                }
                CteDef::Query { query, columns, id, visible, .. } => {
                    cte_source(env, &query, &columns, id, visible, &cte_name, &alias_name).map(Some)
                }
                CteDef::Recursive { cte, id, visible } => {
                    recursive_source(env, &cte, id, visible, &alias_name).map(Some)
                }
                CteDef::Working { id, table } => {
                    let names = table.columns.iter().map(|c| format!("{alias_name}.{}", c.name));
                    let work = Plan::WorkTable { id, name: cte_name.clone() };
                    let derived = Plan::Derived { input: Box::new(work), names: names.collect() };
                    Ok(Some(Source {
                        db: String::new(),
                        alias: alias_name,
                        table: std::sync::Arc::new(TableInfo::with_columns(
                            &cte_name,
                            table.columns.clone(),
                        )),
                        computed: Some(derived),
                    }))
                }
            };
        }
    }
    if name.to_string().eq_ignore_ascii_case("dual") {
        return Ok(None);
    }
    let (db, tname) = table_name(ctx, name)?;
    if db.eq_ignore_ascii_case("information_schema") {
        let (t, rows) = super::infoschema::view(ctx, catalog, &tname)
            .ok_or_else(|| Error::fmt(errno::ER_NO_SUCH_TABLE, &[&db, &tname]))?;
        let alias = alias.as_ref().map_or(tname.clone(), |a| a.name.value.clone());
        let rows = rows.into_iter().map(|values| Row { handle: 0, values }).collect();
        let names = t.columns.iter().map(|c| format!("{alias}.{}", c.name)).collect();
        let object = format!("table:{alias}");
        return Ok(Some(Source {
            db: "information_schema".into(),
            alias,
            table: std::sync::Arc::new(t),
            computed: Some(Plan::Rows { rows, label: "Rows", names, object }),
        }));
    }
    let table = super::find_table(env.ctx, catalog, &db, &tname)?;
    let alias = alias.as_ref().map_or(table.name.clone(), |a| a.name.value.clone());
    if table.view.is_some() {
        let planned = super::view::expand(env, &db, &table)?;
        let mut src = source_of_plan(planned, &alias, &[]);
        src.db = db;
        return Ok(Some(src));
    }
    Ok(Some(Source { db, alias, table, computed: None }))
}

/// The FROM clause as sources in order, each with how it joins the ones before, and where
/// its columns go (USING and NATURAL joins merge columns: [`FromLayout`]).
pub(crate) fn resolve_from(
    env: &QueryEnv<'_, '_, '_>,
    from: &[ast::TableWithJoins],
    outer: Option<&OuterRow<'_>>,
) -> Result<(Vec<Source>, Vec<JoinSpec>, FromLayout)> {
    let (mut sources, mut specs) = (Vec::new(), Vec::new());
    let mut layout = LayoutBuilder::default();
    for twj in from {
        if let Some(src) = resolve_source(env, &twj.relation, outer)? {
            specs.push(layout.add(&sources, &src, Written::Spec(Box::new(JoinSpec::Comma)))?);
            sources.push(src);
        }
        for j in &twj.joins {
            use ast::{JoinConstraint as C, JoinOperator as O};
            // (constraint, outer side: None inner, Some(true) left, Some(false) right)
            let (constraint, side) = match &j.join_operator {
                O::Join(c) | O::Inner(c) => (c, None),
                O::Left(c) | O::LeftOuter(c) => (c, Some(true)),
                O::Right(c) | O::RightOuter(c) => (c, Some(false)),
                O::CrossJoin(c @ C::None) => (c, None),
                other => {
                    return Err(unsupported(
                        format!("join {other:?}").split('(').next().unwrap_or("join").to_string(),
                    ))
                }
            };
            let written = match (constraint, side) {
                (C::On(e), None) => Written::Spec(Box::new(JoinSpec::Inner(e.clone()))),
                (C::On(e), Some(true)) => Written::Spec(Box::new(JoinSpec::Left(e.clone()))),
                (C::On(e), Some(false)) => Written::Spec(Box::new(JoinSpec::Right(e.clone()))),
                (C::None, None) => Written::Spec(Box::new(JoinSpec::Cross)),
                (C::Using(names), side) => {
                    Written::Using { columns: Some(using_names(names)), outer: side }
                }
                (C::Natural, side) => Written::Using { columns: None, outer: side },
                (_, _) => return Err(unsupported("this join constraint")),
            };
            let src =
                resolve_source(env, &j.relation, outer)?.ok_or_else(|| unsupported("JOIN DUAL"))?;
            specs.push(layout.add(&sources, &src, written)?);
            sources.push(src);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for s in &sources {
        if !seen.insert(s.alias.to_lowercase()) {
            return Err(Error::fmt(errno::ER_NONUNIQ_TABLE, &[&s.alias]));
        }
    }
    Ok((sources, specs, layout.finish()))
}

/// One side of a set operation as a query of its own.
pub(crate) fn side_query(body: &SetExpr) -> Query {
    match body {
        SetExpr::Query(q) => (**q).clone(),
        other => Query {
            with: None,
            body: Box::new(other.clone()),
            order_by: None,
            limit_clause: None,
            fetch: None,
            locks: Vec::new(),
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: Vec::new(),
        },
    }
}

/// A row's values as one memcomparable key (set members: NULLs equal).
pub(super) fn datum_key(row: &[Value]) -> Vec<u8> {
    let mut k = Vec::new();
    for v in row {
        tablecodec::datum::encode(&mut k, v);
    }
    k
}

/// Whether `query` names table `name` (one-part) anywhere.
fn refers_to(query: &Query, name: &str) -> bool {
    let found = ast::visit_relations(query, |rel| match rel.0.as_slice() {
        [part] if part.as_ident().is_some_and(|i| i.value.eq_ignore_ascii_case(name)) => {
            std::ops::ControlFlow::Break(())
        }
        _ => std::ops::ControlFlow::Continue(()),
    });
    found.is_break()
}

/// A recursive CTE's seed, its recursive part, and whether UNION (not UNION ALL) joins them;
/// 3573 when its query is no UNION.
fn recursive_parts(cte: &ast::Cte) -> Result<(&SetExpr, &SetExpr, bool)> {
    let SetExpr::SetOperation { left, op: ast::SetOperator::Union, set_quantifier, right } =
        cte.query.body.as_ref()
    else {
        return Err(Error::fmt(errno::ER_CTE_RECURSIVE_REQUIRES_UNION, &[&cte.alias.name.value]));
    };
    Ok((left, right, !matches!(set_quantifier, ast::SetQuantifier::All)))
}

/// When a SELECT whose text is `text` must stop (`max_execution_time` or its
/// `MAX_EXECUTION_TIME(n)` hint; `None`: no limit), also told to the session's kill flag for
/// what runs inside expressions (`BENCHMARK`, `SLEEP`).
pub fn select_deadline(ctx: &crate::SessionCtx, text: &str) -> Option<std::time::Instant> {
    let ms = hint_max_execution_time(text)
        .unwrap_or_else(|| u64::try_from(ctx.vars.int("max_execution_time")).unwrap_or(0));
    let deadline = (ms > 0)
        .then(|| std::time::Instant::now().checked_add(std::time::Duration::from_millis(ms)))
        .flatten();
    ctx.kill.set_deadline(deadline);
    deadline
}
