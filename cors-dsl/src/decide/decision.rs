//! What `decide()` answers: a [`Decision`], why ([`Reason`]), and the response headers
//! to send ([`ResponseHeaders`]), all borrowing the table and the request.

use crate::fetch::{is_safe_field_value, HeaderName};
use crate::table::{RenderedHeader, RenderedValue};

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
/// compile time, plus what the rule reflects of the request (its `Origin`; for a
/// credentialed `*`, a preflight's requested method and headers). Iterate with
/// [`ResponseHeaders::iter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    pub(super) origin: OriginValue<'a>,
    pub(super) rendered: &'a [RenderedHeader],
    /// A preflight's `Access-Control-Request-Method` (empty otherwise).
    pub(super) request_method: &'a [u8],
    /// A preflight's combined `Access-Control-Request-Headers` when it names at least one
    /// header (each an allowed token); `None` otherwise, and then no
    /// `Access-Control-Allow-Headers` goes out.
    pub(super) request_headers: Option<&'a [u8]>,
    pub(super) allow_private_network: bool,
}

/// The `Origin` an answer reflects, by where its bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginValue<'a> {
    /// The table's copy of an origin the policy lists exactly (or `null`): validated
    /// when the table was loaded.
    Listed(&'a [u8]),
    /// The request's own bytes, matched by a wildcard or `~` pattern (or none, when the
    /// rule does not reflect).
    Requested(&'a [u8]),
}

/// A value taken from the request that may not be written as a header field value
/// ([`is_safe_field_value`]); [`ResponseHeaders::checked_lines`] refuses the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsafeValue;

impl<'a> ResponseHeaders<'a> {
    /// `(name, value)` pairs in sending order.
    pub fn iter(&self) -> HeaderLines<'a> {
        HeaderLines {
            rendered: self.rendered.iter(),
            headers: *self,
            private_network: self.allow_private_network,
        }
    }

    /// [`iter`](Self::iter) for writing the answer on the wire: every value the answer
    /// takes from the request (a matched `Origin` not listed exactly, a preflight's
    /// requested method or headers) is checked, as its line comes up, to be a safe field
    /// value — defence in depth against response splitting, whatever let it through.
    /// Values from the table were checked when the table was loaded.
    ///
    /// A line whose value fails comes out as `Err(UnsafeValue)`, and nothing after it:
    /// the writer must then take back the lines it wrote and send no CORS headers. The
    /// check rides on the one walk that yields the lines (a separate walk first cost
    /// ≈ 50 instructions per allowed preflight), so a line of table text costs nothing
    /// more.
    pub fn checked_lines(&self) -> CheckedLines<'_, 'a> {
        CheckedLines {
            rendered: self.rendered.iter(),
            headers: self,
            private_network: self.allow_private_network,
        }
    }

    /// The line `rendered` stands for in this answer, and whether its value was taken
    /// from the request (and so must be checked before it is written); `None` when it
    /// is not sent.
    #[inline(always)]
    fn line(&self, rendered: &'a RenderedHeader) -> Option<(HeaderName, &'a [u8], bool)> {
        let (value, from_request) = match &rendered.value {
            RenderedValue::Text(t) => (t.as_bytes(), false),
            RenderedValue::RequestOrigin => match self.origin {
                OriginValue::Listed(o) => (o, false),
                OriginValue::Requested(o) => (o, true),
            },
            RenderedValue::RequestMethod => (self.request_method, true),
            RenderedValue::RequestHeaders => (self.request_headers?, true),
        };
        // Only a preflight that asked for headers is told which are allowed.
        if rendered.name == HeaderName::AllowHeaders && self.request_headers.is_none() {
            return None;
        }
        Some((rendered.name, value, from_request))
    }
}

/// `Access-Control-Allow-Private-Network: true`, sent after the rendered lines when the
/// preflight asked for private network access and the rule allows it.
const PRIVATE_NETWORK_LINE: (HeaderName, &[u8]) = (HeaderName::AllowPrivateNetwork, b"true");

/// The header lines of a [`ResponseHeaders`], in sending order.
#[derive(Debug, Clone)]
pub struct HeaderLines<'a> {
    /// The rendered headers still to send.
    rendered: core::slice::Iter<'a, RenderedHeader>,
    /// What the reflecting values stand for.
    headers: ResponseHeaders<'a>,
    /// `Access-Control-Allow-Private-Network: true` still to send.
    private_network: bool,
}

