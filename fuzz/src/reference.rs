//! A slow, obviously correct reference decider, written from the Fetch standard's CORS
//! protocol (<https://fetch.spec.whatwg.org/#http-cors-protocol>) and the language as
//! `docs/language.md`, `docs/module.md` and `docs/architecture.md` describe it, over
//! the generated policy's parts ([`crate::case::Policy`]). It uses nothing of
//! `cors-dsl`: no parser, no origin index, no regex engine, no token tables. Each step
//! below names the sentence it implements.

use crate::case::{Header, List, MaxAge, Method, Origin, Policy, Regex, Scheme, Settings};

/// `Origin` as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireOrigin {
    /// Not sent.
    Absent,
    /// Several lines.
    Many,
    /// One line.
    One(Vec<u8>),
}

/// `Access-Control-Request-Headers` as received (lines combined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireHeaders {
    /// Not sent.
    Absent,
    /// Longer than the caller combines.
    TooLong,
    /// The combined value.
    Value(Vec<u8>),
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Wire {
    /// Method.
    pub method: Vec<u8>,
    /// `Origin`.
    pub origin: WireOrigin,
    /// `Access-Control-Request-Method`.
    pub request_method: Option<Vec<u8>>,
    /// `Access-Control-Request-Headers`.
    pub request_headers: WireHeaders,
    /// `Access-Control-Request-Private-Network: true`.
    pub private_network: bool,
}

/// A header value as the reference means it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// These bytes exactly.
    Exact(Vec<u8>),
    /// A comma-separated list of these methods (case-sensitive, any order).
    Methods(Vec<String>),
    /// A comma-separated list of these header names (case-insensitive, any order).
    Names(Vec<String>),
}

/// The reference's answer, in the vocabulary of `docs/module.md` (`$cors_decision`,
/// `$cors_reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `not-cors`, `allowed`, `refused`, `preflight-allowed`, `preflight-refused`,
    /// `preflight-passed`.
    pub decision: &'static str,
    /// The matching rule's index (allow blocks in order, then the implicit rule).
    pub rule: Option<usize>,
    /// The status of an answered preflight.
    pub status: Option<u16>,
    /// `$cors_reason`.
    pub reason: Option<&'static str>,
    /// The CORS headers sent (`None`: none).
    pub headers: Option<Vec<(&'static str, Value)>>,
    /// The `Vary` tokens.
    pub vary: Option<Vec<&'static str>>,
}

/// Longest `Origin` matched (`MAX_ORIGIN_LEN`, documented on `decide::Request`): a
/// longer one is "malformed".
pub const MAX_ORIGIN_LEN: usize = 2048;
/// `Access-Control-Request-Headers` bounds (docs/architecture.md: "≤ 8 KiB, ≤ 64 names").
pub const MAX_REQUEST_HEADERS_LEN: usize = 8 * 1024;
/// See [`MAX_REQUEST_HEADERS_LEN`].
pub const MAX_REQUEST_HEADER_NAMES: usize = 64;

/// A rule with everything inherited filled in ("Whatever it does not set is inherited
/// from the policy level").
#[derive(Debug, Clone)]
struct Rule {
    origins: Vec<Origin>,
    methods: Option<List<Method>>,
    headers: Option<List<Header>>,
    expose: Option<List<Header>>,
    credentials: bool,
    private_network: bool,
    max_age: Option<MaxAge>,
}

