#!/usr/bin/env bash
# The demo: builds the module and nginx, starts nginx on 127.0.0.1 with an example
# policy, shows a preflight and an actual request answered by the module (and one
# refused), then stops nginx.
#
#   scripts/demo.sh            run the demo and stop
#   scripts/demo.sh --keep     leave nginx running; the script prints how to stop it
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

scripts/install-deps.sh demo
scripts/build-module.sh >/dev/null
cargo build -q -p corsc

nginx="$root/target/nginx/nginx"
module="$root/target/nginx/ngx_http_cors_module.so"
prefix=$(mktemp -d /tmp/ngx-cors-demo.XXXXXX)
chmod 755 "$prefix"   # nginx's workers run as an unprivileged user when started as root
mkdir -p "$prefix/logs" "$prefix/html/api"
echo '{"hello":"world"}' > "$prefix/html/api/data.json"
cp examples/spa-api.cors "$prefix/policies.cors"

# A free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cat > "$prefix/nginx.conf" <<CONF
load_module $module;
daemon on;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log notice;
events { worker_connections 64; }
http {
    access_log $prefix/logs/access.log;
    client_body_temp_path $prefix/tmp; proxy_temp_path $prefix/tmp;
    fastcgi_temp_path $prefix/tmp; uwsgi_temp_path $prefix/tmp; scgi_temp_path $prefix/tmp;
    cors_policy_file $prefix/policies.cors;
    server {
        listen 127.0.0.1:$port;
        root $prefix/html;
        location /api/ { cors api; }
    }
}
CONF
mkdir -p "$prefix/tmp"

echo "==> the policy ($prefix/policies.cors)"
cat "$prefix/policies.cors"
echo
echo "==> corsc lint"
"$root/target/debug/corsc" lint "$prefix/policies.cors" || true
echo
echo "==> nginx -t"
"$nginx" -p "$prefix" -c "$prefix/nginx.conf" -t
"$nginx" -p "$prefix" -c "$prefix/nginx.conf"

stop() { "$nginx" -p "$prefix" -c "$prefix/nginx.conf" -s quit 2>/dev/null || true; }
$keep || trap stop EXIT

for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

show() {
    echo; echo "==> $1"; shift
    printf '$ curl'; printf ' %q' "$@"; echo
    curl -s -D - -o /dev/null "$@"
}
url="http://127.0.0.1:$port/api/data.json"
show "a preflight from an allowed origin (answered by the module)" -X OPTIONS "$url" \
    -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT' \
    -H 'Access-Control-Request-Headers: content-type, x-request-id'
show "the actual request" "$url" -H 'Origin: https://app.example.com'
show "a preflight from an origin the policy does not list (refused)" -X OPTIONS "$url" \
    -H 'Origin: https://evil.example.net' -H 'Access-Control-Request-Method: PUT'
echo
echo "==> corsc explain: the same refusal, offline"
"$root/target/debug/corsc" explain "$prefix/policies.cors" --policy api \
    --origin https://evil.example.net --preflight --method PUT || true

if $keep; then
    echo
    echo "nginx is running on http://127.0.0.1:$port/api/data.json"
    echo "stop it with: $nginx -p $prefix -c $prefix/nginx.conf -s quit"
else
    echo
    echo "==> stopping nginx"
fi
