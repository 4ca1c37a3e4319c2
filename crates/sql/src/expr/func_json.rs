//! JSON functions over JSON text (a document is parsed per call and printed back in MySQL's
//! form, `convert::json_text`): JSON_EXTRACT and `->` / `->>`, JSON_UNQUOTE, JSON_OBJECT,
//! JSON_ARRAY, JSON_QUOTE, JSON_TYPE, JSON_VALID, JSON_LENGTH, JSON_DEPTH, JSON_KEYS,
//! JSON_CONTAINS, JSON_CONTAINS_PATH, JSON_SET / INSERT / REPLACE / REMOVE,
//! JSON_ARRAY_APPEND, JSON_MERGE_PATCH, JSON_MERGE_PRESERVE, JSON_PRETTY.
//!
//! Which SQL values are JSON documents is decided when binding: an argument whose static
//! type is not JSON and that a function takes as a value (JSON_OBJECT's, JSON_SET's …) is
//! wrapped in [`Func::ToJson`], which makes a JSON scalar of it (`'x'` → `"x"`, `1` → `1`).

use errno::{Error, Result};
use serde_json::Value as J;
use types::Value;

use super::{
    cast::{to_f64, to_string},
    func::Func,
};
use crate::convert::json_text;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.key` / `."key"`.
    Key(String),
    /// `.*`.
    AnyKey,
    /// `[n]`; `[last - n]` counts from the end.
    Index { from_end: bool, n: usize },
    /// `[*]`.
    AnyIndex,
    /// `**`.
    AnyDepth,
}

fn bad_path(path: &str) -> Error {
    Error::msg(
        errno::ER_INVALID_JSON_PATH,
        format!(
            "Invalid JSON path expression. The error is around character position {}.",
            path.len()
        ),
    )
}

/// Parses a path `$…`.
fn parse_path(path: &str) -> Result<Vec<Step>> {
    let p = path.trim();
    let mut rest = p.strip_prefix('$').ok_or_else(|| bad_path(path))?;
    let mut steps = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(steps);
        }
        if let Some(r) = rest.strip_prefix("**") {
            steps.push(Step::AnyDepth);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('.') {
            let r = r.trim_start();
            if let Some(r) = r.strip_prefix('*') {
                steps.push(Step::AnyKey);
                rest = r;
            } else if let Some(r) = r.strip_prefix('"') {
                let end = r.find('"').ok_or_else(|| bad_path(path))?;
                steps.push(Step::Key(r[..end].to_string()));
                rest = &r[end + 1..];
            } else {
                let end =
                    r.find(|c: char| c == '.' || c == '[' || c.is_whitespace()).unwrap_or(r.len());
                if end == 0 {
                    return Err(bad_path(path));
                }
                steps.push(Step::Key(r[..end].to_string()));
                rest = &r[end..];
            }
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| bad_path(path))?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if inner == "*" {
                steps.push(Step::AnyIndex);
            } else if let Some(l) = inner.strip_prefix("last") {
                let l = l.trim();
                let n = match l.strip_prefix('-') {
                    Some(d) => d.trim().parse().map_err(|_| bad_path(path))?,
                    None if l.is_empty() => 0,
                    None => return Err(bad_path(path)),
                };
                steps.push(Step::Index { from_end: true, n });
            } else {
                let n = inner.parse().map_err(|_| bad_path(path))?;
                steps.push(Step::Index { from_end: false, n });
            }
        } else {
            return Err(bad_path(path));
        }
    }
}

/// Whether a path has wildcards (its results are gathered into an array).
fn wild(steps: &[Step]) -> bool {
    steps.iter().any(|s| matches!(s, Step::AnyKey | Step::AnyIndex | Step::AnyDepth))
}

/// Every value `steps` reaches in `v`.
fn select<'v>(v: &'v J, steps: &[Step], out: &mut Vec<&'v J>) {
    let Some((first, rest)) = steps.split_first() else {
        out.push(v);
        return;
    };
    match first {
        Step::Key(k) => {
            if let Some(x) = v.as_object().and_then(|o| o.get(k)) {
                select(x, rest, out);
            }
        }
        Step::AnyKey => {
            if let Some(o) = v.as_object() {
                for x in o.values() {
                    select(x, rest, out);
                }
            }
        }
        Step::Index { from_end, n } => match v {
            J::Array(a) => {
                let i = position(*from_end, *n, a.len());
                if let Some(x) = i.and_then(|i| a.get(i)) {
                    select(x, rest, out);
                }
            }
            // A scalar is an array of itself at [0].
            other if *n == 0 => select(other, rest, out),
            _ => {}
        },
        Step::AnyIndex => {
            if let Some(a) = v.as_array() {
                for x in a {
                    select(x, rest, out);
                }
            }
        }
        Step::AnyDepth => {
            select(v, rest, out);
            match v {
                J::Array(a) => a.iter().for_each(|x| select(x, steps, out)),
                J::Object(o) => o.values().for_each(|x| select(x, steps, out)),
                _ => {}
            }
        }
    }
}

/// A document argument: JSON text parsed (3141 when it is not JSON).
fn document(v: &Value, arg: usize, func: &str) -> Result<J> {
    let text = match v {
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => to_string(other),
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::msg(
            errno::ER_INVALID_JSON_TEXT_IN_PARAM,
            format!(
                "Invalid JSON text in argument {arg} to function {func}: \"{e}\" at position {}.",
                e.column()
            ),
        )
    })
}

/// A SQL value as a JSON scalar (what `Func::ToJson` makes of a non-JSON argument).
pub fn scalar(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Int(i) => J::from(*i),
        Value::UInt(u) => J::from(*u),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(J::Null, J::Number),
        Value::Decimal(_) => {
            let f = to_f64(v);
            match serde_json::from_str::<J>(&to_string(v)) {
                Ok(n @ J::Number(_)) => n,
                _ => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
            }
        }
        Value::Bytes(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        other => J::String(to_string(other)),
    }
}

/// A JSON value as the SQL value it compares as: a string as its text, a number as a number,
/// true and false as 1 and 0, null as the text `null`, an array or object as its JSON text.
/// Text that is not JSON stays as it is.
fn sql_value(v: &Value) -> Value {
    let parsed = match v {
        Value::String(s) => serde_json::from_str::<J>(s).ok(),
        _ => None,
    };
    match parsed {
        Some(J::String(s)) => Value::String(s),
        Some(J::Bool(b)) => Value::Int(i64::from(b)),
        Some(J::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            (None, Some(u), _) => Value::UInt(u),
            (_, _, Some(f)) => Value::Double(f),
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

/// Whether JSON text `json` equals the SQL value `v`: a JSON string equals the same text,
/// a number or boolean the same number (true is 1), JSON null the text `null` (what
/// `CASE JSON_EXTRACT(…) WHEN 'null'` relies on), an array or object its JSON text.
fn json_eq(json: &Value, v: &Value) -> Value {
    let Some(j) = (match json {
        Value::String(s) => serde_json::from_str::<J>(s).ok(),
        _ => None,
    }) else {
        return Value::Int(i64::from(super::compare(json, v) == Some(std::cmp::Ordering::Equal)));
    };
    let numeric =
        matches!(v, Value::Int(_) | Value::UInt(_) | Value::Double(_) | Value::Decimal(_));
    let equal = match &j {
        J::Null => matches!(v, Value::String(s) if s == "null"),
        J::Bool(b) => numeric && (to_f64(v) != 0.0) == *b,
        J::Number(n) => match (numeric, v) {
            (true, _) => n.as_f64() == Some(to_f64(v)),
            (false, Value::String(s)) => s.trim().parse::<f64>().ok() == n.as_f64(),
            _ => false,
        },
        J::String(s) => match numeric {
            true => s.trim().parse::<f64>().ok() == Some(to_f64(v)),
            false => *s == to_string(v),
        },
        other => json_text(other) == to_string(v),
    };
    Value::Int(i64::from(equal))
}

fn out(v: &J) -> Value {
    Value::String(json_text(v))
}

/// A JSON document as the SQL value a JSON result is (its normalized text).
pub fn json_value(v: &J) -> Value {
    out(v)
}

/// A value known to hold JSON text (a JSON-typed expression's result) as a document; `null`
/// for NULL or text that is not JSON.
pub fn parse_document(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bytes(b) => serde_json::from_slice(b).unwrap_or(J::Null),
        other => serde_json::from_str(&to_string(other)).unwrap_or(J::Null),
    }
}

/// The unquoted text of a JSON value (JSON_UNQUOTE, `->>`): a string's contents, else its
/// JSON text.
fn unquoted(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => json_text(other),
    }
}

fn type_name(v: &J) -> &'static str {
    match v {
        J::Null => "NULL",
        J::Bool(_) => "BOOLEAN",
        J::Number(n) if n.is_f64() => "DOUBLE",
        J::Number(n) if n.is_u64() && !n.is_i64() => "UNSIGNED INTEGER",
        J::Number(_) => "INTEGER",
        J::String(_) => "STRING",
        J::Array(_) => "ARRAY",
        J::Object(_) => "OBJECT",
    }
}

fn depth(v: &J) -> i64 {
    match v {
        J::Array(a) if !a.is_empty() => 1 + a.iter().map(depth).max().unwrap_or(0),
        J::Object(o) if !o.is_empty() => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 1,
    }
}

/// Whether `target` contains `candidate` (MySQL's JSON_CONTAINS rules).
fn contains(target: &J, candidate: &J) -> bool {
    match (target, candidate) {
        (J::Array(_), J::Array(c)) => c.iter().all(|x| contains(target, x)),
        (J::Array(t), c) => t.iter().any(|x| contains(x, c)),
        (J::Object(t), J::Object(c)) => {
            c.iter().all(|(k, x)| t.get(k).is_some_and(|y| contains(y, x)))
        }
        (J::Number(a), J::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// The paths of the string values in `v` matching LIKE `pattern`, in document order.
fn search(v: &J, at: String, pattern: &str, escape: char, out: &mut Vec<String>) {
    match v {
        J::String(s) if super::like_match(s, pattern, escape, true) => out.push(at),
        J::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                search(x, format!("{at}[{i}]"), pattern, escape, out);
            }
        }
        J::Object(o) => {
            for (k, x) in o {
                let key = if k.chars().all(|c| c.is_alphanumeric() || c == '_') && !k.is_empty() {
                    k.clone()
                } else {
                    J::String(k.clone()).to_string()
                };
                search(x, format!("{at}.{key}"), pattern, escape, out);
            }
        }
        _ => {}
    }
}

/// A path without wildcards as text (`$.a[1]`), for prefix tests.
fn path_text(steps: &[Step]) -> Option<String> {
    let mut s = "$".to_string();
    for st in steps {
        match st {
            Step::Key(k) => s.push_str(&format!(".{k}")),
            Step::Index { from_end: false, n } => s.push_str(&format!("[{n}]")),
            _ => return None,
        }
    }
    Some(s)
}

/// JSON_OVERLAPS: a common element of two arrays, a common key-value pair of two objects,
/// else equality (an array overlaps a scalar it holds).
fn overlaps(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Array(x), J::Array(y)) => {
            x.iter().any(|e| y.iter().any(|f| contains(e, f) && contains(f, e)))
        }
        (J::Array(x), s) | (s, J::Array(x)) => x.iter().any(|e| contains(e, s) && contains(s, e)),
        (J::Object(x), J::Object(y)) => {
            x.iter().any(|(k, v)| y.get(k).is_some_and(|w| contains(v, w) && contains(w, v)))
        }
        (x, y) => contains(x, y) && contains(y, x),
    }
}

/// How JSON_SET, JSON_INSERT and JSON_REPLACE treat a path.
#[derive(Clone, Copy, PartialEq)]
enum Write {
    Set,
    Insert,
    Replace,
    Append,
}

/// Applies one write at `steps` (no wildcards) to `doc`.
fn write(doc: &mut J, steps: &[Step], value: J, how: Write) {
    let Some((last, parents)) = steps.split_last() else {
        match how {
            Write::Set | Write::Replace => *doc = value,
            Write::Append => append(doc, value),
            Write::Insert => {}
        }
        return;
    };
    let Some(at) = reach_mut(doc, parents) else { return };
    match (last, at) {
        (Step::Key(k), J::Object(o)) => {
            let exists = o.contains_key(k);
            match how {
                Write::Set => {
                    o.insert(k.clone(), value);
                }
                Write::Insert if !exists => {
                    o.insert(k.clone(), value);
                }
                Write::Replace if exists => {
                    o.insert(k.clone(), value);
                }
                Write::Append => {
                    if let Some(x) = o.get_mut(k) {
                        append(x, value);
                    }
                }
                _ => {}
            }
        }
        (Step::Index { from_end, n }, J::Array(a)) => {
            let i = position(*from_end, *n, a.len());
            match (i.filter(|&i| i < a.len()), how) {
                (Some(i), Write::Set | Write::Replace) => a[i] = value,
                (Some(i), Write::Append) => append(&mut a[i], value),
                (None, Write::Set | Write::Insert) => a.push(value),
                _ => {}
            }
        }
        (Step::Index { from_end: false, n }, scalar) if how != Write::Append => {
            // A scalar is an array of itself: [0] is it, a later index appends.
            match (*n, how) {
                (0, Write::Set | Write::Replace) => *scalar = value,
                (n, Write::Set | Write::Insert) if n > 0 => {
                    let old = std::mem::take(scalar);
                    *scalar = J::Array(vec![old, value]);
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The position `[n]` (or `[last - n]`) names in an array of `len` elements.
fn position(from_end: bool, n: usize, len: usize) -> Option<usize> {
    if from_end {
        len.checked_sub(1 + n)
    } else {
        Some(n)
    }
}

/// The value `steps` (keys and indexes, no wildcards) lead to in `doc`, if it is there.
fn reach_mut<'v>(doc: &'v mut J, steps: &[Step]) -> Option<&'v mut J> {
    let mut at = doc;
    for s in steps {
        at = match (s, at) {
            (Step::Key(k), J::Object(o)) => o.get_mut(k)?,
            (Step::Index { from_end, n }, J::Array(a)) => {
                let i = position(*from_end, *n, a.len())?;
                a.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(at)
}

fn append(x: &mut J, value: J) {
    match x {
        J::Array(a) => a.push(value),
        other => {
            let old = std::mem::take(other);
            *other = J::Array(vec![old, value]);
        }
    }
}

fn remove(doc: &mut J, steps: &[Step]) {
    let Some((last, parents)) = steps.split_last() else { return };
    let Some(at) = reach_mut(doc, parents) else { return };
    match (last, at) {
        (Step::Key(k), J::Object(o)) => {
            o.remove(k);
        }
        (Step::Index { from_end, n }, J::Array(a)) => {
            let i = position(*from_end, *n, a.len());
            if let Some(i) = i.filter(|&i| i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

fn merge_patch(target: J, patch: J) -> J {
    match patch {
        J::Object(p) => {
            let mut t = match target {
                J::Object(t) => t,
                _ => serde_json::Map::new(),
            };
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else {
                    let old = t.remove(&k).unwrap_or(J::Null);
                    t.insert(k, merge_patch(old, v));
                }
            }
            J::Object(t)
        }
        other => other,
    }
}

fn merge_preserve(a: J, b: J) -> J {
    match (a, b) {
        (J::Object(mut x), J::Object(y)) => {
            for (k, v) in y {
                let merged = match x.remove(&k) {
                    Some(old) => merge_preserve(old, v),
                    None => v,
                };
                x.insert(k, merged);
            }
            J::Object(x)
        }
        (J::Array(mut x), J::Array(y)) => {
            x.extend(y);
            J::Array(x)
        }
        (J::Array(mut x), other) => {
            x.push(other);
            J::Array(x)
        }
        (other, J::Array(y)) => {
            let mut x = vec![other];
            x.extend(y);
            J::Array(x)
        }
        (a, b) => J::Array(vec![a, b]),
    }
}

fn pretty(v: &J, indent: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        J::Array(a) if !a.is_empty() => {
            out.push_str("[\n");
            for (i, x) in a.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                pretty(x, indent + 1, out);
                out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        J::Object(o) if !o.is_empty() => {
            out.push_str("{\n");
            for (i, (k, x)) in o.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&J::String(k.clone()).to_string());
                out.push_str(": ");
                pretty(x, indent + 1, out);
                out.push_str(if i + 1 < o.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        other => out.push_str(&json_text(other)),
    }
}

/// Calls one of this file's functions; `None` for any other.
pub fn call(func: Func, args: &[Value], any_null: bool) -> Option<Result<Value>> {
    use Func::*;
    match func {
        JsonExtract | JsonUnquote | JsonObject | JsonArray | JsonQuote | JsonType | JsonValid
        | JsonLength | JsonDepth | JsonKeys | JsonContains | JsonContainsPath | JsonSet
        | JsonInsert | JsonReplace | JsonRemove | JsonArrayAppend | JsonMergePatch
        | JsonMergePreserve | JsonPretty | ToJson | JsonExtractText | JsonValue | JsonEq
        | JsonSearch | JsonArrayInsert | JsonOverlaps | JsonStorageFree => {}
        _ => return None,
    }
    Some(json(func, args, any_null))
}

fn json(func: Func, args: &[Value], any_null: bool) -> Result<Value> {
    use Func::*;
    let name = func_name(func);
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    // Functions that take NULL as a value.
    match func {
        ToJson => return Ok(out(&scalar(&arg(0)))),
        JsonValue => return Ok(sql_value(&arg(0))),
        JsonEq if any_null => return Ok(Value::Null),
        JsonEq => return Ok(json_eq(&arg(0), &arg(1))),
        JsonObject => {
            if args.len() % 2 == 1 {
                return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name]));
            }
            let mut map = serde_json::Map::new();
            for pair in args.chunks(2) {
                if pair[0].is_null() {
                    return Err(Error::msg(
                        errno::ER_JSON_DOCUMENT_NULL_KEY,
                        "JSON documents may not contain NULL member names.",
                    ));
                }
                map.insert(to_string(&pair[0]), document(&pair[1], 2, name)?);
            }
            return Ok(out(&J::Object(map)));
        }
        JsonArray => {
            let items = args.iter().map(|a| document(a, 1, name)).collect::<Result<Vec<_>>>()?;
            return Ok(out(&J::Array(items)));
        }
        JsonValid => {
            return Ok(match &arg(0) {
                Value::Null => Value::Null,
                v => Value::Int(i64::from(document(v, 1, name).is_ok())),
            })
        }
        // A document is never updated in place with space left over (TiDB: always 0).
        JsonStorageFree => {
            return match &arg(0) {
                Value::Null => Ok(Value::Null),
                v => document(v, 1, name).map(|_| Value::Int(0)),
            }
        }
        _ => {}
    }
    if any_null && !matches!(func, JsonSet | JsonInsert | JsonReplace | JsonArrayAppend) {
        return Ok(Value::Null);
    }
    if matches!(func, JsonSet | JsonInsert | JsonReplace | JsonArrayAppend) && arg(0).is_null() {
        return Ok(Value::Null);
    }
    if func == JsonQuote {
        return Ok(Value::String(J::String(to_string(&arg(0))).to_string()));
    }
    if func == JsonUnquote {
        let text = to_string(&arg(0));
        return Ok(Value::String(match serde_json::from_str::<J>(&text) {
            Ok(J::String(s)) if text.trim_start().starts_with('"') => s,
            _ => text,
        }));
    }
    let doc = document(&arg(0), 1, name)?;
    let paths = |from: usize, step: usize| -> Result<Vec<Vec<Step>>> {
        args.iter().skip(from).step_by(step).map(|p| parse_path(&to_string(p))).collect()
    };
    let at = |steps: &[Step]| {
        let mut found = Vec::new();
        select(&doc, steps, &mut found);
        found
    };
    Ok(match func {
        JsonExtract | JsonExtractText => {
            let ps = paths(1, 1)?;
            let mut found: Vec<J> = Vec::new();
            for p in &ps {
                found.extend(at(p).into_iter().cloned());
            }
            let single = ps.len() == 1 && !wild(&ps[0]);
            let v = match (single, found.len()) {
                (_, 0) => return Ok(Value::Null),
                (true, _) => found.swap_remove(0),
                (false, _) => J::Array(found),
            };
            if func == JsonExtractText {
                Value::String(unquoted(&v))
            } else {
                out(&v)
            }
        }
        JsonType => Value::String(type_name(&doc).into()),
        JsonLength | JsonDepth | JsonKeys => {
            let target = match args.len() {
                1 => Some(doc.clone()),
                _ => {
                    let p = parse_path(&to_string(&arg(1)))?;
                    at(&p).first().map(|v| (*v).clone())
                }
            };
            let Some(t) = target else { return Ok(Value::Null) };
            match func {
                JsonLength => Value::Int(match &t {
                    J::Array(a) => a.len() as i64,
                    J::Object(o) => o.len() as i64,
                    _ => 1,
                }),
                JsonDepth => Value::Int(depth(&t)),
                _ => match &t {
                    J::Object(o) => {
                        out(&J::Array(o.keys().map(|k| J::String(k.clone())).collect()))
                    }
                    _ => Value::Null,
                },
            }
        }
        JsonContains => {
            let candidate = document(&arg(1), 2, name)?;
            let target = match args.len() {
                2 => Some(doc.clone()),
                _ => at(&parse_path(&to_string(&arg(2)))?).first().map(|v| (*v).clone()),
            };
            match target {
                Some(t) => Value::Int(i64::from(contains(&t, &candidate))),
                None => Value::Null,
            }
        }
        JsonContainsPath => {
            let all = match to_string(&arg(1)).to_ascii_lowercase().as_str() {
                "all" => true,
                "one" => false,
                _ => {
                    return Err(Error::msg(
                        errno::ER_JSON_BAD_ONE_OR_ALL_ARG,
                        "The oneOrAll argument to json_contains_path may take these values: 'one' or 'all'.",
                    ))
                }
            };
            let ps = paths(2, 1)?;
            let hits = ps.iter().map(|p| !at(p).is_empty());
            let found = if all { hits.clone().all(|h| h) } else { hits.clone().any(|h| h) };
            Value::Int(i64::from(found))
        }
        JsonSet | JsonInsert | JsonReplace | JsonArrayAppend => {
            if args.len().is_multiple_of(2) {
                return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name]));
            }
            let how = match func {
                JsonSet => Write::Set,
                JsonInsert => Write::Insert,
                JsonReplace => Write::Replace,
                _ => Write::Append,
            };
            let mut doc = doc;
            for pair in args[1..].chunks(2) {
                if pair[0].is_null() {
                    return Ok(Value::Null);
                }
                let steps = parse_path(&to_string(&pair[0]))?;
                if wild(&steps) {
                    return Err(Error::msg(
                        errno::ER_INVALID_JSON_PATH_WILDCARD,
                        "In this situation, path expressions may not contain the * and ** tokens.",
                    ));
                }
                write(&mut doc, &steps, document(&pair[1], 3, name)?, how);
            }
            out(&doc)
        }
        JsonRemove => {
            let mut doc = doc;
            for p in paths(1, 1)? {
                if p.is_empty() || wild(&p) {
                    return Err(Error::msg(
                        errno::ER_INVALID_JSON_PATH_WILDCARD,
                        "In this situation, path expressions may not contain the * and ** tokens.",
                    ));
                }
                remove(&mut doc, &p);
            }
            out(&doc)
        }
        JsonMergePatch | JsonMergePreserve => {
            let mut acc = doc;
            for (i, a) in args.iter().enumerate().skip(1) {
                let next = document(a, i + 1, name)?;
                acc = match func {
                    JsonMergePatch => merge_patch(acc, next),
                    _ => merge_preserve(acc, next),
                };
            }
            out(&acc)
        }
        JsonPretty => {
            let mut s = String::new();
            pretty(&doc, 0, &mut s);
            Value::String(s)
        }
        JsonSearch => {
            let all = match to_string(&arg(1)).to_ascii_lowercase().as_str() {
                "all" => true,
                "one" => false,
                _ => return Err(Error::msg(
                    errno::ER_JSON_BAD_ONE_OR_ALL_ARG,
                    "The oneOrAll argument to json_search may take these values: 'one' or 'all'.",
                )),
            };
            let pattern = to_string(&arg(2));
            let escape = match args.get(3).map(to_string) {
                Some(e) if !e.is_empty() => e.chars().next().unwrap_or('\\'),
                _ => '\\',
            };
            let mut found = Vec::new();
            search(&doc, "$".to_string(), &pattern, escape, &mut found);
            let within: Vec<Vec<Step>> = paths(4, 1)?;
            if !within.is_empty() {
                found.retain(|p| {
                    within.iter().any(|w| path_text(w).is_some_and(|w| p.starts_with(&w)))
                });
            }
            match (found.len(), all) {
                (0, _) => Value::Null,
                (_, false) | (1, true) => out(&J::String(found.swap_remove(0))),
                _ => out(&J::Array(found.into_iter().map(J::String).collect())),
            }
        }
        JsonArrayInsert => {
            if args.len().is_multiple_of(2) {
                return Err(Error::fmt(errno::ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT, &[&name]));
            }
            let mut doc = doc;
            for pair in args[1..].chunks(2) {
                let steps = parse_path(&to_string(&pair[0]))?;
                let Some((Step::Index { from_end: false, n }, parents)) = steps.split_last() else {
                    return Err(bad_path(&to_string(&pair[0])));
                };
                let value = document(&pair[1], 3, name)?;
                if wild(parents) {
                    return Err(bad_path(&to_string(&pair[0])));
                }
                if let Some(J::Array(a)) = reach_mut(&mut doc, parents) {
                    let i = (*n).min(a.len());
                    a.insert(i, value);
                }
            }
            out(&doc)
        }
        JsonOverlaps => {
            let other = document(&arg(1), 2, name)?;
            Value::Int(i64::from(overlaps(&doc, &other)))
        }
        _ => Value::Null,
    })
}

fn func_name(f: Func) -> &'static str {
    use Func::*;
    match f {
        JsonExtract | JsonExtractText => "json_extract",
        JsonUnquote => "json_unquote",
        JsonObject => "json_object",
        JsonArray => "json_array",
        JsonQuote => "json_quote",
        JsonType => "json_type",
        JsonValid => "json_valid",
        JsonLength => "json_length",
        JsonDepth => "json_depth",
        JsonKeys => "json_keys",
        JsonContains => "json_contains",
        JsonContainsPath => "json_contains_path",
        JsonSet => "json_set",
        JsonInsert => "json_insert",
        JsonReplace => "json_replace",
        JsonRemove => "json_remove",
        JsonArrayAppend => "json_array_append",
        JsonMergePatch => "json_merge_patch",
        JsonMergePreserve => "json_merge_preserve",
        JsonSearch => "json_search",
        JsonArrayInsert => "json_array_insert",
        JsonOverlaps => "json_overlaps",
        JsonPretty => "json_pretty",
        JsonStorageFree => "json_storage_free",
        _ => "json",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn run(f: Func, args: &[Value]) -> Value {
        let any_null = args.iter().any(Value::is_null);
        call(f, args, any_null).expect("a json function").expect("no error")
    }

    #[test]
    fn paths_select_keys_indexes_and_wildcards() {
        let doc = s(r#"{"a": {"b": [10, 20, {"c": 3}]}, "d": "x"}"#);
        assert_eq!(run(Func::JsonExtract, &[doc.clone(), s("$.a.b[1]")]), s("20"));
        assert_eq!(run(Func::JsonExtract, &[doc.clone(), s("$.a.b[last].c")]), s("3"));
        assert_eq!(run(Func::JsonExtract, &[doc.clone(), s("$.d")]), s("\"x\""));
        assert_eq!(run(Func::JsonExtractText, &[doc.clone(), s("$.d")]), s("x"));
        assert_eq!(run(Func::JsonExtract, &[doc.clone(), s("$.nope")]), Value::Null);
        assert_eq!(
            run(Func::JsonExtract, &[doc.clone(), s("$.a.b[*]")]),
            s(r#"[10, 20, {"c": 3}]"#)
        );
        assert_eq!(run(Func::JsonExtract, &[doc.clone(), s("$**.c")]), s("[3]"));
        assert_eq!(run(Func::JsonExtract, &[doc, s("$.d"), s("$.a.b[0]")]), s(r#"["x", 10]"#));
        assert!(parse_path("a.b").is_err() && parse_path("$.").is_err());
    }

    #[test]
    fn writes_follow_set_insert_replace_rules() {
        let doc = s(r#"{"a": 1, "b": [1, 2]}"#);
        assert_eq!(
            run(Func::JsonSet, &[doc.clone(), s("$.a"), s("5"), s("$.c"), s("true")]),
            s(r#"{"a": 5, "b": [1, 2], "c": true}"#)
        );
        assert_eq!(
            run(Func::JsonInsert, &[doc.clone(), s("$.a"), s("5"), s("$.b[5]"), s("3")]),
            s(r#"{"a": 1, "b": [1, 2, 3]}"#)
        );
        assert_eq!(
            run(Func::JsonReplace, &[doc.clone(), s("$.a"), s("5"), s("$.c"), s("1")]),
            s(r#"{"a": 5, "b": [1, 2]}"#)
        );
        assert_eq!(run(Func::JsonRemove, &[doc.clone(), s("$.b[0]")]), s(r#"{"a": 1, "b": [2]}"#));
        assert_eq!(
            run(Func::JsonArrayAppend, &[doc, s("$.a"), s("2")]),
            s(r#"{"a": [1, 2], "b": [1, 2]}"#)
        );
    }

    #[test]
    fn contains_merges_and_shapes() {
        assert_eq!(
            run(Func::JsonContains, &[s(r#"{"a": [1, 2]}"#), s(r#"{"a": [2]}"#)]),
            Value::Int(1)
        );
        assert_eq!(run(Func::JsonContains, &[s("[1, 2]"), s("3")]), Value::Int(0));
        assert_eq!(
            run(Func::JsonMergePatch, &[s(r#"{"a": 1, "b": 2}"#), s(r#"{"a": null, "c": 3}"#)]),
            s(r#"{"b": 2, "c": 3}"#)
        );
        assert_eq!(
            run(Func::JsonMergePreserve, &[s("[1]"), s(r#"{"a": 1}"#)]),
            s(r#"[1, {"a": 1}]"#)
        );
        assert_eq!(run(Func::JsonDepth, &[s("[[1]]")]), Value::Int(3));
        assert_eq!(run(Func::JsonType, &[s("1.5")]), s("DOUBLE"));
        assert_eq!(run(Func::ToJson, &[s("x")]), s("\"x\""));
        assert_eq!(run(Func::JsonValid, &[s("{bad")]), Value::Int(0));
    }
}