impl<'a> Iterator for HeaderLines<'a> {
    type Item = (HeaderName, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        for rendered in self.rendered.by_ref() {
            if let Some((name, value, _)) = self.headers.line(rendered) {
                return Some((name, value));
            }
        }
        std::mem::take(&mut self.private_network).then_some(PRIVATE_NETWORK_LINE)
    }
}

/// The header lines of a [`ResponseHeaders`] for the wire
/// ([`ResponseHeaders::checked_lines`]): `Ok` lines, or one `Err` where a value taken
/// from the request is not a safe field value, and then nothing more. Borrows the
/// answer rather than copying it: the writer's loop reads the few fields it needs.
#[derive(Debug, Clone)]
pub struct CheckedLines<'h, 'a> {
    /// The rendered headers still to send.
    rendered: core::slice::Iter<'a, RenderedHeader>,
    headers: &'h ResponseHeaders<'a>,
    /// `Access-Control-Allow-Private-Network: true` still to send.
    private_network: bool,
}

impl<'a> Iterator for CheckedLines<'_, 'a> {
    type Item = Result<(HeaderName, &'a [u8]), UnsafeValue>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        for rendered in self.rendered.by_ref() {
            let Some((name, value, from_request)) = self.headers.line(rendered) else {
                continue;
            };
            if from_request && !is_safe_field_value(value) {
                self.rendered = [].iter();
                self.private_network = false;
                return Some(Err(UnsafeValue));
            }
            return Some(Ok((name, value)));
        }
        std::mem::take(&mut self.private_network).then_some(Ok(PRIVATE_NETWORK_LINE))
    }
}

/// What to do with a request: the outcome, why, and which headers to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No `Origin`: not a CORS request. The response still carries no CORS headers
    /// but the policy's (upstream ones are removed) and `vary`, so that a cache that
    /// stores it never hands it to an origin it was not meant for.
    NotCors {
        /// `Vary` to merge into the response (`Origin` when answers depend on it).
        vary: Option<&'a str>,
        /// The static answer of a policy whose first rule is `origin *` (no
        /// credentials): the same headers every origin gets, sent on non-CORS responses
        /// too, as Fetch advises for caches
        /// (<https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches>). `None`
        /// otherwise.
        headers: Option<ResponseHeaders<'a>>,
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

    /// What the response gets, in one `match`: the request path reads all of it, and
    /// the accessors below are views of it, so they cannot disagree.
    #[inline(always)]
    pub fn answer(&self) -> Answer<'_, 'a> {
        let (status, headers, vary) = match self {
            Decision::NotCors { vary, headers } => (None, headers.as_ref(), *vary),
            Decision::Allowed { headers, vary, .. } => (None, Some(headers), *vary),
            Decision::Refused { vary, .. } => (None, None, *vary),
            Decision::PreflightAllowed { status, headers, vary, .. } => {
                (Some(*status), Some(headers), Some(*vary))
            }
            Decision::PreflightRefused { status, vary, .. } => (*status, None, Some(*vary)),
            Decision::PreflightPassThrough => {
                return Answer { status: None, headers: None, vary: None, owns_cors_headers: false }
            }
        };
        Answer { status, headers, vary, owns_cors_headers: true }
    }

    /// The CORS headers to put on the response (none when refused or not CORS).
    pub fn headers(&self) -> Option<&ResponseHeaders<'a>> {
        self.answer().headers
    }

    /// The `Vary` value to merge into the response.
    pub fn vary(&self) -> Option<&'a str> {
        self.answer().vary
    }

    /// `Some(status)` when the module must answer the request itself (a preflight),
    /// `None` when the request goes on to its content handler.
    pub fn respond_with(&self) -> Option<u16> {
        self.answer().status
    }

    /// Whether CORS headers coming from elsewhere (upstream, `add_header`) must be
    /// removed from the response. True for every decision but a passed-through
    /// preflight (`preflight pass;` hands preflights to the upstream): a response
    /// without `Origin` keeps none either, since a cache that ignores `Vary` would
    /// serve them to other origins.
    pub fn owns_cors_headers(&self) -> bool {
        self.answer().owns_cors_headers
    }
}

/// What a [`Decision`] puts on the response ([`Decision::answer`]).
#[derive(Debug, Clone, Copy)]
pub struct Answer<'d, 'a> {
    /// [`Decision::respond_with`].
    pub status: Option<u16>,
    /// [`Decision::headers`].
    pub headers: Option<&'d ResponseHeaders<'a>>,
    /// [`Decision::vary`].
    pub vary: Option<&'a str>,
    /// [`Decision::owns_cors_headers`].
    pub owns_cors_headers: bool,
}
