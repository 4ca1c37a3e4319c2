//! AFL++ harness for `fuzz_targets::codec`.

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::codec(data));
}
