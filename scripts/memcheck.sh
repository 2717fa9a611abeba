#!/usr/bin/env bash
# nginx with the module (daemon off, one worker) under valgrind memcheck, master and
# workers alike, or with an AddressSanitizer build of the module (issue #17, point 4):
# a few hundred mixed requests (scripts/lib/mixed-requests.py: every path of the
# module, well-formed and hostile), a reload to a changed policy, more requests, a
# reload to a broken policy (refused: the old one keeps answering), more requests, then
# a graceful stop, and the verdict:
#
# - valgrind: 0 errors (invalid reads/writes, uninitialised values, bad frees), no leak
#   ("definitely" or "possibly lost") with the module in its stack; nginx's own known
#   reports are suppressed by scripts/lib/nginx.supp, where each says why.
# - ASan: no report at all (ASAN_OPTIONS=log_path: a report is a file).
#
#   scripts/memcheck.sh [--requests N]          valgrind, vendored build (target/nginx/)
#   scripts/memcheck.sh --asan [--requests N]   the module built with -Zsanitizer=address
#                                               (nightly; scripts/build-asan-module.sh)
#
# Why a master process: nginx cannot reload without one. With `master_process off` the
# single process does handle SIGHUP (ngx_single_process_cycle: "reconfiguring", a new
# cycle), but it never runs the modules' init_process for the new cycle, so the event
# module has no connections for it: every request after the reload is answered with
# garbage or reset ("64 worker_connections are not enough"), with or without this
# module (tried with nginx 1.28.3). So valgrind runs the master, which parses the
# configuration and loads the policies at every reload, and follows it into each
# worker it forks (fork needs no --trace-children); each process writes its own log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

requests=300
reloads=2
mode=valgrind
while [[ $# -gt 0 ]]; do
    case "$1" in
        --requests) requests=$2; shift 2 ;;
        --reloads) reloads=$2; shift 2 ;;
        --asan) mode=asan; shift ;;
        *) echo "usage: $0 [--asan] [--requests N] [--reloads N]" >&2; exit 2 ;;
    esac
done

target=${CARGO_TARGET_DIR:-target}
nginx=$(realpath "${CORS_TEST_NGINX:-$target/nginx/nginx}")
if [[ $mode == asan ]]; then
    module=$(realpath "${CORS_TEST_MODULE:-$target/asan/debug/libngx_http_cors_module.so}")
else
    module=$(realpath "${CORS_TEST_MODULE:-$target/nginx/ngx_http_cors_module.so}")
fi
for f in "$nginx" "$module"; do
    [[ -f $f ]] || { echo "memcheck.sh: $f not found" >&2; exit 1; }
done

work=$(mktemp -d /tmp/memcheck.XXXXXX)
chmod 755 "$work"
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs" "$work/html/old" "$work/tmp"
echo index >"$work/html/index.html"
echo old >"$work/html/old/index.html"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

policies() { # $1: the extra origin of policy app
    cat <<EOF
policy app {
    origin https://app.example.com $1;
    methods GET PUT DELETE;
    headers Content-Type X-Request-ID;
    expose X-Request-ID;
    credentials on;
    max-age 2h;
}
policy sub { origin https://*.example.com; methods PUT; }
policy rx { origin ~ "https://pr-[0-9]+\.preview\.example\.dev"; methods PUT; }
policy nul { origin null; methods PUT; }
policy pub { origin *; methods GET HEAD; }
EOF
}
policies https://other.example.com >"$work/policies.cors"

cat >"$work/nginx.conf" <<EOF
load_module $module;
daemon off;
master_process on;
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
    cors_policy_file policies.cors;
    server {
        listen 127.0.0.1:$port2;
        location / {
            add_header Access-Control-Allow-Origin https://upstream.example always;
            add_header Vary Accept-Encoding always;
            return 200 "upstream\n";
        }
    }
    server {
        listen 127.0.0.1:$port;
        root html;
        cors app;
        location / { }
        location /sub/ { cors sub; alias html/; }
        location /rx/ { cors rx; alias html/; }
        location /null/ { cors nul; alias html/; }
        location /pub/ { cors pub; alias html/; }
        location /proxy/ { proxy_pass http://127.0.0.1:$port2/; }
        location /addheader/ {
            add_header Access-Control-Allow-Origin https://other.example always;
            add_header Vary Accept-Encoding always;
            alias html/;
        }
        location /old/ { rewrite ^/old/(.*)\$ /\$1 last; }
        location /missing/ { error_page 404 /index.html; alias html/nothing/; }
        location /vars/ { return 200 "\$cors_decision \$cors_reason \$cors_policy\n"; }
    }
}
EOF

run=("$nginx" -p "$work" -c nginx.conf -e logs/error.log)
if [[ $mode == valgrind ]]; then
    command -v valgrind >/dev/null || { echo "memcheck.sh: valgrind not found" >&2; exit 1; }
    # Failing leak kind: "definitely lost". "Possibly lost" is shown and counted, not
    # failed on: Rust's HashMap (hashbrown) keeps a pointer into the middle of its
    # allocation, so valgrind calls every map, and all it alone points to, possibly
    # lost; that those are not leaks is checked by running more reloads (--reloads)
    # and seeing the figure stay put.
    run=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,possible
        --errors-for-leak-kinds=definite --num-callers=40 --track-fds=no
        --suppressions="$root/scripts/lib/nginx.supp" --log-file="$work/valgrind.%p.log"
        "${run[@]}")
