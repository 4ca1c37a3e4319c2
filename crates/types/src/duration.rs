//! TIME values: a signed time of day or elapsed time, `-838:59:59` to `838:59:59` with up to six
//! fractional digits, as MySQL's TIME type.

use std::{cmp::Ordering, fmt};

use crate::temporal::{Temporal, TemporalKind};

/// Largest TIME magnitude in microseconds (`838:59:59`).
pub const MAX_TIME_MICROS: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/// A TIME value.
#[derive(Debug, Clone, Copy, Eq)]
pub struct Duration {
    micros: i64,
    fsp: u8,
}

impl Duration {
    /// `micros` microseconds shown with `fsp` fractional digits; `None` beyond ±838:59:59.
    pub fn from_micros(micros: i64, fsp: u8) -> Option<Self> {
        // (`unsigned_abs`: i64::MIN has no `abs`; found by fuzzing the codec.)
        (micros.unsigned_abs() <= MAX_TIME_MICROS.unsigned_abs())
            .then_some(Duration { micros, fsp: fsp.min(6) })
    }

    /// Signed microseconds.
    pub fn micros(&self) -> i64 {
        self.micros
    }

    /// Fractional digits shown.
    pub fn fsp(&self) -> u8 {
        self.fsp
    }

    /// The value rounded to `fsp` fractional digits (and shown with them).
    pub fn with_fsp(self, fsp: u8) -> Option<Self> {
        let fsp = fsp.min(6);
        let unit = 10i64.pow(6 - u32::from(fsp));
        let half = unit / 2;
        let m = self.micros.abs();
        let rounded = (m + half) / unit * unit;
        Duration::from_micros(if self.micros < 0 { -rounded } else { rounded }, fsp)
    }

    /// Hours, minutes, seconds and microseconds of the magnitude.
    pub fn parts(&self) -> (i64, i64, i64, i64) {
        let m = self.micros.abs();
        let secs = m / 1_000_000;
        (secs / 3600, secs / 60 % 60, secs % 60, m % 1_000_000)
    }

    /// `±HHMMSS.ffffff` as a number, as MySQL converts TIME in arithmetic.
    pub fn to_number(&self) -> f64 {
        let (h, mi, s, us) = self.parts();
        let n = (h * 10_000 + mi * 100 + s) as f64 + us as f64 / 1e6;
        if self.micros < 0 {
            -n
        } else {
            n
        }
    }

    /// The time of day of a date-time.
    pub fn of_day(t: &Temporal) -> Self {
        let secs = i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second);
        Duration {
            micros: secs * 1_000_000 + i64::from(t.micro),
            fsp: if t.kind == TemporalKind::Date { 0 } else { t.fsp },
        }
    }

    /// Parses MySQL's TIME literals: `[-][D ]HH:MM[:SS[.f]]`, `[-]HHMMSS[.f]` (digits read from
    /// the right: `1234` is 00:12:34) and date-times (their time of day). The shown precision is
    /// the number of fractional digits written.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.matches('-').count() >= 2 || (s.contains('-') && !s.starts_with('-')) {
            return Temporal::parse(TemporalKind::DateTime, s).map(|t| Duration::of_day(&t));
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, s),
        };
        let (whole, frac) = match body.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (body, None),
        };
        let (micro, fsp) = match frac {
            Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                let digits: String = f.chars().chain(std::iter::repeat('0')).take(7).collect();
                let seven: i64 = digits.parse().ok()?;
                ((seven + 5) / 10, f.len().min(6) as u8)
            }
            Some("") => (0, 0),
            Some(_) => return None,
            None => (0, 0),
        };
        let num = |t: &str| -> Option<i64> {
            (!t.is_empty() && t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
        };
        let (days, clock) = match whole.split_once(' ') {
            Some((d, rest)) => (num(d)?, rest.trim()),
            None => (0, whole),
        };
        let (h, m, sec) = if clock.contains(':') {
            let parts: Vec<&str> = clock.split(':').collect();
            match parts.as_slice() {
                [h, m] => (num(h)?, num(m)?, 0),
                [h, m, s] => (num(h)?, num(m)?, num(s)?),
                _ => return None,
            }
        } else if days > 0 || whole.contains(' ') {
            (num(clock)?, 0, 0)
        } else {
            let n = num(clock)?;
            (n / 10_000, n / 100 % 100, n % 100)
        };
        if m > 59 || sec > 59 {
            return None;
        }
        let secs = (days * 24 + h).checked_mul(3600)? + m * 60 + sec;
        let micros = secs.checked_mul(1_000_000)? + micro;
        Duration::from_micros(if neg { -micros } else { micros }, fsp)
    }
}

impl PartialEq for Duration {
    fn eq(&self, o: &Self) -> bool {
        self.micros == o.micros
    }
}

impl PartialOrd for Duration {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Duration {
    fn cmp(&self, o: &Self) -> Ordering {
        self.micros.cmp(&o.micros)
    }
}

impl fmt::Display for Duration {
    /// `[-]HH:MM:SS[.f…]`, hours with at least two digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s, us) = self.parts();
        let sign = if self.micros < 0 { "-" } else { "" };
        write!(f, "{sign}{h:02}:{m:02}:{s:02}")?;
        if self.fsp > 0 {
            let frac = format!("{us:06}");
            write!(f, ".{}", &frac[..usize::from(self.fsp)])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        Duration::parse(s).map_or("NULL".into(), |d| d.to_string())
    }

    #[test]
    fn parses_mysql_time_literals() {
        assert_eq!(p("12:34:56"), "12:34:56");
        assert_eq!(p("-01:02:03.5"), "-01:02:03.5");
        assert_eq!(p("838:59:59"), "838:59:59");
        assert_eq!(p("839:00:00"), "NULL");
        assert_eq!(p("1 02:03:04"), "26:03:04");
        assert_eq!(p("12:34"), "12:34:00");
        assert_eq!(p("1234"), "00:12:34");
        assert_eq!(p("123456.25"), "12:34:56.25");
        assert_eq!(p("12"), "00:00:12");
        assert_eq!(p("2024-05-06 07:08:09"), "07:08:09");
        assert_eq!(p("12:60:00"), "NULL");
        assert_eq!(p("abc"), "NULL");
    }

    #[test]
    fn orders_rounds_and_converts() {
        let a = Duration::parse("-00:00:01").unwrap();
        let b = Duration::parse("00:00:00.5").unwrap();
        assert!(a < b);
        assert_eq!(b.with_fsp(0).unwrap().to_string(), "00:00:01");
        assert_eq!(Duration::parse("-12:34:56.5").unwrap().to_number(), -123456.5);
        assert_eq!(Duration::parse("838:59:59.6").and_then(|d| d.with_fsp(0)), None);
    }
}
