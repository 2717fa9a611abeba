//! The server side of the Fetch standard's CORS protocol: given a request, what to answer.
//!
//! [`RuleTable::decide`] classifies a request (not CORS, actual, preflight), finds the
//! first rule whose origins match, checks a preflight's requested method and headers,
//! and returns a [`Decision`] that borrows the header values rendered at compile time
//! and, where an origin is reflected, the request's own `Origin` bytes. Nothing here
//! allocates; the cost is a few hash lookups plus, with `~` origins, one linear-time
//! regex pass over the origin.
//!
//! References: <https://fetch.spec.whatwg.org/#http-cors-protocol>,
//! <https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS>.

use crate::table::{
    CompiledPolicy, CompiledRule, OriginIndex, PolicyId, RenderedHeader, RenderedValue, RuleIdx,
    RuleTable,
};

/// Longest `Access-Control-Request-Headers` (all lines together, in bytes) we read.
/// Browsers send a few hundred bytes; a longer value is refused without being parsed.
pub const MAX_REQUEST_HEADERS_LEN: usize = 8 * 1024;
/// Most header names one preflight may ask for.
pub const MAX_REQUEST_HEADER_NAMES: usize = 64;
/// Most `Access-Control-Request-Headers` lines [`RequestHeaders`] holds.
pub const MAX_REQUEST_HEADER_LINES: usize = 8;
/// Longest `Origin` we try to match; a longer one matches nothing.
pub const MAX_ORIGIN_LEN: usize = 2048;

/// The `Origin` request header as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginHeader<'a> {
    /// No `Origin`: not a CORS request.
    Absent,
    /// Exactly one `Origin` line, raw bytes.
    One(&'a [u8]),
    /// Several `Origin` lines: malformed, never matched.
    Many,
}

/// The `Access-Control-Request-Headers` lines of a request, in order, without copying.
///
/// Holds up to [`MAX_REQUEST_HEADER_LINES`] lines; a request with more is marked
/// overflowing and refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestHeaders<'a> {
    lines: [&'a [u8]; MAX_REQUEST_HEADER_LINES],
    len: usize,
    overflow: bool,
}

impl<'a> RequestHeaders<'a> {
    /// No lines.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one header line's value.
    pub fn push(&mut self, value: &'a [u8]) {
        match self.lines.get_mut(self.len) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    /// The lines pushed so far.
    pub fn lines(&self) -> &[&'a [u8]] {
        self.lines.get(..self.len).unwrap_or(&[])
    }

    /// Whether any line was pushed.
    pub fn is_present(&self) -> bool {
        self.len > 0 || self.overflow
    }
}

/// What `decide` needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The request method, exactly as received (methods are case-sensitive).
    pub method: &'a [u8],
    /// The `Origin` header.
    pub origin: OriginHeader<'a>,
    /// `Access-Control-Request-Method`, if present (first line).
    pub request_method: Option<&'a [u8]>,
    /// Every `Access-Control-Request-Headers` line.
    pub request_headers: RequestHeaders<'a>,
    /// `Access-Control-Request-Private-Network: true` was sent.
    pub request_private_network: bool,
}

impl<'a> Request<'a> {
    /// An actual (non-preflight) request with the given method and origin.
    pub fn actual(method: &'a [u8], origin: Option<&'a [u8]>) -> Self {
        Request {
            method,
            origin: origin.map_or(OriginHeader::Absent, OriginHeader::One),
            request_method: None,
            request_headers: RequestHeaders::new(),
            request_private_network: false,
        }
    }

