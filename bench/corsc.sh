#!/usr/bin/env bash
# Wall time of whole `corsc` processes (what a CI step or a deploy hook pays):
#   - `corsc lint` on a typical 50-line policy      (target: <= 5 ms)
#   - `corsc compile` on a 10,000-origin policy      (target: <= 50 ms)
# Uses hyperfine when installed (apt-get install -y hyperfine), else a plain loop that
# prints median/min/max. Results go to BENCHMARKS.md by hand, with the command used.
#
#   bench/corsc.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}

cargo build --release -p corsc >&2
corsc=$(pwd)/target/release/corsc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A typical policy file: four policies, 50 lines, every kind of origin pattern.
cat > "$work/typical.cors" <<'POLICY'
# Typical production policy file: an API with cookies, a public CDN, tenants, dev.
policy api {
    origin https://app.example.com https://admin.example.com;
    origin https://*.staging.example.com;
    methods GET POST PUT PATCH DELETE;
    headers Content-Type Authorization X-Request-ID X-CSRF-Token;
    expose X-Request-ID X-RateLimit-Remaining;
    credentials on;
    max-age 2h;
}

policy public {
    origin *;
    methods GET HEAD;
    expose Content-Length ETag;
    max-age 1d;
}

policy tenants {
    methods GET POST PUT DELETE;
    headers Content-Type X-Tenant;
    max-age 10m;

    allow {
        origin https://billing.example.com;
        headers Content-Type X-Tenant Authorization;
        credentials on;
    }

    allow {
        origin https://support.example.com;
        methods GET;
    }

    origin https://*.example.com;
    origin ~ "https://pr-[0-9]+\.preview\.example\.dev";
}

policy dev {
    origin http://localhost:* http://127.0.0.1:*;
    origin http://[::1]:5173;
    methods *;
    headers *;
    expose *;
    max-age 90s;
    preflight-status 200;
}

# Health checks and webhooks get no CORS at all: `cors off;` in nginx.conf.
# Keep this file under review: `corsc lint` runs in CI on every change.
POLICY

# 10,000 exact origins, one per line.
{
    echo "policy big {"
    for i in $(seq -w 1 10000); do echo "    origin https://app$i.customers.example.com;"; done
    echo "    methods GET POST;"
    echo "    max-age 1h;"
    echo "}"
} > "$work/big.cors"

echo "typical policy: $(wc -l < "$work/typical.cors") lines; big policy: $(wc -l < "$work/big.cors") lines" >&2
"$corsc" lint "$work/typical.cors" >&2 || true
"$corsc" compile "$work/big.cors" -o "$work/big.corsb" >&2

lint_cmd="$corsc lint $work/typical.cors"
compile_cmd="$corsc compile $work/big.cors -o $work/big.corsb"

if command -v hyperfine > /dev/null; then
    hyperfine -N -i --warmup 5 --runs "$runs" --style basic \
        --export-markdown "$work/results.md" \
        -n "lint (50 lines)" "$lint_cmd" \
        -n "compile (10,000 origins)" "$compile_cmd"
    cat "$work/results.md"
else
    measure() { # name, command...
        local name=$1; shift
        local times=()
        for _ in $(seq 1 "$runs"); do
            local t0 t1
            t0=$(date +%s%N); "$@" > /dev/null 2>&1 || true; t1=$(date +%s%N)
            times+=($(( (t1 - t0) / 1000 )))
        done
        printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '
            { a[NR] = $1 } END { printf "%-28s median %6.2f ms  min %6.2f ms  max %6.2f ms  (%d runs)\n",
              name, a[int((NR + 1) / 2)] / 1000, a[1] / 1000, a[NR] / 1000, NR }'
    }
    measure "lint (50 lines)" $lint_cmd
    measure "compile (10,000 origins)" $compile_cmd
fi
