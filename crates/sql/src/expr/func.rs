//! Built-in scalar functions.

use errno::{Error, Result, ER_SP_DOES_NOT_EXIST, ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT};
use types::{FieldType, Value};

use super::{
    cast::{to_f64, to_i64, to_string},
    eval::{EvalCtx, Truth},
};
use crate::sysvar::SERVER_VERSION;

/// A built-in function, resolved by name at bind time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `VERSION()`
    Version,
    /// `TIDB_VERSION()`
    TidbVersion,
    /// `DATABASE()` / `SCHEMA()`
    Database,
    /// `USER()` / `SESSION_USER()` / `SYSTEM_USER()`
    User,
    /// `CURRENT_USER()`
    CurrentUser,
    /// `CONNECTION_ID()`
    ConnectionId,
    /// `LAST_INSERT_ID()`
    LastInsertId,
    /// `CONCAT(…)`
    Concat,
    /// `CONCAT_WS(sep, …)`
    ConcatWs,
    /// `LOWER` / `LCASE`
    Lower,
    /// `UPPER` / `UCASE`
    Upper,
    /// `LENGTH` / `OCTET_LENGTH` (bytes)
    Length,
    /// `CHAR_LENGTH` / `CHARACTER_LENGTH`
    CharLength,
    /// `IFNULL(a, b)`
    IfNull,
    /// `COALESCE(…)`
    Coalesce,
    /// `IF(cond, a, b)`
    If,
    /// `NULLIF(a, b)`
    NullIf,
    /// `ABS(x)`
    Abs,
    /// `FLOOR(x)`
    Floor,
    /// `CEIL` / `CEILING`
    Ceil,
    /// `ROUND(x[, d])`
    Round,
    /// `MOD(a, b)` (same as `%`)
    Mod,
}