fn rules(p: &Policy) -> Vec<Rule> {
    let effective = |origins: &[Origin], s: Option<&Settings>| {
        let d = &p.defaults;
        fn pick<T: Clone>(
            own: Option<&Option<List<T>>>,
            dflt: &Option<List<T>>,
        ) -> Option<List<T>> {
            own.and_then(|l| l.as_ref().filter(|l| l.written()))
                .or(dflt.as_ref().filter(|l| l.written()))
                .cloned()
        }
        Rule {
            origins: origins.to_vec(),
            methods: pick(s.map(|s| &s.methods), &d.methods),
            headers: pick(s.map(|s| &s.headers), &d.headers),
            expose: pick(s.map(|s| &s.expose), &d.expose),
            credentials: s.and_then(|s| s.credentials).or(d.credentials).unwrap_or(false),
            private_network: s
                .and_then(|s| s.private_network)
                .or(d.private_network)
                .unwrap_or(false),
            max_age: s.and_then(|s| s.max_age).or(d.max_age),
        }
    };
    // "every allow { … } block, in source order; then, if the policy has origin
    // statements of its own, one implicit rule made of them".
    let mut out: Vec<Rule> =
        p.allows.iter().map(|a| effective(&a.origins, Some(&a.settings))).collect();
    if !p.origins.is_empty() {
        out.push(effective(&p.origins, None));
    }
    out
}

/// Decides `w` under `p`.
pub fn decide(p: &Policy, w: &Wire) -> Answer {
    let rules = rules(p);
    // "When a policy's first rule is `origin *` every origin gets the same answer … no
    // `Vary: Origin` is added."
    let first_is_star = rules.first().is_some_and(|r| r.origins.contains(&Origin::Any));
    let vary: Option<Vec<&'static str>> = (!first_is_star).then(|| vec!["Origin"]);
    // "Preflight answers also vary on Access-Control-Request-Method and -Headers (and
    // -Private-Network when used)."
    let mut preflight_vary = vary.clone().unwrap_or_default();
    preflight_vary.extend(["Access-Control-Request-Method", "Access-Control-Request-Headers"]);
    if rules.iter().any(|r| r.private_network) {
        preflight_vary.push("Access-Control-Request-Private-Network");
    }
    let answer = |decision, rule, status, reason, headers, vary| Answer {
        decision,
        rule,
        status,
        reason,
        headers,
        vary,
    };

    // Fetch: a CORS-preflight request is `OPTIONS` with `Origin` and
    // `Access-Control-Request-Method` (methods are case-sensitive).
    let preflight =
        w.method == b"OPTIONS" && w.origin != WireOrigin::Absent && w.request_method.is_some();
    // "`preflight pass;` hands preflights to the upstream", untouched.
    if preflight && p.preflight_pass {
        return answer("preflight-passed", None, None, None, None, None);
    }
    let origin = match &w.origin {
        // No `Origin`: not CORS; the `*` answer goes out anyway when the first rule is `*`.
        WireOrigin::Absent => {
            let headers = first_is_star.then(|| actual_headers(&rules[0], b""));
            return answer("not-cors", None, None, None, headers, vary);
        }
        // "A request with a malformed Origin — several lines, or an overlong one".
        WireOrigin::Many => Err("malformed-origin"),
        WireOrigin::One(o) if o.len() > MAX_ORIGIN_LEN => Err("malformed-origin"),
        // "the first whose origins match wins".
        WireOrigin::One(o) => rules
            .iter()
            .position(|r| r.origins.iter().any(|&pat| origin_matches(pat, o)))
            .map(|i| (o.as_slice(), i))
            .ok_or("origin-not-allowed"),
    };
    if !preflight {
        // "Actual requests are not method-checked."
        return match origin {
            Ok((o, i)) => {
                answer("allowed", Some(i), None, None, Some(actual_headers(&rules[i], o)), vary)
            }
            // "A request with a malformed `Origin` gets the static answer too" when
            // the first rule is `*`: one cached response is right for every request.
            Err(_) if first_is_star => {
                answer("allowed", Some(0), None, None, Some(actual_headers(&rules[0], b"")), vary)
            }
            Err(reason) => answer("refused", None, None, Some(reason), None, vary),
        };
    }
    let refused = |rule, reason| {
        answer(
            "preflight-refused",
            rule,
            p.refused,
            Some(reason),
            None,
            Some(preflight_vary.clone()),
        )
    };
    let (o, i) = match origin {
        Ok(found) => found,
        Err(reason) => return refused(None, reason),
    };
    let rule = &rules[i];
    let method = w.request_method.as_deref().unwrap_or_default();
    if let Err(reason) = method_allowed(rule, method) {
        return refused(Some(i), reason);
    }
    let named = match headers_allowed(rule, &w.request_headers) {
        Ok(named) => named,
        Err(reason) => return refused(Some(i), reason),
    };
    if w.private_network && !rule.private_network {
        return refused(Some(i), "private-network-not-allowed");
    }
    let mut headers = vec![allow_origin(rule, o)];
    if rule.credentials {
        headers.push(("Access-Control-Allow-Credentials", Value::Exact(b"true".to_vec())));
    }
    // "`methods *` with credentials: the preflight's requested method, reflected"
    // (browsers read a literal `*` as a method name then).
    if let Some(m) = &rule.methods {
        let value = if m.star && rule.credentials {
            Value::Exact(method.to_vec())
        } else {
            Value::Methods(star_and(m, Method::text))
        };
        headers.push(("Access-Control-Allow-Methods", value));
    }
    // "`Access-Control-Allow-Headers` is sent only on preflights that ask for headers".
    if let Some(asked) = named {
        let value = match &rule.headers {
            Some(h) if h.star && rule.credentials => Value::Exact(asked),
            Some(h) => Value::Names(star_and(h, Header::text)),
            None => unreachable!("a header was asked for and allowed, so some are listed"),
        };
        headers.push(("Access-Control-Allow-Headers", value));
    }
    if let Some(m) = rule.max_age {
        headers.push(("Access-Control-Max-Age", Value::Exact(seconds(m).to_string().into_bytes())));
    }
    if w.private_network {
        headers.push(("Access-Control-Allow-Private-Network", Value::Exact(b"true".to_vec())));
    }
    let status = if p.status_200 { 200 } else { 204 };
    answer("preflight-allowed", Some(i), Some(status), None, Some(headers), Some(preflight_vary))
}

