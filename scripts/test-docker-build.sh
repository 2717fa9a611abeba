#!/usr/bin/env bash
# The container image's build, without a container engine: runs docker/build.sh (the
# script the Dockerfile runs) against nginx's source of the Dockerfile's NGINX_VERSION,
# then loads its module into an nginx of that version built with other flags, in the
# official image's layout (load_module on top of nginx.conf, conf.d/*.conf included,
# templates/ rendered by envsubst as the image's entrypoint does), and sends requests.
#
#   scripts/test-docker-build.sh        (after scripts/build-module.sh)
#
# Offline, the only nginx source at hand is the one the `nginx-src` crate vendors
# (1.28.3 with ngx 0.5); the Dockerfile's default NGINX_VERSION is kept equal to it, and
# this script checks that. The nginx it loads the module into is the vendored build's
# binary (target/nginx/nginx): the same version, configured --with-compat but with
# another module set, which is the case --with-compat exists for.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

fail() {
    echo "test-docker-build.sh: FAILED: $*" >&2
    exit 1
}

# NGINX_BIN: another nginx binary of that version built --with-compat. (Not NGINX:
# nginx reads that variable itself, for the sockets of a binary upgrade.)
nginx=${NGINX_BIN:-$root/target/nginx/nginx}
[[ -x "$nginx" ]] || fail "$nginx missing (run scripts/build-module.sh)"

# nginx-src's source tree, copied (configure writes into the tree).
manifest=$(cargo metadata --format-version 1 --locked \
    | grep -o '"manifest_path":"[^"]*/nginx-src-[^"]*/Cargo.toml"' | head -n1 | cut -d'"' -f4)
[[ -n "$manifest" ]] || fail "the nginx-src crate is not in the dependency graph"
vendored=$(dirname "$manifest")/nginx
version=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"$/\1/p' "$vendored/src/core/nginx.h")
dockerfile_version=$(sed -n 's/^ARG NGINX_VERSION=//p' docker/Dockerfile)
[[ "$version" == "$dockerfile_version" ]] \
    || fail "docker/Dockerfile builds nginx $dockerfile_version, the source here is $version"
src="$root/target/docker-nginx-src"
rm -rf "$src"
cp -r "$vendored" "$src"
chmod -R u+w "$src"

out="$root/target/docker-out"
# Shares target/debian with the Debian builds: the same `dist` profile, so only
# nginx-sys, ngx and the module are rebuilt for this tree.
CARGO_TARGET_DIR="$root/target/debian" \
    docker/build.sh "$src" "$out" examples/spa-api.cors examples/public-cdn.cors 2>&1 | tail -n3

# The image's layout in a prefix.
prefix=$(mktemp -d /tmp/ngx-cors-image.XXXXXX)
pid=
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
    rm -rf "$prefix"
}
trap cleanup EXIT
chmod 755 "$prefix"
mkdir -p "$prefix"/{conf.d,cors,templates,logs,tmp,html}
cp examples/spa-api.cors examples/public-cdn.cors "$prefix/cors/"
sed "s|/etc/nginx/cors/|$prefix/cors/|" docker/conf.d/cors.conf >"$prefix/conf.d/cors.conf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# What the entrypoint's 20-envsubst-on-templates.sh does: only defined variables.
NGINX_PORT="127.0.0.1:$port" envsubst '${NGINX_PORT}' <docker/templates/default.conf.template \
    | sed "s|/var/log/nginx/|$prefix/logs/|; s|/usr/share/nginx/html|$prefix/html|" \
        >"$prefix/conf.d/default.conf"
echo '<p>hello</p>' >"$prefix/html/index.html"
cat >"$prefix/nginx.conf" <<CONF
load_module $out/ngx_http_cors_module.so;
worker_processes 1;
daemon off;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log info;
events { worker_connections 64; }
http {
    client_body_temp_path $prefix/tmp; proxy_temp_path $prefix/tmp;
    fastcgi_temp_path $prefix/tmp; uwsgi_temp_path $prefix/tmp; scgi_temp_path $prefix/tmp;
    include $prefix/conf.d/*.conf;
}
CONF

if ! out=$("$nginx" -p "$prefix" -c "$prefix/nginx.conf" -t 2>&1); then
    printf '%s\n' "$out" >&2
    fail "nginx -t refused the image's configuration"
fi
"$nginx" -p "$prefix" -c "$prefix/nginx.conf" &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$url/health" && break
    sleep 0.1
done
grep -F "ngx_http_cors_module/" "$prefix/logs/error.log" \
    || fail "no version line at info in the error log"

check() { # $1: what, $2: ERE a header line must match, curl arguments...
    local what=$1 re=$2
    shift 2
    local h
    h=$(curl -s --max-time 5 -D - -o /dev/null "$@" | tr -d '\r')
    grep -Eiq "$re" <<<"$h" || { printf '%s\n' "$h" >&2; fail "$what: no line matches /$re/"; }
    echo "ok: $what"
}
check "preflight answered" '^access-control-allow-methods: .*PUT' -X OPTIONS "$url/api/x" \
    -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'
check "actual request" '^access-control-allow-origin: https://app.example.com$' "$url/api/x" \
    -H 'Origin: https://app.example.com'
check "refused preflight" '^HTTP/1.1 403' -X OPTIONS "$url/api/x" \
    -H 'Origin: https://evil.example.net' -H 'Access-Control-Request-Method: PUT'
check "public policy on static files" '^access-control-allow-origin: \*$' "$url/index.html" \
    -H 'Origin: https://anyone.example'
echo "test-docker-build.sh: all checks passed"