impl Func {
    /// Resolves a function name (case-insensitive) and checks the argument count.
    pub fn resolve(name: &str, argc: usize) -> Result<Func> {
        use Func::*;
        let upper = name.to_ascii_uppercase();
        let (func, min, max) = match upper.as_str() {
            "VERSION" => (Version, 0, 0),
            "TIDB_VERSION" => (TidbVersion, 0, 0),
            "DATABASE" | "SCHEMA" => (Database, 0, 0),
            "USER" | "SESSION_USER" | "SYSTEM_USER" => (User, 0, 0),
            "CURRENT_USER" => (CurrentUser, 0, 0),
            "CONNECTION_ID" => (ConnectionId, 0, 0),
            "LAST_INSERT_ID" => (LastInsertId, 0, 0),
            "CONCAT" => (Concat, 1, usize::MAX),
            "CONCAT_WS" => (ConcatWs, 2, usize::MAX),
            "LOWER" | "LCASE" => (Lower, 1, 1),
            "UPPER" | "UCASE" => (Upper, 1, 1),
            "LENGTH" | "OCTET_LENGTH" => (Length, 1, 1),
            "CHAR_LENGTH" | "CHARACTER_LENGTH" => (CharLength, 1, 1),
            "IFNULL" => (IfNull, 2, 2),
            "COALESCE" => (Coalesce, 1, usize::MAX),
            "IF" => (If, 3, 3),
            "NULLIF" => (NullIf, 2, 2),
            "ABS" => (Abs, 1, 1),
            "FLOOR" => (Floor, 1, 1),
            "CEIL" | "CEILING" => (Ceil, 1, 1),
            "ROUND" => (Round, 1, 2),
            "MOD" => (Mod, 2, 2),
            _ => return Err(Error::fmt(ER_SP_DOES_NOT_EXIST, &[&"FUNCTION", &name])),
        };
        if argc < min || argc > max {
            return Err(Error::fmt(ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&upper]));
        }
        Ok(func)
    }

    /// The result type given the argument types.
    pub fn return_type(self, args: &[FieldType]) -> FieldType {
        use Func::*;
        match self {
            ConnectionId | LastInsertId | Length | CharLength => FieldType::LongLong,
            IfNull | Coalesce | NullIf => args.first().copied().unwrap_or(FieldType::Null),
            If => args.get(1).copied().unwrap_or(FieldType::Null),
            Abs | Floor | Ceil | Round | Mod => match args.first() {
                Some(FieldType::Double | FieldType::Float | FieldType::VarString) => {
                    FieldType::Double
                }
                _ => FieldType::LongLong,
            },
            _ => FieldType::VarString,
        }
    }

    /// Calls the function on evaluated arguments.
    pub fn call(self, args: &[Value], ctx: &EvalCtx<'_>) -> Result<Value> {
        use Func::*;
        let s = ctx.session;
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
        let any_null = args.iter().any(Value::is_null);
        Ok(match self {
            Version => Value::String(SERVER_VERSION.to_string()),
            TidbVersion => Value::String(format!(
                "Release Version: {SERVER_VERSION}\nEdition: Community\nStore: embedded"
            )),
            Database => s.current_db.clone().map_or(Value::Null, Value::String),
            User => Value::String(format!("{}@{}", s.user, s.host)),
            CurrentUser => Value::String(format!("{}@%", s.user)),
            ConnectionId => Value::UInt(s.connection_id),
            LastInsertId => Value::UInt(s.last_insert_id),
            Concat if any_null => Value::Null,
            Concat => concat(args.iter(), ""),
            ConcatWs => match args.split_first() {
                Some((sep, _)) if sep.is_null() => Value::Null,
                Some((sep, rest)) => concat(rest.iter().filter(|v| !v.is_null()), &to_string(sep)),
                None => Value::Null,
            },
            _ if any_null
                && matches!(
                    self,
                    Lower | Upper | Length | CharLength | Abs | Floor | Ceil | Round | Mod
                ) =>
            {
                Value::Null
            }
            Lower => map_str(arg(0), |t| t.to_lowercase()),
            Upper => map_str(arg(0), |t| t.to_uppercase()),
            Length => Value::Int(arg(0).to_text().map_or(0, |b| b.len() as i64)),
            CharLength => Value::Int(to_string(&arg(0)).chars().count() as i64),
            IfNull => {
                if arg(0).is_null() {
                    arg(1)
                } else {
                    arg(0)
                }
            }
            Coalesce => args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null),
            If => {
                if arg(0).truth() == Some(true) {
                    arg(1)
                } else {
                    arg(2)
                }
            }
            NullIf => {
                let (a, b) = (arg(0), arg(1));
                if super::compare(&a, &b) == Some(std::cmp::Ordering::Equal) {
                    Value::Null
                } else {
                    a
                }
            }
            Abs => match arg(0) {
                Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(|| {
                    Error::fmt(errno::ER_DATA_OUT_OF_RANGE, &[&"BIGINT", &format!("abs({i})")])
                })?),
                Value::UInt(u) => Value::UInt(u),
                other => Value::Double(to_f64(&other).abs()),
            },
            Floor | Ceil => match arg(0) {
                v @ (Value::Int(_) | Value::UInt(_)) => v,
                other => {
                    let d = to_f64(&other);
                    Value::Double(if self == Floor { d.floor() } else { d.ceil() })
                }
            },
            Round => round(&arg(0), if args.len() > 1 { to_i64(&arg(1)) } else { 0 }),
            Mod => {
                let (a, b) = (arg(0), arg(1));
                if to_f64(&b) == 0.0 {
                    Value::Null
                } else if matches!(a, Value::Int(_) | Value::UInt(_))
                    && matches!(b, Value::Int(_) | Value::UInt(_))
                {
                    Value::Int(to_i64(&a) % to_i64(&b))
                } else {
                    Value::Double(to_f64(&a) % to_f64(&b))
                }
            }
        })
    }
}

fn concat<'a>(vals: impl Iterator<Item = &'a Value>, sep: &str) -> Value {
    let parts: Vec<String> = vals.map(to_string).collect();
    Value::String(parts.join(sep))
}

fn map_str(v: Value, f: impl Fn(&str) -> String) -> Value {
    match v {
        Value::Bytes(b) => Value::Bytes(b), // LOWER/UPPER leave binary strings alone, as MySQL
        other => Value::String(f(&to_string(&other))),
    }
}

fn round(v: &Value, places: i64) -> Value {
    match v {
        Value::Int(_) | Value::UInt(_) if places >= 0 => v.clone(),
        other => {
            let d = to_f64(other);
            let p = 10f64.powi(places.clamp(-30, 30) as i32);
            let r = (d * p).round() / p;
            match other {
                Value::Int(_) | Value::UInt(_) => Value::Int(r as i64),
                _ => Value::Double(r),
            }
        }
    }
}
