#!/usr/bin/env bash
# Builds ngx_http_cors_module with AddressSanitizer (issue #17, point 4), for the
# vendored nginx of scripts/build-module.sh, which must have run first. Needs a nightly
# toolchain (-Zsanitizer), which this project's CI does not have: a documented command,
# not a CI step. Run it with scripts/memcheck.sh --asan.
#
#   scripts/build-asan-module.sh
#
# Only the module is instrumented (nginx is not; memcheck.sh preloads gcc's ASan
# runtime into it): every heap block the module's Rust code allocates, its stack and
# its globals are checked, so an out-of-bounds or use-after-free access by the module
# in its own memory is reported. nginx's pool memory is one malloc per pool block, so
# an overrun inside a pool block is not seen (valgrind does not see it either).
# `--target` keeps the sanitizer off build scripts and proc macros.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
nginx="$target/nginx/nginx"
[[ -x $nginx ]] || { echo "build-asan-module.sh: run scripts/build-module.sh first" >&2; exit 1; }
objs=$("$nginx" -V 2>&1 | sed -n 's/.*--builddir=\([^ ]*\).*/\1/p')
[[ -d $objs ]] || { echo "build-asan-module.sh: nginx's build dir $objs is gone" >&2; exit 1; }
# The nginx source the vendored build was configured from: the nginx-src crate's copy.
src=$(cargo metadata --format-version 1 | python3 -c '
import json, os, sys
pkgs = json.load(sys.stdin)["packages"]
print(next(os.path.dirname(p["manifest_path"]) for p in pkgs if p["name"] == "nginx-src") + "/nginx")')
triple=$(rustc -vV | sed -n 's/^host: //p')
NGINX_SOURCE_DIR="$src" NGINX_BUILD_DIR="$objs" CARGO_TARGET_DIR="$target/asan" RUSTFLAGS="-Zsanitizer=address" \
    cargo +nightly build -p ngx-http-cors-module --no-default-features --target "$triple"
mkdir -p "$target/asan/debug"
cp "$target/asan/$triple/debug/libngx_http_cors_module.so" "$target/asan/debug/libngx_http_cors_module.so"
echo "module (ASan): $target/asan/debug/libngx_http_cors_module.so"