    /// A preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn preflight(origin: &'a [u8], method: &'a [u8]) -> Self {
        Request {
            method: b"OPTIONS",
            origin: OriginHeader::One(origin),
            request_method: Some(method),
            request_headers: RequestHeaders::new(),
            request_private_network: false,
        }
    }

    /// Adds an `Access-Control-Request-Headers` line.
    pub fn with_request_headers(mut self, line: &'a [u8]) -> Self {
        self.request_headers.push(line);
        self
    }

    /// Whether this is a CORS preflight: `OPTIONS` + `Origin` +
    /// `Access-Control-Request-Method`, nothing less
    /// (<https://fetch.spec.whatwg.org/#cors-preflight-request>).
    pub fn is_preflight(&self) -> bool {
        self.method == b"OPTIONS"
            && !matches!(self.origin, OriginHeader::Absent)
            && self.request_method.is_some()
    }
}

/// Why a CORS request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason<'a> {
    /// No rule of the policy lists the origin.
    OriginNotAllowed,
    /// Several `Origin` lines, or an unreasonably long one.
    MalformedOrigin,
    /// The preflight asked for a method the matching rule does not allow.
    MethodNotAllowed(&'a [u8]),
    /// `Access-Control-Request-Method` is not a valid method token.
    MalformedMethod,
    /// The preflight asked for a header the matching rule does not allow.
    HeaderNotAllowed(&'a [u8]),
    /// `Access-Control-Request-Headers` holds something that is not a header name.
    MalformedHeaders,
    /// `Access-Control-Request-Headers` is longer than the bound.
    TooManyHeaders,
    /// Private network access was asked for and the rule does not allow it.
    PrivateNetworkNotAllowed,
}

impl Reason<'_> {
    /// A short, stable, kebab-case code (for `$cors_reason` and JSON output).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::OriginNotAllowed => "origin-not-allowed",
            Reason::MalformedOrigin => "malformed-origin",
            Reason::MethodNotAllowed(_) => "method-not-allowed",
            Reason::MalformedMethod => "malformed-method",
            Reason::HeaderNotAllowed(_) => "header-not-allowed",
            Reason::MalformedHeaders => "malformed-request-headers",
            Reason::TooManyHeaders => "request-headers-too-long",
            Reason::PrivateNetworkNotAllowed => "private-network-not-allowed",
        }
    }
}

impl std::fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::OriginNotAllowed => f.write_str("origin not allowed"),
            Reason::MalformedOrigin => f.write_str("malformed Origin header"),
            Reason::MethodNotAllowed(m) => {
                write!(f, "method {} not allowed", String::from_utf8_lossy(m))
            }
            Reason::MalformedMethod => f.write_str("malformed Access-Control-Request-Method"),
            Reason::HeaderNotAllowed(h) => {
                write!(f, "header {} not allowed", String::from_utf8_lossy(h))
            }
            Reason::MalformedHeaders => f.write_str("malformed Access-Control-Request-Headers"),
            Reason::TooManyHeaders => f.write_str("Access-Control-Request-Headers too long"),
            Reason::PrivateNetworkNotAllowed => f.write_str("private network access not allowed"),
        }
    }
}

/// The CORS response headers of an allowed request: the rule's headers rendered at
/// compile time, plus the request's own `Origin` where the rule reflects it. Iterate
/// with [`ResponseHeaders::iter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    origin: &'a [u8],
    rendered: &'a [RenderedHeader],
    allow_private_network: bool,
}

impl<'a> ResponseHeaders<'a> {
    /// `(name, value)` pairs in sending order.
    pub fn iter(&self) -> impl Iterator<Item = (HeaderName, &'a [u8])> + 'a {
        let origin = self.origin;
        let value = move |v: &'a RenderedValue| match v {
            RenderedValue::RequestOrigin => origin,
            RenderedValue::Text(t) => t.as_bytes(),
        };
        let private_network =
            self.allow_private_network.then_some((HeaderName::AllowPrivateNetwork, &b"true"[..]));
        self.rendered.iter().map(move |h| (h.name, value(&h.value))).chain(private_network)
    }
}

