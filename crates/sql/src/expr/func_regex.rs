//! Regular expressions: `REGEXP`/`RLIKE`, REGEXP_LIKE, REGEXP_REPLACE, REGEXP_SUBSTR and
//! REGEXP_INSTR, with the `regex` crate. Matching is case-sensitive by default (FerroDB's strings
//! are `utf8mb4_bin`); the match_type letters `c`, `i`, `m`, `n` work as in MySQL. Positions and
//! lengths count characters.

use std::cell::RefCell;

use errno::{Error, Result, ER_REGEXP_ILLEGAL_ARGUMENT};
use regex::{Regex, RegexBuilder};
use types::Value;

use super::{cast::to_i64, func::Func, func_string_math::text};

thread_local! {
    /// The last pattern compiled on this thread: a statement usually applies one pattern to
    /// many rows.
    static LAST: RefCell<Option<(String, String, Regex)>> = const { RefCell::new(None) };
}

fn compile(pattern: &str, match_type: &str) -> Result<Regex> {
    LAST.with(|last| {
        if let Some((p, m, re)) = last.borrow().as_ref() {
            if p == pattern && m == match_type {
                return Ok(re.clone());
            }
        }
        let mut b = RegexBuilder::new(pattern);
        for c in match_type.chars() {
            match c {
                'c' => b.case_insensitive(false),
                'i' => b.case_insensitive(true),
                'm' => b.multi_line(true),
                'n' => b.dot_matches_new_line(true),
                'u' => &mut b,
                _ => return Err(Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&"regexp"])),
            };
        }
        let re = b.build().map_err(|_| Error::fmt(ER_REGEXP_ILLEGAL_ARGUMENT, &[]))?;
        *last.borrow_mut() = Some((pattern.to_string(), match_type.to_string(), re.clone()));
        Ok(re)
    })
}

/// Byte offset of the 1-based character position `pos` in `s` (`None` past the end).
fn byte_at(s: &str, pos: i64) -> Option<usize> {
    let skip = usize::try_from(pos.checked_sub(1)?).ok()?;
    if skip == s.chars().count() {
        return Some(s.len());
    }
    s.char_indices().nth(skip).map(|(i, _)| i)
}

/// Calls a regular-expression function on evaluated arguments.
pub fn call(func: Func, args: &[Value]) -> Result<Value> {
    if args.iter().take(2).any(Value::is_null) {
        return Ok(Value::Null);
    }
    let s = text(&args[0]);
    let pattern = text(&args[1]);
    let arg = |i: usize| args.get(i).filter(|v| !v.is_null());
    let int = |i: usize, default: i64| arg(i).map_or(default, to_i64);
    let out = match func {
        Func::RegexpLike => {
            let re = compile(&pattern, &arg(2).map(text).unwrap_or_default())?;
            Value::Int(i64::from(re.is_match(&s)))
        }
        Func::RegexpReplace => {
            let Some(replacement) = arg(2).map(text) else { return Ok(Value::Null) };
            let re = compile(&pattern, &arg(5).map(text).unwrap_or_default())?;
            let from = byte_at(&s, int(3, 1))
                .ok_or_else(|| Error::fmt(errno::ER_WRONG_ARGUMENTS, &[&"regexp_replace"]))?;
            let occurrence = int(4, 0);
            let (head, tail) = s.split_at(from);
            let replaced = if occurrence <= 0 {
                re.replace_all(tail, replacement.as_str()).into_owned()
            } else {
                let mut out = String::with_capacity(tail.len());
                let mut last = 0;
                for (n, m) in re.find_iter(tail).enumerate() {
                    if n as i64 + 1 == occurrence {
                        out.push_str(&tail[last..m.start()]);
                        out.push_str(&re.replace(m.as_str(), replacement.as_str()));
                        last = m.end();
                        break;
                    }
                }
                out.push_str(&tail[last..]);
                out
            };
            Value::String(format!("{head}{replaced}"))
        }
        Func::RegexpSubstr | Func::RegexpInstr => {
            let match_type = if func == Func::RegexpSubstr { arg(4) } else { arg(5) };
            let re = compile(&pattern, &match_type.map(text).unwrap_or_default())?;
            let Some(from) = byte_at(&s, int(2, 1)) else {
                return Ok(if func == Func::RegexpSubstr { Value::Null } else { Value::Int(0) });
            };
            let occurrence = int(3, 1).max(1);
            let found = re.find_iter(&s[from..]).nth(occurrence as usize - 1);
            match (func, found) {
                (Func::RegexpSubstr, Some(m)) => Value::String(m.as_str().to_string()),
                (Func::RegexpSubstr, None) => Value::Null,
                (_, Some(m)) => {
                    let at = from + if int(4, 0) == 1 { m.end() } else { m.start() };
                    Value::Int(s[..at].chars().count() as i64 + 1)
                }
                (_, None) => Value::Int(0),
            }
        }
        _ => Value::Null,
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn regexp_functions() {
        assert_eq!(call(Func::RegexpLike, &[s("abcde"), s("^a.c")]).ok(), Some(Value::Int(1)));
        assert_eq!(call(Func::RegexpLike, &[s("ABC"), s("abc")]).ok(), Some(Value::Int(0)));
        assert_eq!(call(Func::RegexpLike, &[s("ABC"), s("abc"), s("i")]).ok(), Some(Value::Int(1)));
        assert_eq!(
            call(Func::RegexpReplace, &[s("a b c"), s("[a-z]"), s("X")]).ok(),
            Some(s("X X X"))
        );
        assert_eq!(
            call(
                Func::RegexpReplace,
                &[s("a b c"), s("[a-z]"), s("X"), Value::Int(1), Value::Int(2)]
            )
            .ok(),
            Some(s("a X c"))
        );
        assert_eq!(
            call(
                Func::RegexpSubstr,
                &[s("abc def ghi"), s("[a-z]+"), Value::Int(1), Value::Int(3)]
            )
            .ok(),
            Some(s("ghi"))
        );
        assert_eq!(
            call(Func::RegexpInstr, &[s("dog cat dog"), s("cat")]).ok(),
            Some(Value::Int(5))
        );
        assert_eq!(call(Func::RegexpLike, &[Value::Null, s("a")]).ok(), Some(Value::Null));
        assert_eq!(call(Func::RegexpLike, &[s("a"), s("(")]).map_err(|e| e.code).err(), Some(3685));
    }
}
