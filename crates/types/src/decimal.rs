//! Exact decimal numbers for DECIMAL/NUMERIC columns and decimal literals.
//!
//! A value is an `i128` mantissa with a decimal `scale` (digits after the point), enough for
//! 38 significant digits. Arithmetic is exact; division keeps `div_precision_increment` (4)
//! extra digits as MySQL does.

use std::{cmp::Ordering, fmt, str::FromStr};

/// Most significant digits a [`Decimal`] holds.
pub const MAX_PRECISION: u32 = 38;
/// Most digits after the point.
pub const MAX_SCALE: u32 = 30;

/// An exact decimal.
#[derive(Debug, Clone, Copy, Eq)]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Decimal {
    /// `mantissa × 10^-scale`.
    pub fn new(mantissa: i128, scale: u32) -> Option<Self> {
        (scale <= MAX_SCALE).then_some(Decimal { mantissa, scale: scale as u8 })
    }

    /// An integer.
    pub fn from_i128(v: i128) -> Self {
        Decimal { mantissa: v, scale: 0 }
    }

    /// Digits after the point.
    pub fn scale(&self) -> u32 {
        u32::from(self.scale)
    }

    /// The raw mantissa.
    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// The same value with exactly `scale` digits after the point, rounding half away from zero.
    pub fn rescale(&self, scale: u32) -> Option<Self> {
        let cur = self.scale();
        if scale >= cur {
            let m = self.mantissa.checked_mul(pow10(scale - cur)?)?;
            return Decimal::new(m, scale);
        }
        let div = pow10(cur - scale)?;
        let q = self.mantissa / div;
        let r = self.mantissa % div;
        let q = if r.abs() * 2 >= div { q + self.mantissa.signum() } else { q };
        Decimal::new(q, scale)
    }

    /// Number of digits before the point (at least 1).
    pub fn integer_digits(&self) -> u32 {
        let int = (self.mantissa / pow10(self.scale()).unwrap_or(1)).unsigned_abs();
        if int == 0 {
            1
        } else {
            int.ilog10() + 1
        }
    }

    /// As a double (may lose precision).
    pub fn to_f64(&self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale() as i32)
    }

    /// From a double, keeping up to 15 significant digits.
    pub fn from_f64(d: f64) -> Option<Self> {
        if !d.is_finite() {
            return None;
        }
        format!("{d:.15e}").parse::<f64>().ok().and_then(|v| v.to_string().parse().ok())
    }

    /// The integer part, rounded half away from zero.
    pub fn round_to_i128(&self) -> i128 {
        self.rescale(0).map_or(0, |d| d.mantissa)
    }

    /// The integer part, truncated.
    pub fn trunc_to_i128(&self) -> i128 {
        self.mantissa / pow10(self.scale()).unwrap_or(1)
    }

    fn align(a: &Decimal, b: &Decimal) -> Option<(i128, i128, u32)> {
        let s = a.scale().max(b.scale());
        Some((a.rescale(s)?.mantissa, b.rescale(s)?.mantissa, s))
    }

    /// `a + b`, `None` on overflow.
    pub fn checked_add(&self, o: &Decimal) -> Option<Decimal> {
        let (a, b, s) = Self::align(self, o)?;
        Decimal::new(a.checked_add(b)?, s)
    }

    /// `a - b`, `None` on overflow.
    pub fn checked_sub(&self, o: &Decimal) -> Option<Decimal> {
        let (a, b, s) = Self::align(self, o)?;
        Decimal::new(a.checked_sub(b)?, s)
    }

    /// `a × b`, `None` on overflow.
    pub fn checked_mul(&self, o: &Decimal) -> Option<Decimal> {
        reduce(self.mantissa.checked_mul(o.mantissa)?, self.scale() + o.scale())
    }

    /// `a / b` with `extra` more digits than the dividend's scale; `None` for division by zero
    /// or overflow.
    pub fn checked_div(&self, o: &Decimal, extra: u32) -> Option<Decimal> {
        if o.mantissa == 0 {
            return None;
        }
        let scale = (self.scale() + extra).min(MAX_SCALE);
        // self / o = (ma / 10^sa) / (mb / 10^sb); want result × 10^scale.
        let shift = scale + o.scale();
        let num = self.mantissa.checked_mul(pow10(shift.checked_sub(self.scale())?)?)?;
        let q = num / o.mantissa;
        let r = num % o.mantissa;
        let q = if r.abs() * 2 >= o.mantissa.abs() {
            q + (num.signum() * o.mantissa.signum())
        } else {
            q
        };
        Decimal::new(q, scale)
    }

    /// `a % b`, `None` for a zero divisor.
    pub fn checked_rem(&self, o: &Decimal) -> Option<Decimal> {
        let (a, b, s) = Self::align(self, o)?;
        if b == 0 {
            return None;
        }
        Decimal::new(a % b, s)
    }

    /// `-a`.
    pub fn neg(&self) -> Decimal {
        Decimal { mantissa: -self.mantissa, scale: self.scale }
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }
}