/// `Access-Control-Allow-Origin`: "`*` only when the matching rule lists `*`;
/// otherwise the request's own origin is reflected".
fn allow_origin(rule: &Rule, origin: &[u8]) -> (&'static str, Value) {
    let value = if rule.origins.contains(&Origin::Any) { b"*".to_vec() } else { origin.to_vec() };
    ("Access-Control-Allow-Origin", Value::Exact(value))
}

fn actual_headers(rule: &Rule, origin: &[u8]) -> Vec<(&'static str, Value)> {
    let mut h = vec![allow_origin(rule, origin)];
    if rule.credentials {
        h.push(("Access-Control-Allow-Credentials", Value::Exact(b"true".to_vec())));
    }
    if let Some(e) = &rule.expose {
        h.push(("Access-Control-Expose-Headers", Value::Names(star_and(e, Header::text))));
    }
    h
}

fn star_and<T: Copy>(l: &List<T>, text: fn(T) -> &'static str) -> Vec<String> {
    let star = l.star.then(|| "*".to_string());
    star.into_iter().chain(l.items.iter().map(|&i| text(i).to_string())).collect()
}

fn seconds(m: MaxAge) -> u64 {
    match m {
        MaxAge::Zero => 0,
        MaxAge::Seconds => 90,
        MaxAge::Minutes => 600,
        MaxAge::Hours => 7200,
        MaxAge::Day => 86_400,
        MaxAge::Largest => 4_294_967_295,
    }
}

