//! TiDB's vector functions over vector text (`'[0.3, 0.5, -0.1]'`): VEC_FROM_TEXT,
//! VEC_AS_TEXT, VEC_DIMS, VEC_L2_NORM and the distances VEC_L1_DISTANCE, VEC_L2_DISTANCE,
//! VEC_COSINE_DISTANCE, VEC_NEGATIVE_INNER_PRODUCT, with TiDB's arithmetic: elements are
//! float32, the distances accumulate in float32 and widen the result to a double, the L2 norm
//! accumulates in float64, a NaN result (cosine of a zero vector) is NULL. The `VECTOR` column
//! type is not here yet: VEC_FROM_TEXT answers with the vector's normalized text.

use errno::{Error, Result};
use types::Value;

use super::{cast::to_string, func::Func};

/// TiDB's dimension limit.
const MAX_DIMS: usize = 16383;

fn invalid(text: &str) -> Error {
    Error::msg(errno::ER_INTERNAL, format!("Invalid vector text: {text}"))
}

/// Parses vector text: a JSON array of finite numbers that fit a float32.
pub fn parse_vector(v: &Value) -> Result<Vec<f32>> {
    let text = match v {
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => to_string(other),
    };
    let items: Vec<serde_json::Value> = match serde_json::from_str(&text) {
        Ok(serde_json::Value::Array(items)) => items,
        _ => return Err(invalid(&text)),
    };
    if items.len() > MAX_DIMS {
        return Err(Error::msg(
            errno::ER_INTERNAL,
            format!("vector cannot have more than {MAX_DIMS} dimensions"),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(x) = item.as_f64() else { return Err(invalid(&text)) };
        if x.is_nan() {
            return Err(Error::msg(errno::ER_INTERNAL, "NaN not allowed in vector"));
        }
        if x.is_infinite() {
            return Err(Error::msg(errno::ER_INTERNAL, "infinite value not allowed in vector"));
        }
        if x.abs() > f64::from(f32::MAX) {
            return Err(Error::msg(
                errno::ER_INTERNAL,
                format!("value {} out of range for float32", go_float(x)),
            ));
        }
        out.push(x as f32);
    }
    Ok(out)
}

/// A double as Go's `%v` prints it (the form TiDB's messages carry): exponent form below 1e-4
/// and from 1e21 on (`1e+39`).
fn go_float(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e21).contains(&a) {
        let s = format!("{x:e}");
        if let Some((m, e)) = s.split_once('e') {
            let e: i32 = e.parse().unwrap_or(0);
            return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
        }
    }
    format!("{x}")
}

/// A vector's text: each element in its shortest round-trip form, without exponent.
pub fn vector_text(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
    format!("[{}]", parts.join(","))
}

fn same_dims(a: &[f32], b: &[f32]) -> Result<()> {
    if a.len() != b.len() {
        return Err(Error::msg(
            errno::ER_INTERNAL,
            format!("vectors have different dimensions: {} and {}", a.len(), b.len()),
        ));
    }
    Ok(())
}

fn double(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        Value::Double(x)
    }
}

/// Calls one of this file's functions; `None` for any other.
pub fn call(func: Func, args: &[Value], any_null: bool) -> Option<Result<Value>> {
    use Func::*;
    if !matches!(
        func,
        VecFromText
            | VecAsText
            | VecDims
            | VecL2Norm
            | VecL1Distance
            | VecL2Distance
            | VecCosineDistance
            | VecNegativeInnerProduct
    ) {
        return None;
    }
    if any_null {
        return Some(Ok(Value::Null));
    }
    Some(vector_call(func, args))
}

