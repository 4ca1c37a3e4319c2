//! The rows an UPDATE or DELETE changes: one table, WHERE, ORDER BY, LIMIT, locked and re-read.

use std::sync::Arc;

use catalog::{Catalog, TableInfo};
use errno::{Error, Result, ER_NOT_SUPPORTED_YET};
use sqlparser::ast::{self, OrderByExpr, TableFactor};

use super::{
    access::{choose_path, Access, Needs},
    ops,
    query::{table_scope, QueryEnv},
    ranges::path_conds,
    select::eval_count,
    table_name,
};
use crate::{
    binder::{bind_with, Scope},
    context::SessionCtx,
    expr::{EvalCtx, Expr},
    planner::{
        subquery_values::{evaluate, without_true_conjuncts},
        Plan,
    },
    table::Row,
};

/// The target table of a single-table UPDATE/DELETE, with the alias and scope its clauses use.
pub struct Target {
    /// The table.
    pub table: Arc<TableInfo>,
    /// The columns as WHERE/SET/ORDER BY see them.
    pub scope: Scope,
    db: String,
    alias: String,
}

/// Resolves the one table an UPDATE or DELETE names (`what` names the statement in errors).
pub fn resolve(
    ctx: &SessionCtx,
    catalog: &Catalog,
    relation: &TableFactor,
    what: &str,
) -> Result<Target> {
    let TableFactor::Table { name, alias, .. } = relation else {
        return Err(Error::fmt(ER_NOT_SUPPORTED_YET, &[&format!("{what} of a derived table")]));
    };
    let (db, tname) = table_name(ctx, name)?;
    let table = super::find_table(ctx, catalog, &db, &tname)?;
    if table.view.is_some() {
        return Err(Error::fmt(errno::ER_NON_UPDATABLE_TABLE, &[&tname, &what]));
    }
    let alias = alias.as_ref().map_or(table.name.clone(), |a| a.name.value.clone());
    let scope = table_scope(&table, &alias);
    Ok(Target { table, scope, db, alias })
}

/// The plan finding the rows an UPDATE/DELETE changes: table read along the access path for
/// `selection`, filter, lock (re-read at the newest version), sort or top-n, limit. Its
/// uncorrelated subqueries are evaluated now, before any row changes (TiDB allows them to read
/// the target table too: they see it as the statement found it).
pub fn plan(
    env: &QueryEnv<'_, '_, '_>,
    target: &Target,
    selection: Option<&ast::Expr>,
    order_by: &[OrderByExpr],
    limit: Option<&ast::Expr>,
) -> Result<Plan> {
    let ctx = env.ctx;
    let pred = selection
        .map(|w| bind_with(w, &target.scope, env, "where clause"))
        .transpose()?
        .and_then(|(e, _)| without_true_conjuncts(evaluate(env, e)));
    let keys: Vec<(Expr, bool)> = order_by
        .iter()
        .map(|o| {
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            Ok((bind_with(&o.expr, &target.scope, env, "order clause")?.0, !desc))
        })
        .collect::<Result<_>>()?;
    let limit = match limit {
        Some(l) => Some(usize::try_from(eval_count(ctx, Some(l))?).unwrap_or(usize::MAX)),
        None => None,
    };
    let table = target.table.clone();
    let access = match &pred {
        Some(p) => {
            let conds = path_conds(p, &table, &crate::expr::EvalCtx::new(ctx));
            choose_path(&table, &conds, Needs::AllColumns, Some(&mut env.st.borrow_mut()))?
        }
        None => Access::FullScan,
    };
    let mut plan = Plan::Table {
        table: table.clone(),
        db: target.db.clone(),
        alias: target.alias.clone(),
        access,
        keep_order: false,
        desc: false,
        columns: None,
        ranges_from: None,
    };
    if let Some(p) = &pred {
        plan = Plan::Filter { input: Box::new(plan), pred: p.clone() };
    }
    plan = Plan::Lock { input: Box::new(plan), table, pred };
    Ok(match (keys.is_empty(), limit) {
        (false, Some(limit)) => Plan::TopN { input: Box::new(plan), keys, limit, offset: 0 },
        (false, None) => Plan::Sort { input: Box::new(plan), keys },
        (true, Some(_)) => {
            Plan::Limit { input: Box::new(plan), limit, offset: 0, count_all: false }
        }
        (true, None) => plan,
    })
}

/// The rows [`plan`] finds — locked and re-read at their newest version, ordered and limited
/// as the statement asks; measured into `analysis` under EXPLAIN ANALYZE.
pub fn rows(
    env: &QueryEnv<'_, '_, '_>,
    plan: Plan,
    analysis: Option<&super::explain::Analysis>,
) -> Result<Vec<Row>> {
    let eval = EvalCtx { session: env.ctx, subqueries: Some(env), params: &[] };
    let mut root = super::explain::Analysis::operators(analysis, plan, env)?;
    ops::collect(root.as_mut(), &ops::Cx { env, eval: &eval })
}
