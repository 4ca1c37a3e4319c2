#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with AFL++ (cargo-afl, stable Rust).
#   scripts/fuzz.sh <protocol|sql|codec> [seconds]
# Installs cargo-afl if missing, builds the instrumented harness (fuzz/), runs afl-fuzz from the
# checked-in corpus (fuzz/corpus/<target>) for the given time (default 600 s), and prints the
# inputs run and crashes found. Crashing inputs are copied to fuzz/regressions/<target>/ —
# `cargo test -p fuzz-targets` replays them from then on.
set -euo pipefail
target=${1:?usage: scripts/fuzz.sh <protocol|sql|codec> [seconds]}
seconds=${2:-600}
repo=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ferrodb/target}/fuzz
command -v cargo-afl >/dev/null 2>&1 || cargo install cargo-afl --locked
cargo afl config --build >/dev/null 2>&1 || true
(cd "$repo/fuzz" && cargo afl build --release --bin "$target")
out=$(mktemp -d "/tmp/ferrodb-fuzz-$target-XXXX")
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_AUTORESUME=1 AFL_SKIP_CRASHES=1
# The sql target keeps a store in a temporary directory per process.
cargo afl fuzz -i "$repo/fuzz/corpus/$target" -o "$out" -V "$seconds" -t 2000 \
  "$CARGO_TARGET_DIR/release/$target" > "$out/afl.log" 2>&1 || true
stats="$out/default/fuzzer_stats"
execs=$(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats")
crashes=$(awk -F' *: *' '$1=="saved_crashes"{print $2}' "$stats")
hangs=$(awk -F' *: *' '$1=="saved_hangs"{print $2}' "$stats")
echo "fuzz $target: $execs inputs in ${seconds}s, crashes $crashes, hangs $hangs (output in $out)"
mkdir -p "$repo/fuzz/regressions/$target"
for f in "$out"/default/crashes/id:*; do
  [ -e "$f" ] || continue
  cp "$f" "$repo/fuzz/regressions/$target/$(sha1sum "$f" | cut -c1-12)"
done
