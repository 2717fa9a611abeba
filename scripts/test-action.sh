#!/usr/bin/env bash
# The GitHub Action's scripts (action.yml) run here as the Action runs them:
#
#   scripts/test-action.sh [CORSC]      (default: the corsc scripts/build-deb.sh built)
#
# - ci/action/install-corsc.sh keeps a corsc of the asked version already on PATH;
# - ci/action/lint.sh on examples/: exit 0, a SARIF 2.1.0 report from corsc;
# - ci/action/lint.sh on a policy with an error: exit 1, the SARIF report written anyway
#   with the finding in it, and a GitHub annotation line on stdout;
# - an unreadable input: exit 2.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
corsc=$(realpath "${1:-$root/target/debian/dist/corsc}")
[[ -x "$corsc" ]] || { echo "test-action.sh: $corsc missing" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "test-action.sh: FAILED: $*" >&2
    exit 1
}
mkdir -p "$tmp/bin"
ln -s "$corsc" "$tmp/bin/corsc"
export PATH="$tmp/bin:$PATH"

version=$(corsc --version | cut -d' ' -f2)
ci/action/install-corsc.sh "$version" "$tmp/none" | grep -q 'already on PATH' \
    || fail "install-corsc.sh did not keep the corsc on PATH"
[[ ! -e "$tmp/none" ]] || fail "install-corsc.sh installed although corsc was on PATH"

sarif_ok() { # $1: file, $2: at least this many results
    python3 - "$1" "$2" <<'PY' || fail "$1 is not the SARIF report expected"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0", s["version"]
run = s["runs"][0]
assert run["tool"]["driver"]["name"] == "corsc", run["tool"]["driver"]["name"]
assert len(run.get("results", [])) >= int(sys.argv[2]), run.get("results")
PY
}

set +e
ci/action/lint.sh "$tmp/clean.sarif" examples/ >"$tmp/out" 2>&1
code=$?
set -e
[[ $code -eq 0 ]] || { cat "$tmp/out"; fail "examples/: exit $code, expected 0"; }
sarif_ok "$tmp/clean.sarif" 0
echo "ok: examples/: exit 0, SARIF written"

printf 'policy broken {\n    origin *;\n    credentials on;\n}\n' >"$tmp/broken.cors"
set +e
ci/action/lint.sh "$tmp/broken.sarif" "$tmp/broken.cors" >"$tmp/out" 2>&1
code=$?
set -e
[[ $code -eq 1 ]] || { cat "$tmp/out"; fail "a policy with an error: exit $code, expected 1"; }
sarif_ok "$tmp/broken.sarif" 1
grep -q '^::error ' "$tmp/out" || { cat "$tmp/out"; fail "no GitHub annotation"; }
echo "ok: a policy with an error: exit 1, SARIF with the finding, annotation"

set +e
ci/action/lint.sh "$tmp/missing.sarif" "$tmp/does-not-exist.cors" >"$tmp/out" 2>&1
code=$?
set -e
[[ $code -eq 2 ]] || { cat "$tmp/out"; fail "an unreadable input: exit $code, expected 2"; }
echo "ok: an unreadable input: exit 2"
echo "test-action.sh: all checks passed"
