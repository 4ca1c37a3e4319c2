//! Bound scalar expressions: what the binder produces from the AST and the executor evaluates.
//!
//! Column references are already resolved to positions in the input row, functions to a
//! [`Func`], so evaluation does no name lookups.

mod cast;
mod cmp;
mod columns;
mod eval;
mod explain;
mod fold;
mod func;
mod func_binary;
pub(crate) mod func_calendar;
mod func_duration;
mod func_info;
mod func_json;
mod func_misc;
mod func_regex;
mod func_string_math;
mod func_text;
pub(crate) mod func_time;
mod func_vector;
pub(crate) mod hash_key;
pub(crate) mod member_set;

pub use cast::{to_decimal, to_f64, to_i64, to_string, CastType};
pub use cmp::{compare, like_match};
pub use eval::{EvalCtx, SubqueryRunner, Truth};
pub use explain::explain_expr;
pub use func::Func;
pub use func_duration::as_time;
pub use func_json::{json_value, parse_document};
pub use func_time::now;

use std::sync::Arc;

use types::{FieldType, Value};

use crate::sysvar::VarScope;
use member_set::ConstSet;

/// A bound scalar expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Literal(Value),
    /// The value at this position of the input row.
    Column(usize),
    /// The value of parameter slot `i`, supplied when the plan runs ([`EvalCtx::params`]):
    /// a prepared statement's parameter, or a subquery's argument `i` in the subquery's plan.
    Param(usize),
    /// `@@[scope.]name`.
    SysVar { name: String, scope: VarScope },
    /// `@name`.
    UserVar(String),
    /// `NOT x`, `-x`, `~x`.
    Unary { op: UnaryOp, arg: Box<Expr> },
    /// `a op b`.
    Binary { op: BinaryOp, left: Box<Expr>, right: Box<Expr> },
    /// `x IS [NOT] NULL`.
    IsNull { arg: Box<Expr>, negated: bool },
    /// `x IS [NOT] TRUE/FALSE`.
    IsBool { arg: Box<Expr>, value: bool, negated: bool },
    /// `x [NOT] LIKE pattern [ESCAPE c]`.
    Like { arg: Box<Expr>, pattern: Box<Expr>, escape: char, negated: bool },
    /// `x [NOT] IN (list)`; `set` indexes the list when it is long and all literals (folding
    /// builds it), so a row is not compared with every item.
    InList { arg: Box<Expr>, list: Vec<Expr>, negated: bool, set: Option<Arc<ConstSet>> },
    /// `(a, b, …) IN ((…), …)` over literal rows: the arguments' values looked up in `set`.
    /// `or` is the same test as an OR of ANDs — what ranges, estimates and EXPLAIN read, and
    /// what decides when an argument is NULL.
    RowIn { args: Vec<Expr>, set: Arc<ConstSet>, or: Box<Expr> },
    /// `x [NOT] BETWEEN low AND high`.
    Between { arg: Box<Expr>, low: Box<Expr>, high: Box<Expr>, negated: bool },
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    Case { operand: Option<Box<Expr>>, whens: Vec<(Expr, Expr)>, else_: Option<Box<Expr>> },
    /// `CAST(x AS type)` / `CONVERT(x, type)`.
    Cast { arg: Box<Expr>, target: CastType },
    /// A built-in function call.
    Func { func: Func, args: Vec<Expr> },
    /// A subquery, planned with the enclosing query: run with `args` (expressions over the
    /// enclosing row) as its parameters — once per statement when it takes none, else once
    /// per distinct argument values (see `executor::subquery`).
    Subquery { sub: Arc<crate::planner::SubPlan>, args: Vec<Expr>, kind: SubqueryKind },
}

/// How a subquery's rows become a value.
#[derive(Debug, Clone, PartialEq)]
pub enum SubqueryKind {
    /// `(SELECT …)`: at most one row of one column; NULL when empty.
    Scalar,
    /// `[NOT] EXISTS (SELECT …)`.
    Exists {
        /// `NOT EXISTS`.
        negated: bool,
    },
    /// `arg [NOT] IN (SELECT …)`.
    In {
        /// The tested value.
        arg: Box<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// Logical NOT (three-valued).
    Not,
    /// Arithmetic negation.
    Neg,
    /// Bitwise inversion.
    BitNot,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Multiply,
    /// `/` (always fractional)
    Divide,
    /// `DIV` (integer division)
    IntDiv,
    /// `%` / `MOD`
    Modulo,
    /// `=`
    Eq,
    /// `<=>` (NULL-safe equality)
    NullSafeEq,
    /// `<>` / `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND` / `&&`
    And,
    /// `OR` / `||`
    Or,
    /// `XOR`
    Xor,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
}

impl BinaryOp {
    /// Whether the operator yields a boolean (0/1/NULL).
    pub fn is_predicate(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | NullSafeEq | NotEq | Lt | LtEq | Gt | GtEq | And | Or | Xor)
    }
}

