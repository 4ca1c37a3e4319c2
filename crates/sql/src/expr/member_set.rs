//! Membership tests against many values without comparing with each: values are hashed by
//! comparison class ([`super::hash_key`]), and only values of another class than the probe's —
//! rare — and doubles are compared one by one, so MySQL's cross-type comparisons still decide
//! those. Used for a subquery's rows (`v IN (SELECT …)`) and for long constant `IN` lists.

use std::{
    cmp::Ordering,
    collections::{HashMap, HashSet},
    sync::Arc,
};

use types::Value;

use super::{
    compare,
    hash_key::{key_bytes, KeyBytes},
};

/// Where the values a [`Membership`] indexes sit: it keeps only their positions.
pub trait Members {
    /// The value at `i` (`None` past the end).
    fn member(&self, i: usize) -> Option<&Value>;
    /// How many there are.
    fn count(&self) -> usize;
}

impl Members for [Value] {
    fn member(&self, i: usize) -> Option<&Value> {
        self.get(i)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Members for [Vec<Value>] {
    fn member(&self, i: usize) -> Option<&Value> {
        self.get(i).and_then(|r| r.first())
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// An index of values for membership tests (see the module documentation).
#[derive(Debug, Default)]
pub struct Membership {
    /// Keys of hashable values, per class signature.
    keyed: HashMap<Vec<u8>, HashSet<Vec<u8>>>,
    /// Positions by class signature (for probes of another class).
    by_class: HashMap<Vec<u8>, Vec<usize>>,
    /// Positions of values that cannot be hashed (doubles): compared with every probe.
    other: Vec<usize>,
    /// Some value is NULL.
    has_null: bool,
    /// Bytes the keys take.
    bytes: usize,
}

impl Membership {
    /// Indexes `values`.
    pub fn new<M: Members + ?Sized>(values: &M) -> Self {
        let mut m = Membership::default();
        for i in 0..values.count() {
            match key_bytes(values.member(i).into_iter()) {
                KeyBytes::Null => m.has_null = true,
                KeyBytes::Other => m.other.push(i),
                KeyBytes::Key(k, classes) => {
                    m.bytes += k.len() + 48;
                    m.by_class.entry(classes.clone()).or_default().push(i);
                    m.keyed.entry(classes).or_default().insert(k);
                }
            }
        }
        m
    }

    /// Bytes the index holds (for charging a statement's memory).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether `v` (not NULL) equals one of `values` (those it was built from):
    /// `Some(true)`, `Some(false)`, or `None` (unknown: no match but a NULL or an
    /// incomparable value), as a comparison with each would answer.
    pub fn contains<M: Members + ?Sized>(&self, values: &M, v: &Value) -> Option<bool> {
        let mut unknown = self.has_null;
        let mut check = |i: usize| match values.member(i).map(|x| compare(v, x)) {
            Some(Some(Ordering::Equal)) => true,
            Some(None) => {
                unknown = true;
                false
            }
            _ => false,
        };
        match key_bytes(std::iter::once(v)) {
            KeyBytes::Key(k, classes) => {
                if self.keyed.get(&classes).is_some_and(|s| s.contains(&k)) {
                    return Some(true);
                }
                let others = self.by_class.iter().filter(|(c, _)| **c != classes);
                let candidates = others.flat_map(|(_, at)| at.iter().copied());
                if candidates.chain(self.other.iter().copied()).any(&mut check) {
                    return Some(true);
                }
            }
            KeyBytes::Null => return None,
            KeyBytes::Other => {
                if (0..values.count()).any(&mut check) {
                    return Some(true);
                }
            }
        }
        if unknown {
            None
        } else {
            Some(false)
        }
    }
}

/// The values of a constant `IN` list, indexed (an `Expr::InList` of literals holds one).
#[derive(Debug)]
pub struct ConstSet {
    values: Vec<Value>,
    index: Membership,
}

/// Constant `IN` lists at least this long are indexed.
pub const MIN_INDEXED: usize = 8;

impl ConstSet {
    /// Indexes `values`.
    pub fn new(values: Vec<Value>) -> Arc<Self> {
        let index = Membership::new(values.as_slice());
        Arc::new(ConstSet { values, index })
    }

    /// Whether `v` (not NULL) is in the list ([`Membership::contains`]).
    pub fn contains(&self, v: &Value) -> Option<bool> {
        self.index.contains(self.values.as_slice(), v)
    }
}

impl PartialEq for ConstSet {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}
