//! DATE, DATETIME and TIMESTAMP values.
//!
//! TIMESTAMP is kept like DATETIME, in the session time zone's wall-clock time; the server's
//! time zone is UTC, so the two coincide until per-session time zones are supported.

use std::{cmp::Ordering, fmt, str::FromStr};

/// Which temporal type a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemporalKind {
    /// DATE.
    Date,
    /// DATETIME.
    DateTime,
    /// TIMESTAMP.
    Timestamp,
}

/// A date or date-time with microseconds.
#[derive(Debug, Clone, Copy, Eq)]
pub struct Temporal {
    /// Type.
    pub kind: TemporalKind,
    /// Year 0..=9999.
    pub year: u16,
    /// Month 1..=12 (0 only in the zero date).
    pub month: u8,
    /// Day 1..=31 (0 only in the zero date).
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
    /// Microsecond.
    pub micro: u32,
    /// Fractional digits shown (0..=6).
    pub fsp: u8,
}

/// Days in `month` of `year`.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Temporal {
    /// A value of `kind` from calendar fields (validated).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: TemporalKind,
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        micro: u32,
    ) -> Option<Self> {
        let zero_date = year == 0 && month == 0 && day == 0;
        let valid_date = zero_date
            || (year <= 9999
                && (1..=12).contains(&month)
                && day >= 1
                && day <= days_in_month(year, month));
        if !valid_date || hour > 23 || minute > 59 || second > 59 || micro > 999_999 {
            return None;
        }
        let t = Temporal { kind, year, month, day, hour, minute, second, micro, fsp: 0 };
        Some(if kind == TemporalKind::Date { t.date_only() } else { t })
    }

    /// The same instant as another kind (DATE drops the time).
    pub fn with_kind(mut self, kind: TemporalKind) -> Self {
        self.kind = kind;
        if kind == TemporalKind::Date {
            self = self.date_only();
        }
        self
    }

    /// Shown with `fsp` fractional digits (the value is rounded to them).
    pub fn with_fsp(mut self, fsp: u8) -> Self {
        let fsp = fsp.min(6);
        let unit = 10u32.pow(6 - u32::from(fsp));
        let rounded = (self.micro + unit / 2) / unit * unit;
        if rounded >= 1_000_000 {
            self = Temporal::from_micros(
                self.kind,
                self.to_micros() - i64::from(self.micro) + 1_000_000,
            )
            .unwrap_or(self);
            self.micro = 0;
        } else {
            self.micro = rounded;
        }
        self.fsp = fsp;
        self
    }

    fn date_only(mut self) -> Self {
        self.hour = 0;
        self.minute = 0;
        self.second = 0;
        self.micro = 0;
        self.fsp = 0;
        self
    }

    /// Microseconds since 1970-01-01 00:00:00 (of this wall-clock time).
    pub fn to_micros(&self) -> i64 {
        let days =
            days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        secs * 1_000_000 + i64::from(self.micro)
    }

    /// The wall-clock time `micros` after 1970-01-01 00:00:00.
    pub fn from_micros(kind: TemporalKind, micros: i64) -> Option<Self> {
        let secs = micros.div_euclid(1_000_000);
        let micro = micros.rem_euclid(1_000_000) as u32;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let year = u16::try_from(y).ok()?;
        Temporal::new(
            kind,
            year,
            m,
            d,
            (sod / 3600) as u8,
            (sod % 3600 / 60) as u8,
            (sod % 60) as u8,
            micro,
        )
    }

    /// `YYYYMMDDhhmmss` (or `YYYYMMDD` for DATE) as a number, as MySQL converts in arithmetic.
    pub fn to_number(&self) -> f64 {
        let date =
            f64::from(self.year) * 10_000.0 + f64::from(self.month) * 100.0 + f64::from(self.day);
        if self.kind == TemporalKind::Date {
            return date;
        }
        date * 1_000_000.0
            + f64::from(self.hour) * 10_000.0
            + f64::from(self.minute) * 100.0
            + f64::from(self.second)
            + f64::from(self.micro) / 1e6
    }

    /// An order-preserving packing of the value (for index keys).
    pub fn packed(&self) -> u64 {
        let ymd = (u64::from(self.year) * 13 + u64::from(self.month)) * 32 + u64::from(self.day);
        let hms =
            (u64::from(self.hour) * 60 + u64::from(self.minute)) * 60 + u64::from(self.second);
        ((ymd * 86_400 + hms) << 20) | u64::from(self.micro)
    }

    /// The value [`Temporal::packed`] packed, as `kind` with `fsp` 0; `None` if it is no date.
    pub fn from_packed(kind: TemporalKind, packed: u64) -> Option<Self> {
        let micro = (packed & 0xf_ffff) as u32;
        let secs = packed >> 20;
        let (ymd, hms) = (secs / 86_400, secs % 86_400);
        let day = (ymd % 32) as u8;
        let month = (ymd / 32 % 13) as u8;
        let year = u16::try_from(ymd / 32 / 13).ok()?;
        let (hour, minute, second) = ((hms / 3600) as u8, (hms / 60 % 60) as u8, (hms % 60) as u8);
        if micro > 999_999 || year > 9999 || day > 31 {
            return None;
        }
        Some(Temporal { kind, year, month, day, hour, minute, second, micro, fsp: 0 })
    }

    /// Day of the week, 0 = Sunday.
    pub fn weekday(&self) -> u8 {
        (days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day)) + 4)
            .rem_euclid(7) as u8
    }

    /// Day of the year, 1-based.
    pub fn day_of_year(&self) -> u32 {
        (days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day))
            - days_from_civil(i64::from(self.year), 1, 1)
            + 1) as u32
    }

    /// Parses MySQL's literal forms: `YYYY-MM-DD[ hh:mm:ss[.ffffff]]` (also with `T`, `/`),
    /// and `YYYYMMDD[hhmmss]`.
    pub fn parse(kind: TemporalKind, s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() >= 8 && s.bytes().all(|b| b.is_ascii_digit()) {
            let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
            let (y, m, d) = (n(0..4)? as u16, n(4..6)? as u8, n(6..8)? as u8);
            let (h, mi, sec) = if s.len() >= 14 {
                (n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8)
            } else {
                (0, 0, 0)
            };
            return Temporal::new(kind, y, m, d, h, mi, sec, 0);
        }
        let (date, time) = match s.find([' ', 'T']) {
            Some(i) => (&s[..i], s[i + 1..].trim()),
            None => (s, ""),
        };
        let mut dp = date.split(['-', '/', '.', ':']);
        let y: u16 = dp.next()?.parse().ok()?;
        let m: u8 = dp.next()?.parse().ok()?;
        let d: u8 = dp.next()?.parse().ok()?;
        if dp.next().is_some() {
            return None;
        }
        let y = if date.split(['-', '/']).next().is_some_and(|p| p.len() == 2) {
            if y < 70 {
                y + 2000
            } else {
                y + 1900
            }
        } else {
            y
        };
        let (mut h, mut mi, mut sec, mut micro, mut fsp) = (0u8, 0u8, 0u8, 0u32, 0u8);
        if !time.is_empty() {
            let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
            let mut tp = hms.split(':');
            h = tp.next()?.parse().ok()?;
            mi = tp.next().map_or(Some(0), |x| x.parse().ok())?;
            sec = tp.next().map_or(Some(0), |x| x.parse().ok())?;
            if !frac.is_empty() {
                if !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let digits: String = frac.chars().take(6).collect();
                fsp = digits.len() as u8;
                micro = format!("{digits:0<6}").parse().ok()?;
            }
        }
        let mut t = Temporal::new(kind, y, m, d, h, mi, sec, micro)?;
        t.fsp = if kind == TemporalKind::Date { 0 } else { fsp };
        Some(t)
    }
}

