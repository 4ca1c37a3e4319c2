//! The CI-sized fuzz run: every checked-in corpus input and past finding of each target
//! (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`), then seeded random mutations of
//! them (bit flips, byte insertions and deletions, splices, repeated chunks). A panic fails the
//! test and names the input; the long coverage-guided runs are `scripts/fuzz.sh`.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
        for e in entries.flatten() {
            if let Ok(bytes) = std::fs::read(e.path()) {
                out.push((e.path(), bytes));
            }
        }
    }
    out.sort();
    out
}

/// xorshift64*: the mutations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seeds: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].1.clone();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => data.insert(at, rng.next() as u8),
            2 if at < data.len() => {
                data.remove(at);
            }
            3 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let from = rng.below(other.len() + 1);
                let to = from + rng.below(other.len() - from + 1);
                data.splice(at..at, other[from..to].iter().copied());
            }
            4 if !data.is_empty() => {
                let from = rng.below(data.len());
                let to = (from + 1 + rng.below(16)).min(data.len());
                let chunk = data[from..to].to_vec();
                for _ in 0..rng.below(8) {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            _ => {
                let i = rng.below(data.len() + 1);
                data.truncate(i);
            }
        }
    }
    data
}

fn replay(target: &str, mutations: usize) {
    let seeds = inputs(target);
    assert!(!seeds.is_empty(), "no corpus for {target}");
    for (path, data) in &seeds {
        let caught = std::panic::catch_unwind(|| fuzz_targets::run(target, data));
        assert!(caught.is_ok(), "{target} panicked on {}", path.display());
    }
    let mut rng = Rng(0x00f0_22ed ^ target.len() as u64);
    for i in 0..mutations {
        let data = mutate(&mut rng, &seeds);
        let caught = std::panic::catch_unwind(|| fuzz_targets::run(target, &data));
        assert!(
            caught.is_ok(),
            "{target} panicked on mutation {i}: {:?}",
            String::from_utf8_lossy(&data)
        );
    }
}

#[test]
fn protocol() {
    replay("protocol", 200_000);
}

#[test]
fn codec() {
    replay("codec", 200_000);
}

#[test]
fn sql() {
    replay("sql", 3_000);
}

/// Writes the codec corpus: encoded datums, rows and keys of every value kind
/// (`cargo test -p fuzz-targets --test replay -- --ignored write_codec_corpus`).
#[test]
#[ignore]
fn write_codec_corpus() {
    use types::{Decimal, Duration, Temporal, TemporalKind, Value};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/codec");
    std::fs::create_dir_all(&dir).expect("dir");
    let t = Temporal::new(TemporalKind::DateTime, 2024, 2, 29, 23, 59, 58, 123_456).expect("t");
    let values = vec![
        Value::Null,
        Value::Int(-42),
        Value::Int(i64::MIN),
        Value::UInt(u64::MAX),
        Value::Double(-2.5),
        Value::Double(f64::NAN),
        Value::Decimal(Decimal::new(-12345, 2).expect("dec")),
        Value::Temporal(t),
        Value::Time(Duration::parse("-838:59:59").expect("time")),
        Value::String("ünï\0code".into()),
        Value::Bytes(vec![0, 255, 1, 0, 0, 0, 0, 0, 0, 0]),
    ];
    for (i, v) in values.iter().enumerate() {
        let mut b = Vec::new();
        tablecodec::datum::encode(&mut b, v);
        std::fs::write(dir.join(format!("datum-{i}")), &b).expect("write");
    }
    let cols: Vec<(u32, &Value)> =
        values.iter().enumerate().map(|(i, v)| (i as u32 + 1, v)).collect();
    std::fs::write(dir.join("row-all"), tablecodec::row::encode_row(&cols)).expect("write");
    std::fs::write(dir.join("row-one"), tablecodec::row::encode_row(&cols[1..2])).expect("write");
    std::fs::write(dir.join("record-key"), tablecodec::record_key(7, -3)).expect("write");
    std::fs::write(dir.join("index-key"), tablecodec::index_key(7, 2, &values[1..4], Some(9)))
        .expect("write");
}
