//! Reads a stored table along its access path. Point and unique-key gets read their few rows at
//! once; full scans, handle ranges and index ranges page through the store ([`StmtTxn::scan_page`]),
//! so a scan holds one page at a time and one that is cut short (`LIMIT 1`) reads one page.
//!
//! [`StmtTxn::scan_page`]: crate::stmt_txn::StmtTxn::scan_page

use std::sync::Arc;

use catalog::{IndexInfo, TableInfo};
use errno::Result;
use kv::KeyRange;

use super::{
    parallel_scan::{ParallelScan, Prefilter},
    Batch, Cx, Drain, Operator,
};
use crate::{
    executor::{access, Access},
    table,
};

/// The first page's size (unless a handle range bounds its rows lower); each next page is four
/// times larger, up to [`MAX_PAGE`].
const FIRST_PAGE: usize = 64;
const MAX_PAGE: usize = 4096;
/// Handle ranges narrower than this are read in a single page.
const ONE_PAGE_RANGE: u64 = 1024;

/// What the paged ranges hold.
enum Entries {
    /// Records `t{id}_r{handle}`.
    Records,
    /// Entries of an index (rows decoded from them when covering, else looked up).
    Index { index: IndexInfo, covering: bool },
}

/// Reads one table's rows.
pub struct TableReader {
    table: Arc<TableInfo>,
    /// Point reads still to do (`Handles`/`Unique` access).
    points: Option<Access>,
    out: Option<Drain>,
    entries: Entries,
    /// Ranges still to read, current first.
    ranges: std::collections::VecDeque<KeyRange>,
    page: usize,
    /// Read ranges (and keys within them) in descending order.
    reverse: bool,
    /// Columns the query reads (by position); the others of scanned records are not decoded.
    needed: Option<Vec<bool>>,
    /// Decodes records into the needed columns (made at the first page).
    decoder: Option<table::RowDecoder>,
    /// Workers reading the rest of the current range, once it proved long.
    parallel: Option<ParallelScan>,
    /// Whether going parallel was considered (once per reader).
    tried_parallel: bool,
    /// The (portable) filter above this reader, which parallel workers apply ahead of it.
    prefilter: Option<crate::expr::Expr>,
    /// A filter holding parameters and the path chosen for it: the ranges to rebuild when
    /// the reader opens.
    ranges_from: Option<(crate::expr::Expr, Access)>,
}

impl TableReader {
    /// Reads `table` along `access`, in key order (descending when `reverse`).
    pub fn new(table: Arc<TableInfo>, access: Access, reverse: bool) -> Self {
        let mut reader = TableReader {
            table,
            points: None,
            out: None,
            entries: Entries::Records,
            ranges: Default::default(),
            page: FIRST_PAGE,
            reverse,
            needed: None,
            decoder: None,
            parallel: None,
            tried_parallel: false,
            prefilter: None,
            ranges_from: None,
        };
        reader.set_access(access);
        reader
    }

    /// Reads along `access` from the start.
    fn set_access(&mut self, access: Access) {
        let record_range = || KeyRange::prefix(&tablecodec::record_prefix(self.table.id));
        self.page = FIRST_PAGE;
        let (points, entries, ranges) = match access {
            Access::FullScan => (None, Entries::Records, vec![record_range()]),
            Access::HandleRange { range, at_most, .. } => {
                // A short range is read in one page of one more than can exist, so that page
                // ends the scan (a long one still starts small, for `LIMIT`).
                if let Some(n) = at_most.filter(|n| *n < ONE_PAGE_RANGE) {
                    self.page = n as usize + 1;
                }
                (None, Entries::Records, vec![range])
            }
            Access::IndexRanges { index, ranges, covering, .. } => {
                (None, Entries::Index { index, covering }, ranges)
            }
            points @ (Access::Handles(_) | Access::Unique { .. }) => {
                (Some(points), Entries::Records, Vec::new())
            }
        };
        let mut ranges: std::collections::VecDeque<KeyRange> = ranges.into();
        if self.reverse {
            ranges.make_contiguous().reverse();
        }
        (self.points, self.entries, self.ranges) = (points, entries, ranges);
    }

    /// Rebuilds the access path's ranges from `from` (see [`ranges_from`]) when the reader
    /// opens.
    pub fn with_ranges_from(mut self, from: Option<(crate::expr::Expr, Access)>) -> Self {
        self.ranges_from = from;
        self
    }

    /// The filter applied to this reader's rows above it, if portable
    /// (`Expr::is_portable`): parallel workers drop the rows it rejects before sending them.
    pub fn with_prefilter(mut self, pred: Option<&crate::expr::Expr>) -> Self {
        self.prefilter = pred.filter(|p| p.is_portable()).cloned();
        self
    }

