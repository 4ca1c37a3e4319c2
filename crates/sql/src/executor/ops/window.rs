//! Window functions (`planner::window`): reads its whole input (charged to the statement's
//! memory; 8175 past the quota), then for each call orders the rows by its partition and
//! order keys, walks each partition computing the call's value per row, and returns every
//! row with the values appended — in the last call's order, as MySQL's sequence of window
//! sorts leaves them.
//!
//! Frames: ROWS bounds count rows; RANGE bounds are the current row's peers (equal order
//! keys) or the rows whose key is within the bound's distance, found by binary search in the
//! ordered partition. An aggregate over a frame that starts at the partition's start grows
//! with the frame; any other frame is aggregated anew for each row.

use std::cmp::Ordering;

use errno::Result;
use types::Value;

use super::{order, Batch, Cx, Drain, Operator};
use crate::{
    executor::aggregate::FrameAcc,
    expr::{compare, EvalCtx},
    memory::{row_bytes, Charge},
    planner::{Bound, Offset, WindowCall, WindowFunc},
    table::Row,
};

/// Computes window calls over its whole input.
pub struct Window {
    input: Box<dyn Operator>,
    calls: Vec<WindowCall>,
    out: Option<Drain>,
    held: Option<Charge>,
}

impl Window {
    /// `calls` over `input`'s rows.
    pub fn new(input: Box<dyn Operator>, calls: Vec<WindowCall>) -> Self {
        Window { input, calls, out: None, held: None }
    }

    fn compute(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Vec<Row>> {
        let held = self.held.insert(Charge::new(&cx.env.mem));
        let mut rows: Vec<Row> = Vec::new();
        while let Some(batch) = self.input.next(cx)? {
            for r in batch {
                held.add(row_bytes(&r.values) + 24 * (self.calls.len() + 1))?;
                rows.push(r);
            }
        }
        let mut sorted: Vec<usize> = (0..rows.len()).collect();
        let mut results: Vec<Vec<Value>> = Vec::with_capacity(self.calls.len());
        for call in &self.calls {
            cx.env.check_interrupt()?;
            let (order_of, values) = compute_call(call, &rows, cx.eval)?;
            sorted = order_of;
            results.push(values);
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut rows: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        for i in sorted {
            let Some(mut r) = rows[i].take() else { continue };
            r.values.extend(results.iter().map(|v| v[i].clone()));
            out.push(r);
        }
        Ok(out)
    }
}

impl Operator for Window {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let rows = self.compute(cx)?;
            self.out = Some(Drain::new(rows));
        }
        Ok(self.out.as_mut().and_then(Drain::next_batch))
    }
}

/// One call over `rows`: the row order it sorted them into, and its value for each row (by
/// input position).
fn compute_call(
    call: &WindowCall,
    rows: &[Row],
    eval: &EvalCtx<'_>,
) -> Result<(Vec<usize>, Vec<Value>)> {
    // Partition key bytes and order key values per row.
    let mut parts = Vec::with_capacity(rows.len());
    let mut keys: Vec<Vec<Value>> = Vec::with_capacity(rows.len());
    for r in rows {
        let mut p = Vec::new();
        for e in &call.partition {
            tablecodec::datum::encode(&mut p, &e.eval(&r.values, eval)?);
        }
        parts.push(p);
        let k =
            call.order.iter().map(|(e, _)| e.eval(&r.values, eval)).collect::<Result<Vec<_>>>()?;
        keys.push(k);
    }
    let mut sorted: Vec<usize> = (0..rows.len()).collect();
    sorted.sort_by(|&a, &b| {
        parts[a].cmp(&parts[b]).then_with(|| order(&keys[a], &keys[b], &call.order))
    });
    let mut values = vec![Value::Null; rows.len()];
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        while end < sorted.len() && parts[sorted[end]] == parts[sorted[start]] {
            end += 1;
        }
        let partition = Partition { rows, keys: &keys, at: &sorted[start..end], call, eval };
        for (i, v) in partition.values()?.into_iter().enumerate() {
            values[sorted[start + i]] = v;
        }
        start = end;
    }
    Ok((sorted, values))
}