else
    libasan=$(gcc -print-file-name=libasan.so)
    [[ -f $libasan ]] || { echo "memcheck.sh: libasan.so not found (gcc)" >&2; exit 1; }
    mkdir -p "$work/asan"
    # nginx itself is not instrumented: the runtime is preloaded for the module. Leak
    # detection is off: nginx frees its cycle pool on exit but not what it keeps for
    # the process's life, which LeakSanitizer would report as nginx's leaks.
    export LD_PRELOAD=$libasan
    export ASAN_OPTIONS="log_path=$work/asan/report:detect_leaks=0:abort_on_error=0:halt_on_error=1"
fi
"${run[@]}" </dev/null >"$work/stdout.log" 2>&1 &
pid=$!
unset LD_PRELOAD

acao() { # the Access-Control-Allow-Origin a GET from $1 gets
    curl -sS -o /dev/null -D - --max-time 60 -H "Origin: $1" "http://127.0.0.1:$port/" 2>/dev/null |
        tr -d '\r' | awk -F': ' 'tolower($1)=="access-control-allow-origin"{v=$2} END{print v==""?"-":v}'
}
wait_until() { # $1: seconds; the rest: a command that must come true
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.5
    done
}
granted() { [[ $(acao "$1") == "$1" ]]; }
refused() { [[ $(acao "$1") == - ]]; }
fail() {
    echo "FAIL: $*" >&2
    tail -n 20 "$work/logs/error.log" >&2
    compgen -G "$work/valgrind.*.log" >/dev/null && tail -n 40 "$work"/valgrind.*.log >&2
    exit 1
}

start=$SECONDS
wait_until 120 granted https://other.example.com || fail "nginx did not start"
echo "started in $((SECONDS - start)) s ($mode)"
if [[ $mode == asan ]]; then
    # The runtime must really be in the serving processes (a worker is a child).
    for p in "$pid" $(pgrep -P "$pid"); do
        grep -q libasan "/proc/$p/maps" || fail "ASan runtime not loaded in process $p"
    done
    grep -q __asan_report_load "$module" || fail "$module is not built with ASan"
    echo "ASan runtime loaded in the master and its worker; the module is instrumented"
fi
per=$((requests / (reloads + 1)))
python3 scripts/lib/mixed-requests.py "$port" "$per" | tail -n 1

# The reloads alternate a changed, valid policy (the master rereads it and starts a new
# worker; the new origin answers, the old one no longer does) and a broken one
# (refused: the last good policy keeps answering, the broken one's origin never does).
current=https://other.example.com
for n in $(seq "$reloads"); do
    if ((n % 2 == 1)); then
        [[ $current == https://admin.example.com ]] && next=https://other.example.com || next=https://admin.example.com
        policies "$next" >"$work/policies.cors.new"
        mv "$work/policies.cors.new" "$work/policies.cors"
        kill -HUP "$pid"
        wait_until 120 granted "$next" || fail "reload $n: the new policy does not answer"
        refused "$current" || fail "reload $n: the old policy still answers"
        current=$next
        echo "reload $n (changed policy): the new policy answers"
    else
        printf 'policy app {\n    origin https://evil.example\n}\n' >"$work/policies.cors"
        emerg=$(grep -c '\[emerg\]' "$work/logs/error.log" || true)
        kill -HUP "$pid"
        wait_until 120 bash -c "(( \$(grep -c '\[emerg\]' '$work/logs/error.log') > $emerg ))" ||
            fail "reload $n: no refusal logged"
        granted "$current" || fail "reload $n: the previous policy stopped answering"
        refused https://evil.example || fail "reload $n: the broken policy's origin is granted"
        echo "reload $n (broken policy): refused, the previous policy answers"
    fi
    python3 scripts/lib/mixed-requests.py "$port" "$per" | tail -n 1
done

# A graceful stop: every process destroys its cycle pool (and with it the module's
# tables), then valgrind checks for leaks.
kill -QUIT "$pid"
wait "$pid" || true
pid=
grep -q "exited on signal\|panicked" "$work/logs/error.log" && fail "a crash or panic in error.log"
grep -c 'reconfiguring' "$work/logs/error.log" | xargs echo "reloads seen in error.log:"

if [[ $mode == asan ]]; then
    if compgen -G "$work/asan/report*" >/dev/null; then
        cat "$work"/asan/report* >&2
        fail "AddressSanitizer reported an error"
    fi
    echo "PASS: no AddressSanitizer report ($requests requests, $reloads reloads)"
    exit 0
fi

logs=("$work"/valgrind.*.log)
echo "valgrind logs: ${#logs[@]} processes (the master, the first worker, one per good reload)"
for log in "${logs[@]}"; do
    sed -n 's/^==[0-9]*== \(Command\|ERROR SUMMARY\|   definitely\|   indirectly\|     possibly\)/\1/p' "$log" |
        tr '\n' ' ' | sed 's/ \+/ /g; s/$/\n/'
done
errors=$(cat "${logs[@]}" | sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' | tr -d , | awk '{n+=$1} END{print n+0}')
invalid=$(cat "${logs[@]}" | grep -c 'Invalid read\|Invalid write\|Invalid free\|uninitialised' || true)
# A "definitely lost" record whose stack names the module or its Rust crates.
ours=$(cat "${logs[@]}" | awk '/are definitely lost/{rec=1; buf=""} rec{buf=buf $0 "\n"} rec && /^==[0-9]+== $/{if (buf ~ /cors|ngx_http_cors_module/) n++; rec=0} END{print n+0}')
echo "errors $errors, invalid accesses $invalid, leak records through the module $ours"
[[ -n "${KEEP:-}" ]] && echo "valgrind logs: $work"
((errors == 0 && invalid == 0 && ours == 0)) || { cat "${logs[@]}" >&2; fail "valgrind found the above"; }
echo "PASS: valgrind memcheck clean ($requests requests, $reloads reloads)"