/// The name of a CORS response header. [`HeaderName::lowercase`] gives the lower-case
/// form nginx keeps beside every header, so the module never lower-cases at request
/// time. Dereferences to the canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HeaderName {
    /// `Access-Control-Allow-Origin`.
    AllowOrigin,
    /// `Access-Control-Allow-Credentials`.
    AllowCredentials,
    /// `Access-Control-Allow-Methods`.
    AllowMethods,
    /// `Access-Control-Allow-Headers`.
    AllowHeaders,
    /// `Access-Control-Max-Age`.
    MaxAge,
    /// `Access-Control-Expose-Headers`.
    ExposeHeaders,
    /// `Access-Control-Allow-Private-Network`.
    AllowPrivateNetwork,
}

/// `(canonical, lower-case)` spellings, indexed by [`HeaderName`]'s discriminant: one
/// load per header on the request path instead of a `match`.
const HEADER_NAMES: [(&str, &str); 7] = [
    ("Access-Control-Allow-Origin", "access-control-allow-origin"),
    ("Access-Control-Allow-Credentials", "access-control-allow-credentials"),
    ("Access-Control-Allow-Methods", "access-control-allow-methods"),
    ("Access-Control-Allow-Headers", "access-control-allow-headers"),
    ("Access-Control-Max-Age", "access-control-max-age"),
    ("Access-Control-Expose-Headers", "access-control-expose-headers"),
    ("Access-Control-Allow-Private-Network", "access-control-allow-private-network"),
];

impl HeaderName {
    /// The canonical spelling.
    pub const fn as_str(self) -> &'static str {
        HEADER_NAMES[self as usize].0
    }

    /// The same name in lower case.
    pub const fn lowercase(self) -> &'static str {
        HEADER_NAMES[self as usize].1
    }
}

impl std::ops::Deref for HeaderName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with a request: the outcome, why, and which headers to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No `Origin`: leave the response alone except for `vary`.
    NotCors {
        /// `Vary` to merge into the response (`Origin` when answers depend on it).
        vary: Option<&'a str>,
    },
    /// An actual request from an allowed origin: add `headers` to whatever the
    /// response is (any status).
    Allowed {
        /// Index of the matching rule in its policy.
        rule: usize,
        /// The headers to add (existing `Access-Control-*` ones replaced).
        headers: ResponseHeaders<'a>,
        /// `Vary` to merge into the response.
        vary: Option<&'a str>,
    },
    /// An actual request from a refused origin: send no CORS headers at all.
    Refused {
        /// Why.
        reason: Reason<'a>,
        /// `Vary` to merge into the response.
        vary: Option<&'a str>,
    },
    /// A preflight to answer with `status` and `headers`, without going upstream.
    PreflightAllowed {
        /// Index of the matching rule in its policy.
        rule: usize,
        /// `204` or `200`.
        status: u16,
        /// The headers to send.
        headers: ResponseHeaders<'a>,
        /// `Vary` for the answer.
        vary: &'a str,
    },
    /// A refused preflight.
    PreflightRefused {
        /// Index of the matching rule, when the origin matched but the method,
        /// headers or private-network request did not.
        rule: Option<usize>,
        /// Why.
        reason: Reason<'a>,
        /// `Some(status)`: answer with it and no CORS headers. `None`: pass the request
        /// on to the upstream and strip CORS headers from its answer.
        status: Option<u16>,
        /// `Vary` for the answer.
        vary: &'a str,
    },
    /// The policy passes every preflight to the upstream, untouched.
    PreflightPassThrough,
}