/// One partition of one call, its rows in window order.
struct Partition<'a> {
    rows: &'a [Row],
    keys: &'a [Vec<Value>],
    /// Input positions of its rows, in window order.
    at: &'a [usize],
    call: &'a WindowCall,
    eval: &'a EvalCtx<'a>,
}

impl Partition<'_> {
    fn row(&self, i: usize) -> &[Value] {
        &self.rows[self.at[i]].values
    }

    fn key(&self, i: usize) -> &[Value] {
        &self.keys[self.at[i]]
    }

    fn peers(&self, a: usize, b: usize) -> bool {
        order(self.key(a), self.key(b), &self.call.order) == Ordering::Equal
    }

    /// The first and last positions of row `i`'s peer group.
    fn peer_group(&self, i: usize) -> (usize, usize) {
        let mut first = i;
        while first > 0 && self.peers(first - 1, i) {
            first -= 1;
        }
        let mut last = i;
        while last + 1 < self.at.len() && self.peers(last + 1, i) {
            last += 1;
        }
        (first, last)
    }

    fn arg(&self, n: usize, i: usize) -> Result<Value> {
        match self.call.args.get(n) {
            Some(e) => e.eval(self.row(i), self.eval),
            None => Ok(Value::Null),
        }
    }

    /// The call's value for each row, in window order.
    fn values(&self) -> Result<Vec<Value>> {
        let n = self.at.len();
        let mut out = Vec::with_capacity(n);
        match &self.call.func {
            WindowFunc::RowNumber => out.extend((1..=n as i64).map(Value::Int)),
            WindowFunc::Rank | WindowFunc::DenseRank | WindowFunc::PercentRank => {
                let (mut rank, mut dense) = (1i64, 0i64);
                for i in 0..n {
                    if i == 0 || !self.peers(i - 1, i) {
                        rank = i as i64 + 1;
                        dense += 1;
                    }
                    out.push(match self.call.func {
                        WindowFunc::Rank => Value::Int(rank),
                        WindowFunc::DenseRank => Value::Int(dense),
                        _ if n > 1 => Value::Double((rank - 1) as f64 / (n - 1) as f64),
                        _ => Value::Double(0.0),
                    });
                }
            }
            WindowFunc::CumeDist => {
                let mut i = 0;
                while i < n {
                    let (_, last) = self.peer_group(i);
                    let v = (last + 1) as f64 / n as f64;
                    out.extend(std::iter::repeat_n(Value::Double(v), last + 1 - i));
                    i = last + 1;
                }
            }
            WindowFunc::Ntile(buckets) => {
                let buckets = usize::try_from(*buckets).unwrap_or(usize::MAX).max(1);
                let (size, extra) = (n / buckets, n % buckets);
                for i in 0..n {
                    let tile = if size == 0 {
                        i + 1
                    } else if i < extra * (size + 1) {
                        i / (size + 1) + 1
                    } else {
                        (i - extra) / size + 1
                    };
                    out.push(Value::Int(tile as i64));
                }
            }
            WindowFunc::Offset { lead, n: by } => {
                let by = usize::try_from(*by).unwrap_or(usize::MAX);
                for i in 0..n {
                    let other = if *lead { i.checked_add(by) } else { i.checked_sub(by) };
                    out.push(match other.filter(|&o| o < n) {
                        Some(o) => self.arg(0, o)?,
                        None => self.arg(1, i)?,
                    });
                }
            }
            WindowFunc::FirstValue | WindowFunc::LastValue | WindowFunc::NthValue(_) => {
                for i in 0..n {
                    let (s, e) = self.frame(i)?;
                    let pick = match self.call.func {
                        WindowFunc::FirstValue => (s <= e).then_some(s),
                        WindowFunc::LastValue => (s <= e).then_some(e),
                        WindowFunc::NthValue(k) => {
                            let k = usize::try_from(k).unwrap_or(usize::MAX);
                            s.checked_add(k - 1).filter(|&p| p <= e && s <= e)
                        }
                        _ => None,
                    };
                    out.push(match pick {
                        Some(p) => self.arg(0, p)?,
                        None => Value::Null,
                    });
                }
            }
            WindowFunc::Agg(agg) => self.aggregate(agg, &mut out)?,
        }
        Ok(out)
    }

    /// An aggregate over each row's frame.
    fn aggregate(
        &self,
        agg: &crate::executor::aggregate::AggCall,
        out: &mut Vec<Value>,
    ) -> Result<()> {
        let n = self.at.len();
        let growing = matches!(self.call.frame.start, Bound::UnboundedPreceding);
        let mut acc = FrameAcc::new(agg);
        let mut added = 0; // rows [0, added) are in `acc` (growing frames)
        for i in 0..n {
            let (s, e) = self.frame(i)?;
            if s > e {
                out.push(FrameAcc::new(agg).value(agg));
                continue;
            }
            if growing {
                while added <= e {
                    acc.add(agg, self.row(added), self.eval)?;
                    added += 1;
                }
                out.push(acc.value(agg));
            } else {
                let mut fresh = FrameAcc::new(agg);
                for p in s..=e {
                    fresh.add(agg, self.row(p), self.eval)?;
                }
                out.push(fresh.value(agg));
            }
        }
        Ok(())
    }

    /// Row `i`'s frame as window-order positions `(start, end)`; empty when `start > end`.
    fn frame(&self, i: usize) -> Result<(usize, usize)> {
        let n = self.at.len();
        let frame = &self.call.frame;
        let start = match &frame.start {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => n,
            Bound::CurrentRow if frame.range => self.peer_group(i).0,
            Bound::CurrentRow => i,
            Bound::Preceding(Offset::Rows(k)) => i.saturating_sub(*k),
            Bound::Following(Offset::Rows(k)) => i.saturating_add(*k),
            Bound::Preceding(Offset::Range(e)) | Bound::Following(Offset::Range(e)) => {
                self.range_start(i, e)?
            }
        };
        let end = match &frame.end {
            Bound::UnboundedFollowing => n as isize - 1,
            Bound::UnboundedPreceding => -1,
            Bound::CurrentRow if frame.range => self.peer_group(i).1 as isize,
            Bound::CurrentRow => i as isize,
            Bound::Preceding(Offset::Rows(k)) => {
                i as isize - (*k).min(isize::MAX as usize) as isize
            }
            Bound::Following(Offset::Rows(k)) => {
                i.saturating_add(*k).min(n.saturating_sub(1)) as isize
            }
            Bound::Preceding(Offset::Range(e)) | Bound::Following(Offset::Range(e)) => {
                self.range_end(i, e)?
            }
        };
        if end < 0 || start >= n {
            return Ok((1, 0));
        }
        Ok((start, (end as usize).min(n - 1)))
    }

    /// The key a RANGE bound reaches from row `i` (NULL for a NULL key).
    fn reach(&self, i: usize, e: &crate::expr::Expr) -> Result<Value> {
        let key = self.key(i).first().cloned().unwrap_or(Value::Null);
        if key.is_null() {
            return Ok(Value::Null);
        }
        e.eval(&[key], self.eval)
    }

    /// Where `v` falls against the single order key of row `p`, in window order (a NULL
    /// key's rows form their own group, before the others ascending, after them descending).
    fn cmp_key(&self, p: usize, v: &Value) -> Ordering {
        let asc = self.call.order.first().is_none_or(|(_, a)| *a);
        let k = self.key(p).first().unwrap_or(&Value::Null);
        let o = match (k.is_null(), v.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => compare(k, v).unwrap_or(Ordering::Equal),
        };
        if asc {
            o
        } else {
            o.reverse()
        }
    }

    /// The first row whose key is at or past the bound's key (RANGE start).
    fn range_start(&self, i: usize, e: &crate::expr::Expr) -> Result<usize> {
        let v = self.reach(i, e)?;
        if v.is_null() {
            return Ok(self.peer_group(i).0);
        }
        Ok(self.partition_point(|p| self.cmp_key(p, &v) == Ordering::Less))
    }

    /// The last row whose key is at or before the bound's key (RANGE end); -1 when none is
    /// (an empty frame).
    fn range_end(&self, i: usize, e: &crate::expr::Expr) -> Result<isize> {
        let v = self.reach(i, e)?;
        if v.is_null() {
            return Ok(self.peer_group(i).1 as isize);
        }
        let after = self.partition_point(|p| self.cmp_key(p, &v) != Ordering::Greater);
        Ok(after as isize - 1)
    }

    /// The first position where `before` turns false (it must be true, then false).
    fn partition_point(&self, before: impl Fn(usize) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.at.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}