/// RFC 9110 `token`: one or more `tchar`.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// "GET/HEAD/POST are always allowed (browsers never check them); other methods must
/// be listed (case-sensitive) or `*`", and `*` never covers a forbidden method
/// (Fetch: `CONNECT`, `TRACE`, `TRACK`, byte-case-insensitive).
fn method_allowed(rule: &Rule, m: &[u8]) -> Result<(), &'static str> {
    let safelisted = [&b"GET"[..], b"HEAD", b"POST"].contains(&m);
    let forbidden =
        ["CONNECT", "TRACE", "TRACK"].iter().any(|f| f.as_bytes().eq_ignore_ascii_case(m));
    let ok = safelisted
        || match &rule.methods {
            Some(l) if l.star => is_token(m) && !forbidden,
            Some(l) => l.items.iter().any(|i| i.text().as_bytes() == m),
            None => false,
        };
    match ok {
        true => Ok(()),
        false if is_token(m) => Err("method-not-allowed"),
        false => Err("malformed-method"),
    }
}

/// "Every name in `Access-Control-Request-Headers` (≤ 8 KiB, ≤ 64 names; empty elements
/// and optional whitespace skipped) must be listed (case-insensitive) or covered by
/// `*`, which never covers `Authorization`." `Ok(Some(value))` when it names a header.
fn headers_allowed(rule: &Rule, h: &WireHeaders) -> Result<Option<Vec<u8>>, &'static str> {
    let value = match h {
        WireHeaders::Absent => return Ok(None),
        WireHeaders::TooLong => return Err("request-headers-too-long"),
        WireHeaders::Value(v) if v.len() > MAX_REQUEST_HEADERS_LEN => {
            return Err("request-headers-too-long")
        }
        WireHeaders::Value(v) => v,
    };
    let mut names = 0;
    for element in value.split(|&b| b == b',') {
        // OWS: spaces and tabs at either end.
        let start = element.iter().position(|&b| b != b' ' && b != b'\t');
        let Some(start) = start else { continue };
        let end = element.iter().rposition(|&b| b != b' ' && b != b'\t').unwrap_or(start);
        let name = &element[start..=end];
        names += 1;
        if names > MAX_REQUEST_HEADER_NAMES {
            return Err("request-headers-too-long");
        }
        let listed = rule.headers.as_ref().is_some_and(|l| {
            l.items.iter().any(|i| i.text().as_bytes().eq_ignore_ascii_case(name))
        });
        let star = rule.headers.as_ref().is_some_and(|l| l.star)
            && is_token(name)
            && !name.eq_ignore_ascii_case(b"authorization");
        if !(listed || star) {
            return Err(if is_token(name) {
                "header-not-allowed"
            } else {
                "malformed-request-headers"
            });
        }
    }
    Ok((names > 0).then(|| value.clone()))
}

/// The port as an origin carries it: none for the scheme's default ("default ports
/// are dropped").
fn serialised_port(scheme: Scheme, port: crate::case::Port) -> Option<u16> {
    port.number(scheme).filter(|&p| p != scheme.default_port())
}

/// `scheme://host[:port]` as a browser serialises it.
pub fn serialise(scheme: Scheme, host: crate::case::Host, port: Option<u16>) -> String {
    let port = port.map_or(String::new(), |p| format!(":{p}"));
    format!("{}://{}{port}", scheme.text(), host.serialised())
}

/// "a port from 1 to 65535, written without a leading zero".
fn is_port(digits: &[u8]) -> bool {
    !digits.is_empty()
        && digits.len() <= 5
        && digits[0] != b'0'
        && digits.iter().all(u8::is_ascii_digit)
        && std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<u32>().ok())
            .is_some_and(|n| n <= 65535)
}

/// Most labels a wildcard matches in front of its suffix (docs/language.md: "one or
/// more labels, at most 32"; the bound keeps the per-dot lookups of a long `Origin`
/// few).
const MAX_WILDCARD_LABELS: usize = 32;

/// One to [`MAX_WILDCARD_LABELS`] domain labels joined by `.`, each non-empty and made
/// of what a browser serialises in a host: lower-case letters, digits, `-` and `_`.
fn is_labels(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.').count() <= MAX_WILDCARD_LABELS
        && s.split(|&b| b == b'.').all(|l| {
            !l.is_empty()
                && l.iter().all(|&c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_'
                })
        })
}

