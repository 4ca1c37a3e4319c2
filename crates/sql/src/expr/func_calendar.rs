//! Calendar built-ins: MAKEDATE, MAKETIME, LAST_DAY, DAYNAME, MONTHNAME, QUARTER, WEEKDAY,
//! WEEK, WEEKOFYEAR, YEARWEEK (MySQL's eight week modes), TO_DAYS, FROM_DAYS, TO_SECONDS,
//! PERIOD_ADD, PERIOD_DIFF, STR_TO_DATE (every `DATE_FORMAT` specifier that reads back) and
//! CONVERT_TZ (offsets, SYSTEM and UTC; other zone names give NULL, as MySQL without its time
//! zone tables).

use types::{days_from_civil, days_in_month, Duration, FieldType, Temporal, TemporalKind, Value};

use super::{
    cast::{to_f64, to_i64, to_string},
    func::Func,
    func_time::{as_temporal, DAYS, MONTHS},
};

/// `TO_DAYS('1970-01-01')`: MySQL counts days from year 0.
const EPOCH_DAYNR: i64 = 719_528;

/// MySQL's day number (days since 0000-00-00) of a date.
fn daynr(t: &Temporal) -> i64 {
    days_from_civil(i64::from(t.year), i64::from(t.month), i64::from(t.day)) + EPOCH_DAYNR
}

fn date(year: i64, month: u8, day: u8) -> Value {
    u16::try_from(year)
        .ok()
        .and_then(|y| Temporal::new(TemporalKind::Date, y, month, day, 0, 0, 0, 0))
        .map_or(Value::Null, Value::Temporal)
}

/// The date `n` days after 0000-00-00 (`'0000-00-00'` before year 1, as MySQL).
fn from_daynr(n: i64) -> Value {
    if n < 366 {
        return Value::Temporal(Temporal {
            kind: TemporalKind::Date,
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
            fsp: 0,
        });
    }
    let (y, m, d) = types::civil_from_days(n - EPOCH_DAYNR);
    date(y, m, d)
}

const MONDAY_FIRST: u32 = 1;
const WEEK_YEAR: u32 = 2;
const FIRST_WEEKDAY: u32 = 4;

/// MySQL's `week_mode`: the mode's flags, Sunday-first modes counting from the first weekday.
fn week_mode(mode: i64) -> u32 {
    let mut m = (mode & 7) as u32;
    if m & MONDAY_FIRST == 0 {
        m ^= FIRST_WEEKDAY;
    }
    m
}

/// MySQL's `calc_week`: the week number of `t` and the year it belongs to.
fn calc_week(t: &Temporal, behaviour: u32) -> (i64, i64) {
    let monday_first = behaviour & MONDAY_FIRST != 0;
    let mut week_year = behaviour & WEEK_YEAR != 0;
    let first_weekday = behaviour & FIRST_WEEKDAY != 0;
    let day = daynr(t);
    let mut first = daynr(&Temporal { month: 1, day: 1, ..*t });
    // Weekday of January 1st, 0 = Monday (or Sunday when Sunday starts the week).
    let sunday0 = (first - EPOCH_DAYNR + 4).rem_euclid(7);
    let mut weekday = if monday_first { (sunday0 + 6) % 7 } else { sunday0 };
    let mut year = i64::from(t.year);
    let days_in_year = |y: i64| {
        if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
            366
        } else {
            365
        }
    };
    let late_start = |wd: i64| (first_weekday && wd != 0) || (!first_weekday && wd >= 4);
    if t.month == 1 && i64::from(t.day) <= 7 - weekday {
        if !week_year && late_start(weekday) {
            return (0, year);
        }
        week_year = true;
        year -= 1;
        let days = days_in_year(year);
        first -= days;
        weekday = (weekday + 53 * 7 - days) % 7;
    }
    let days =
        if late_start(weekday) { day - (first + (7 - weekday)) } else { day - (first - weekday) };
    if week_year && days >= 52 * 7 {
        let wd = (weekday + days_in_year(year)) % 7;
        if (!first_weekday && wd < 4) || (first_weekday && wd == 0) {
            return (1, year + 1);
        }
    }
    (days / 7 + 1, year)
}

/// A period `YYMM` or `YYYYMM` as months since year 0 (`None` past i64: found by fuzzing).
fn period_months(p: i64) -> Option<i64> {
    if p == 0 {
        return Some(0);
    }
    let (mut y, m) = (p / 100, p % 100);
    if y < 70 {
        y += 2000;
    } else if y < 100 {
        y += 1900;
    }
    y.checked_mul(12)?.checked_add(m - 1)
}

