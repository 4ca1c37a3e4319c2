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

/// Where the values a [`Membership`] indexes sit: it keeps only their positions. A member is
/// one value or a row of them (a row IN list's tuple).
pub trait Members {
    /// The member at `i` (`None` past the end).
    fn member(&self, i: usize) -> Option<&[Value]>;
    /// How many there are.
    fn count(&self) -> usize;
}

impl Members for [Value] {
    fn member(&self, i: usize) -> Option<&[Value]> {
        self.get(i).map(std::slice::from_ref)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// Whole rows as members (tuples).
impl Members for [Vec<Value>] {
    fn member(&self, i: usize) -> Option<&[Value]> {
        self.get(i).map(Vec::as_slice)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// The first column of rows as members (a subquery's result).
pub struct FirstColumn<'a>(pub &'a [Vec<Value>]);

impl Members for FirstColumn<'_> {
    fn member(&self, i: usize) -> Option<&[Value]> {
        self.0.get(i).and_then(|r| r.get(..1))
    }
    fn count(&self) -> usize {
        self.0.len()
    }
}

/// Whether tuples `a` and `b` are equal under MySQL's comparison of rows: `Some(true)` when
/// every part is equal, `Some(false)` when some part differs, else `None` (a NULL or an
/// incomparable part decides nothing).
fn tuple_eq(a: &[Value], b: &[Value]) -> Option<bool> {
    let mut unknown = a.len() != b.len();
    for (x, y) in a.iter().zip(b) {
        match compare(x, y) {
            Some(Ordering::Equal) => {}
            Some(_) => return Some(false),
            None => unknown = true,
        }
    }
    (!unknown).then_some(true)
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
            let member = values.member(i).unwrap_or_default();
            match key_bytes(member.iter()) {
                // A NULL value is unknown against any probe; a tuple with a NULL part may still
                // differ in another part, so it is compared one by one.
                KeyBytes::Null if member.len() == 1 => m.has_null = true,
                KeyBytes::Null | KeyBytes::Other => m.other.push(i),
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

    /// Whether `probe` (no part NULL) equals one of `values` (those it was built from):
    /// `Some(true)`, `Some(false)`, or `None` (unknown: no match but a NULL or an incomparable
    /// member), as comparing with each would answer.
    pub fn contains<M: Members + ?Sized>(&self, values: &M, probe: &[Value]) -> Option<bool> {
        let mut unknown = self.has_null;
        let mut check = |i: usize| match values.member(i).map(|m| tuple_eq(probe, m)) {
            Some(Some(true)) => true,
            Some(None) => {
                unknown = true;
                false
            }
            _ => false,
        };
        match key_bytes(probe.iter()) {
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

/// The values of a constant `IN` list, or the tuples of a row `IN` list, indexed (an
/// `Expr::InList` or `Expr::RowIn` of literals holds one).
#[derive(Debug)]
pub struct ConstSet {
    members: Vec<Vec<Value>>,
    index: Membership,
}

/// Constant `IN` lists at least this long are indexed.
pub const MIN_INDEXED: usize = 8;

impl ConstSet {
    /// Indexes `members` (each one value, or all tuples of one width).
    pub fn new(members: Vec<Vec<Value>>) -> Arc<Self> {
        let index = Membership::new(members.as_slice());
        Arc::new(ConstSet { members, index })
    }

    /// Whether `probe` (no part NULL) is in the list ([`Membership::contains`]).
    pub fn contains(&self, probe: &[Value]) -> Option<bool> {
        self.index.contains(self.members.as_slice(), probe)
    }
}

impl PartialEq for ConstSet {
    fn eq(&self, other: &Self) -> bool {
        self.members == other.members
    }
}
