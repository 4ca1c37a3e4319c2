//! Bound expressions printed as TiDB's EXPLAIN prints them: functional form with TiDB's
//! function names (`eq(test.t.id, 1)`, `and(ge(test.t.a, 1), le(test.t.a, 9))`), columns by
//! their qualified names, strings in double quotes, NULL as `<nil>`.

use std::fmt::Write as _;

use types::Value;

use super::{BinaryOp, Expr, SubqueryKind, UnaryOp};

/// TiDB's name of a binary operator.
fn binary_name(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Plus => "plus",
        Minus => "minus",
        Multiply => "mul",
        Divide => "div",
        IntDiv => "intdiv",
        Modulo => "mod",
        Eq => "eq",
        NullSafeEq => "nulleq",
        NotEq => "ne",
        Lt => "lt",
        LtEq => "le",
        Gt => "gt",
        GtEq => "ge",
        And => "and",
        Or => "or",
        Xor => "xor",
        BitAnd => "bitand",
        BitOr => "bitor",
        BitXor => "bitxor",
        ShiftLeft => "leftshift",
        ShiftRight => "rightshift",
    }
}

fn literal(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::String(_) | Value::Bytes(_) | Value::Temporal(_) | Value::Time(_) => {
            let _ = write!(out, "{:?}", v.to_string());
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn call(name: &str, args: &[&Expr], names: &[String], out: &mut String) {
    out.push_str(name);
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(a, names, out);
    }
    out.push(')');
}

/// Appends `e` to `out`; `names` name the input row's columns.
pub fn write_expr(e: &Expr, names: &[String], out: &mut String) {
    match e {
        Expr::Literal(v) => literal(v, out),
        Expr::Column(i) => match names.get(*i) {
            Some(n) => out.push_str(n),
            None => {
                let _ = write!(out, "Column#{i}");
            }
        },
        Expr::Param(i) => {
            let _ = write!(out, "?{i}");
        }
        Expr::SysVar { name, .. } => {
            let _ = write!(out, "@@{name}");
        }
        Expr::UserVar(name) => {
            let _ = write!(out, "getvar(\"{name}\")");
        }
        Expr::Unary { op, arg } => {
            let name = match op {
                UnaryOp::Not => "not",
                UnaryOp::Neg => "unaryminus",
                UnaryOp::BitNot => "bitneg",
            };
            call(name, &[arg], names, out);
        }
        Expr::Binary { .. } => {
            // A left-deep chain prints as nested calls, written in a loop down its spine.
            let mut spine = Vec::new();
            let mut leaf = e;
            while let Expr::Binary { op, left, right } = leaf {
                spine.push((*op, right));
                leaf = left;
            }
            for (op, _) in &spine {
                out.push_str(binary_name(*op));
                out.push('(');
            }
            write_expr(leaf, names, out);
            for (_, right) in spine.iter().rev() {
                out.push_str(", ");
                write_expr(right, names, out);
                out.push(')');
            }
        }
        Expr::IsNull { arg, negated: false } => call("isnull", &[arg], names, out),
        Expr::IsNull { arg, negated: true } => {
            out.push_str("not(");
            call("isnull", &[arg], names, out);
            out.push(')');
        }
        Expr::IsBool { arg, value, negated } => {
            let name = match (value, negated) {
                (true, false) => "istrue",
                (true, true) => "not(istrue)",
                (false, false) => "isfalse",
                (false, true) => "not(isfalse)",
            };
            call(name, &[arg], names, out);
        }
        Expr::Like { arg, pattern, escape, negated } => {
            if *negated {
                out.push_str("not(");
            }
            call("like", &[arg, pattern], names, out);
            out.pop();
            let _ = write!(out, ", {})", u32::from(*escape));
            if *negated {
                out.push(')');
            }
        }
        Expr::RowIn { or, .. } => write_expr(or, names, out),
        Expr::InList { arg, list, negated, .. } => {
            if *negated {
                out.push_str("not(");
            }
            let mut args: Vec<&Expr> = vec![arg];
            args.extend(list.iter());
            call("in", &args, names, out);
            if *negated {
                out.push(')');
            }
        }
        Expr::Between { arg, low, high, negated } => {
            if *negated {
                out.push_str("not(");
            }
            out.push_str("and(");
            call("ge", &[arg, low], names, out);
            out.push_str(", ");
            call("le", &[arg, high], names, out);
            out.push(')');
            if *negated {
                out.push(')');
            }
        }
        Expr::Case { operand, whens, else_ } => {
            let mut args: Vec<&Expr> = Vec::new();
            for (w, t) in whens {
                args.push(w);
                args.push(t);
            }
            if let Some(e) = else_ {
                args.push(e);
            }
            match operand {
                Some(o) => {
                    out.push_str("case(");
                    write_expr(o, names, out);
                    out.push_str(", ");
                    call("", &args, names, out);
                    out.push(')');
                }
                None => call("case", &args, names, out),
            }
        }
        Expr::Cast { arg, target } => {
            out.push_str("cast(");
            write_expr(arg, names, out);
            let _ = write!(out, ", {target:?})");
        }
        Expr::Func { func, args } => {
            let args: Vec<&Expr> = args.iter().collect();
            let name = match func {
                crate::expr::func::Func::Trig(i) => {
                    crate::expr::func::TRIG[usize::from(*i) % 7].to_ascii_lowercase()
                }
                other => format!("{other:?}").to_ascii_lowercase(),
            };
            call(&name, &args, names, out);
        }
        Expr::Subquery { sub, kind, .. } => {
            let id = sub.id;
            out.push_str(&match kind {
                SubqueryKind::Scalar => format!("scalar(subquery_{id})"),
                SubqueryKind::Exists { negated: false } => format!("exists(subquery_{id})"),
                SubqueryKind::Exists { negated: true } => format!("not(exists(subquery_{id}))"),
                SubqueryKind::In { negated: false, .. } => format!("in(subquery_{id})"),
                SubqueryKind::In { negated: true, .. } => format!("not(in(subquery_{id}))"),
            })
        }
    }
}

/// `e` as TiDB's EXPLAIN prints it.
pub fn explain_expr(e: &Expr, names: &[String]) -> String {
    let mut out = String::new();
    write_expr(e, names, &mut out);
    out
}
