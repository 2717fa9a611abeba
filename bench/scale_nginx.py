#!/usr/bin/env python3
"""nginx with the N-origin `.corsb` of bench/scale.sh (issue #13).

- `nginx -t` wall time with the table and without it (the same configuration minus
  `cors_policy_file` and `cors`): the difference is the module's load time.
- The memory of a running nginx (`worker_processes 2`) with and without the table, from
  /proc/PID/smaps_rollup of the master and each worker: right after start, and after
  requests from tenants spread over the whole table (so the workers have read pages
  all over the index).

    python3 bench/scale_nginx.py [--n 1000000] [--runs 7] [--requests 2000]

Needs target/scale/inline-N.corsb (bench/scale.sh N) and target/nginx/ (the release
build of scripts/build-module.sh --release). Prints Markdown for BENCHMARKS.md.
"""

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ["Rss", "Pss", "Pss_Anon", "Pss_File", "Shared_Clean", "Private_Clean", "Private_Dirty"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conf(module: Path, table: Path | None, port: int) -> str:
    load = f"cors_policy_file {table};" if table else ""
    cors = "cors tenants;" if table else ""
    return f"""load_module {module};
worker_processes 2;
pid logs/nginx.pid;
error_log logs/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
    cors_policy_max_size 1g;
    {load}
    server {{
        listen 127.0.0.1:{port};
        location / {{ {cors} return 200 "ok\\n"; }}
    }}
}}
"""


def prefix(work: Path, name: str, text: str) -> Path:
    p = work / name
    shutil.rmtree(p, ignore_errors=True)
    (p / "logs").mkdir(parents=True)
    (p / "tmp").mkdir()
    (p / "nginx.conf").write_text(text)
    return p


def nginx_t(nginx: Path, p: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([nginx, "-p", p, "-c", "nginx.conf", "-t"], capture_output=True)
        times.append(time.perf_counter() - start)
        if out.returncode != 0:
            raise SystemExit(f"nginx -t failed in {p}:\n{out.stderr.decode()}")
    return times


def smaps(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key.strip()] = int(value.split()[0])
    return out


def processes(master: int) -> list[tuple[str, int]]:
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    workers = sorted(int(x) for x in kids.stdout.split())
    return [("master", master)] + [(f"worker {i + 1}", w) for i, w in enumerate(workers)]


def run(nginx: Path, p: Path, port: int, n: int, requests: int, label: str, table: bool) -> list[str]:
    subprocess.run([nginx, "-p", p, "-c", "nginx.conf"], check=True)
    try:
        pidfile = p / "logs/nginx.pid"
        for _ in range(200):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            time.sleep(0.05)
        master = int(pidfile.read_text())
        for _ in range(200):
            if len(processes(master)) == 3:
                break
            time.sleep(0.05)
        time.sleep(0.5)
        rows = []
        for phase in ["started", f"after {requests} requests"]:
            if phase != "started":
                rng = random.Random(13)
                allowed = 0
                for i in range(requests):
                    # A new connection each time, so both workers take requests.
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    origin = f"https://t{rng.randint(1, n)}.customers.example.net"
                    c.request("GET", "/", headers={"Origin": origin})
                    r = c.getresponse()
                    r.read()
                    allowed += r.getheader("Access-Control-Allow-Origin") == origin
                    c.close()
                if allowed != (requests if table else 0):
                    raise SystemExit(f"{label}: {allowed} of {requests} tenants allowed")
            for name, pid in processes(master):
                m = smaps(pid)
                cells = " | ".join(f"{m.get(f, 0) / 1024:.1f}" for f in FIELDS)
                rows.append(f"| {label} | {phase} | {name} | {cells} |")
        return rows
    finally:
        subprocess.run([nginx, "-p", p, "-c", "nginx.conf", "-s", "stop"], check=False)
        time.sleep(1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    nginx = ROOT / "target/nginx/nginx"
    module = ROOT / "target/nginx/ngx_http_cors_module.so"
    table = ROOT / f"target/scale/inline-{args.n}.corsb"
    if not table.exists():
        raise SystemExit(f"{table} missing: run bench/scale.sh {args.n} first")
    work = ROOT / f"target/scale/nginx-{args.n}"
    port = free_port()
    with_t = prefix(work, "with", conf(module, table, port))
    without = prefix(work, "without", conf(module, None, port))

    t_with = nginx_t(nginx, with_t, args.runs)
    t_without = nginx_t(nginx, without, args.runs)
    med_with, med_without = statistics.median(t_with), statistics.median(t_without)
    print(f"`.corsb`: {table.stat().st_size:,} bytes, {args.n:,} exact origins\n")
    print("| `nginx -t` | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|")
    for label, t in [("with the table", t_with), ("without it", t_without)]:
        print(f"| {label} | {statistics.median(t) * 1000:.1f} | {min(t) * 1000:.1f} | {max(t) * 1000:.1f} |")
    print(f"\nmodule load time (median difference): {(med_with - med_without) * 1000:.1f} ms\n")

    print("| nginx | when | process | " + " | ".join(f"{f} MB" for f in FIELDS) + " |")
    print("|---|---|---|" + "---:|" * len(FIELDS))
    for line in run(nginx, without, port, args.n, args.requests, "without the table", False):
        print(line)
    for line in run(nginx, with_t, port, args.n, args.requests, "with the table", True):
        print(line)


if __name__ == "__main__":
    main()