impl<'a> Decision<'a> {
    /// A short stable name for logs: `not-cors`, `allowed`, `refused`,
    /// `preflight-allowed`, `preflight-refused`, `preflight-passed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::NotCors { .. } => "not-cors",
            Decision::Allowed { .. } => "allowed",
            Decision::Refused { .. } => "refused",
            Decision::PreflightAllowed { .. } => "preflight-allowed",
            Decision::PreflightRefused { .. } => "preflight-refused",
            Decision::PreflightPassThrough => "preflight-passed",
        }
    }

    /// Why the request was refused, if it was.
    pub fn reason(&self) -> Option<Reason<'a>> {
        match self {
            Decision::Refused { reason, .. } | Decision::PreflightRefused { reason, .. } => {
                Some(*reason)
            }
            _ => None,
        }
    }

    /// The rule that matched, if any.
    pub fn rule(&self) -> Option<usize> {
        match self {
            Decision::Allowed { rule, .. } | Decision::PreflightAllowed { rule, .. } => Some(*rule),
            Decision::PreflightRefused { rule, .. } => *rule,
            _ => None,
        }
    }

    /// The CORS headers to put on the response (none when refused or not CORS).
    pub fn headers(&self) -> Option<&ResponseHeaders<'a>> {
        match self {
            Decision::Allowed { headers, .. } | Decision::PreflightAllowed { headers, .. } => {
                Some(headers)
            }
            _ => None,
        }
    }

    /// The `Vary` value to merge into the response.
    pub fn vary(&self) -> Option<&'a str> {
        match *self {
            Decision::NotCors { vary }
            | Decision::Allowed { vary, .. }
            | Decision::Refused { vary, .. } => vary,
            Decision::PreflightAllowed { vary, .. } | Decision::PreflightRefused { vary, .. } => {
                Some(vary)
            }
            Decision::PreflightPassThrough => None,
        }
    }

    /// `Some(status)` when the module must answer the request itself (a preflight),
    /// `None` when the request goes on to its content handler.
    pub fn respond_with(&self) -> Option<u16> {
        match *self {
            Decision::PreflightAllowed { status, .. } => Some(status),
            Decision::PreflightRefused { status, .. } => status,
            _ => None,
        }
    }

    /// Whether CORS headers coming from elsewhere (upstream, `add_header`) must be
    /// removed from the response. True for every decision but a passed-through
    /// preflight and a non-CORS request.
    pub fn owns_cors_headers(&self) -> bool {
        !matches!(self, Decision::NotCors { .. } | Decision::PreflightPassThrough)
    }
}

/// Byte equality without a `memcmp` call, for the short strings of the request path
/// (methods, schemes, header names), where the call costs more than the comparison:
/// 8 to 16 bytes compare as two overlapping 64-bit words, shorter ones byte by byte.
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    fn word(s: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_ne_bytes(s.get(at..at + 8)?.try_into().ok()?))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Methods a browser never preflights (<https://fetch.spec.whatwg.org/#cors-safelisted-method>).
/// A slice pattern compiles to a length switch and inline byte compares.
fn is_safelisted_method(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"POST")
}

impl RuleTable {
    /// Decides how to answer `req` under policy `policy`.
    ///
    /// An unknown `policy` id (from another table) is treated as "no CORS": nothing is
    /// added, so it can never widen access.
    pub fn decide<'a>(&'a self, policy: PolicyId, req: &Request<'a>) -> Decision<'a> {
        let Some(p) = self.policy(policy) else {
            return Decision::NotCors { vary: None };
        };
        decide_in(p, req)
    }
}

fn decide_in<'a>(p: &'a CompiledPolicy, req: &Request<'a>) -> Decision<'a> {
    let vary = p.vary.as_deref();
    let preflight = req.is_preflight();
    if preflight && !p.preflight.answer {
        return Decision::PreflightPassThrough;
    }
    let origin = match req.origin {
        OriginHeader::Absent => return Decision::NotCors { vary },
        OriginHeader::Many => Err(Reason::MalformedOrigin),
        OriginHeader::One(o) if o.len() > MAX_ORIGIN_LEN => Err(Reason::MalformedOrigin),
        OriginHeader::One(o) => match_origin(&p.origins, o)
            .and_then(|i| Some((i as usize, p.rules.get(i as usize)?)))
            .map(|(idx, rule)| (o, idx, rule))
            .ok_or(Reason::OriginNotAllowed),
    };
    if !preflight {
        return match origin {
            Ok((o, rule_idx, rule)) => {
                Decision::Allowed { rule: rule_idx, headers: actual_headers(rule, o), vary }
            }
            Err(reason) => Decision::Refused { reason, vary },
        };
    }
    let refused = |rule: Option<usize>, reason| Decision::PreflightRefused {
        rule,
        reason,
        status: p.preflight.refused_status,
        vary: &p.preflight_vary,
    };
    let (o, rule_idx, rule) = match origin {
        Ok(found) => found,
        Err(reason) => return refused(None, reason),
    };
    match check_preflight(rule, req) {
        Ok(()) => Decision::PreflightAllowed {
            rule: rule_idx,
            status: p.preflight.success_status,
            headers: preflight_headers(rule, o, req.request_private_network),
            vary: &p.preflight_vary,
        },
        Err(reason) => refused(Some(rule_idx), reason),
    }
}

