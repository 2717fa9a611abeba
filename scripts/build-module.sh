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

# (.cargo/config.toml sets NGX_CONFIGURE_ARGS for the vendored nginx.)
# cargo reports the nginx-sys build-script output directory it used for *this* build;
# that is where the matching nginx binary is (other commands, e.g. clippy, keep their
# own copies).
messages=$(cargo build -p ngx-http-cors-module "${args[@]}" --message-format=json-render-diagnostics)
out_dir=$(printf '%s\n' "$messages" | grep '"reason":"build-script-executed"' \
    | grep '#nginx-sys@' | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' | tail -n1)

target_dir=${CARGO_TARGET_DIR:-target}
out="$target_dir/nginx"
mkdir -p "$out"
cp "$target_dir/$profile/libngx_http_cors_module.so" "$out/ngx_http_cors_module.so"

nginx="$out_dir/objs/nginx"
if [[ -z "$out_dir" || ! -x "$nginx" ]]; then
    echo "build-module.sh: no vendored nginx binary found (out_dir: ${out_dir:-none})" >&2
    exit 1
fi
cp "$nginx" "$out/nginx"
"$out/nginx" -V 2>&1 | sed -n 1p   # sed reads all input: no SIGPIPE under pipefail
echo "module: $out/ngx_http_cors_module.so"
echo "nginx:  $out/nginx"
