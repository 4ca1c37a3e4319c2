//! TIME built-ins: CURTIME, TIME, TIME_TO_SEC, SEC_TO_TIME, TIMEDIFF, ADDTIME/SUBTIME,
//! TIME_FORMAT, and the
//! HOUR/MINUTE/SECOND of times beyond one day (`HOUR('100:00:00')` is 100).

use types::{Duration, Temporal, TemporalKind, Value, MAX_TIME_MICROS};

use super::{cast::to_f64, func_time::as_temporal};

/// A value as a TIME, if it is one or converts to one (date-times give their time of day,
/// numbers read as `HHMMSS[.f]`).
pub fn as_time(v: &Value) -> Option<Duration> {
    match v {
        Value::Time(d) => Some(*d),
        Value::Temporal(t) => Some(Duration::of_day(t)),
        Value::String(s) => Duration::parse(s),
        Value::Bytes(b) => Duration::parse(&String::from_utf8_lossy(b)),
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => Duration::parse(&v.to_string()),
        Value::Double(d) => Duration::parse(&format!("{d:.6}")),
        Value::Null => None,
    }
}

/// Whether a value is written as a bare time (no date part), so it reads as TIME first.
fn looks_like_time(v: &Value) -> bool {
    match v {
        Value::Time(_) => true,
        Value::String(s) => s.contains(':') && !s.trim().contains(['-', '/']),
        _ => false,
    }
}

/// Fractional digits a value carries into a TIME result.
fn fsp_of(v: &Value) -> u8 {
    match v {
        Value::Time(d) => d.fsp(),
        Value::Temporal(t) => t.fsp,
        Value::Decimal(d) => d.scale().min(6) as u8,
        Value::Double(_) => 6,
        Value::String(s) => s.rsplit_once('.').map_or(0, |(_, f)| f.len().min(6) as u8),
        _ => 0,
    }
}

fn clamped(micros: i64, fsp: u8) -> Value {
    let m = micros.clamp(-MAX_TIME_MICROS, MAX_TIME_MICROS);
    Duration::from_micros(m, fsp).map_or(Value::Null, Value::Time)
}

/// `CURTIME([fsp])`: the statement's start time of day.
pub fn curtime(stmt_micros: i64, fsp: u8) -> Value {
    match Temporal::from_micros(TemporalKind::DateTime, stmt_micros) {
        Some(t) => {
            Duration::of_day(&t.with_fsp(fsp)).with_fsp(fsp).map_or(Value::Null, Value::Time)
        }
        None => Value::Null,
    }
}

/// `TIME(x)`.
pub fn time(v: &Value) -> Value {
    as_time(v).map_or(Value::Null, Value::Time)
}

/// `HOUR`/`MINUTE`/`SECOND` of a TIME-like value (`part` 0, 1, 2); `None` when `v` reads as a
/// date-time instead.
pub fn time_part(v: &Value, part: usize) -> Option<Value> {
    if !looks_like_time(v) && as_temporal(v).is_some() {
        return None;
    }
    let (h, m, s, _) = as_time(v)?.parts();
    Some(Value::Int([h, m, s][part.min(2)]))
}

/// `TIME_TO_SEC(t)`: whole seconds, negative for negative times.
pub fn time_to_sec(v: &Value) -> Value {
    as_time(v).map_or(Value::Null, |d| Value::Int(d.micros() / 1_000_000))
}

/// `SEC_TO_TIME(n)`, clamped to the TIME range as MySQL does.
pub fn sec_to_time(v: &Value) -> Value {
    let secs = to_f64(v);
    if !secs.is_finite() {
        return Value::Null;
    }
    clamped((secs * 1e6).round() as i64, fsp_of(v))
}