/// Calls one of this file's functions; `None` for any other. `week_format` is
/// `@@default_week_format`.
pub fn call(func: Func, args: &[Value], any_null: bool, week_format: i64) -> Option<Value> {
    use Func::*;
    if !matches!(
        func,
        MakeDate
            | MakeTime
            | LastDay
            | DayName
            | MonthName
            | Quarter
            | Weekday
            | Week
            | WeekOfYear
            | YearWeek
            | ToDays
            | FromDays
            | ToSeconds
            | PeriodAdd
            | PeriodDiff
            | StrToDate
            | ConvertTz
            | DateDiff
            | Microsecond
            | Timestamp
    ) {
        return None;
    }
    if any_null {
        return Some(Value::Null);
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let with_date = |f: &dyn Fn(&Temporal) -> Value| {
        calendar_date(&arg(0)).filter(|t| t.month != 0 && t.day != 0).map_or(Value::Null, |t| f(&t))
    };
    Some(match func {
        MakeDate => {
            let (mut y, doy) = (to_i64(&arg(0)), to_i64(&arg(1)));
            if (0..70).contains(&y) {
                y += 2000;
            } else if (70..100).contains(&y) {
                y += 1900;
            }
            if doy <= 0 || !(0..=9999).contains(&y) {
                return Some(Value::Null);
            }
            let n = days_from_civil(y, 1, 1) + doy - 1 + EPOCH_DAYNR;
            match from_daynr(n) {
                Value::Temporal(t) if t.year <= 9999 => Value::Temporal(t),
                _ => Value::Null,
            }
        }
        MakeTime => {
            let (h, m, s) = (to_i64(&arg(0)), to_i64(&arg(1)), to_f64(&arg(2)));
            if !(0..60).contains(&m) || !(0.0..60.0).contains(&s) {
                return Some(Value::Null);
            }
            let fsp = if s.fract() == 0.0 { 0 } else { 6 };
            let micros = (h.unsigned_abs() as f64 * 3600.0 + m as f64 * 60.0 + s) * 1e6;
            let micros = (micros.round() as i64).min(types::MAX_TIME_MICROS);
            let signed = if h < 0 { -micros } else { micros };
            Duration::from_micros(signed, fsp).map_or(Value::Null, Value::Time)
        }
        LastDay => with_date(&|t| date(i64::from(t.year), t.month, days_in_month(t.year, t.month))),
        DayName => with_date(&|t| Value::String(DAYS[usize::from(t.weekday())].to_string())),
        MonthName => {
            with_date(&|t| Value::String(MONTHS[usize::from(t.month.clamp(1, 12)) - 1].to_string()))
        }
        Quarter => {
            calendar_date(&arg(0)).map_or(Value::Null, |t| Value::Int((i64::from(t.month) + 2) / 3))
        }
        Weekday => with_date(&|t| Value::Int((i64::from(t.weekday()) + 6) % 7)),
        Week => {
            let mode = if args.len() > 1 { to_i64(&arg(1)) } else { week_format };
            with_date(&|t| Value::Int(calc_week(t, week_mode(mode)).0))
        }
        WeekOfYear => with_date(&|t| Value::Int(calc_week(t, week_mode(3)).0)),
        YearWeek => {
            let mode = if args.len() > 1 { to_i64(&arg(1)) } else { 0 };
            with_date(&|t| {
                let (week, year) = calc_week(t, week_mode(mode) | WEEK_YEAR);
                Value::Int(year * 100 + week)
            })
        }
        ToDays => with_date(&|t| Value::Int(daynr(t))),
        ToSeconds => with_date(&|t| {
            let secs = i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second);
            Value::Int(daynr(t) * 86_400 + secs)
        }),
        FromDays => from_daynr(to_i64(&arg(0))),
        PeriodAdd => period_months(to_i64(&arg(0)))
            .and_then(|m| m.checked_add(to_i64(&arg(1))))
            .and_then(|m| (m / 12).checked_mul(100)?.checked_add(m % 12 + 1))
            .map_or(Value::Null, Value::Int),
        PeriodDiff => period_months(to_i64(&arg(0)))
            .zip(period_months(to_i64(&arg(1))))
            .and_then(|(a, b)| a.checked_sub(b))
            .map_or(Value::Null, Value::Int),
        StrToDate => str_to_date(&to_string(&arg(0)), &to_string(&arg(1))),
        ConvertTz => convert_tz(&arg(0), &to_string(&arg(1)), &to_string(&arg(2))),
        DateDiff => match (calendar_date(&arg(0)), calendar_date(&arg(1))) {
            (Some(a), Some(b)) if a.month != 0 && b.month != 0 => Value::Int(daynr(&a) - daynr(&b)),
            _ => Value::Null,
        },
        Microsecond => match &arg(0) {
            Value::Time(d) => Value::Int(d.micros().rem_euclid(1_000_000)),
            v => match super::func_duration::as_time(v) {
                Some(d) if !matches!(v, Value::Temporal(_)) => {
                    Value::Int(d.micros().abs() % 1_000_000)
                }
                _ => as_temporal(v).map_or(Value::Null, |t| Value::Int(i64::from(t.micro))),
            },
        },
        Timestamp => as_temporal(&arg(0))
            .map_or(Value::Null, |t| Value::Temporal(t.with_kind(TemporalKind::DateTime))),
        _ => return None,
    })
}