/// `m × 10^-scale`, rounded to at most [`MAX_SCALE`] digits after the point.
fn reduce(m: i128, scale: u32) -> Option<Decimal> {
    if scale <= MAX_SCALE {
        return Decimal::new(m, scale);
    }
    let div = pow10(scale - MAX_SCALE)?;
    let q = m / div;
    let q = if (m % div).abs() * 2 >= div { q + m.signum() } else { q };
    Decimal::new(q, MAX_SCALE)
}

impl PartialEq for Decimal {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Decimal {
    fn cmp(&self, o: &Self) -> Ordering {
        match Self::align(self, o) {
            Some((a, b, _)) => a.cmp(&b),
            None => self.to_f64().partial_cmp(&o.to_f64()).unwrap_or(Ordering::Equal),
        }
    }
}

impl fmt::Display for Decimal {
    /// Plain notation with exactly `scale` digits after the point, as MySQL prints DECIMAL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.mantissa < 0;
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale();
        let (int, frac) = if scale == 0 {
            (digits, String::new())
        } else if digits.len() as u32 > scale {
            let (a, b) = digits.split_at(digits.len() - scale as usize);
            (a.to_string(), b.to_string())
        } else {
            ("0".to_string(), format!("{digits:0>width$}", width = scale as usize))
        };
        if neg {
            f.write_str("-")?;
        }
        f.write_str(&int)?;
        if scale > 0 {
            write!(f, ".{frac}")?;
        }
        Ok(())
    }
}

/// Why a decimal string did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDecimalError;

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    /// Parses `[-+]digits[.digits][e[-+]digits]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (mant, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().map_err(|_| ParseDecimalError)?),
            None => (s, 0),
        };
        let (neg, body) = match mant.as_bytes().first() {
            Some(b'-') => (true, &mant[1..]),
            Some(b'+') => (false, &mant[1..]),
            _ => (false, mant),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
        {
            return Err(ParseDecimalError);
        }
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        let mut m: i128 =
            if digits.is_empty() { 0 } else { digits.parse().map_err(|_| ParseDecimalError)? };
        let mut scale = frac.len() as i32 - exp;
        if scale < 0 {
            m = m
                .checked_mul(pow10((-scale) as u32).ok_or(ParseDecimalError)?)
                .ok_or(ParseDecimalError)?;
            scale = 0;
        }
        reduce(if neg { -m } else { m }, scale as u32).ok_or(ParseDecimalError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(d("1.50").to_string(), "1.50");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(d("12").to_string(), "12");
        assert_eq!(d("1.5e2").to_string(), "150");
        assert_eq!(d(".5").to_string(), "0.5");
        assert!("abc".parse::<Decimal>().is_err());
        assert!("1.2.3".parse::<Decimal>().is_err());
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(d("0.1").checked_add(&d("0.2")).map(|x| x.to_string()), Some("0.3".into()));
        assert_eq!(d("1.25").checked_mul(&d("4")).map(|x| x.to_string()), Some("5.00".into()));
        assert_eq!(d("1").checked_div(&d("4"), 4).map(|x| x.to_string()), Some("0.2500".into()));
        assert_eq!(d("2").checked_div(&d("3"), 4).map(|x| x.to_string()), Some("0.6667".into()));
        assert_eq!(d("-7").checked_rem(&d("3")).map(|x| x.to_string()), Some("-1".into()));
        assert!(d("1").checked_div(&d("0"), 4).is_none());
    }

    #[test]
    fn rescale_rounds_half_away_from_zero() {
        assert_eq!(d("2.345").rescale(2).map(|x| x.to_string()), Some("2.35".into()));
        assert_eq!(d("-2.345").rescale(2).map(|x| x.to_string()), Some("-2.35".into()));
        assert_eq!(d("2.5").rescale(4).map(|x| x.to_string()), Some("2.5000".into()));
        assert_eq!(d("123.45").integer_digits(), 3);
        assert_eq!(d("1.5"), d("1.50"));
        assert!(d("1.5") < d("1.51"));
    }
}
