//! Table statistics (`ANALYZE TABLE`): row count, and per column the number of distinct values,
//! NULLs, average size, the most frequent values (TopN) and an equi-depth histogram of the rest,
//! as TiDB keeps them. Stored as JSON under `m Stats {table_id}` and cached in memory.
//!
//! Values in TopN and bucket bounds are memcomparable datums (`tablecodec::datum`), hex
//! encoded, so they compare with constants the way keys do.

use serde::{Deserialize, Serialize};

/// Statistics of one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableStats {
    /// When it was analyzed (microseconds since the epoch, UTC).
    pub updated_at: i64,
    /// Rows.
    pub row_count: u64,
    /// Rows changed since (not maintained yet: 0).
    pub modify_count: u64,
    /// Per column, in the table's column order at analysis time.
    pub columns: Vec<ColumnStats>,
}

/// Statistics of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// The column's id.
    pub column_id: u32,
    /// Its name when analyzed.
    pub name: String,
    /// Distinct non-NULL values (estimated when sampled).
    pub ndv: u64,
    /// NULLs.
    pub null_count: u64,
    /// Average stored size in bytes.
    pub avg_size: f64,
    /// The most frequent values and their (scaled) counts.
    pub topn: Vec<(String, u64)>,
    /// Equi-depth histogram of the other non-NULL values.
    pub buckets: Vec<Bucket>,
}

/// One histogram bucket: values in `[lower, upper]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Lower bound (hex memcomparable datum).
    pub lower: String,
    /// Upper bound (hex memcomparable datum).
    pub upper: String,
    /// Rows up to and including this bucket (cumulative, scaled).
    pub count: u64,
    /// Rows equal to `upper` (scaled).
    pub repeats: u64,
}

impl TableStats {
    /// Approximate bytes the statistics take (SHOW STATS_HISTOGRAMS' memory columns).
    pub fn column_mem(c: &ColumnStats) -> (usize, usize) {
        let hist: usize =
            c.buckets.iter().map(|b| b.lower.len() / 2 + b.upper.len() / 2 + 16).sum();
        let topn: usize = c.topn.iter().map(|(v, _)| v.len() / 2 + 8).sum();
        (hist, topn)
    }
}