/// A date argument: a date-time value or text, or a number `YYMMDD` / `YYYYMMDD[hhmmss]`.
fn calendar_date(v: &Value) -> Option<Temporal> {
    let n = match v {
        Value::Int(n) => *n,
        Value::UInt(n) => i64::try_from(*n).ok()?,
        _ => return as_temporal(v),
    };
    if (101..1_000_000).contains(&n) {
        let (y, m, d) = (two_digit_year(n / 10_000), (n / 100 % 100) as u8, (n % 100) as u8);
        return Temporal::new(TemporalKind::Date, y as u16, m, d, 0, 0, 0, 0);
    }
    as_temporal(v)
}

/// A time zone's offset from UTC in seconds: `+hh:mm` / `-hh:mm` (-13:59 to +14:00), `SYSTEM`
/// (the server's zone, UTC) or `UTC`; `None` for other names.
fn zone_offset(zone: &str) -> Option<i64> {
    let z = zone.trim();
    if z.eq_ignore_ascii_case("SYSTEM") || z.eq_ignore_ascii_case("UTC") {
        return Some(0);
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    let secs = sign * (h * 3600 + m * 60);
    ((0..60).contains(&m) && (-(13 * 3600 + 59 * 60)..=14 * 3600).contains(&secs)).then_some(secs)
}

/// `CONVERT_TZ(t, from, to)`: `t` read in zone `from`, shown in zone `to`; unchanged when the
/// instant falls outside TIMESTAMP's range (MySQL's rule); NULL for an unknown zone.
fn convert_tz(v: &Value, from: &str, to: &str) -> Value {
    let (Some(from), Some(to)) = (zone_offset(from), zone_offset(to)) else { return Value::Null };
    let Some(t) = as_temporal(v) else { return Value::Null };
    let utc = t.to_micros() - from * 1_000_000;
    // TIMESTAMP's range: 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC.
    if !(1_000_000..=2_147_483_647_000_000).contains(&utc) {
        return Value::Temporal(t.with_kind(TemporalKind::DateTime));
    }
    Temporal::from_micros(TemporalKind::DateTime, utc + to * 1_000_000)
        .map_or(Value::Null, |r| Value::Temporal(r.with_fsp(t.fsp)))
}

/// What a STR_TO_DATE format yields: DATE when it reads only date parts, TIME when only time
/// parts, DATETIME otherwise (MySQL's rule).
pub fn str_to_date_type(format: &str) -> FieldType {
    let (mut date, mut time) = (false, false);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('H' | 'k' | 'h' | 'I' | 'l' | 'i' | 's' | 'S' | 'f' | 'p' | 'T' | 'r') => {
                time = true
            }
            Some('%') | None => {}
            Some(_) => date = true,
        }
    }
    match (date, time) {
        (true, false) => FieldType::Date,
        (false, true) => FieldType::Time,
        _ => FieldType::DateTime,
    }
}

/// Reads up to `max` digits at the front of `s` (after spaces, as MySQL's number reader).
fn digits(s: &mut &str, max: usize) -> Option<i64> {
    *s = s.trim_start();
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let v = s[..n].parse().ok();
    *s = &s[n..];
    v
}

/// Reads one of `names` (or its first three letters) at the front of `s`, case-insensitively;
/// its index.
fn name(s: &mut &str, names: &[&str], short: bool) -> Option<usize> {
    names.iter().position(|n| {
        let n = if short { &n[..3] } else { n };
        let found = s.get(..n.len()).is_some_and(|p| p.eq_ignore_ascii_case(n));
        if found {
            *s = &s[n.len()..];
        }
        found
    })
}

