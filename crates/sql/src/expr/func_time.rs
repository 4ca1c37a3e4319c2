//! Date and time built-ins: NOW, CURDATE, UNIX_TIMESTAMP, FROM_UNIXTIME, DATE_FORMAT, DATE,
//! YEAR … SECOND. The time zone is the server's, UTC.

use types::{Temporal, TemporalKind, Value};

use super::cast::{to_f64, to_string};

/// The statement's start time as a DATETIME value with `fsp` fractional digits.
pub fn now(micros: i64, fsp: u8) -> Value {
    match Temporal::from_micros(TemporalKind::DateTime, micros) {
        Some(t) => Value::Temporal(t.with_fsp(fsp)),
        None => Value::Null,
    }
}

/// A value as a date-time, if it is one or parses as one.
pub fn as_temporal(v: &Value) -> Option<Temporal> {
    match v {
        Value::Temporal(t) => Some(*t),
        Value::String(s) => Temporal::parse(TemporalKind::DateTime, s),
        Value::Int(_) | Value::UInt(_) => Temporal::parse(TemporalKind::DateTime, &v.to_string()),
        _ => None,
    }
}

/// `UNIX_TIMESTAMP(t)`: seconds since the epoch (a DECIMAL when `t` has fractions).
pub fn unix_timestamp(v: &Value) -> Value {
    match as_temporal(v) {
        Some(t) if t.micro == 0 => Value::Int(t.to_micros() / 1_000_000),
        Some(t) => {
            format!("{:.6}", t.to_micros() as f64 / 1e6).parse().map_or(Value::Null, Value::Decimal)
        }
        None => Value::Int(0),
    }
}

/// `FROM_UNIXTIME(n)`.
pub fn from_unixtime(v: &Value) -> Value {
    let secs = to_f64(v);
    if secs < 0.0 {
        return Value::Null;
    }
    let fsp = if secs.fract() != 0.0 { 6 } else { 0 };
    now((secs * 1e6).round() as i64, fsp)
}

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// `DATE_FORMAT(t, fmt)` with MySQL's `%` specifiers.
pub fn date_format(v: &Value, fmt: &Value) -> Value {
    let Some(t) = as_temporal(v) else { return Value::Null };
    let fmt = to_string(fmt);
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else { break };
        let month_name = MONTHS.get(usize::from(t.month).wrapping_sub(1)).copied().unwrap_or("");
        let day_name = DAYS[usize::from(t.weekday())];
        let h12 = if t.hour % 12 == 0 { 12 } else { t.hour % 12 };
        let piece = match spec {
            'Y' => format!("{:04}", t.year),
            'y' => format!("{:02}", t.year % 100),
            'm' => format!("{:02}", t.month),
            'c' => t.month.to_string(),
            'M' => month_name.to_string(),
            'b' => month_name.chars().take(3).collect(),
            'd' => format!("{:02}", t.day),
            'e' => t.day.to_string(),
            'H' => format!("{:02}", t.hour),
            'k' => t.hour.to_string(),
            'h' | 'I' => format!("{h12:02}"),
            'l' => h12.to_string(),
            'i' => format!("{:02}", t.minute),
            's' | 'S' => format!("{:02}", t.second),
            'f' => format!("{:06}", t.micro),
            'p' => if t.hour < 12 { "AM" } else { "PM" }.to_string(),
            'W' => day_name.to_string(),
            'a' => day_name.chars().take(3).collect(),
            'w' => t.weekday().to_string(),
            'j' => format!("{:03}", t.day_of_year()),
            'T' => format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second),
            'r' => format!(
                "{h12:02}:{:02}:{:02} {}",
                t.minute,
                t.second,
                if t.hour < 12 { "AM" } else { "PM" }
            ),
            '%' => "%".to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    Value::String(out)
}

/// The units `INTERVAL n unit` accepts (single-field units; MySQL's compound ones are not yet).
pub const INTERVAL_UNITS: [&str; 9] =
    ["MICROSECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"];

