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

const MONTHS: [&str; 12] = [
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
const DAYS: [&str; 7] =
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
}
