#!/usr/bin/env bash
# Runs every check and test of the project, installing what it needs first.
#
#   scripts/test.sh            everything (what CI runs)
#
# Steps: system packages → formatting → clippy → unit, snapshot and CLI tests →
# the module built against the vendored nginx and its real-nginx suite (the hostile
# corpus included) → a short reload-under-load run → the module
# built against Debian's packaged nginx and the same suite → the module built by
# nginx's own build system (config, config.make) and the same suite → the browser suite →
# a smoke run of the benchmark harness → a smoke run of the fuzz targets → the Debian packages, installed and used with
# Debian's nginx → the container image's build script against nginx's source → the
# GitHub Action's scripts. Any failure stops the run with a non-zero exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

# Every real-nginx target (tests/tests/nginx_*.rs, and cli/tests/nginx_import.rs: the
# import's converted configurations under nginx -t and --verify) against Debian's
# /usr/sbin/nginx with the module at $1; the browser suite needs the vendored build and
# runs with it.
debian_nginx_suite() {
    CORS_TEST_NGINX=/usr/sbin/nginx CORS_TEST_MODULE="$1" \
        cargo test -p cors-tests --test 'nginx_*'
    CORS_TEST_NGINX=/usr/sbin/nginx CORS_TEST_MODULE="$1" \
        cargo test -p corsc --test nginx_import
}

step "system packages"
scripts/install-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all crates, all targets)"
cargo clippy --workspace --all-targets -- -D warnings

step "module and nginx (vendored nginx)"
scripts/build-module.sh

step "tests: library, CLI, real nginx (vendored build)"
cargo test --workspace --exclude ngx-http-cors-module

# About 35 s: 6 reloads under wrk with the module, then the same without it (the
# control); the 20-reload and 1,000-reload runs are documented in docs/security.md.
step "reloads under load, short run (vendored nginx; scripts/reload-under-load.sh)"
scripts/reload-under-load.sh --reloads 6 --duration 8

step "benchmark harness, smoke mode (every configuration answers; nothing is timed)"
bench/run.sh --no-build --smoke

step "decide() micro-benchmarks, smoke mode (asserts zero allocations per decision)"
cargo bench -p cors-dsl --bench decide -- --test

# cargo-fuzz (installed once), the fuzz/ crate built with libFuzzer and
# AddressSanitizer on the stable toolchain (RUSTC_BOOTSTRAP=1; its own target dir, so a
# cold build of cors-dsl's dependencies: 30 min on a 2-core machine at load ~12, not yet
# timed on an idle one), then every target for 30 s. A crash fails the step and leaves
# its input in fuzz/artifacts/.
step "cargo-fuzz targets, smoke run (scripts/fuzz.sh --smoke 30)"
scripts/fuzz.sh --smoke 30

step "module for Debian's packaged nginx"
scripts/build-debian-module.sh

step "tests: real nginx (Debian's /usr/sbin/nginx)"
debian_nginx_suite "$root/target/debian-module/ngx_http_cors_module.so"

# About 1 min on 2 cores after the step above (it reuses target/debian's dependencies)
# plus a few seconds of tests.
step "module built by nginx's build system (./configure --add-dynamic-module)"
scripts/build-nginx-addon.sh

step "tests: real nginx (Debian's /usr/sbin/nginx, module from nginx's build)"
debian_nginx_suite "$root/target/nginx-addon/ngx_http_cors_module.so"

# About 1-3 min: cargo-deb (installed once, ~2 min), corsc in the dist profile, the
# packages, then dpkg -i, lintian, Debian's nginx started through its service script
# with real requests, apt-get remove; the machine is left as it was found.
step "Debian packages: build (cargo-deb)"
scripts/build-deb.sh

step "Debian packages: dpkg -i, lintian, nginx -t, service nginx, requests, apt-get remove"
scripts/test-deb.sh

# About 1 min: only nginx-sys, ngx and the module are rebuilt (target/debian is shared).
step "container image build script (docker/build.sh) against nginx's source, outside a container"
scripts/test-docker-build.sh

step "GitHub Action scripts against examples/"
scripts/test-action.sh
