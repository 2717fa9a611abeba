#!/usr/bin/env bash
# Writes the seed corpora of the cargo-fuzz targets (fuzz/corpus/TARGET/) from the
# project's own tests and examples. Idempotent; nothing it writes is committed
# (fuzz/.gitignore): the seeds are made again from whatever the tests hold now.
#
#   scripts/fuzz-seeds.sh [CORSC]     CORSC: a corsc binary (default: target/debug/corsc,
#                                     built with `cargo build -p corsc` when missing)
#
#   policy               every policy file of the tests and examples (*.cors, *.cors-test)
#   corsb                the examples compiled by corsc, as files (first byte 0) and as
#                        bodies behind a correct header (first byte 1); a few seeds of
#                        the structure-aware mode (first byte 2, 3: mutated examples)
#   request_headers      one flags byte, then Origin, ACRM and ACRH lines: the origins,
#                        methods and header lists of the examples and the hostile cases
#                        of issue #17 (scanner probes, long values, control bytes)
#   decide_differential  none: its input is `arbitrary`'s encoding of a generated case,
#                        and libFuzzer finds its way from the empty input
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
corsc=${1:-target/debug/corsc}

mkdir -p "$corpus"/{policy,corsb,request_headers,decide_differential}

# policy: the files themselves, named by their path so reruns overwrite. Left out:
# the fixtures of the regex size limits (CORS006, CORS124), which take seconds each
# under AddressSanitizer by design; the fuzzer reaches those paths on its own.
while IFS= read -r f; do
    case $f in *CORS006* | *cors006* | *CORS124* | *cors124*) continue ;; esac
    cp "$f" "$corpus/policy/$(echo "$f" | tr '/' '_')"
done < <(find examples cors-dsl/tests/fixtures cli/tests/fixtures \
    \( -name '*.cors' -o -name '*.cors-test' \) -type f | sort)

# corsb: compiled examples.
if [[ ! -x $corsc ]]; then
    cargo build -q -p corsc
    corsc=target/debug/corsc
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in examples/*.cors; do
    name=$(basename "$f" .cors)
    "$corsc" compile "$f" -o "$tmp/$name.corsb" >/dev/null 2>&1
    { printf '\x00'; cat "$tmp/$name.corsb"; } >"$corpus/corsb/file-$name"
    { printf '\x01'; tail -c +65 "$tmp/$name.corsb"; } >"$corpus/corsb/body-$name"
done
for mode in 2 3 4 5; do
    printf "\\x0$mode%s" "seed$mode" >"$corpus/corsb/mutated-$mode"
done

# request_headers: flags byte, Origin \n ACRM \n ACRH.
i=0
seed() {
    i=$((i + 1))
    printf '%b' "$1" >"$corpus/request_headers/seed-$i"
}
origins=(
    https://app.example.com https://admin.example.com https://a.b.example.com
    https://pr-12.preview.example.dev http://localhost:3000 http://localhost null file://
    https://app.example.com.evil.net https://evilapp.example.com https://app_example.com
    'https://app`example.com' https://app%60example.com 'https://app!example.com'
    http://app.example.com HTTPS://APP.EXAMPLE.COM https://app.example.com.
    https://user@app.example.com https://xn--bcher-kva.example 'http://[::1]:8080'
    https://app.example.com:443 https://app.example.com:0 https://app.example.com:65536
)
for o in "${origins[@]}"; do
    seed "\\x00$o\\nPUT\\ncontent-type, x-request-id"
    seed "\\x01$o\\nDELETE\\n"
done
seed '\x00https://app.example.com\nPUT\nx-a,,x-b , \tAuthorization'
seed '\x00https://app.example.com\nput\nX-Request-ID'
seed '\x00https://app.example.com\nTRACE\n'
seed '\x00https://app.example.com\nGET POST\nx y'
seed '\x02https://app.example.com\nPATCH\n*'
seed '\x00https://app.example.com\x00\nPUT\nx-a\r\nSet-Cookie: a=b'
seed '\x00https://app.example.com\nPUT\n\xc3\xa9'
# 65 names, and 9 KiB of value: past the bounds.
seed "\\x00https://app.example.com\\nPUT\\n$(printf 'x-a,%.0s' {1..65})"
seed "\\x00https://app.example.com\\nPUT\\n$(head -c 9216 /dev/zero | tr '\0' 'a')"
seed "\\x00https://$(head -c 3000 /dev/zero | tr '\0' 'a').example.com\\nGET\\n"

echo "fuzz-seeds.sh: $(find "$corpus" -type f | wc -l) seeds in $corpus/"