fn actual_headers<'a>(rule: &'a CompiledRule, origin: &'a [u8]) -> ResponseHeaders<'a> {
    ResponseHeaders { origin, rendered: &rule.actual, allow_private_network: false }
}

fn preflight_headers<'a>(
    rule: &'a CompiledRule,
    origin: &'a [u8],
    private_network: bool,
) -> ResponseHeaders<'a> {
    ResponseHeaders {
        origin,
        rendered: &rule.preflight,
        allow_private_network: private_network && rule.private_network,
    }
}

/// Checks the requested method, headers and private-network access against `rule`.
///
/// Allowed names are tokens, so a name that matches one needs no token check of its
/// own: the check runs only to tell a malformed name from a refused one, or for `*`.
fn check_preflight<'a>(rule: &CompiledRule, req: &Request<'a>) -> Result<(), Reason<'a>> {
    let method = req.request_method.unwrap_or(b"");
    let method_ok = match &rule.methods {
        None => is_token(method),
        Some(list) => {
            is_safelisted_method(method) || list.iter().any(|m| eq_short(m.as_bytes(), method))
        }
    };
    if !method_ok {
        return Err(if is_token(method) {
            Reason::MethodNotAllowed(method)
        } else {
            Reason::MalformedMethod
        });
    }
    check_request_headers(rule, &req.request_headers)?;
    if req.request_private_network && !rule.private_network {
        return Err(Reason::PrivateNetworkNotAllowed);
    }
    Ok(())
}

/// Parses `Access-Control-Request-Headers` (a comma-separated list over one or more
/// lines, optional whitespace, empty elements ignored) in one linear pass, bounded by
/// [`MAX_REQUEST_HEADERS_LEN`] and [`MAX_REQUEST_HEADER_NAMES`], and checks each name.
fn check_request_headers<'a>(
    rule: &CompiledRule,
    headers: &RequestHeaders<'a>,
) -> Result<(), Reason<'a>> {
    if headers.overflow {
        return Err(Reason::TooManyHeaders);
    }
    let total: usize = headers.lines().iter().map(|l| l.len()).sum();
    if total > MAX_REQUEST_HEADERS_LEN {
        return Err(Reason::TooManyHeaders);
    }
    let mut count = 0;
    for line in headers.lines() {
        for name in list_elements(line) {
            count += 1;
            if count > MAX_REQUEST_HEADER_NAMES {
                return Err(Reason::TooManyHeaders);
            }
            if !header_allowed(rule, name) {
                return Err(if is_token(name) {
                    Reason::HeaderNotAllowed(name)
                } else {
                    Reason::MalformedHeaders
                });
            }
        }
    }
    Ok(())
}

/// Header names compare case-insensitively; `*` never covers `Authorization`
/// (<https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name>).
fn header_allowed(rule: &CompiledRule, name: &[u8]) -> bool {
    let listed = rule.headers.iter().any(|h| eq_lowercase(name, h.as_bytes()));
    listed || (rule.any_header && is_token(name) && !eq_lowercase(name, b"authorization"))
}

