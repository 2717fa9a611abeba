#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml), also usable from any CI:
#
#   ci/action/lint.sh SARIF_FILE [CORSC_LINT_ARGS...] PATH...
#
# Runs `corsc lint` once with `--format github` (annotations on the pull request's
# lines) and once more with `--format sarif -o SARIF_FILE` (for code scanning), so both
# see the same findings. The SARIF file is written even when the policies fail or an
# input cannot be read. Exits with corsc's code: 0 clean, 1 findings at the failing
# level (errors; warnings too with --deny warnings), 2 usage error or unreadable input.
# CORSC names the binary (default: corsc on PATH).
set -uo pipefail

sarif=${1:?usage: lint.sh SARIF_FILE [CORSC_LINT_ARGS...] PATH...}
shift
corsc=${CORSC:-corsc}

"$corsc" lint --format github "$@"
status=$?
"$corsc" lint --format sarif --exit-zero -o "$sarif" "$@" >/dev/null 2>&1
if [[ ! -s "$sarif" ]]; then
    echo "lint.sh: corsc wrote no SARIF to $sarif" >&2
    [[ $status -eq 0 ]] && status=2
fi
exit "$status"
