//! `ANALYZE TABLE t`: reads the table once and stores its statistics (see `catalog::stats`):
//! exact row and NULL counts, and from a sample of up to [`SAMPLE`] rows the distinct values,
//! the most frequent values and an equi-depth histogram, scaled to the table.

use std::collections::HashMap;

use catalog::{Bucket, Catalog, ColumnStats, TableInfo, TableStats};
use errno::{Error, Result};
use kv::KeyRange;
use types::Value;

use crate::{context::SessionCtx, result::ExecResult, stmt_txn::StmtTxn, table};

/// Rows kept in the sample.
pub const SAMPLE: usize = 100_000;
/// Most frequent values kept per column.
const TOPN: usize = 20;
/// Histogram buckets per column.
const BUCKETS: usize = 256;

/// Analyzes table `db.name`.
pub fn analyze_table(
    ctx: &SessionCtx,
    catalog: &Catalog,
    db: &str,
    name: &str,
) -> Result<ExecResult> {
    let t = catalog.schema().table(db, name)?.clone();
    if t.view.is_some() {
        return Err(Error::fmt(errno::ER_WRONG_OBJECT, &[&db, &name, &"BASE TABLE"]));
    }
    let stats = collect(catalog, &t, ctx.stmt_time)?;
    catalog.save_stats(t.id, stats)?;
    Ok(ExecResult::ok())
}

/// A table never analyzed is analyzed once this many of its rows changed (TiDB's
/// `AutoAnalyzeMinCnt`).
pub const AUTO_ANALYZE_MIN_ROWS: u64 = 1000;

/// One round of auto-analyze, as TiDB's: with `tidb_enable_auto_analyze` on, analyzes every
/// table whose changed rows since its last ANALYZE exceed `tidb_auto_analyze_ratio` of its
/// analyzed rows — or, never analyzed, number at least [`AUTO_ANALYZE_MIN_ROWS`]. Returns the
/// tables analyzed (`db.table`) and the errors met.
pub fn auto_analyze(catalog: &Catalog, globals: &crate::sysvar::GlobalVars) -> Vec<Result<String>> {
    let var = |name| crate::sysvar::lookup(name).map(|v| globals.get(v)).unwrap_or_default();
    if var("tidb_enable_auto_analyze") != "ON" {
        return Vec::new();
    }
    let ratio: f64 = var("tidb_auto_analyze_ratio").trim().parse().unwrap_or(0.5);
    let schema = catalog.schema();
    let mut out = Vec::new();
    for db in schema.databases() {
        for t in schema.tables(&db.name) {
            let changed = catalog.modified(t.id);
            if t.view.is_some() || changed == 0 {
                continue;
            }
            let due = match catalog.stats(t.id) {
                Some(s) => changed as f64 > ratio * (s.row_count.max(1)) as f64,
                None => changed >= AUTO_ANALYZE_MIN_ROWS,
            };
            if !due {
                continue;
            }
            let done = collect(catalog, &t, crate::context::now_micros())
                .and_then(|stats| catalog.save_stats(t.id, stats));
            out.push(done.map(|()| format!("{}.{}", db.name, t.name)));
        }
    }
    out
}

/// A deterministic generator for reservoir sampling (the same table gives the same stats).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn collect(catalog: &Catalog, t: &TableInfo, now: i64) -> Result<TableStats> {
    let mut txn = catalog.begin_read()?;
    let mut st = StmtTxn::new(txn.as_mut());
    let ncols = t.columns.len();
    let (mut rows, mut nulls, mut sizes) = (0u64, vec![0u64; ncols], vec![0u64; ncols]);
    let mut sample: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut rng = Lcg(t.id as u64);
    let mut range = Some(KeyRange::prefix(&tablecodec::record_prefix(t.id)));
    while let Some(r) = range.take() {
        let (page, rest) = st.scan_page(&r, 4096, false)?;
        range = rest;
        for (k, v) in page {
            let row = table::decode_record(t, &k, &v)?;
            rows += 1;
            let mut encoded = Vec::with_capacity(ncols);
            for (i, value) in row.values.iter().enumerate() {
                if value.is_null() {
                    nulls[i] += 1;
                }
                let mut e = Vec::new();
                tablecodec::datum::encode(&mut e, value);
                sizes[i] += e.len() as u64;
                encoded.push(e);
            }
            // Reservoir sampling: every row has the same chance to be in the sample.
            if sample.len() < SAMPLE {
                sample.push(encoded);
            } else {
                let j = rng.below(rows) as usize;
                if j < SAMPLE {
                    sample[j] = encoded;
                }
            }
        }
    }
    drop(st);
    txn.rollback()?;
    let scale = if sample.is_empty() { 1.0 } else { rows as f64 / sample.len() as f64 };
    let columns = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values: Vec<&Vec<u8>> =
                sample.iter().map(|r| &r[i]).filter(|e| !is_null(e)).collect();
            let mut st = column_stats(&values, scale, rows.saturating_sub(nulls[i]));
            st.column_id = c.id;
            st.name = c.name.clone();
            st.null_count = nulls[i];
            st.avg_size = if rows == 0 { 0.0 } else { sizes[i] as f64 / rows as f64 };
            st
        })
        .collect();
    Ok(TableStats { updated_at: now, row_count: rows, modify_count: 0, columns })
}

fn is_null(encoded: &[u8]) -> bool {
    let mut null = Vec::new();
    tablecodec::datum::encode(&mut null, &Value::Null);
    encoded == null.as_slice()
}

