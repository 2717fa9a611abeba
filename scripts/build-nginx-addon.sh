#!/usr/bin/env bash
# Builds ngx_http_cors_module the way nginx builds third-party modules: through nginx's
# own build system (`./configure --add-dynamic-module=ngx-module && make modules`), with
# ngx-module/config and config.make. This is the path packagers and people building
# nginx from source take, so CI builds it and runs the real-nginx suite on its output.
#
#   scripts/build-nginx-addon.sh
#
# It uses Debian's configured nginx source (package nginx-dev, /usr/share/nginx/src)
# with Debian's configure flags, so the module loads into /usr/sbin/nginx. Those flags
# include --with-debug, which would make config pick cargo's unoptimised profile; the
# `dist` profile (release, stripped) is asked for explicitly (ngx_cargo_profile) because
# that is what a packager ships. Output: target/nginx-addon/ngx_http_cors_module.so.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# shellcheck source=lib/debian-nginx-src.sh
source scripts/lib/debian-nginx-src.sh
copy="$root/target/nginx-addon-src"
# cargo builds in target/debian, the target dir of build-debian-module.sh: same profile,
# so the dependencies built there are reused (only nginx-sys, ngx and the module itself
# are rebuilt for this tree).
ngx_cargo_profile=dist ngx_cargo_target_dir="$root/target/debian" \
    configure_debian_nginx_copy "$copy" --add-dynamic-module="$root/ngx-module"
# Debian's trimmed tree has no top-level Makefile: call the generated one directly.
make -C "$copy" -j"$(nproc)" -f objs/Makefile modules >"$copy/make.log" 2>&1 || {
    tail -n 40 "$copy/make.log" >&2
    exit 1
}

out="$root/target/nginx-addon"
mkdir -p "$out"
cp "$copy/objs/ngx_http_cors_module.so" "$out/ngx_http_cors_module.so"
echo "module: $out/ngx_http_cors_module.so (nginx's build, for $(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //'))"
