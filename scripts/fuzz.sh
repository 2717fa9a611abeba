#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ (issue #17; docs/security.md, "Fuzzing").
#
#   scripts/fuzz.sh --smoke [SECONDS]   every target for SECONDS each (default 45): what
#                                       scripts/test.sh (so CI) runs
#   scripts/fuzz.sh TARGET SECONDS      one target for SECONDS (the long runs)
#   scripts/fuzz.sh --build             build the targets only
#
# Targets: policy, corsb, decide_differential, request_headers.
#
# Works on the stable toolchain, the only one CI has: RUSTC_BOOTSTRAP=1 lets stable
# rustc take the -Z flags cargo-fuzz passes (sanitizer coverage). AddressSanitizer
# is on (cargo-fuzz's default): it instruments our code and the crates we build, not
# the prebuilt std, which is enough to catch an out-of-bounds read in them;
# FUZZ_SANITIZER=none turns it off. cargo-fuzz is installed when missing
# (`cargo install cargo-fuzz --locked`, from crates.io).
#
# libFuzzer options: -timeout=60 (an input that takes a minute is a failure, a
# backstop for the counting linearity guards of the targets), -rss_limit_mb=2048,
# -max_len=16384. Seeds come from scripts/fuzz-seeds.sh. A crash leaves its input in
# fuzz/artifacts/TARGET/ and fails the run; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz TARGET fuzz/artifacts/TARGET/crash-…
# and turn it into a regression test in cors-dsl's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(policy corsb decide_differential request_headers)
sanitizer=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

ensure_tools() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz.sh: installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi
    if ! command -v c++ >/dev/null; then
        # libfuzzer-sys compiles libFuzzer (C++).
        apt-get install -y g++
    fi
}

build() {
    # 16 codegen units: a much shorter build (most of a smoke run's time) for a few
    # percent of speed.
    nice cargo fuzz build --fuzz-dir fuzz --sanitizer "$sanitizer" --codegen-units 16 "$@"
}

# run TARGET SECONDS: fuzz, keep the log, print libFuzzer's last status line.
run() {
    local target=$1 secs=$2 log=fuzz/logs/$1.log
    mkdir -p fuzz/logs "fuzz/corpus/$target" "fuzz/artifacts/$target"
    echo "fuzz.sh: $target for ${secs}s (log: $log)"
    local status=0 size=(-max_len=16384)
    # Its input is `arbitrary`'s encoding of a case and has no seeds: let inputs be
    # long from the start (libFuzzer otherwise grows them from 4 bytes, slowly).
    [[ $target == decide_differential ]] && size=(-max_len=4096 -len_control=0)
    nice cargo fuzz run --fuzz-dir fuzz --sanitizer "$sanitizer" --codegen-units 16 \
        "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$secs" -timeout=60 -rss_limit_mb=2048 "${size[@]}" \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    # The last status line: executions, coverage (cov: edges, ft: features), corpus.
    grep -E '^#[0-9]+' "$log" | tail -1 || true
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
    if [[ $status -ne 0 ]]; then
        echo "fuzz.sh: $target FAILED (exit $status); the end of its log:" >&2
        tail -40 "$log" >&2
        ls -l "fuzz/artifacts/$target" >&2
        return 1
    fi
}

case "${1:-}" in
    --build)
        ensure_tools
        build
        ;;
    --smoke)
        secs=${2:-45}
        ensure_tools
        scripts/fuzz-seeds.sh
        build
        failed=0
        for t in "${targets[@]}"; do
            run "$t" "$secs" || failed=1
        done
        exit $failed
        ;;
    policy | corsb | decide_differential | request_headers)
        [[ $# -eq 2 ]] || usage
        ensure_tools
        scripts/fuzz-seeds.sh
        build "$1"
        run "$1" "$2"
        ;;
    *) usage ;;
esac
