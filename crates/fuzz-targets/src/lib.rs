//! Fuzz targets: functions over arbitrary bytes that must never panic (nor abort). The
//! coverage-guided fuzzer (`fuzz/`, AFL++ through `cargo afl`) calls them; `tests/replay.rs`
//! runs the checked-in corpus, every past finding, and random mutations of both in `cargo test`.
//!
//! | target | what it covers |
//! |---|---|
//! | [`protocol`] | handshake response, SSL request, COM_STMT_EXECUTE parameters, length-encoded fields |
//! | [`sql`] | splitting, the pre-parse recognisers, parsing, binding, planning and running the statements |
//! | [`codec`] | datum, row and key decoding; decode → encode → decode gives the same values |

use std::cell::RefCell;

/// The names of the targets, as `fuzz/` and the corpus directories use them.
pub const TARGETS: [&str; 3] = ["protocol", "sql", "codec"];

/// Runs target `name` on `data`; `false` for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "protocol" => protocol(data),
        "sql" => sql(data),
        "codec" => codec(data),
        _ => return false,
    }
    true
}

/// Client bytes through the server's parsers.
pub fn protocol(data: &[u8]) {
    server::fuzzing::client_bytes(data);
}

/// One session over a store in a temporary directory, kept for the thread's life (the
/// fuzzer runs many inputs per process), so statements see what earlier inputs created.
struct SqlSession {
    session: session::Session,
    _manager: session::SessionManager,
    _dir: tempfile::TempDir,
}

thread_local! {
    static SESSION: RefCell<Option<SqlSession>> = const { RefCell::new(None) };
}

fn new_session() -> Option<SqlSession> {
    let dir = tempfile::tempdir().ok()?;
    let opts = store_local::LocalOptions { gc_interval: None, ..Default::default() };
    let store = store_local::LocalStorage::open(dir.path(), opts).ok()?;
    let globals = sql::sysvar::GlobalVars::new(&[]);
    let manager = session::SessionManager::new(globals, std::sync::Arc::new(store)).ok()?;
    let mut session = manager.new_session("root", "127.0.0.1", 1);
    // Bound what one input may cost: a statement stops after a second, a small memory quota.
    for setup in [
        "CREATE DATABASE IF NOT EXISTS fuzz",
        "USE fuzz",
        "SET max_execution_time = 1000",
        "SET tidb_mem_quota_query = 67108864",
        "CREATE TABLE IF NOT EXISTS t (a INT PRIMARY KEY, b VARCHAR(20), c DOUBLE, KEY (b))",
        "INSERT IGNORE INTO t VALUES (1, 'x', 1.5), (2, 'y', NULL), (3, NULL, -2)",
    ] {
        session.execute_text(setup, false);
    }
    Some(SqlSession { session, _manager: manager, _dir: dir })
}

/// `data` as SQL text (lossily UTF-8), run as a multi-statement query on the thread's session.
pub fn sql(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            *s = new_session();
        }
        if let Some(s) = s.as_mut() {
            s.session.execute_text(&text, true);
        }
    });
}

/// Stored bytes through the codecs. Whatever decodes must encode back to bytes that decode to
/// the same values.
pub fn codec(data: &[u8]) {
    let _ = tablecodec::decode_record_key(data);
    let _ = tablecodec::decode_index_handle(data);
    if let Some(row) = tablecodec::row::decode_row(data) {
        let cols: Vec<(u32, &types::Value)> = row.iter().map(|(id, v)| (*id, v)).collect();
        let again = tablecodec::row::decode_row(&tablecodec::row::encode_row(&cols));
        let same_row = again.as_ref().is_some_and(|a| {
            a.len() == row.len()
                && a.iter().zip(&row).all(|((i, x), (j, y))| i == j && same(Some(x), y))
        });
        assert!(same_row, "row round trip: {row:?} -> {again:?}");
    }
    let mut rest = data;
    while let Some((value, tail)) = tablecodec::datum::decode(rest) {
        let mut bytes = Vec::new();
        tablecodec::datum::encode(&mut bytes, &value);
        let back = tablecodec::datum::decode(&bytes).map(|(v, _)| v);
        assert!(same(back.as_ref(), &value), "datum round trip: {value:?} -> {back:?}");
        if tail.len() >= rest.len() {
            break;
        }
        rest = tail;
    }
}

/// Equal values, NaN equal to itself (a decoded double may be one).
fn same(a: Option<&types::Value>, b: &types::Value) -> bool {
    match (a, b) {
        (Some(types::Value::Double(x)), types::Value::Double(y)) => {
            x.to_bits() == y.to_bits() || x == y
        }
        (Some(a), b) => a == b,
        (None, _) => false,
    }
}