impl PartialEq for Temporal {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl PartialOrd for Temporal {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Temporal {
    fn cmp(&self, o: &Self) -> Ordering {
        self.packed().cmp(&o.packed())
    }
}

impl fmt::Display for Temporal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        if self.kind == TemporalKind::Date {
            return Ok(());
        }
        write!(f, " {:02}:{:02}:{:02}", self.hour, self.minute, self.second)?;
        if self.fsp > 0 {
            let frac = format!("{:06}", self.micro);
            write!(f, ".{}", &frac[..usize::from(self.fsp)])?;
        }
        Ok(())
    }
}

impl FromStr for Temporal {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Temporal::parse(TemporalKind::DateTime, s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_print_round_trip() {
        let t = Temporal::parse(TemporalKind::DateTime, "2024-02-29 13:05:09.123").expect("parse");
        assert_eq!(t.to_string(), "2024-02-29 13:05:09.123");
        assert_eq!(
            Temporal::parse(TemporalKind::Date, "2024-02-29 13:05:09").map(|t| t.to_string()),
            Some("2024-02-29".into())
        );
        assert!(Temporal::parse(TemporalKind::Date, "2023-02-29").is_none());
        assert!(Temporal::parse(TemporalKind::Date, "2023-13-01").is_none());
        assert_eq!(
            Temporal::parse(TemporalKind::DateTime, "20240102030405").map(|t| t.to_string()),
            Some("2024-01-02 03:04:05".into())
        );
    }

    #[test]
    fn micros_round_trip_and_order() {
        let t =
            Temporal::parse(TemporalKind::DateTime, "1999-12-31 23:59:59.999999").expect("parse");
        let back = Temporal::from_micros(TemporalKind::DateTime, t.to_micros()).expect("back");
        assert_eq!(back, t);
        assert_eq!(
            Temporal::from_micros(TemporalKind::DateTime, 0).map(|t| t.to_string()),
            Some("1970-01-01 00:00:00".into())
        );
        let a = Temporal::parse(TemporalKind::DateTime, "2024-01-01 00:00:00").expect("a");
        assert!(t < a);
        assert!(t.packed() < a.packed());
        assert_eq!(a.weekday(), 1); // a Monday
    }

    #[test]
    fn fsp_rounds() {
        let t = Temporal::parse(TemporalKind::DateTime, "2024-01-01 10:00:00.5").expect("parse");
        assert_eq!(t.with_fsp(0).to_string(), "2024-01-01 10:00:01");
    }
}
