#!/usr/bin/env bash
# Builds ngx_http_cors_module and corsc for an nginx of a given version, and lints the
# policies that go with them. The Dockerfile runs it; CI runs it outside a container
# (scripts/test-docker-build.sh) against the same nginx version's source.
#
#   docker/build.sh NGINX_SOURCE_DIR OUT_DIR [POLICY_PATH...]
#
# NGINX_SOURCE_DIR is an unpacked nginx source tree of the version the image runs. It
# is configured here with --with-compat, as nginx.org builds its packages and the
# official image: with it, a module built against the same version's source loads into
# a binary built with other modules and flags (nginx checks the version and the
# "compat" signature at load_module). Any other flags would not change that; they only
# cost build time. OUT_DIR receives ngx_http_cors_module.so and corsc, built with the
# `dist` profile (release, stripped). Every POLICY_PATH (file or directory) is then
# checked with the built `corsc lint --deny warnings`: a policy that would be refused or
# warned about fails the build, not the container start.
#
# CARGO_TARGET_DIR is honoured (CI shares one with the other release-profile builds).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: docker/build.sh NGINX_SOURCE_DIR OUT_DIR [POLICY_PATH...]" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
shift 2
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-$(pwd)/target}

version=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"$/\1/p' "$src/src/core/nginx.h")
echo "docker/build.sh: nginx $version from $src"
if [[ ! -f "$src/objs/ngx_auto_config.h" ]] || ! grep -q -- '--with-compat' "$src/objs/ngx_auto_config.h"; then
    # A release tarball has ./configure; a source checkout (nginx-src) has auto/configure.
    configure=./configure
    [[ -x "$src/configure" ]] || configure=auto/configure
    (cd "$src" && "$configure" --with-compat >configure.log 2>&1) || {
        tail -n 30 "$src/configure.log" >&2
        exit 1
    }
fi

NGINX_BUILD_DIR="$src/objs" cargo build --quiet --locked --profile dist \
    -p ngx-http-cors-module --no-default-features
cp "$target_dir/dist/libngx_http_cors_module.so" "$out/ngx_http_cors_module.so"
cargo build --quiet --locked --profile dist -p corsc
cp "$target_dir/dist/corsc" "$out/corsc"

if [[ $# -gt 0 ]]; then
    "$out/corsc" lint --deny warnings "$@"
fi
ls -l "$out"