/// `TIMEDIFF(a, b)`: two times or two date-times; NULL when they are of different kinds.
pub fn timediff(a: &Value, b: &Value) -> Value {
    let fsp = fsp_of(a).max(fsp_of(b));
    match (looks_like_time(a), looks_like_time(b)) {
        (true, true) => match (as_time(a), as_time(b)) {
            (Some(x), Some(y)) => clamped(x.micros() - y.micros(), fsp),
            _ => Value::Null,
        },
        (false, false) => match (as_temporal(a), as_temporal(b)) {
            (Some(x), Some(y)) => clamped(x.to_micros() - y.to_micros(), fsp),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `ADDTIME(t, d)` / `SUBTIME(t, d)`: a date-time or a time moved by a time.
pub fn addtime(t: &Value, d: &Value, subtract: bool) -> Value {
    let Some(delta) = as_time(d) else { return Value::Null };
    let delta = if subtract { -delta.micros() } else { delta.micros() };
    let fsp = fsp_of(t).max(fsp_of(d));
    if !looks_like_time(t) {
        if let Some(x) = as_temporal(t) {
            let kind = if x.kind == TemporalKind::Date { TemporalKind::DateTime } else { x.kind };
            return Temporal::from_micros(kind, x.to_micros() + delta)
                .map_or(Value::Null, |r| Value::Temporal(r.with_fsp(fsp)));
        }
    }
    match as_time(t) {
        Some(x) => clamped(x.micros() + delta, fsp),
        None => Value::Null,
    }
}

/// `TIME_FORMAT(t, format)` as TiDB: hours may pass 23 (`%H` of `100:00:00` is `100`); the
/// sign is not shown; specifiers other than the time ones print their letter.
pub fn time_format(v: &Value, format: &str) -> Value {
    let Some(d) = as_time(v) else { return Value::Null };
    let abs = d.micros().unsigned_abs();
    let (h, m, s, f) =
        (abs / 3_600_000_000, abs / 60_000_000 % 60, abs / 1_000_000 % 60, abs % 1_000_000);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let ampm = if h / 12 % 2 == 0 { "AM" } else { "PM" };
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else { break };
        match spec {
            'H' => out.push_str(&format!("{h:02}")),
            'k' => out.push_str(&h.to_string()),
            'h' | 'I' => out.push_str(&format!("{h12:02}")),
            'l' => out.push_str(&h12.to_string()),
            'i' => out.push_str(&format!("{m:02}")),
            'S' | 's' => out.push_str(&format!("{s:02}")),
            'f' => out.push_str(&format!("{f:06}")),
            'p' => out.push_str(ampm),
            'r' => {
                let h24 = h % 24;
                let (hh, half) = match h24 {
                    0 => (12, "AM"),
                    12 => (12, "PM"),
                    x if x < 12 => (x, "AM"),
                    x => (x - 12, "PM"),
                };
                out.push_str(&format!("{hh:02}:{m:02}:{s:02} {half}"));
            }
            'T' => out.push_str(&format!("{h:02}:{m:02}:{s:02}")),
            other => out.push(other),
        }
    }
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn time_functions() {
        assert_eq!(time(&s("2024-01-02 03:04:05")).to_string(), "03:04:05");
        assert_eq!(time_part(&s("100:20:30"), 0), Some(Value::Int(100)));
        assert_eq!(time_part(&s("2024-01-02 03:04:05"), 0), None);
        assert_eq!(time_to_sec(&s("-01:00:01")), Value::Int(-3601));
        assert_eq!(sec_to_time(&Value::Int(3661)).to_string(), "01:01:01");
        assert_eq!(sec_to_time(&Value::Int(10_000_000)).to_string(), "838:59:59");
        assert_eq!(timediff(&s("10:00:00"), &s("12:30:00")).to_string(), "-02:30:00");
        assert_eq!(
            timediff(&s("2024-01-02 00:00:00"), &s("2024-01-01 00:00:00.5")).to_string(),
            "23:59:59.5"
        );
        assert_eq!(timediff(&s("10:00:00"), &s("2024-01-01 00:00:00")), Value::Null);
        assert_eq!(
            addtime(&s("2024-01-01 23:00:00"), &s("02:00:00"), false).to_string(),
            "2024-01-02 01:00:00"
        );
        assert_eq!(addtime(&s("01:00:00"), &s("02:30:00"), true).to_string(), "-01:30:00");
    }
}