/// `DATE_ADD(t, INTERVAL n unit)` (and `DATE_SUB`, `t ± INTERVAL …`, `ADDDATE(t, n)` as days).
/// Month-based units clamp the day to the target month's length, as MySQL does; a DATE stays a
/// DATE for day-or-larger units; an out-of-range result or unparsable input is NULL.
pub fn date_add(t: &Value, amount: &Value, unit: &str, negate: bool) -> Value {
    let Some(base) = as_temporal_keeping_date(t) else {
        return Value::Null;
    };
    let n = to_f64(amount);
    let n = if negate { -n } else { n };
    // (Huge amounts overflowed the arithmetic below: found by fuzzing. Past the range: NULL.)
    let months = match unit {
        "MONTH" => Some((n.round() as i64).checked_mul(1)),
        "QUARTER" => Some((n.round() as i64).checked_mul(3)),
        "YEAR" => Some((n.round() as i64).checked_mul(12)),
        _ => None,
    };
    let result = if let Some(months) = months {
        let total = months
            .and_then(|m| (i64::from(base.year) * 12 + i64::from(base.month) - 1).checked_add(m));
        let Some(total) = total else { return Value::Null };
        let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
        u16::try_from(year).ok().and_then(|year| {
            let day = base.day.min(types::days_in_month(year, month));
            Temporal::new(
                base.kind,
                year,
                month,
                day,
                base.hour,
                base.minute,
                base.second,
                base.micro,
            )
        })
    } else {
        let micros_per = match unit {
            "MICROSECOND" => 1.0,
            "SECOND" => 1e6,
            "MINUTE" => 60e6,
            "HOUR" => 3600e6,
            "DAY" => 86_400e6,
            "WEEK" => 7.0 * 86_400e6,
            _ => return Value::Null,
        };
        let whole = if unit == "SECOND" || unit == "MICROSECOND" { n } else { n.round() };
        let delta = (whole * micros_per).round() as i64;
        let kind = match (base.kind, unit) {
            (TemporalKind::Date, "DAY" | "WEEK") => TemporalKind::Date,
            (TemporalKind::Date, _) => TemporalKind::DateTime,
            (k, _) => k,
        };
        let fsp = if delta % 1_000_000 != 0 { 6 } else { base.fsp };
        let Some(micros) = base.to_micros().checked_add(delta) else { return Value::Null };
        Temporal::from_micros(kind, micros).map(|t| t.with_fsp(fsp))
    };
    match result {
        Some(r) if (1..=9999).contains(&r.year) => Value::Temporal(r),
        _ => Value::Null,
    }
}

/// `TIMESTAMPDIFF(unit, a, b)`: `b - a` in whole units, truncated toward zero; months,
/// quarters and years count only complete months (the day and time of `b` must reach those of
/// `a`), as MySQL does. NULL when either is not a date or time.
pub fn timestamp_diff(unit: &str, a: &Value, b: &Value) -> Value {
    let (Some(a), Some(b)) = (as_temporal(a), as_temporal(b)) else {
        return Value::Null;
    };
    let per = match unit {
        "MICROSECOND" => 1,
        "SECOND" => 1_000_000,
        "MINUTE" => 60_000_000,
        "HOUR" => 3_600_000_000,
        "DAY" => 86_400_000_000,
        "WEEK" => 7 * 86_400_000_000,
        _ => 0,
    };
    if per > 0 {
        return Value::Int((b.to_micros() - a.to_micros()) / per);
    }
    let month_of = |t: &Temporal| i64::from(t.year) * 12 + i64::from(t.month);
    // Day and time within the month, comparable across months.
    let rest = |t: &Temporal| (t.day, t.hour, t.minute, t.second, t.micro);
    let mut months = month_of(&b) - month_of(&a);
    if months > 0 && rest(&b) < rest(&a) {
        months -= 1;
    } else if months < 0 && rest(&b) > rest(&a) {
        months += 1;
    }
    Value::Int(match unit {
        "QUARTER" => months / 3,
        "YEAR" => months / 12,
        _ => months,
    })
}