/// `name` equals `lower` (already lower-case) with ASCII case ignored in `name`. Unlike
/// `eq_ignore_ascii_case`, which folds both sides in chunks, this rejects on length
/// first and folds only when the bytes differ: request header names are short.
fn eq_lowercase(name: &[u8], lower: &[u8]) -> bool {
    // Browsers send lower-case names: a plain comparison settles those.
    name.len() == lower.len()
        && (eq_short(name, lower)
            || name.iter().zip(lower).all(|(a, &b)| a.to_ascii_lowercase() == b))
}

/// The non-empty elements of one comma-separated header line, optional whitespace
/// trimmed (RFC 9110 `#rule`).
fn list_elements(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = line;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
            let (element, tail) = rest.split_at_checked(end)?;
            rest = tail.get(1..).unwrap_or(&[]);
            let element = trim_ows(element);
            if !element.is_empty() {
                return Some(element);
            }
        }
        None
    })
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// RFC 9110 `tchar`s as a lookup table: one load per byte on the request path.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        c += 1;
    }
    t
};

/// RFC 9110 `token`: one or more tchars.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| TCHAR[c as usize])
}

/// The first rule whose origins include `origin`, compared on raw bytes.
pub(crate) fn match_origin(idx: &OriginIndex, origin: &[u8]) -> Option<RuleIdx> {
    let mut best = first_of(idx.exact.get(origin).copied(), idx.any);
    if origin == b"null" {
        best = first_of(best, idx.null);
    } else {
        if !idx.subdomain.is_empty() {
            best = first_of(best, match_subdomain(idx, origin));
        }
        if !idx.any_port.is_empty() {
            if let Some(parts) = OriginParts::parse(origin) {
                best = first_of(best, scheme_rule(idx.any_port.get(parts.host), parts.scheme));
            }
        }
    }
    // Regexes are stored in rule order: when an earlier rule already matched, no regex
    // can win and the search is skipped.
    let first_regex_rule = idx.regexes.first().map(|(_, rule)| *rule);
    if let (Some(set), Some(first)) = (&idx.regex_set, first_regex_rule) {
        if best.is_none_or(|b| b > first) {
            // Patterns are anchored at both ends, so every match spans the whole origin
            // and leftmost-first picks the lowest-numbered pattern, i.e. the first rule.
            if let Some(found) = set.search(&regex_automata::Input::new(origin)) {
                let rule = idx.regexes.get(found.pattern().as_usize()).map(|(_, rule)| *rule);
                best = first_of(best, rule);
            }
        }
    }
    best
}

/// The earlier of two candidate rules ("first match wins").
fn first_of(a: Option<RuleIdx>, b: Option<RuleIdx>) -> Option<RuleIdx> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Looks up the host's proper suffixes that start after a dot, longest first, keyed
/// with the origin's own `:port` tail so no bytes are copied. The first suffix found
/// answers for all: at compile time every entry took in its parent domains' rules
/// (`compile::inherit_parent_domains`).
///
/// Only the labels left of the suffix are checked byte by byte (lower-case host
/// characters, none empty): the suffix and port equal a table key, which was validated
/// when the policy was compiled. So a typical `https://app.tenant.example.com` costs a
/// scan of `app` and one lookup, and the origin as a whole is still as strict as
/// [`OriginParts::parse`] would have it.
fn match_subdomain(idx: &OriginIndex, origin: &[u8]) -> Option<RuleIdx> {
    let (scheme, host_and_port) = split_scheme(origin)?;
    let mut label_len = 0;
    let mut dots = 0;
    for (i, &c) in host_and_port.iter().enumerate() {
        if c == b'.' {
            dots += 1;
            if label_len == 0 || dots > MAX_DOTS {
                return None;
            }
            // `suffix[:port]` as it sits in `origin`.
            let key = host_and_port.get(i + 1..)?;
            if let Some(entries) = idx.subdomain.get(key) {
                return scheme_rule(Some(entries), scheme);
            }
            label_len = 0;
        } else if CLASS[c as usize] & HOST != 0 {
            label_len += 1;
        } else {
            return None;
        }
    }
    None
}

