#!/usr/bin/env bash
# Installs the Debian packages from scripts/build-deb.sh on this machine and checks them
# the way an operator would use them, with Debian's own nginx:
#
#   1. `dpkg -i`, then lintian (no errors), and the package's promises: the .so in
#      /usr/lib/nginx/modules/, the modules-enabled link, `Depends:` on the ABI the
#      installed nginx provides, corsc with its man pages and completions;
#   2. the module used with no load_module of our own: only a `cors_policy_file` in
#      conf.d/ and `cors NAME` in a site, `corsc lint`, `nginx -t`;
#   3. nginx started (or reloaded, if it was running) through its service script, and
#      real requests on 127.0.0.1: a preflight answered, an actual request, a refused
#      preflight;
#   4. the site stops using the module, `apt-get remove` the packages, and nginx still
#      passes `nginx -t`, restarts through its service script and answers.
#
#   scripts/test-deb.sh             (as root, or with sudo; after scripts/build-deb.sh)
#
# It runs on CI's fresh machine and on developers' machines alike, so it puts the
# machine back as it found it: its files in /etc/nginx are removed, the packages purged,
# and nginx is stopped again if it was not running (reloaded if it was). It refuses to
# start where its own file names are taken by something else. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
as_root() { "${sudo[@]}" "$@"; }

step() { printf -- '--- %s\n' "$*"; }
fail() {
    echo "test-deb.sh: FAILED: $*" >&2
    exit 1
}

debs=("$root"/target/deb/*.deb)
[[ -f "${debs[0]}" ]] || fail "no packages in target/deb/ (run scripts/build-deb.sh)"
packages=(libnginx-mod-http-cors corsc)

# The files this test owns, named so they cannot be an operator's.
name=ngx-cors-ci
policies=/etc/nginx/$name
confd=/etc/nginx/conf.d/$name.conf
site=/etc/nginx/sites-enabled/$name
link=/etc/nginx/modules-enabled/50-mod-http-cors.conf
# A leftover of an interrupted run is recognised by the marker in $policies.
if [[ ! -e "$policies/.owned" ]]; then
    for f in "$policies" "$confd" "$site"; do
        [[ ! -e "$f" ]] || fail "$f exists and is not this test's; not touching it"
    done
fi

# A free loopback port for the test site (Debian's default site keeps port 80).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

service_nginx() { as_root timeout 60 service nginx "$@"; }
nginx_running() { service_nginx status >/dev/null 2>&1; }
was_running=false
nginx_running && was_running=true

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

cleanup() {
    local rc=$?
    set +e
    as_root rm -rf "$policies" "$confd" "$site"
    for p in "${packages[@]}"; do
        if dpkg-query -W "$p" >/dev/null 2>&1; then
            as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$p" >/dev/null
        fi
    done
    as_root rm -f "$link" "$link.removed"
    if $was_running; then
        service_nginx reload >/dev/null
    elif nginx_running; then
        service_nginx stop >/dev/null
    fi
    exit $rc
}
trap cleanup EXIT

# A run that was interrupted before its cleanup leaves our packages behind: start clean.
for p in "${packages[@]}"; do
    if dpkg-query -W "$p" >/dev/null 2>&1; then
        maintainer=$(dpkg-query -W -f='${Maintainer}' "$p")
        [[ "$maintainer" == ngx-cors* ]] || fail "$p is installed and not ours ($maintainer)"
        step "purging $p left by an earlier run"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$p" >/dev/null
    fi
done

step "dpkg -i ${debs[*]##*/}"
as_root dpkg -i "${debs[@]}" >/dev/null

step "lintian (no errors)"
lintian --fail-on error "${debs[@]}" \
    || fail "lintian reported errors"

step "the packages' contents"
abi=$(dpkg-query -W -f='${Provides}\n' nginx | tr ',' '\n' | sed -n 's/^ *\(nginx-abi-[^ ]*\).*/\1/p')
depends=$(dpkg-query -W -f='${Depends}' libnginx-mod-http-cors)
[[ ",$depends," == *", $abi,"* || "$depends" == "$abi"* ]] \
    || fail "Depends: $depends does not name the installed nginx's $abi"
echo "Depends: $depends"
[[ -f /usr/lib/nginx/modules/ngx_http_cors_module.so ]] || fail "no module in /usr/lib/nginx/modules"
[[ "$(readlink "$link")" == /usr/share/nginx/modules-available/mod-http-cors.conf ]] \
    || fail "$link does not point at modules-available/mod-http-cors.conf"