/// The static result type of an expression, enough to describe a result column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExprType {
    /// Wire type.
    pub field_type: FieldType,
    /// Whether the expression can be NULL.
    pub nullable: bool,
    /// Display length in characters (0 when unknown).
    pub length: u32,
    /// Digits after the point of an exact result (integers 0, DECIMAL(p, s) s), when known:
    /// CASE, IF, IFNULL, COALESCE, GREATEST and LEAST show a DECIMAL result with the most
    /// digits of their branches, as MySQL (`IF(c, 1.50, 0)` is `0.00`).
    pub scale: Option<u8>,
}

/// The type of a result that may come from expressions of types `a` and `b` (CASE, IF,
/// COALESCE, GREATEST, …), as MySQL aggregates them: integers stay integers, a DECIMAL makes
/// it DECIMAL, a FLOAT/DOUBLE makes it DOUBLE; DATE with DATETIME/TIMESTAMP is DATETIME; any
/// other mix is a string. Always wide enough that every value of either type can be sent as
/// the result type (the wire and the binary protocol encode by the announced type).
pub fn aggregate_field_type(a: FieldType, b: FieldType) -> FieldType {
    use FieldType::*;
    if a == b || b == Null {
        return a;
    }
    if a == Null {
        return b;
    }
    let int = |t: FieldType| matches!(t, Tiny | Short | Int24 | Long | LongLong | Year | Bit);
    let decimal = |t: FieldType| matches!(t, NewDecimal | Decimal);
    let float = |t: FieldType| matches!(t, Float | Double);
    let numeric = |t: FieldType| int(t) || decimal(t) || float(t);
    if numeric(a) && numeric(b) {
        return if float(a) || float(b) {
            Double
        } else if decimal(a) || decimal(b) {
            NewDecimal
        } else {
            LongLong
        };
    }
    let temporal = |t: FieldType| matches!(t, Date | DateTime | Timestamp);
    if temporal(a) && temporal(b) {
        return DateTime;
    }
    if matches!(a, Blob | TinyBlob | MediumBlob | LongBlob)
        || matches!(b, Blob | TinyBlob | MediumBlob | LongBlob)
    {
        return Blob;
    }
    VarString
}

/// [`aggregate_field_type`] over every type of `types`.
pub fn aggregate_field_types(types: &[FieldType]) -> FieldType {
    types.iter().copied().fold(FieldType::Null, aggregate_field_type)
}

impl ExprType {
    /// A type with MySQL's default length for it.
    pub fn of(field_type: FieldType, nullable: bool) -> Self {
        let scale = match field_type {
            FieldType::Tiny
            | FieldType::Short
            | FieldType::Int24
            | FieldType::Long
            | FieldType::LongLong => Some(0),
            _ => None,
        };
        ExprType { field_type, nullable, length: 0, scale }
    }

    /// The type of a table column of type `ty`.
    pub fn of_column(ty: &types::ColumnType, nullable: bool) -> Self {
        let mut t = ExprType::of(ty.field_type(), nullable);
        t.length = ty.length;
        if t.field_type == FieldType::NewDecimal {
            // A derived table's column whose digits were not known has no precision either
            // (0): its scale is unknown, not 0.
            t.scale = if ty.length > 0 { u8::try_from(ty.scale).ok() } else { None };
        }
        t
    }
}

impl Expr {
    /// A literal expression.
    pub fn lit(v: Value) -> Self {
        Expr::Literal(v)
    }

    /// Whether the expression references no column of its row (a parameter counts as a
    /// constant: it has one value per run).
    pub fn is_constant(&self) -> bool {
        if let Expr::Binary { .. } = self {
            // Down a left-deep chain in a loop (chains may be 100 000 terms long).
            let mut e = self;
            while let Expr::Binary { left, right, .. } = e {
                if !right.is_constant() {
                    return false;
                }
                e = left;
            }
            return e.is_constant();
        }
        match self {
            Expr::Literal(_) | Expr::Param(_) => true,
            Expr::Column(_) => false,
            Expr::SysVar { .. } | Expr::UserVar(_) => true,
            Expr::Unary { arg, .. } | Expr::IsNull { arg, .. } | Expr::IsBool { arg, .. } => {
                arg.is_constant()
            }
            Expr::Cast { arg, .. } => arg.is_constant(),
            Expr::Binary { left, right, .. } => left.is_constant() && right.is_constant(),
            Expr::Like { arg, pattern, .. } => arg.is_constant() && pattern.is_constant(),
            Expr::InList { arg, list, .. } => {
                arg.is_constant() && list.iter().all(Expr::is_constant)
            }
            Expr::Between { arg, low, high, .. } => {
                arg.is_constant() && low.is_constant() && high.is_constant()
            }
            Expr::RowIn { or, .. } => or.is_constant(),
            Expr::Case { operand, whens, else_ } => {
                operand.as_ref().is_none_or(|o| o.is_constant())
                    && whens.iter().all(|(w, t)| w.is_constant() && t.is_constant())
                    && else_.as_ref().is_none_or(|e| e.is_constant())
            }
            Expr::Func { args, .. } => args.iter().all(Expr::is_constant),
            Expr::Subquery { .. } => false,
        }
    }
}
