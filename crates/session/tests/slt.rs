//! Runs every `tests/sql/*.slt` golden file in process, against a [`session::Session`] over a
//! temporary embedded store: the SQL layer is tested without the server binary or Python.
//!
//! Each file is its own test case (`cargo test -p session --test slt -- <name>`), run on one
//! session in a fresh database, as `tests/e2e/slt.py` runs it over the wire. Values are printed
//! as the exact text the server sends ([`types::Value::wire_text`]), so one expected output
//! serves both; each column's type letter is checked against the column's type (`I` integer,
//! `R` floating point or decimal, `T` anything else).

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use session::Session;
use sql::ExecResult;

mod common;

/// One record of a `.slt` file.
struct Record {
    line: usize,
    kind: Kind,
    sql: String,
    expected: Vec<String>,
    /// Line indexes `[start, end)` of the expected result (after `----`).
    expected_lines: (usize, usize),
}

enum Kind {
    Ok,
    Error(Option<u16>),
    Query { types: Vec<char>, sort: Sort },
}

#[derive(PartialEq)]
enum Sort {
    No,
    Row,
    Value,
}

fn parse(text: &str) -> Result<Vec<Record>, String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut skip = false;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let words: Vec<&str> = line.split_whitespace().collect();
        let start = i + 1;
        i += 1;
        match words.first().copied() {
            None => continue,
            Some(w) if w.starts_with('#') => continue,
            Some("skipif") => {
                skip |= words.get(1) == Some(&"mysql");
                continue;
            }
            Some("onlyif") => {
                skip |= words.get(1) != Some(&"mysql");
                continue;
            }
            Some("statement" | "query") => {}
            Some(_) => return Err(format!("line {start}: unknown record {line:?}")),
        }
        let mut sql = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim() != "----" {
            sql.push(lines[i]);
            i += 1;
        }
        let mut expected = Vec::new();
        let mut expected_lines = (i, i);
        if i < lines.len() && lines[i].trim() == "----" {
            i += 1;
            expected_lines.0 = i;
            while i < lines.len() && !lines[i].trim().is_empty() {
                expected.push(lines[i].trim_end().to_string());
                i += 1;
            }
            expected_lines.1 = i;
        }
        let kind = match (words[0], words.get(1).copied()) {
            ("statement", Some("error")) => Kind::Error(words.get(2).and_then(|c| c.parse().ok())),
            ("statement", _) => Kind::Ok,
            (_, types) => Kind::Query {
                types: types.unwrap_or("").chars().collect(),
                sort: match words.get(2).copied() {
                    Some("rowsort") => Sort::Row,
                    Some("valuesort") => Sort::Value,
                    _ => Sort::No,
                },
            },
        };
        if !std::mem::take(&mut skip) {
            out.push(Record { line: start, kind, sql: sql.join("\n"), expected, expected_lines });
        }
    }
    Ok(out)
}

/// A record that failed: why, and for a query that ran, the result it printed and its
/// columns' type letters.
struct Failure {
    message: String,
    got: Option<(Vec<String>, String)>,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { message, got: None }
    }
}

/// A value as the golden files print it: the text protocol's bytes, `NULL`, `(empty)` for the
/// empty string; bytes that are not UTF-8 print as U+FFFD and control characters other than
/// a newline as `@`, so files stay printable.
fn print_value(v: &types::Value, c: &types::ResultColumn) -> String {
    let Some(text) = v.wire_text(c.field_type) else { return "NULL".into() };
    if text.is_empty() {
        return "(empty)".into();
    }
    String::from_utf8_lossy(&text)
        .chars()
        .map(|ch| if ch.is_control() && ch != '\n' { '@' } else { ch })
        .collect()
}

/// The type letter of a column: `I` integer, `R` floating point or decimal, `T` the rest.
fn type_letter(c: &types::ResultColumn) -> char {
    use types::FieldType as F;
    match c.field_type {
        F::Tiny | F::Short | F::Long | F::LongLong | F::Int24 => 'I',
        F::Float | F::Double | F::Decimal | F::NewDecimal => 'R',
        _ => 'T',
    }
}

/// Runs `sql` as the server does — SELECT rows streamed through the sink while the operators
/// run — and gathers each statement's outcome, streamed rows as a result set.
#[derive(Default)]
struct Capture {
    streaming: Option<sql::ResultSet>,
    results: Vec<errno::Result<ExecResult>>,
}

impl sql::RowSink for Capture {
    fn columns(&mut self, columns: &[types::ResultColumn]) -> errno::Result<()> {
        self.streaming = Some(sql::ResultSet { columns: columns.to_vec(), rows: Vec::new() });
        Ok(())
    }
    fn rows(&mut self, rows: &[Vec<types::Value>]) -> errno::Result<()> {
        if let Some(rs) = &mut self.streaming {
            rs.rows.extend_from_slice(rows);
        }
        Ok(())
    }
}

