//! Prepared statements: a statement parsed once, its `?` placeholders numbered in text order,
//! and the values each execution binds into them.
//!
//! Binding replaces every placeholder of a copy of the parsed tree with a literal of the
//! parameter's type (a DOUBLE stays a DOUBLE, a byte string a byte string, a DATETIME a typed
//! literal), so an execution skips tokenizing and parsing and then runs like any statement.
//! Also recognises the SQL forms `PREPARE name FROM …`, `EXECUTE name [USING @v, …]` and
//! `{DEALLOCATE | DROP} PREPARE name`, which the session carries out.

use std::{
    ops::ControlFlow,
    sync::{Arc, Mutex},
};

use errno::{Error, Result, ER_WRONG_ARGUMENTS};
use sqlparser::{
    ast::{self, visit_expressions, visit_expressions_mut, Expr, Statement},
    dialect::MySqlDialect,
    tokenizer::{Span, Token, Tokenizer},
};
use types::{ResultColumn, TemporalKind, Value};

use crate::planner::{PointGetPlan, SelectPlan};

/// A statement prepared once and executed many times.
#[derive(Debug)]
pub struct Prepared {
    text: String,
    /// The parsed statement with placeholders renamed `?0`, `?1`, … in text order; `None` for a
    /// statement recognised from its tokens ([`crate::frontend::special`]), which is run from its text.
    stmt: Option<Statement>,
    params: usize,
    /// The fast plan of a point read, with its result columns (see [`crate::planner::fast`]);
    /// replaced when the schema changes.
    point_get: Mutex<Option<KeptPointGet>>,
    /// See [`Prepared::select_names_survive_binding`] (worked out once, at prepare).
    names_survive_binding: bool,
    /// Where a SELECT that can keep its plan keeps it (`None`: it cannot, see
    /// [`keeps_plan`]).
    plan: Option<Arc<PlanSlot>>,
}

/// The general plan a prepared SELECT keeps (TiDB's prepared plan cache): made by the first
/// execution with its parameters as `Expr::Param` slots (access paths chosen for that
/// execution's values, their ranges rebuilt for each later one's when the readers open), and
/// reused while the schema version and the parameters' types stay those it was made for.
#[derive(Default)]
pub struct PlanSlot(Mutex<Option<KeptSelect>>);

struct KeptSelect {
    version: i64,
    kinds: Vec<u8>,
    plan: SelectPlan,
}

impl std::fmt::Debug for PlanSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlanSlot")
    }
}

/// What about the parameters' values a kept plan depends on: their types.
fn kinds(params: &[Value]) -> Vec<u8> {
    params
        .iter()
        .map(|v| match v {
            Value::Null => 0,
            Value::Int(_) => 1,
            Value::UInt(_) => 2,
            Value::Double(_) => 3,
            Value::Decimal(_) => 4,
            Value::String(_) => 5,
            Value::Bytes(_) => 6,
            Value::Temporal(t) => 7 + t.kind as u8,
            Value::Time(_) => 15,
        })
        .collect()
}

impl PlanSlot {
    /// A copy of the plan kept for schema `version` and parameters of the types of `params`.
    pub fn get(&self, version: i64, params: &[Value]) -> Option<SelectPlan> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let k = kept.as_ref().filter(|k| k.version == version && k.kinds == kinds(params))?;
        Some(k.plan.clone())
    }

    /// Keeps `plan`, made under schema `version` for `params`.
    pub fn keep(&self, version: i64, params: &[Value], plan: &SelectPlan) {
        let kept = KeptSelect { version, kinds: kinds(params), plan: plan.clone() };
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
    }
}

/// A kept point-read plan and the result columns it returns.
pub type KeptPointGet = (Arc<PointGetPlan>, Arc<[ResultColumn]>);