    /// Decodes only the `needed` columns (by position) of scanned records; the others read as
    /// NULL.
    pub fn with_columns(mut self, needed: Option<Vec<bool>>) -> Self {
        self.needed = needed;
        self
    }
}

impl Operator for TableReader {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if let Some((pred, chosen)) = self.ranges_from.take() {
            let conds = crate::executor::path_conds(&pred, &self.table, cx.eval);
            self.set_access(access::rebuild(&self.table, &chosen, &conds));
        }
        if let Some(points) = self.points.take() {
            let rows = access::fetch(&mut cx.env.st.borrow_mut(), &self.table, &points)?;
            self.out = Some(Drain::new(rows));
        }
        if let Some(out) = &mut self.out {
            return Ok(out.next_batch());
        }
        loop {
            if let Some(p) = &mut self.parallel {
                if let Some(rows) = p.next_batch()? {
                    return Ok(Some(rows));
                }
                self.parallel = None;
                self.ranges.pop_front();
            }
            let Some(range) = self.ranges.front_mut() else { return Ok(None) };
            // A scan still going after its first pages is long: the rest of its range is read
            // by workers (not backwards, not index entries: records only).
            if self.page == MAX_PAGE
                && !self.tried_parallel
                && !self.reverse
                && matches!(self.entries, Entries::Records)
            {
                self.tried_parallel = true;
                let t = &self.table;
                let needed = self.needed.as_deref();
                let decoder = self.decoder.get_or_insert_with(|| table::RowDecoder::new(t, needed));
                let prefilter = self.prefilter.take();
                self.parallel = go_parallel(cx, t, decoder, prefilter, range)?;
                if self.parallel.is_some() {
                    continue;
                }
            }
            let mut st = cx.env.st.borrow_mut();
            let (pairs, rest) = st.scan_page(range, self.page, self.reverse)?;
            match rest {
                Some(rest) => *range = rest,
                None => {
                    self.ranges.pop_front();
                }
            }
            self.page = (self.page * 4).min(MAX_PAGE);
            let t = &self.table;
            let rows = match &self.entries {
                Entries::Records => {
                    let needed = self.needed.as_deref();
                    let decoder =
                        self.decoder.get_or_insert_with(|| table::RowDecoder::new(t, needed));
                    pairs
                        .iter()
                        .map(|(k, v)| decoder.decode_record(t, k, v))
                        .collect::<Result<Vec<_>>>()?
                }
                Entries::Index { index, covering } => {
                    access::index_entry_rows(&mut st, t, index, *covering, &pairs)?
                }
            };
            if !rows.is_empty() {
                return Ok(Some(rows));
            }
        }
    }
}

/// When `pred` (the filter the access path `chosen` was chosen for) holds parameters: it and
/// the path, so that a reader rebuilds the path's ranges for the parameters' values when it
/// opens — a kept plan reads the keys of each run's values ([`access::rebuild`]).
pub fn ranges_from(
    pred: Option<&crate::expr::Expr>,
    chosen: &Access,
) -> Option<(crate::expr::Expr, Access)> {
    pred.filter(|p| p.has_params()).map(|p| (p.clone(), chosen.clone()))
}

/// Workers for the rest of `range`, when the statement reads what the store holds at its read
/// timestamp (nothing of its own is staged or buffered), the session allows more than one
/// (`tidb_distsql_scan_concurrency`, at most the machine's cores) and the range is long.
fn go_parallel(
    cx: &Cx<'_, '_, '_, '_>,
    table: &Arc<TableInfo>,
    decoder: &table::RowDecoder,
    prefilter: Option<crate::expr::Expr>,
    range: &KeyRange,
) -> Result<Option<ParallelScan>> {
    let threads = usize::try_from(cx.env.ctx.vars.int("tidb_distsql_scan_concurrency"))
        .unwrap_or(1)
        .min(crate::executor::lookup_workers::cores());
    if threads < 2 {
        return Ok(None);
    }
    let Some(snapshot) = cx.env.st.borrow_mut().shared_snapshot()? else { return Ok(None) };
    let handle = |reverse| -> Result<Option<i64>> {
        let pair = snapshot.scan(range, 1, reverse)?;
        Ok(pair.first().and_then(|(k, _)| tablecodec::decode_record_key(k)))
    };
    let (Some(lo), Some(hi)) = (handle(false)?, handle(true)?) else { return Ok(None) };
    let prefilter = prefilter.map(|pred| Prefilter { pred, session: cx.eval.session.clone() });
    let (table, decoder) = (table.clone(), decoder.clone());
    Ok(ParallelScan::start(snapshot, table, decoder, prefilter, range, (lo, hi), threads))
}