/// `STR_TO_DATE(s, fmt)`: NULL when `s` does not match `fmt` or the result is no valid value.
fn str_to_date(input: &str, format: &str) -> Value {
    let kind = str_to_date_type(format);
    let mut s = input.trim_start();
    let (mut year, mut month, mut day) = (0i64, 0i64, 0i64);
    let (mut hour, mut minute, mut second, mut micro) = (0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut day_of_year: Option<i64> = None;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            s = s.trim_start();
            continue;
        }
        if c != '%' {
            match s.strip_prefix(c) {
                Some(rest) => s = rest,
                None => return Value::Null,
            }
            continue;
        }
        let Some(spec) = chars.next() else { break };
        let ok = match spec {
            'Y' => digits(&mut s, 4).map(|v| year = if v < 100 { two_digit_year(v) } else { v }),
            'y' => digits(&mut s, 2).map(|v| year = two_digit_year(v)),
            'm' | 'c' => digits(&mut s, 2).map(|v| month = v),
            'd' | 'e' => digits(&mut s, 2).map(|v| day = v),
            'D' => digits(&mut s, 2).map(|v| {
                day = v;
                let suffix = s.get(..2).filter(|p| p.chars().all(|c| c.is_ascii_alphabetic()));
                if let Some(p) = suffix {
                    s = &s[p.len()..];
                }
            }),
            'H' | 'k' | 'h' | 'I' | 'l' => digits(&mut s, 2).map(|v| hour = v),
            'i' => digits(&mut s, 2).map(|v| minute = v),
            's' | 'S' => digits(&mut s, 2).map(|v| second = v),
            'f' => {
                let n = s.bytes().take(6).take_while(u8::is_ascii_digit).count();
                digits(&mut s, 6).map(|v| micro = v * 10i64.pow(6 - n as u32))
            }
            'p' => {
                let upper = s.get(..2).map(str::to_ascii_uppercase);
                match upper.as_deref() {
                    Some("AM") | Some("PM") => {
                        pm = Some(upper.as_deref() == Some("PM"));
                        s = &s[2..];
                        Some(())
                    }
                    _ => None,
                }
            }
            'M' => name(&mut s, &MONTHS, false).map(|i| month = i as i64 + 1),
            'b' => name(&mut s, &MONTHS, true).map(|i| month = i as i64 + 1),
            'W' => name(&mut s, &DAYS, false).map(|_| ()),
            'a' => name(&mut s, &DAYS, true).map(|_| ()),
            'j' => digits(&mut s, 3).map(|v| day_of_year = Some(v)),
            'T' => digits(&mut s, 2).and_then(|h| {
                hour = h;
                s = s.strip_prefix(':')?;
                minute = digits(&mut s, 2)?;
                s = s.strip_prefix(':')?;
                second = digits(&mut s, 2)?;
                Some(())
            }),
            'r' => digits(&mut s, 2).and_then(|h| {
                hour = h;
                s = s.strip_prefix(':')?;
                minute = digits(&mut s, 2)?;
                s = s.strip_prefix(':')?;
                second = digits(&mut s, 2)?;
                s = s.trim_start();
                let upper = s.get(..2)?.to_ascii_uppercase();
                pm = Some(match upper.as_str() {
                    "AM" => false,
                    "PM" => true,
                    _ => return None,
                });
                s = &s[2..];
                Some(())
            }),
            '%' => s.strip_prefix('%').map(|rest| s = rest),
            _ => None,
        };
        if ok.is_none() {
            return Value::Null;
        }
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Value::Null;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    if let Some(doy) = day_of_year {
        if doy < 1 || year == 0 {
            return Value::Null;
        }
        let (y, m, d) = types::civil_from_days(days_from_civil(year, 1, 1) + doy - 1);
        (year, month, day) = (y, i64::from(m), i64::from(d));
    }
    if kind == FieldType::Time {
        let micros = ((hour * 60 + minute) * 60 + second) * 1_000_000 + micro;
        let fsp = if micro == 0 { 0 } else { 6 };
        return Duration::from_micros(micros, fsp).map_or(Value::Null, Value::Time);
    }
    let temporal_kind =
        if kind == FieldType::Date { TemporalKind::Date } else { TemporalKind::DateTime };
    let fits = |v: i64, max: i64| (0..=max).contains(&v);
    if !(fits(year, 9999) && fits(month, 12) && fits(day, 31) && fits(hour, 23)) {
        return Value::Null;
    }
    if !(fits(minute, 59) && fits(second, 59)) {
        return Value::Null;
    }
    let t = Temporal::new(
        temporal_kind,
        year as u16,
        month as u8,
        day as u8,
        hour as u8,
        minute as u8,
        second as u8,
        micro as u32,
    );
    match t {
        Some(t) => Value::Temporal(t.with_fsp(if micro == 0 { 0 } else { 6 })),
        None => Value::Null,
    }
}

/// A two-digit year as MySQL reads it: 70–99 → 1970–1999, 00–69 → 2000–2069.
fn two_digit_year(v: i64) -> i64 {
    if v < 70 {
        2000 + v
    } else if v < 100 {
        1900 + v
    } else {
        v
    }
}
