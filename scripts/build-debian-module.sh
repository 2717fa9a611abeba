#!/usr/bin/env bash
# Builds ngx_http_cors_module for Debian's packaged nginx (/usr/sbin/nginx).
#
#   scripts/build-debian-module.sh
#
# Needs the `nginx-dev` package, which ships the configured source tree Debian built
# nginx from (/usr/share/nginx/src, with its configure flags in `conf_flags`). The tree
# is copied (it is read-only), configured with the same flags (only `configure` is
# needed: the bindings come from the generated headers), and the module is built
# against it without the vendored nginx, in its own target dir so it never mixes with
# the vendored build. It is built with the `dist` profile (release, stripped), so the
# Debian real-nginx suite tests the very file the Debian package ships
# (scripts/build-deb.sh). Output: target/debian-module/ngx_http_cors_module.so, loadable
# with `load_module` into /usr/sbin/nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# shellcheck source=lib/debian-nginx-src.sh
source scripts/lib/debian-nginx-src.sh
copy="$root/target/debian-nginx-src"
configure_debian_nginx_copy "$copy"

NGINX_BUILD_DIR="$copy/objs" CARGO_TARGET_DIR="$root/target/debian" \
    cargo build -p ngx-http-cors-module --profile dist --no-default-features

out="$root/target/debian-module"
mkdir -p "$out"
cp "$root/target/debian/dist/libngx_http_cors_module.so" "$out/ngx_http_cors_module.so"
echo "module: $out/ngx_http_cors_module.so (for $(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //'))"
