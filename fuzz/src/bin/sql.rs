//! AFL++ harness for `fuzz_targets::sql`.

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::sql(data));
}