fn vector_call(func: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    let a = parse_vector(args.first().unwrap_or(&Value::Null))?;
    match func {
        VecFromText | VecAsText => return Ok(Value::String(vector_text(&a))),
        VecDims => return Ok(Value::Int(a.len() as i64)),
        VecL2Norm => {
            let sum: f64 = a.iter().map(|x| f64::from(*x) * f64::from(*x)).sum();
            return Ok(double(sum.sqrt()));
        }
        _ => {}
    }
    let b = parse_vector(args.get(1).unwrap_or(&Value::Null))?;
    same_dims(&a, &b)?;
    let pairs = a.iter().zip(&b);
    Ok(match func {
        VecL1Distance => double(f64::from(pairs.map(|(x, y)| (x - y).abs()).sum::<f32>())),
        VecL2Distance => {
            double(f64::from(pairs.map(|(x, y)| (x - y) * (x - y)).sum::<f32>()).sqrt())
        }
        VecNegativeInnerProduct => double(-f64::from(pairs.map(|(x, y)| x * y).sum::<f32>())),
        _ => {
            let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
            for (x, y) in pairs {
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            let similarity = f64::from(dot) / (f64::from(na) * f64::from(nb)).sqrt();
            double(1.0 - similarity.clamp(-1.0, 1.0))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Value {
        Value::String(t.into())
    }

    fn run(f: Func, args: &[&str]) -> Result<Value> {
        let args: Vec<Value> = args.iter().map(|a| s(a)).collect();
        call(f, &args, false).expect("a vector function")
    }

    #[test]
    fn docs_examples_and_the_quickstarts_exact_doubles() {
        use Func::*;
        assert_eq!(run(VecL2Distance, &["[0, 3]", "[4, 0]"]).ok(), Some(Value::Double(5.0)));
        assert_eq!(run(VecCosineDistance, &["[1, 1]", "[-1, -1]"]).ok(), Some(Value::Double(2.0)));
        assert_eq!(run(VecCosineDistance, &["[1,2,3]", "[1,2,3]"]).ok(), Some(Value::Double(0.0)));
        assert_eq!(
            run(VecNegativeInnerProduct, &["[1,2,3]", "[1,2,3]"]).ok(),
            Some(Value::Double(-14.0))
        );
        assert_eq!(run(VecL1Distance, &["[0, 0]", "[3, 4]"]).ok(), Some(Value::Double(7.0)));
        assert_eq!(run(VecL2Norm, &["[3, 4]"]).ok(), Some(Value::Double(5.0)));
        assert_eq!(run(VecDims, &["[]"]).ok(), Some(Value::Int(0)));
        assert_eq!(run(VecAsText, &["[1.000, 2.5]"]).ok(), Some(s("[1,2.5]")));
        assert_eq!(run(VecAsText, &["[0.3,     0.5,  -0.1]"]).ok(), Some(s("[0.3,0.5,-0.1]")));
        assert_eq!(
            run(VecAsText, &["[1e-7, 1e20]"]).ok(),
            Some(s("[0.0000001,100000000000000000000]"))
        );
        assert_eq!(run(VecCosineDistance, &["[0, 0]", "[1, 1]"]).ok(), Some(Value::Null));
    }

    #[test]
    fn refusals_carry_tidbs_messages() {
        use Func::*;
        let msg = |r: Result<Value>| r.err().map(|e| (e.code, e.message));
        assert_eq!(
            msg(run(VecL2Distance, &["[1, 2, 3]", "[1, 2, 3, 4]"])),
            Some((1105, "vectors have different dimensions: 3 and 4".into()))
        );
        assert_eq!(
            msg(run(VecDims, &["[5, ]"])),
            Some((1105, "Invalid vector text: [5, ]".into()))
        );
        assert_eq!(msg(run(VecDims, &["null"])), Some((1105, "Invalid vector text: null".into())));
        assert_eq!(
            msg(run(VecDims, &["[1] x"])),
            Some((1105, "Invalid vector text: [1] x".into()))
        );
        assert_eq!(
            msg(run(VecDims, &["[1e39]"])),
            Some((1105, "value 1e+39 out of range for float32".into()))
        );
        let big = format!("[{}]", vec!["0"; 16384].join(","));
        assert!(msg(run(VecDims, &[&big])).is_some_and(|(_, m)| m.contains("16383")));
    }
}