impl Prepared {
    /// Parses `text` (one statement) and numbers its placeholders.
    pub fn new(text: &str) -> Result<Self> {
        if crate::frontend::special::recognize(text).is_some() {
            return Ok(Prepared {
                text: text.to_string(),
                stmt: None,
                params: 0,
                point_get: Mutex::new(None),
                names_survive_binding: false,
                plan: None,
            });
        }
        let mut stmt = crate::parse_statement(text)?;
        let mut spans = Vec::new();
        let _ = visit_expressions(&stmt, |e| {
            if let Some(span) = placeholder(e) {
                spans.push(span);
            }
            ControlFlow::<()>::Continue(())
        });
        // The visitor walks the tree, not the text: rank each placeholder by its position.
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| (spans[i].start.line, spans[i].start.column));
        let mut rank = vec![0; spans.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        let mut seen = 0;
        let _ = visit_expressions_mut(&mut stmt, |e| {
            if let Expr::Value(v) = e {
                if let ast::Value::Placeholder(p) = &mut v.value {
                    *p = format!("?{}", rank[seen]);
                    seen += 1;
                }
            }
            ControlFlow::<()>::Continue(())
        });
        Ok(Prepared {
            text: text.to_string(),
            names_survive_binding: names_survive_binding(&stmt),
            plan: keeps_plan(&stmt).then(Arc::default),
            stmt: Some(stmt),
            params: spans.len(),
            point_get: Mutex::new(None),
        })
    }

    /// The statement's text as prepared.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many `?` parameters an execution supplies.
    pub fn params(&self) -> usize {
        self.params
    }

    /// Keeps the point-read plan executions use while the schema version stays the plan's.
    pub fn set_point_get(&self, plan: PointGetPlan, columns: Vec<ResultColumn>) {
        *self.kept() = Some((Arc::new(plan), columns.into()));
    }

    /// Forgets the kept point-read plan (the statement no longer has that shape).
    pub fn clear_point_get(&self) {
        *self.kept() = None;
    }

