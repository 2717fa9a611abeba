//! Request-header parsing: `Origin`, `Access-Control-Request-Method` and
//! `Access-Control-Request-Headers` of any bytes, decided under every policy of the
//! example tables (every origin form: exact, subdomain, any port, regex, `null`, `*`;
//! credentialed wildcards; private network; `preflight pass`), as actual requests and
//! as preflights. Beside "no panic":
//!
//! - every header sent passes the table's own value check (`check_header_value`): no
//!   CR, LF, NUL or other byte a header line must not carry, whatever was reflected;
//! - `Access-Control-Allow-Origin` is `*` or the request's `Origin`, byte for byte,
//!   and then visible ASCII only;
//! - a preflight is allowed only with a token method and a request-header list within
//!   the bounds (8 KiB, 64 names), every name in it a token.
//!
//! The parsers behind them run on the same bytes too: the origin splitter, the
//! pattern parser, the list and token helpers of `cors_dsl::fetch`.
//!
//! Input: one byte of flags (bit 0: private network asked for, bit 1: `Origin` sent on
//! several lines), then `Origin`, `\n`, `Access-Control-Request-Method`, `\n`, and
//! `Access-Control-Request-Headers` (the rest). A header value never holds a line
//! feed once nginx has parsed it, but may hold any other byte; the combined request
//! headers may (the module joins lines with `,`, a caller might not).
#![no_main]

use cors_dsl::decide::{MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES};
use cors_dsl::fetch::{is_safe_field_value, is_token, list_elements, HeaderName};
use cors_dsl::origin::{parse_origin, OriginText};
use cors_dsl::table::{check_header_value, fuzz::seeds};
use cors_dsl::{Decision, OriginHeader, Request, RequestHeaders, RuleTable};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Input<'a> {
    origin: &'a [u8],
    request_method: &'a [u8],
    request_headers: &'a [u8],
    private_network: bool,
    several_origins: bool,
}

impl<'a> Input<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        let (&flags, rest) = data.split_first()?;
        let mut parts = rest.splitn(3, |&b| b == b'\n');
        Some(Input {
            origin: parts.next().unwrap_or_default(),
            request_method: parts.next().unwrap_or_default(),
            request_headers: parts.next().unwrap_or_default(),
            private_network: flags & 1 != 0,
            several_origins: flags & 2 != 0,
        })
    }
}

static TABLES: OnceLock<Vec<RuleTable>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::parse(data) else { return };
    let tables = TABLES.get_or_init(seeds);
    let _ = OriginText::parse(&String::from_utf8_lossy(input.origin));
    let _ = parse_origin(&String::from_utf8_lossy(input.origin));
    let _ = is_safe_field_value(input.request_headers);
    let _ = list_elements(input.request_headers).count();
    let origin =
        if input.several_origins { OriginHeader::Many } else { OriginHeader::One(input.origin) };
    let requests = [
        Request { method: b"GET", origin, ..Request::actual(b"GET", None) },
        Request {
            method: b"OPTIONS",
            origin,
            request_method: Some(input.request_method),
            request_headers: RequestHeaders::Value(input.request_headers),
            request_private_network: input.private_network,
        },
    ];
    for table in tables {
        for name in table.policy_names() {
            let id = table.policy_id(name).expect("listed");
            for req in &requests {
                check(table.decide(id, req), &input);
            }
        }
    }
});

fn check(d: Decision<'_>, input: &Input<'_>) {
    let Some(headers) = d.headers() else { return };
    for (name, value) in headers.iter() {
        // A reflected origin is the request's own bytes, which matched a pattern: the
        // table's value check (what a *policy* can produce) does not apply to it, and
        // an origin no browser sends (`https://xn--baaaa.example.com`, invalid
        // punycode, under `https://*.example.com`) is still one the pattern allows.
        // What must hold is that it is the request's `Origin` and carries only
        // visible ASCII, so no header line can be split or smuggled.
        if name == HeaderName::AllowOrigin && value != b"*" {
            assert_eq!(value, input.origin, "Allow-Origin reflects the request's Origin");
            assert!(value.iter().all(u8::is_ascii_graphic), "reflected {value:?}");
            continue;
        }
        if let Err(e) = check_header_value(name, value) {
            panic!("{d:?} sends an invalid header: {e}");
        }
    }
    if let Decision::PreflightAllowed { .. } = d {
        assert!(is_token(input.request_method), "allowed a non-token method");
        let names: Vec<&[u8]> = list_elements(input.request_headers).collect();
        assert!(input.request_headers.len() <= MAX_REQUEST_HEADERS_LEN);
        assert!(names.len() <= MAX_REQUEST_HEADER_NAMES);
        assert!(names.iter().all(|n| is_token(n)), "allowed a non-token header name");
    }
}