for f in /usr/share/man/man1/corsc.1.gz /usr/share/man/man1/corsc-lint.1.gz \
    /usr/share/bash-completion/completions/corsc /usr/share/zsh/vendor-completions/_corsc \
    /usr/share/fish/vendor_completions.d/corsc.fish \
    /usr/share/doc/libnginx-mod-http-cors/examples/spa-api.cors; do
    [[ -f "$f" ]] || fail "$f missing"
done
for f in /usr/lib/nginx/modules/ngx_http_cors_module.so /usr/bin/corsc; do
    ! readelf -S "$f" | grep -q '\.symtab' || fail "$f is not stripped"
done
/usr/bin/corsc --version

step "a policy file in conf.d/, cors in a site, corsc lint, nginx -t"
as_root mkdir -p "$policies"
as_root touch "$policies/.owned"
as_root cp /usr/share/doc/libnginx-mod-http-cors/examples/spa-api.cors \
    /usr/share/doc/libnginx-mod-http-cors/examples/public-cdn.cors "$policies/"
# The shipped conf.d example, pointed at this test's directory.
sed "s|/etc/nginx/cors/|$policies/|" /usr/share/doc/libnginx-mod-http-cors/examples/cors.conf \
    | as_root tee "$confd" >/dev/null
write_site() { # $1: the directive for /api/ (`cors api;` or nothing)
    as_root tee "$site" >/dev/null <<CONF
server {
    listen 127.0.0.1:$port;
    location /api/ { $1 return 200 '{"ok":true}\n'; }
}
CONF
}
write_site "cors api;"
/usr/bin/corsc lint --deny warnings "$policies/" 2>&1 | tail -n1
as_root nginx -t -q || fail "nginx -t refused the configuration"
as_root nginx -t -q -g 'error_log stderr info;' 2>&1 \
    | grep -F "ngx_http_cors_module/" || fail "the module did not log its version at info"

if $was_running; then
    step "service nginx reload (nginx was running)"
    service_nginx reload
else
    step "service nginx start"
    service_nginx start
fi

url="http://127.0.0.1:$port/api/data"
wait_for_port() {
    for _ in $(seq 100); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    fail "nginx does not answer on $url"
}
wait_for_port
# Headers of one request, lower-cased names, CR stripped.
headers() { curl -s --max-time 5 -D - -o /dev/null "$@" | tr -d '\r' | sed 's/^[^:]*:/\L&/'; }
expect() { # $1: what, $2: the headers, $3: an ERE that must match a line
    grep -Eq "$3" <<<"$2" || { printf '%s\n' "$2" >&2; fail "$1: no line matches /$3/"; }
    echo "ok: $1: $(grep -Em1 "$3" <<<"$2")"
}
expect_no() {
    ! grep -Eq "$3" <<<"$2" || { printf '%s\n' "$2" >&2; fail "$1: a line matches /$3/"; }
    echo "ok: $1: no /$3/"
}

step "requests"
h=$(headers -X OPTIONS "$url" -H 'Origin: https://app.example.com' \
    -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type')
expect "preflight status" "$h" '^HTTP/1.1 204'
expect "preflight origin" "$h" '^access-control-allow-origin: https://app.example.com$'
expect "preflight methods" "$h" '^access-control-allow-methods: .*PUT'
expect "preflight credentials" "$h" '^access-control-allow-credentials: true$'
h=$(headers "$url" -H 'Origin: https://app.example.com')
expect "actual status" "$h" '^HTTP/1.1 200'
expect "actual origin" "$h" '^access-control-allow-origin: https://app.example.com$'
expect "actual vary" "$h" '^vary: .*Origin'
h=$(headers -X OPTIONS "$url" -H 'Origin: https://evil.example.net' \
    -H 'Access-Control-Request-Method: PUT')
expect "refused preflight status" "$h" '^HTTP/1.1 403'
expect_no "refused preflight" "$h" '^access-control-allow-origin:'

step "the site stops using the module; apt-get remove"
write_site ""
as_root rm -f "$confd"
as_root nginx -t -q || fail "nginx -t without cors directives"
service_nginx reload
as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "${packages[@]}" >/dev/null
[[ ! -e /usr/lib/nginx/modules/ngx_http_cors_module.so ]] || fail "the module is still installed"
[[ ! -e "$link" && -L "$link.removed" ]] || fail "$link was not set aside as .removed"
as_root nginx -t -q || fail "nginx -t after apt-get remove"
# Debian's trigger reloads nginx (in containers policy-rc.d may forbid it): restart
# through the service script, which proves nginx starts without the module.
service_nginx restart
wait_for_port
h=$(headers "$url" -H 'Origin: https://app.example.com')
expect "after remove: status" "$h" '^HTTP/1.1 200'
expect_no "after remove" "$h" '^access-control-allow-origin:'

echo "test-deb.sh: all checks passed"