    /// The kept point-read plan and its result columns.
    pub fn point_get(&self) -> Option<KeptPointGet> {
        self.kept().clone()
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Option<KeptPointGet>> {
        // Every update replaces the whole value: a poisoned lock still holds a whole one.
        self.point_get.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether binding this text's literals back leaves a SELECT's result column names as the
    /// original text gives them: one SELECT block over plain tables with no placeholder in its
    /// select list (a literal there names its column by its own text: `SELECT 007` is `007`).
    /// Such SELECTs sent as text may run from their parsed shape.
    pub fn select_names_survive_binding(&self) -> bool {
        self.names_survive_binding
    }

    /// Where the statement keeps its plan, when it is a SELECT that can run with its
    /// placeholders unbound (see [`PlanSlot`]).
    pub fn plan_slot(&self) -> Option<Arc<PlanSlot>> {
        self.plan.clone()
    }

    /// The parsed statement, placeholders unbound (`None` when it runs from its text).
    pub fn statement(&self) -> Option<&Statement> {
        self.stmt.as_ref()
    }

    /// The statement with `values` in its placeholders (`None` when it runs from its text).
    /// A wrong number of values is error 1210, as in MySQL.
    pub fn bind(&self, values: &[Value]) -> Result<Option<Statement>> {
        if values.len() != self.params {
            return Err(Error::fmt(ER_WRONG_ARGUMENTS, &[&"EXECUTE"]));
        }
        let Some(stmt) = &self.stmt else { return Ok(None) };
        let mut stmt = stmt.clone();
        if values.is_empty() {
            return Ok(Some(stmt));
        }
        let mut failed = None;
        let _ = visit_expressions_mut(&mut stmt, |e| {
            let Expr::Value(v) = e else { return ControlFlow::Continue(()) };
            let ast::Value::Placeholder(p) = &v.value else { return ControlFlow::Continue(()) };
            let Some(value) = p.strip_prefix('?').and_then(|i| i.parse::<usize>().ok()) else {
                return ControlFlow::Continue(());
            };
            match values.get(value).map(|val| literal(val, v.span)) {
                Some(Ok(lit)) => *e = lit,
                Some(Err(err)) => {
                    failed = Some(err);
                    return ControlFlow::Break(());
                }
                None => {}
            }
            ControlFlow::Continue(())
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(Some(stmt)),
        }
    }
}

/// See [`Prepared::select_names_survive_binding`].
fn names_survive_binding(stmt: &Statement) -> bool {
    let Statement::Query(q) = stmt else { return false };
    let ast::SetExpr::Select(select) = q.body.as_ref() else { return false };
    let plain = |f: &ast::TableFactor| matches!(f, ast::TableFactor::Table { .. });
    if q.with.is_some()
        || !select
            .from
            .iter()
            .all(|t| plain(&t.relation) && t.joins.iter().all(|j| plain(&j.relation)))
    {
        return false;
    }
    let mut found = false;
    let _ = visit_expressions(&select.projection, |e| {
        found = placeholder(e).is_some();
        if found {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    !found
}

/// Whether a statement can run with its placeholders unbound and keep its plan: one SELECT
/// block over stored tables whose select list names its columns without placeholders (see
/// [`names_survive_binding`]), with no subquery (its plan is made when it runs, without the
/// parameters), no GROUP_CONCAT (its plan holds `group_concat_max_len` as it was), no INTO and
/// no locking read (which locks the rows its plan's point reads name when it is built); and
/// where every placeholder is compared with something directly
/// (`c = ?`, `c BETWEEN ? AND ?`, `c IN (?, ?)`, `c LIKE ?`), as a bound literal would be —
/// not inside a computation such as `DATE_ADD(?, INTERVAL 1 DAY)`, which a literal would let
/// the planner fold once, nor a LIMIT/OFFSET count (a plan's limit is a number).
fn keeps_plan(stmt: &Statement) -> bool {
    let Statement::Query(q) = stmt else { return false };
    if !names_survive_binding(stmt) || !q.locks.is_empty() {
        return false;
    }
    let ast::SetExpr::Select(select) = q.body.as_ref() else { return false };
    // `FROM dual` reads no table: such a SELECT is evaluated outside the plan's operators.
    let dual = |f: &ast::TableFactor| matches!(f, ast::TableFactor::Table { name, .. } if name.to_string().eq_ignore_ascii_case("dual"));
    if select.into.is_some()
        || select.from.is_empty()
        || select.from.iter().any(|t| dual(&t.relation))
    {
        return false;
    }
    let (mut all, mut direct) = (0, 0);
    let is = |e: &Expr| placeholder(e).is_some();
    let found = visit_expressions(q.as_ref(), |e| {
        match e {
            Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::In { target: ast::InTarget::Subquery(_), .. } => return ControlFlow::Break(()),
            // Its plan holds `group_concat_max_len` as it was when planned.
            Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("GROUP_CONCAT") => {
                return ControlFlow::Break(())
            }
            Expr::BinaryOp { left, op, right } if comparison(op) => {
                direct += usize::from(is(left)) + usize::from(is(right));
            }
            Expr::Between { low, high, .. } => {
                direct += usize::from(is(low)) + usize::from(is(high))
            }
            Expr::In { target: ast::InTarget::List(list), .. } => {
                direct += list.iter().filter(|e| is(e)).count()
            }
            Expr::Like { pattern, .. } => direct += usize::from(is(pattern)),
            e if is(e) => all += 1,
            _ => {}
        }
        ControlFlow::Continue(())
    });
    found.is_continue() && all == direct
}

fn comparison(op: &ast::BinaryOperator) -> bool {
    use ast::BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship)
}

fn placeholder(e: &Expr) -> Option<Span> {
    match e {
        Expr::Value(v) if matches!(v.value, ast::Value::Placeholder(_)) => Some(v.span),
        _ => None,
    }
}

/// A literal expression with `v`'s value and type.
fn literal(v: &Value, span: Span) -> Result<Expr> {
    let plain = |value: ast::Value| Expr::Value(ast::ValueWithSpan { value, span });
    let typed = |data_type: ast::DataType, text: String| {
        Expr::TypedString(ast::TypedString {
            data_type,
            value: ast::ValueWithSpan { value: ast::Value::SingleQuotedString(text), span },
            uses_odbc_syntax: false,
        })
    };
    Ok(match v {
        Value::Null => plain(ast::Value::Null),
        Value::Int(i) => plain(ast::Value::Number(i.to_string(), false)),
        Value::UInt(u) => plain(ast::Value::Number(u.to_string(), false)),
        Value::Decimal(d) => plain(ast::Value::Number(d.to_string(), false)),
        // The exponent keeps it a DOUBLE (`1.5` alone would be an exact DECIMAL).
        Value::Double(d) if d.is_finite() => plain(ast::Value::Number(format!("{d:e}"), false)),
        Value::Double(_) => return Err(Error::fmt(ER_WRONG_ARGUMENTS, &[&"EXECUTE"])),
        Value::String(s) => plain(ast::Value::SingleQuotedString(s.clone())),
        Value::Bytes(b) => plain(ast::Value::HexStringLiteral(hex(b))),
        Value::Temporal(t) => {
            let ty = match t.kind {
                TemporalKind::Date => ast::DataType::Date,
                _ => ast::DataType::Datetime(None),
            };
            typed(ty, t.to_string())
        }
        Value::Time(d) => typed(ast::DataType::Time(None, ast::TimezoneInfo::None), d.to_string()),
    })
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for byte in b {
        let _ = write!(s, "{byte:02X}");
    }
    s
}

/// The SQL statements that manage prepared statements by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlPrepare {
    /// `PREPARE name FROM 'text'` or `PREPARE name FROM @var`.
    Prepare {
        /// The statement's name (case-insensitive: kept lowercase).
        name: String,
        /// Where its text comes from.
        source: PrepareSource,
    },
    /// `EXECUTE name [USING @a, @b, …]`.
    Execute {
        /// The statement's name, lowercase.
        name: String,
        /// The user variables whose values fill the placeholders, in order.
        using: Vec<String>,
    },
    /// `DEALLOCATE PREPARE name` / `DROP PREPARE name`.
    Deallocate {
        /// The statement's name, lowercase.
        name: String,
    },
}

/// The text of a `PREPARE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareSource {
    /// A string literal.
    Text(String),
    /// A user variable holding the text (name lowercase, without `@`).
    Var(String),
}

/// Recognises `PREPARE`, `EXECUTE` and `DEALLOCATE`/`DROP PREPARE`; `None` for anything else.
/// A malformed one is a syntax error.
pub fn recognize(text: &str) -> Option<Result<SqlPrepare>> {
    let head = crate::frontend::text::first_word(text);
    if !["PREPARE", "EXECUTE", "DEALLOCATE", "DROP"].iter().any(|k| head.eq_ignore_ascii_case(k)) {
        return None;
    }
    let tokens = Tokenizer::new(&MySqlDialect {}, text).tokenize().ok()?;
    let mut words = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        .peekable();
    let word = |t: Option<&Token>| match t {
        Some(Token::Word(w)) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    };
    let keyword = |t: Option<&Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let syntax = || Error::fmt(errno::ER_PARSE, &[&text.chars().take(80).collect::<String>(), &1]);
    let first = words.next();
    let parsed = if keyword(first.as_ref(), "PREPARE") {
        let name = word(words.next().as_ref());
        let from = keyword(words.next().as_ref(), "FROM");
        let source = match words.next() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                Some(PrepareSource::Text(s))
            }
            Some(Token::Word(w)) if w.value.starts_with('@') => {
                Some(PrepareSource::Var(w.value[1..].to_ascii_lowercase()))
            }
            Some(Token::AtSign) => word(words.next().as_ref()).map(PrepareSource::Var),
            _ => None,
        };
        match (name, from, source) {
            (Some(name), true, Some(source)) => Some(SqlPrepare::Prepare { name, source }),
            _ => None,
        }
    } else if keyword(first.as_ref(), "EXECUTE") {
        let name = word(words.next().as_ref());
        let mut using = Vec::new();
        let mut ok = true;
        if words.peek().is_some() {
            ok = keyword(words.next().as_ref(), "USING");
            while ok {
                match words.next() {
                    Some(Token::Word(w)) if w.value.starts_with('@') => {
                        using.push(w.value[1..].to_ascii_lowercase())
                    }
                    Some(Token::AtSign) => match word(words.next().as_ref()) {
                        Some(v) => using.push(v),
                        None => ok = false,
                    },
                    _ => ok = false,
                }
                match words.next() {
                    Some(Token::Comma) => {}
                    None => break,
                    _ => ok = false,
                }
            }
        }
        name.filter(|_| ok).map(|name| SqlPrepare::Execute { name, using })
    } else if keyword(first.as_ref(), "DEALLOCATE") || keyword(first.as_ref(), "DROP") {
        if !keyword(words.next().as_ref(), "PREPARE") {
            return None;
        }
        word(words.next().as_ref()).map(|name| SqlPrepare::Deallocate { name })
    } else {
        return None;
    };
    if words.next().is_some() {
        return Some(Err(syntax()));
    }
    Some(parsed.ok_or_else(syntax))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_text_order() {
        let p = Prepared::new("UPDATE t SET a = ?, b = ? WHERE id = ? LIMIT ?").unwrap();
        assert_eq!(p.params(), 4);
        let s = p
            .bind(&[Value::Int(1), Value::String("x'y".into()), Value::Int(-3), Value::UInt(2)])
            .unwrap()
            .unwrap();
        assert_eq!(s.to_string(), "UPDATE t SET a = 1, b = 'x''y' WHERE id = -3 LIMIT 2");
    }

    #[test]
    fn values_keep_their_types() {
        let p = Prepared::new("SELECT ?, ?, ?, ?").unwrap();
        let t = types::Temporal::parse(TemporalKind::DateTime, "2024-01-02 03:04:05").unwrap();
        let s = p
            .bind(&[
                Value::Double(1.5),
                Value::Bytes(vec![0, 255]),
                Value::Temporal(t),
                Value::Null,
            ])
            .unwrap()
            .unwrap();
        assert_eq!(s.to_string(), "SELECT 1.5e0, X'00FF', DATETIME '2024-01-02 03:04:05', NULL");
    }

    #[test]
    fn wrong_count_is_1210() {
        let p = Prepared::new("SELECT ? + ?").unwrap();
        assert_eq!(p.bind(&[Value::Int(1)]).unwrap_err().code, 1210);
    }

    #[test]
    fn sql_forms() {
        assert_eq!(
            recognize("PREPARE s1 FROM 'SELECT ?'").unwrap().unwrap(),
            SqlPrepare::Prepare {
                name: "s1".into(),
                source: PrepareSource::Text("SELECT ?".into())
            }
        );
        assert_eq!(
            recognize("prepare S FROM @q").unwrap().unwrap(),
            SqlPrepare::Prepare { name: "s".into(), source: PrepareSource::Var("q".into()) }
        );
        assert_eq!(
            recognize("EXECUTE s USING @a, @B").unwrap().unwrap(),
            SqlPrepare::Execute { name: "s".into(), using: vec!["a".into(), "b".into()] }
        );
        assert_eq!(
            recognize("EXECUTE s").unwrap().unwrap(),
            SqlPrepare::Execute { name: "s".into(), using: vec![] }
        );
        assert_eq!(
            recognize("DROP PREPARE s;").unwrap().unwrap(),
            SqlPrepare::Deallocate { name: "s".into() }
        );
        assert!(recognize("DROP TABLE t").is_none());
        assert!(recognize("SELECT 1").is_none());
        assert_eq!(recognize("EXECUTE s USING 1").unwrap().unwrap_err().code, 1064);
    }
}
