#!/usr/bin/env bash
# The scanner check (issue #17, point 5): CORScanner (PyPI package `cors`, installed in
# a venv under target/) scans nginx with the module on 127.0.0.1 only, serving every
# example policy (examples/*.cors) and the deliberately insecure policies of
# tests/scanner/insecure.cors; `corsc lint` reads the same policies (the insecure ones
# without their `# corsc: allow` lines, i.e. as an operator would have written them).
# Prints a table policy → scanner findings → lint codes, and fails unless:
#
# - every insecure policy is found by the scanner, and `corsc lint` reports each of
#   them before deploy (a finding of warning or error severity);
# - an example policy gets no scanner finding, except the ones listed in
#   BY_DESIGN below, each with why.
#
#   scripts/scan-cors.sh            (needs target/nginx/ from scripts/build-module.sh,
#                                    corsc from cargo, python3 with venv, PyPI access once)
#
# The scanner's requests all go to 127.0.0.1 (scripts/lib/corscanner-driver.py sends
# them there with the scanned site's name as Host); nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-target}
nginx=$(realpath "${CORS_TEST_NGINX:-$target/nginx/nginx}")
module=$(realpath "${CORS_TEST_MODULE:-$target/nginx/ngx_http_cors_module.so}")

venv=$target/corscanner-venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import CORScanner' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'cors==1.0.1'
fi
cargo build -q -p corsc
corsc=$target/debug/corsc

work=$(mktemp -d /tmp/scan-cors.XXXXXX)
chmod 755 "$work"
pid=
cleanup() {
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs" "$work/html" "$work/tmp"
echo data >"$work/html/index.html"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Which site each policy is scanned as: CORScanner builds its probe origins from the
# scanned URL's host, so each policy is scanned as the site it was written for.
declare -A site=(
    [api]=https://app.example.com
    [public]=https://cdn.example.com
    [dev]=http://localhost
    [tenants]=https://billing.example.com
)
example_files=(examples/*.cors)
insecure=tests/scanner/insecure.cors
policies=$(cat "${example_files[@]}" "$insecure" | sed -n 's/^policy \([a-z_]*\) {.*/\1/p')
locations=""
urls=()
for p in $policies; do
    locations+="location /$p/ { cors $p; alias html/; }"$'\n'
    urls+=("${site[$p]:-https://app.example.com}/$p/")
done

{
    echo "load_module $module;"
    echo "daemon off; master_process on; worker_processes 1; pid logs/nginx.pid; error_log logs/error.log info;"
    echo "events { worker_connections 256; }"
    echo "http { access_log off;"
    echo "client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;"
    for f in "${example_files[@]}" "$insecure"; do echo "cors_policy_file $root/$f;"; done
    echo "server { listen 127.0.0.1:$port; root html;"
    echo "$locations"
    echo "} }"
} >"$work/nginx.conf"
"$nginx" -p "$work" -c nginx.conf -e logs/error.log </dev/null >"$work/stdout.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
kill -0 "$pid" || { cat "$work/stdout.log" "$work/logs/error.log" >&2; exit 1; }

"$venv/bin/python" scripts/lib/corscanner-driver.py "$port" "${urls[@]}" >"$work/findings.json" 2>"$work/scanner.stderr" ||
    { cat "$work/scanner.stderr" >&2; exit 1; }

# Lint: the examples as they are, the insecure policies without their suppressions.
sed '/# corsc: allow/d' "$insecure" >"$work/insecure-unsuppressed.cors"
for f in "${example_files[@]}" "$work/insecure-unsuppressed.cors"; do
    "$corsc" lint "$f" --format json 2>/dev/null || true
done >"$work/lint.jsonl"
grep -q "exited on signal" "$work/logs/error.log" && { echo "FAIL: a worker died" >&2; exit 1; }

python3 - "$work" "$insecure" "${example_files[@]}" <<'EOF'
import json, re, sys
work, insecure, examples = sys.argv[1], sys.argv[2], sys.argv[3:]

# Findings an example policy gets on purpose: (policy, scanner class) → why.
BY_DESIGN = {
    ("dev", "trust_any_subdomain"): "development.cors allows http://*.localhost:* on purpose (loopback only, no credentials)",
    ("dev", "not_escape_dot"): "for a host without a dot the probe is the host itself (http://localhost), which development.cors allows",
    ("tenants", "trust_any_subdomain"): "multi-tenant.cors gives every tenant subdomain access on purpose, without credentials",
}

findings = json.load(open(f"{work}/findings.json"))
by_policy = {url.rstrip("/").rsplit("/", 1)[1]: f for url, f in findings.items()}

# Lint diagnostics → policy, by the line each policy starts on in its file.
def starts(path):
    return [(i + 1, m.group(1)) for i, l in enumerate(open(path)) if (m := re.match(r"policy (\w+) \{", l))]
spans = {}
for path in examples + [f"{work}/insecure-unsuppressed.cors"]:
    spans[path] = starts(path)
lint = {}
text = open(f"{work}/lint.jsonl").read()
dec = json.JSONDecoder()
pos = 0
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    doc, pos = dec.raw_decode(text, pos)
    for d in doc["diagnostics"]:
        owner = [p for line, p in spans.get(d["file"], []) if line <= d["line"]]
        if owner:
            lint.setdefault(owner[-1], set()).add((d["code"], d["severity"]))

insecure_names = {p for _, p in starts(insecure)}
failures = []
print(f"{'policy':<15} {'scanner findings (class, credentials)':<62} corsc lint (before deploy)")
for policy, fs in by_policy.items():
    classes = sorted({(f["type"], f["credentials"]) for f in fs})
    codes = sorted(lint.get(policy, ()))
    shown = ", ".join(f"{t}{' +cred' if c == 'true' else ''}" for t, c in classes) or "none"
    print(f"{policy:<15} {shown:<62} {', '.join(f'{c} ({s})' for c, s in codes) or 'none'}")
    if policy in insecure_names:
        if not classes:
            failures.append(f"{policy}: the scanner found nothing in a deliberately insecure policy")
        if not any(s in ("error", "warning") for _, s in codes):
            failures.append(f"{policy}: the scanner finds {shown}, corsc lint nothing of warning or error severity")
    else:
        for t, _ in classes:
            if (policy, t) not in BY_DESIGN:
                failures.append(f"{policy}: unexpected scanner finding {t} in an example policy")
print()
for (p, t), why in BY_DESIGN.items():
    print(f"by design: {p} / {t}: {why}")
if failures:
    print("\nFAIL:\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
print("PASS: every insecure policy is found by the scanner and by corsc lint; the examples get only the findings they are written for")
EOF
