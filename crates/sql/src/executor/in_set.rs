//! `v IN (SELECT …)` against a subquery's rows without comparing `v` with every row: the rows'
//! first column indexed by [`Membership`] (hashed by comparison class, so MySQL's cross-type
//! comparisons still decide the rare values of another class).

use std::{cmp::Ordering, rc::Rc};

use types::Value;

use crate::{
    expr::{
        compare,
        member_set::{FirstColumn, Membership},
    },
    memory::Charge,
};

/// Below this many rows a subquery's result is searched directly.
pub const MIN_ROWS: usize = 16;

/// The first column of a subquery's rows, indexed for membership tests.
pub struct InSet {
    index: Membership,
    rows: Rc<Vec<Vec<Value>>>,
    /// What the index holds, charged to the statement.
    _held: Charge,
}

/// Whether `v` (not NULL) is among the first column of `rows`, compared one by one (see
/// [`InSet::contains`] for the answer's form).
pub fn contains_linear(rows: &[Vec<Value>], v: &Value) -> Option<bool> {
    let mut unknown = false;
    for r in rows {
        match r.first().map(|x| compare(v, x)) {
            Some(Some(Ordering::Equal)) => return Some(true),
            Some(None) => unknown = true,
            _ => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

impl InSet {
    /// Indexes `rows` (charging `held` for what the index holds).
    pub fn new(rows: Rc<Vec<Vec<Value>>>, mut held: Charge) -> errno::Result<Self> {
        let index = Membership::new(&FirstColumn(&rows));
        held.add(index.bytes())?;
        Ok(InSet { index, rows, _held: held })
    }

    /// Whether `v` (not NULL) equals some row's value: `Some(true)`, `Some(false)`, or `None`
    /// (unknown: no match but a NULL or incomparable row).
    pub fn contains(&self, v: &Value) -> Option<bool> {
        self.index.contains(&FirstColumn(&self.rows), std::slice::from_ref(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemTracker;

    fn values() -> Vec<Value> {
        vec![
            Value::Int(1),
            Value::Int(-7),
            Value::UInt(u64::MAX),
            Value::Decimal("2.50".parse().expect("decimal")),
            Value::Decimal("3".parse().expect("decimal")),
            Value::Double(4.0),
            Value::String("5".into()),
            Value::String("abc".into()),
            Value::Bytes(b"xyz".to_vec()),
            Value::Null,
        ]
    }

    /// The index answers exactly what comparing with every row answers, for probes of every
    /// class against rows of every class, with and without a NULL row.
    #[test]
    fn answers_as_row_by_row_comparison() {
        let probes: Vec<Value> = values()
            .into_iter()
            .chain([
                Value::Int(3),
                Value::Int(4),
                Value::Int(5),
                Value::Double(2.5),
                Value::String("1".into()),
                Value::String("2.5".into()),
                Value::String("ABC".into()),
                Value::Int(99),
            ])
            .filter(|v| !v.is_null())
            .collect();
        let all = values();
        for with_null in [true, false] {
            let rows: Vec<Vec<Value>> =
                all.iter().filter(|v| with_null || !v.is_null()).map(|v| vec![v.clone()]).collect();
            let rows = Rc::new(rows);
            let tracker = MemTracker::new(0, 0);
            let set = InSet::new(rows.clone(), Charge::new(&tracker)).expect("index");
            for p in &probes {
                assert_eq!(set.contains(p), contains_linear(&rows, p), "probe {p:?}");
            }
        }
    }
}