/// The scheme (checked: lower-case scheme characters) and what follows its `://`.
fn split_scheme(origin: &[u8]) -> Option<(&[u8], &[u8])> {
    if !origin.first()?.is_ascii_lowercase() {
        return None;
    }
    let sep = origin.iter().position(|&c| CLASS[c as usize] & SCHEME == 0)?;
    let (scheme, rest) = origin.split_at_checked(sep)?;
    Some((scheme, rest.strip_prefix(b"://")?))
}

fn scheme_rule(entries: Option<&Vec<crate::table::SchemeRule>>, scheme: &[u8]) -> Option<RuleIdx> {
    entries?.iter().filter(|e| eq_short(e.scheme.as_bytes(), scheme)).map(|e| e.rule).min()
}

/// Most dots of a host tried for subdomain matching (each costs a lookup); browsers'
/// hosts have a handful.
const MAX_DOTS: usize = 32;

/// Byte classes for the strict origin split, one table load per byte.
const SCHEME: u8 = 1;
const HOST: u8 = 2;
const IPV6: u8 = 4;
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let lower_alnum = b.is_ascii_lowercase() || b.is_ascii_digit();
        if lower_alnum || matches!(b, b'+' | b'-' | b'.') {
            t[c] |= SCHEME;
        }
        if lower_alnum || matches!(b, b'-' | b'_') {
            t[c] |= HOST;
        }
        if b.is_ascii_digit() || matches!(b, b'a'..=b'f' | b':' | b'.') {
            t[c] |= IPV6;
        }
        c += 1;
    }
    t
};

/// `scheme://host[:port]` split strictly in one pass; anything else (paths, userinfo,
/// upper case, empty labels) is not an origin a browser sends and matches no pattern.
struct OriginParts<'a> {
    scheme: &'a [u8],
    host: &'a [u8],
}

impl<'a> OriginParts<'a> {
    fn parse(origin: &'a [u8]) -> Option<Self> {
        let class = |c: u8| CLASS[c as usize];
        let (scheme, rest) = split_scheme(origin)?;
        let mut end = 0;
        if rest.first() == Some(&b'[') {
            end += 1;
            while rest.get(end).is_some_and(|&c| class(c) & IPV6 != 0) {
                end += 1;
            }
            if rest.get(end) != Some(&b']') || end == 1 {
                return None;
            }
            end += 1;
        } else {
            let mut label_len = 0;
            while let Some(&c) = rest.get(end) {
                if c == b'.' {
                    if label_len == 0 {
                        return None;
                    }
                    label_len = 0;
                } else if class(c) & HOST != 0 {
                    label_len += 1;
                } else {
                    break;
                }
                end += 1;
            }
            if label_len == 0 {
                return None;
            }
        }
        let (host, port) = rest.split_at_checked(end)?;
        let valid_port = match port {
            [] => true,
            [b':', port @ ..] => {
                (1..=5).contains(&port.len())
                    && port.first() != Some(&b'0')
                    && port.iter().all(u8::is_ascii_digit)
            }
            _ => false,
        };
        valid_port.then_some(OriginParts { scheme, host })
    }
}

#[cfg(test)]
mod tests {
    use super::eq_short;

    #[test]
    fn eq_short_compares_every_byte_at_every_length() {
        for n in 0..=24u8 {
            let a: Vec<u8> = (b'a'..b'a' + n).collect();
            assert!(eq_short(&a, &a.clone()), "len {n}");
            for i in 0..usize::from(n) {
                let mut b = a.clone();
                b[i] ^= 0x20;
                assert!(!eq_short(&a, &b), "len {n}, byte {i}");
            }
            if let Some((_, shorter)) = a.split_last() {
                assert!(!eq_short(&a, shorter), "len {n} vs {}", n - 1);
            }
        }
    }
}
