#!/usr/bin/env bash
# How `corsc` scales with the number of origins (issue #13): a multi-tenant policy of
# N exact origins (`origin https://tN.customers.example.net;`, credentials on), and the
# same origins as a generated tenants file read with `include-origins`, for N in
# 10,000 / 100,000 / 1,000,000 (or the sizes given). For each: `corsc compile`,
# `check` and `lint`, with wall time, user and system CPU time (on a shared machine the
# wall time includes waiting for a core) and peak memory (max RSS) from
# /usr/bin/time; and the `.corsb` size. Prints a Markdown table for BENCHMARKS.md.
#
#   bench/scale.sh [--no-build] [--runs R] [N...]
#
# With `--runs R` each command runs R times and the run with the least wall time is
# reported (its CPU time and peak memory with it): the best of several is the least
# disturbed by other work on a shared machine.
#
# Inputs go to target/scale/ (about 100 MB at 1,000,000 origins).
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
runs=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) build=0; shift ;;
        --runs) runs=$2; shift 2 ;;
        *) break ;;
    esac
done
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000 1000000)

if [[ $build == 1 ]]; then
    cargo build --release -p corsc >&2
fi
corsc=$(pwd)/target/release/corsc
work=target/scale
mkdir -p "$work"

# The policy of N origins written inline, and the same as a tenants file.
generate() { # N
    local n=$1
    [[ -s "$work/inline-$n.cors" && -s "$work/tenants-$n.txt" ]] && return
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "https://t%d.customers.example.net\n", i }' \
        > "$work/tenants-$n.txt"
    {
        echo "policy tenants {"
        sed 's/^/    origin /; s/$/;/' "$work/tenants-$n.txt"
        echo "    methods PUT DELETE;"
        echo "    headers Content-Type Authorization;"
        echo "    credentials on;"
        echo "    max-age 1h;"
        echo "}"
    } > "$work/inline-$n.cors"
    cat > "$work/list-$n.cors" <<POLICY
policy tenants {
    include-origins "tenants-$n.txt";
    methods PUT DELETE;
    headers Content-Type Authorization;
    credentials on;
    max-age 1h;
}
POLICY
}

# The best of $runs runs: prints "| layout | N | command | wall s | user s | sys s | peak MB |".
measure() { # layout N command args...
    local layout=$1 n=$2 cmd=$3
    shift 3
    local best=""
    for ((run = 0; run < runs; run++)); do
        if ! /usr/bin/time -o "$work/time" -f '%e %U %S %M' \
            "$corsc" --max-source-size 1g "$cmd" "$@" > /dev/null 2> "$work/stderr"; then
            echo "corsc $cmd $* failed:" >&2
            head -n 20 "$work/stderr" >&2
            exit 1
        fi
        local line
        line=$(tail -n 1 "$work/time")
        if [[ -z "$best" ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
            best=$line
        fi
    done
    read -r wall user sys rss <<< "$best"
    awk -v l="$layout" -v n="$n" -v c="$cmd" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
        'BEGIN { printf "| %s | %d | `%s` | %.2f | %.2f | %.2f | %.0f |\n", l, n, c, w, u, s, r / 1024 }'
}

echo "| layout | origins | command | wall s | user s | sys s | peak MB |"
echo "|---|---:|---|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    generate "$n"
    for layout in inline list; do
        src="$work/$layout-$n.cors"
        measure "$layout" "$n" compile "$src" -o "$work/$layout-$n.corsb"
        measure "$layout" "$n" check "$src"
        measure "$layout" "$n" lint "$src"
    done
done
echo
for n in "${sizes[@]}"; do
    printf '.corsb at %d origins: %d bytes; source: %d bytes inline, %d bytes as a list\n' "$n" \
        "$(stat -c %s "$work/inline-$n.corsb")" "$(stat -c %s "$work/inline-$n.cors")" \
        "$(stat -c %s "$work/tenants-$n.txt")"
done
