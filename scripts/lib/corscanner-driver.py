#!/usr/bin/env python3
"""Runs every CORScanner check (PyPI package `cors`) against nginx on 127.0.0.1 only.

    corscanner-driver.py PORT URL [URL...]   (run with the venv's python)

Each URL names the site the scanner believes it is testing (https://app.example.com/spa/):
CORScanner derives its probe origins from that host. Every request is sent to
127.0.0.1:PORT instead, with the URL's host as `Host` and its path, so nothing leaves
the machine. Two things are changed from the command-line tool, both without touching
its checks:

- every check runs (the tool stops at a URL's first finding), so each finding class
  of each policy is seen;
- tldextract reads its bundled public suffix list (the tool would download it).

Prints one JSON object: {url: [{"type", "origin", "credentials"}...]}.
"""

import json
import sys
from urllib.parse import urlparse

import requests
import tldextract

OFFLINE = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
tldextract.extract = OFFLINE

from CORScanner.common import corscheck  # noqa: E402  (after the patch above)

corscheck.tldextract.extract = OFFLINE

CHECKS = [
    "test_reflect_origin",
    "test_prefix_match",
    "test_suffix_match",
    "test_trust_null",
    "test_include_match",
    "test_not_escape_dot",
    "test_custom_third_parties",
    "test_special_characters_bypass",
    "test_trust_any_subdomain",
    "test_https_trust_http",
]


class Quiet:
    def info(self, *_):
        pass

    def warning(self, *_):
        pass


def loopback(port):
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: loopback only

    def get(url, headers=None, timeout=None, **_):
        u = urlparse(url)
        h = dict(headers or {})
        h["Host"] = u.netloc
        resp = session.get(f"http://127.0.0.1:{port}{u.path or '/'}", headers=h, timeout=timeout, allow_redirects=False)
        resp.url = url  # the scanner drops answers whose final URL left the site
        return resp

    return get


def main():
    port = int(sys.argv[1])
    corscheck.requests.get = loopback(port)
    findings = {}
    for url in sys.argv[2:]:
        check = corscheck.CORSCheck(url, {"timeout": 5, "headers": None, "logger": Quiet()})
        for name in CHECKS:
            getattr(check, name)()
        findings[url] = [
            {"type": r["type"], "origin": r["origin"], "credentials": r["credentials"]} for r in check.all_results
        ]
    print(json.dumps(findings, indent=1))


if __name__ == "__main__":
    main()