/// Does origin pattern `p` match the request's raw `Origin` bytes (docs/language.md,
/// "Origins"; "Origins are normalised … the module compares the browser's `Origin`
/// bytes with the list")?
pub fn origin_matches(p: Origin, o: &[u8]) -> bool {
    match p {
        Origin::Any => true,
        Origin::Null => o == b"null",
        Origin::File => o == b"file://",
        Origin::Extension => o == b"chrome-extension://abcdefgh",
        Origin::Exact { scheme, host, port, .. } => {
            o == serialise(scheme, host, serialised_port(scheme, port)).as_bytes()
        }
        // "one or more labels in front of example.com, never example.com itself"; with a
        // port, "the same, on that port".
        Origin::Subdomain { scheme, host, port } => {
            let tail = match serialised_port(scheme, port) {
                Some(p) => format!(".{}:{p}", host.serialised()),
                None => format!(".{}", host.serialised()),
            };
            after_scheme(o, scheme)
                .and_then(|rest| rest.strip_suffix(tail.as_bytes()))
                .is_some_and(is_labels)
        }
        // "the same, on any port or none".
        Origin::SubdomainAnyPort { scheme, host } => after_scheme(o, scheme).is_some_and(|rest| {
            let host_part = without_any_port(rest);
            host_part
                .and_then(|h| h.strip_suffix(format!(".{}", host.serialised()).as_bytes()))
                .is_some_and(is_labels)
        }),
        // "that host on any port, or none".
        Origin::AnyPort { scheme, host } => after_scheme(o, scheme)
            .and_then(without_any_port)
            .is_some_and(|h| h == host.serialised().as_bytes()),
        Origin::Regex(r) => regex_matches(r, o),
    }
}

fn after_scheme(o: &[u8], scheme: Scheme) -> Option<&[u8]> {
    o.strip_prefix(scheme.text().as_bytes())?.strip_prefix(b"://")
}

/// `host` of `host[:port]` when the port, if any, is one a URL can carry.
fn without_any_port(rest: &[u8]) -> Option<&[u8]> {
    match rest.iter().rposition(|&b| b == b':') {
        // An IPv6 host has colons of its own, inside brackets.
        Some(i) if !rest[i..].contains(&b']') => is_port(&rest[i + 1..]).then(|| &rest[..i]),
        _ => Some(rest),
    }
}

/// The generated regexes, matched "as a whole" by hand. Rust's `regex` syntax is
/// Unicode-aware: `(?i)` folds `s` with `ſ` (U+017F) and `k` with `K` (U+212A, KELVIN
/// SIGN), and `[0-9]`, `[a-z]` are ASCII ranges.
fn regex_matches(r: Regex, o: &[u8]) -> bool {
    let between = |prefix: &str, suffix: &str, class: fn(&u8) -> bool| {
        o.strip_prefix(prefix.as_bytes())
            .and_then(|m| m.strip_suffix(suffix.as_bytes()))
            .is_some_and(|m| !m.is_empty() && m.iter().all(class))
    };
    match r {
        Regex::Preview => between("https://pr-", ".preview.example.dev", u8::is_ascii_digit),
        Regex::Unanchored => between("https://", ".example.net", u8::is_ascii_lowercase),
        Regex::LocalPort => o
            .strip_prefix(b"http://localhost:")
            .is_some_and(|d| d.len() == 4 && d.iter().all(u8::is_ascii_digit)),
        Regex::CaseInsensitive => {
            let Ok(text) = std::str::from_utf8(o) else { return false };
            let want = "https://app.example.com";
            text.chars().count() == want.len()
                && text.chars().zip(want.chars()).all(|(got, want)| {
                    got.eq_ignore_ascii_case(&want)
                        || (want == 's' && got == '\u{17f}')
                        || (want == 'k' && got == '\u{212a}')
                })
        }
        Regex::Alternation => {
            [&b"https://a.example.org"[..], b"https://b.example.org", b"http://c.example.org"]
                .contains(&o)
        }
    }
}
