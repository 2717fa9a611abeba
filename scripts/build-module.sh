#!/usr/bin/env bash
# Builds ngx_http_cors_module against the vendored nginx (the `ngx` crate's `vendored`
# feature builds nginx 1.28 from crates.io) and copies the module and that nginx binary
# to target/nginx/, where the real-nginx tests (tests/) find them by default.
#
#   scripts/build-module.sh [--release]
#
# A module built this way loads only into that nginx binary (same version and
# configure flags); for Debian's packaged nginx use scripts/build-debian-module.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
args=()
if [[ "${1:-}" == "--release" ]]; then
    profile=release
    args+=(--release)
fi

# The test suite needs auth_request (preflights must bypass it), which nginx does not
# build by default; nginx-src passes NGX_CONFIGURE_ARGS on to `configure`.
export NGX_CONFIGURE_ARGS="${NGX_CONFIGURE_ARGS:---with-http_auth_request_module}"
cargo build -p ngx-http-cors-module "${args[@]}"

target_dir=${CARGO_TARGET_DIR:-target}
out="$target_dir/nginx"
mkdir -p "$out"
cp "$target_dir/$profile/libngx_http_cors_module.so" "$out/ngx_http_cors_module.so"

# nginx-sys leaves the nginx it built in its build script's output; with several
# builds around (features, profiles), the newest is the one the module was linked with.
nginx=$(find "$target_dir/$profile/build" -path '*nginx-sys-*/out/objs/nginx' -type f \
    -printf '%T@ %p\n' 2>/dev/null | sort -nr | head -n1 | cut -d' ' -f2-)
if [[ -z "$nginx" ]]; then
    echo "build-module.sh: no vendored nginx binary under $target_dir/$profile/build" >&2
    exit 1
fi
cp "$nginx" "$out/nginx"
"$out/nginx" -V 2>&1 | head -n1
echo "module: $out/ngx_http_cors_module.so"
echo "nginx:  $out/nginx"
