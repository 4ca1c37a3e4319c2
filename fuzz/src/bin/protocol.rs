//! AFL++ harness for `fuzz_targets::protocol`.

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::protocol(data));
}