impl session::ResultSink for Capture {
    fn result(&mut self, r: errno::Result<ExecResult>, _: session::ServerStatus, _: u16, _: bool) {
        let streamed = self.streaming.take();
        self.results.push(match (r, streamed) {
            (Ok(ExecResult::Streamed { .. }), Some(rs)) => Ok(ExecResult::Rows(rs)),
            (other, _) => other,
        });
    }
}

/// The failure of one record, or `None` when it passed.
fn check(s: &mut Session, r: &Record) -> Option<Failure> {
    let mut capture = Capture::default();
    s.execute_text_to(&r.sql, true, &mut capture);
    let mut results = capture.results;
    match &r.kind {
        Kind::Ok => results
            .into_iter()
            .find_map(|res| res.err())
            .map(|e| format!("unexpected error ({}, {:?})", e.code, e.message).into()),
        Kind::Error(code) => match results.into_iter().find_map(|res| res.err()) {
            None => Some(String::from("expected an error, statement succeeded").into()),
            Some(e) if code.is_some_and(|c| c != e.code) => {
                Some(format!("expected error {code:?}, got ({}, {:?})", e.code, e.message).into())
            }
            Some(_) => None,
        },
        Kind::Query { types, sort } => {
            let rs = match results.drain(..).next() {
                Some(Ok(ExecResult::Rows(rs))) => rs,
                Some(Ok(ExecResult::Ok(_) | ExecResult::Streamed { .. })) => {
                    sql::ResultSet::default()
                }
                Some(Err(e)) => {
                    return Some(format!("query failed ({}, {:?})", e.code, e.message).into())
                }
                None => return Some(String::from("no result").into()),
            };
            let letters: String = rs.columns.iter().map(type_letter).collect();
            let mut printed: Vec<Vec<String>> = rs
                .rows
                .iter()
                .map(|row| row.iter().zip(&rs.columns).map(|(v, c)| print_value(v, c)).collect())
                .collect();
            if *sort == Sort::Row {
                printed.sort();
            }
            let mut values: Vec<String> = printed.iter().flatten().cloned().collect();
            if *sort == Sort::Value {
                values.sort();
            }
            let by_row: Vec<String> = if *sort == Sort::Value {
                values.clone()
            } else {
                printed.iter().map(|r| r.join(" ")).collect()
            };
            let want = r.expected.join("\n");
            let declared: String = types.iter().collect();
            let letters_ok = rs.columns.is_empty() || declared == letters;
            if (want == values.join("\n") || want == by_row.join("\n")) && letters_ok {
                None
            } else {
                Some(Failure {
                    message: format!(
                        "expected ({declared}):\n{want}\ngot ({letters}):\n{}",
                        by_row.join("\n")
                    ),
                    got: Some((by_row, letters)),
                })
            }
        }
    }
}

fn run_file(path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let records = parse(&text)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let db = common::db();
    let mut s = db.session(1);
    for setup in [format!("CREATE DATABASE slt_{stem}"), format!("USE slt_{stem}")] {
        if let Some(Err(e)) = s.execute_text(&setup, false).pop() {
            return Err(format!("{setup}: {}", e.message).into());
        }
    }
    let failed: Vec<(&Record, Failure)> =
        records.iter().filter_map(|r| check(&mut s, r).map(|f| (r, f))).collect();
    if records.is_empty() {
        return Err("no records".into());
    }
    if std::env::var_os("SLT_REWRITE").is_some() {
        rewrite(path, &text, &failed)?;
    }
    let failures: Vec<String> = failed
        .iter()
        .map(|(r, f)| format!("{stem}.slt:{}: {}\n{}", r.line, r.sql, f.message))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        let shown: Vec<&str> = failures.iter().take(20).map(String::as_str).collect();
        Err(format!(
            "{} of {} records failed\n\n{}",
            failures.len(),
            records.len(),
            shown.join("\n\n")
        )
        .into())
    }
}

/// `SLT_REWRITE=1`: replaces the expected results (and type letters) of queries that printed
/// something else with what they printed (review the diff before committing it).
fn rewrite(path: &Path, text: &str, failed: &[(&Record, Failure)]) -> Result<(), Failed> {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for (r, f) in failed.iter().rev() {
        if let (Some((got, letters)), (start, end)) = (&f.got, r.expected_lines) {
            if start > 0 && lines.get(start - 1).is_some_and(|l| l.trim() == "----") {
                lines.splice(start..end, got.iter().cloned());
            }
            if let Some(header) = lines.get_mut(r.line - 1) {
                let mut words: Vec<String> =
                    header.split_whitespace().map(str::to_string).collect();
                if words.first().is_some_and(|w| w == "query") && !letters.is_empty() {
                    if words.len() > 1 {
                        words[1] = letters.clone();
                    } else {
                        words.push(letters.clone());
                    }
                    *header = words.join(" ");
                }
            }
        }
    }
    std::fs::write(path, lines.join("\n")).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "slt"));
    files.sort();
    assert!(!files.is_empty(), "no .slt files under {}", dir.display());
    let trials = files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Trial::test(name, move || run_file(&p))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