/// Like [`as_temporal`], but a string holding only a date stays a DATE.
fn as_temporal_keeping_date(v: &Value) -> Option<Temporal> {
    if let Value::String(s) = v {
        if !s.trim().contains([' ', 'T', ':']) {
            if let Some(d) = Temporal::parse(TemporalKind::Date, s) {
                return Some(d);
            }
        }
    }
    as_temporal(v)
}

/// `GET_FORMAT(kind, locale)`: the DATE_FORMAT string of a standard (`USA`, `JIS`, `ISO`, `EUR`,
/// `INTERNAL`) for `DATE`, `TIME` or `DATETIME`/`TIMESTAMP`; NULL for anything else.
pub fn get_format(kind: &str, locale: &str) -> Value {
    let f = match (kind.to_ascii_uppercase().as_str(), locale.to_ascii_uppercase().as_str()) {
        ("DATE", "USA") => "%m.%d.%Y",
        ("DATE", "JIS" | "ISO") => "%Y-%m-%d",
        ("DATE", "EUR") => "%d.%m.%Y",
        ("DATE", "INTERNAL") => "%Y%m%d",
        ("DATETIME" | "TIMESTAMP", "USA" | "EUR") => "%Y-%m-%d %H.%i.%s",
        ("DATETIME" | "TIMESTAMP", "JIS" | "ISO") => "%Y-%m-%d %H:%i:%s",
        ("DATETIME" | "TIMESTAMP", "INTERNAL") => "%Y%m%d%H%i%s",
        ("TIME", "USA") => "%h:%i:%s %p",
        ("TIME", "JIS" | "ISO") => "%H:%i:%s",
        ("TIME", "EUR") => "%H.%i.%s",
        ("TIME", "INTERNAL") => "%H%i%s",
        _ => return Value::Null,
    };
    Value::String(f.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_mysql() {
        let t = Value::String("2009-10-04 22:23:00".into());
        assert_eq!(
            date_format(&t, &Value::String("%W %M %Y".into())),
            Value::String("Sunday October 2009".into())
        );
        assert_eq!(
            date_format(&t, &Value::String("%H:%i:%s %p".into())),
            Value::String("22:23:00 PM".into())
        );
        assert_eq!(
            date_format(&t, &Value::String("%D-%y %j %%".into())),
            Value::String("D-09 277 %".into())
        );
    }

    #[test]
    fn unix_time_round_trip() {
        assert_eq!(
            unix_timestamp(&Value::String("1970-01-02 00:00:00".into())),
            Value::Int(86_400)
        );
        assert_eq!(from_unixtime(&Value::Int(86_400)).to_string(), "1970-01-02 00:00:00");
    }

    #[test]
    fn date_add_clamps_months_and_keeps_dates() {
        let add = |t: &str, n: i64, unit: &str| {
            date_add(&Value::String(t.into()), &Value::Int(n), unit, false).to_string()
        };
        assert_eq!(add("2024-01-31", 1, "MONTH"), "2024-02-29");
        assert_eq!(add("2023-01-31", 1, "MONTH"), "2023-02-28");
        assert_eq!(add("2024-02-29", -4, "YEAR"), "2020-02-29");
        assert_eq!(add("2024-12-31", 1, "DAY"), "2025-01-01");
        assert_eq!(add("2024-12-31", 1, "HOUR"), "2024-12-31 01:00:00");
        assert_eq!(add("2024-01-01 00:00:00", -1, "SECOND"), "2023-12-31 23:59:59");
        assert_eq!(add("9999-12-31", 1, "DAY"), "NULL");
        assert_eq!(add("0001-01-01", -1, "YEAR"), "NULL");
    }
}
