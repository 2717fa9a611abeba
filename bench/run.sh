#!/usr/bin/env bash
# The nginx benchmark in one command: builds ngx_http_cors_module and the vendored nginx
# in release mode (scripts/build-module.sh --release), then measures bare nginx, the
# module and the hand-written add_header/map recipe on the same binary
# (bench/nginx_bench.py): instructions per request under callgrind, throughput with
# wrk, and the worker's memory. See bench/README.md.
#
#   bench/run.sh                 # everything; results in target/bench/report.md
#   bench/run.sh --write         # ... and update the nginx sections of BENCHMARKS.md
#   bench/run.sh --smoke         # check every configuration's answers (CI); no measuring
#   bench/run.sh --no-build ...  # reuse target/nginx/ as it is
#
# Any other flag goes to bench/nginx_bench.py (`--only ir|wrk`, `--rounds N`,
# `--duration S`, `--sets exact1,regex100`, ...; `python3 bench/nginx_bench.py --help`).
# Needs valgrind and wrk for measuring (scripts/install-deps.sh installs them); the
# smoke mode needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
write=0
args=()
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        --write) write=1 ;;
        *) args+=("$arg") ;;
    esac
done

if [[ $build == 1 ]]; then
    scripts/build-module.sh --release
    # corsc precompiles the policies for the memory comparison (.corsb vs source).
    cargo build --release -p corsc
fi

target_dir=${CARGO_TARGET_DIR:-target}
cmd="bench/run.sh${*:+ $*}"
extra=(--nginx "$target_dir/nginx/nginx" --module "$target_dir/nginx/ngx_http_cors_module.so"
    --work "$target_dir/bench" --command "$cmd")
if [[ -x "$target_dir/release/corsc" ]]; then
    extra+=(--corsc "$target_dir/release/corsc")
fi
if [[ $write == 1 ]]; then
    extra+=(--write BENCHMARKS.md)
fi
exec python3 bench/nginx_bench.py "${extra[@]}" "${args[@]}"