/// Distinct values, TopN and histogram of a column's sampled non-NULL values.
fn column_stats(values: &[&Vec<u8>], scale: f64, non_null: u64) -> ColumnStats {
    let mut freq: HashMap<&[u8], u64> = HashMap::new();
    for v in values {
        *freq.entry(v.as_slice()).or_default() += 1;
    }
    // Distinct values: exact for a full read, else the GEE estimator
    // (sqrt(N/n) · values seen once + values seen more often).
    let ndv = if scale <= 1.0 {
        freq.len() as u64
    } else {
        let once = freq.values().filter(|&&n| n == 1).count() as f64;
        let more = (freq.len() as f64) - once;
        ((scale.sqrt() * once + more).round() as u64).min(non_null)
    };
    let mut by_count: Vec<(&[u8], u64)> = freq.iter().map(|(k, n)| (*k, *n)).collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let topn: Vec<(&[u8], u64)> = by_count.into_iter().filter(|(_, n)| *n > 1).take(TOPN).collect();
    let scaled = |n: u64| (n as f64 * scale).round() as u64;
    let mut rest: Vec<&[u8]> =
        values.iter().map(|v| v.as_slice()).filter(|v| !topn.iter().any(|(t, _)| t == v)).collect();
    rest.sort();
    let mut buckets: Vec<Bucket> = Vec::new();
    let per = rest.len().div_ceil(BUCKETS).max(1);
    let mut i = 0;
    while i < rest.len() {
        // A bucket never splits equal values.
        let mut end = (i + per).min(rest.len());
        while end < rest.len() && rest[end] == rest[end - 1] {
            end += 1;
        }
        let upper = rest[end - 1];
        let repeats = rest[i..end].iter().filter(|v| **v == upper).count() as u64;
        let before = buckets.last().map_or(0, |b| b.count);
        buckets.push(Bucket {
            lower: hex::encode(rest[i]),
            upper: hex::encode(upper),
            count: before + scaled((end - i) as u64),
            repeats: scaled(repeats),
        });
        i = end;
    }
    ColumnStats {
        column_id: 0,
        name: String::new(),
        ndv,
        null_count: 0,
        avg_size: 0.0,
        topn: topn.into_iter().map(|(v, n)| (hex::encode(v), scaled(n))).collect(),
        buckets,
    }
}

/// `SHOW STATS_META` rows: Db_name, Table_name, Partition_name, Update_time, Modify_count,
/// Row_count, for every analyzed table.
pub fn stats_meta_rows(catalog: &Catalog) -> Vec<Vec<Value>> {
    let schema = catalog.schema();
    let mut out = Vec::new();
    for db in schema.databases() {
        for t in schema.tables(&db.name) {
            if let Some(s) = catalog.stats(t.id) {
                out.push(vec![
                    Value::String(db.name.clone()),
                    Value::String(t.name.clone()),
                    Value::String(String::new()),
                    updated(&s),
                    Value::UInt(s.modify_count + catalog.modified(t.id)),
                    Value::UInt(s.row_count),
                ]);
            }
        }
    }
    out
}

/// `SHOW STATS_HISTOGRAMS` rows, one per analyzed column.
pub fn stats_histogram_rows(catalog: &Catalog) -> Vec<Vec<Value>> {
    let schema = catalog.schema();
    let mut out = Vec::new();
    for db in schema.databases() {
        for t in schema.tables(&db.name) {
            let Some(s) = catalog.stats(t.id) else { continue };
            for c in &s.columns {
                let (hist, topn) = TableStats::column_mem(c);
                out.push(vec![
                    Value::String(db.name.clone()),
                    Value::String(t.name.clone()),
                    Value::String(String::new()),
                    Value::String(c.name.clone()),
                    Value::Int(0),
                    updated(&s),
                    Value::UInt(c.ndv),
                    Value::UInt(c.null_count),
                    Value::Double(c.avg_size),
                    Value::Double(0.0),
                    Value::String("allLoaded".into()),
                    Value::UInt((hist + topn) as u64),
                    Value::UInt(hist as u64),
                    Value::UInt(topn as u64),
                    Value::UInt(0),
                ]);
            }
        }
    }
    out
}

fn updated(s: &TableStats) -> Value {
    types::Temporal::from_micros(types::TemporalKind::DateTime, s.updated_at)
        .map_or(Value::Null, Value::Temporal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: i64) -> Vec<u8> {
        let mut e = Vec::new();
        tablecodec::datum::encode(&mut e, &Value::Int(v));
        e
    }

    #[test]
    fn histograms_are_equi_depth_and_keep_equal_values_together() {
        // 0..999 once each, and 5 repeated 100 more times (a TopN value).
        let mut owned: Vec<Vec<u8>> = (0..1000).map(enc).collect();
        owned.extend(std::iter::repeat_n(enc(5), 100));
        let values: Vec<&Vec<u8>> = owned.iter().collect();
        let s = column_stats(&values, 1.0, 1100);
        assert_eq!(s.ndv, 1000);
        assert_eq!(s.topn, vec![(hex::encode(enc(5)), 101)]);
        assert_eq!(s.buckets.last().map(|b| b.count), Some(999));
        assert!(s.buckets.windows(2).all(|w| w[0].upper < w[1].lower && w[0].count < w[1].count));
        // Sampled at 1/10: counts scale, distinct values are estimated above the sample's.
        let half: Vec<&Vec<u8>> = owned.iter().take(100).collect();
        let sampled = column_stats(&half, 10.0, 1000);
        assert_eq!(sampled.buckets.last().map(|b| b.count), Some(1000));
        assert!(sampled.ndv > 100 && sampled.ndv <= 1000, "{}", sampled.ndv);
    }
}
