//! The server side of the Fetch standard's CORS protocol: given a request, what to answer.
//!
//! [`RuleTable::decide`] classifies a request (not CORS, actual, preflight), finds the
//! first rule whose origins match, checks a preflight's requested method and headers,
//! and returns a [`Decision`] that borrows the header values rendered at compile time
//! and, where an origin is reflected, the request's own `Origin` bytes. Nothing here
//! allocates; the cost is a few hash lookups plus, with `~` origins, one linear-time
//! regex pass over the origin.
//!
//! | file | job |
//! |---|---|
//! | `request.rs` | [`Request`]: what is read from the request |
//! | `decision.rs` | [`Decision`], [`Reason`], [`ResponseHeaders`]: the answer |
//! | `mod.rs` | the decision itself: classify, match the origin, check a preflight |
//!
//! References: <https://fetch.spec.whatwg.org/#http-cors-protocol>,
//! <https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS>.

mod decision;
mod request;

use decision::OriginValue;
pub use decision::{
    Answer, CheckedLines, Decision, HeaderLines, Reason, ResponseHeaders, UnsafeValue,
};
pub use request::{
    OriginHeader, Request, RequestHeaders, MAX_ORIGIN_LEN, MAX_REQUEST_HEADERS_LEN,
    MAX_REQUEST_HEADER_NAMES,
};

use crate::bytes::{eq_inline, eq_lowercase};
use crate::fetch::{is_forbidden_method, is_safelisted_method, is_token, list_elements};
use crate::table::{CompiledPolicy, CompiledRule, PolicyId, RuleTable};

impl RuleTable {
    /// Decides how to answer `req` under policy `policy`.
    ///
    /// An unknown `policy` id (from another table) is treated as "no CORS": nothing is
    /// added, so it can never widen access.
    pub fn decide<'a>(&'a self, policy: PolicyId, req: &Request<'a>) -> Decision<'a> {
        let Some(p) = self.policy(policy) else {
            return Decision::NotCors { vary: None, headers: None };
        };
        decide_in(p, req)
    }

    /// What every preflight `policy` refuses is answered with, whatever the reason
    /// (the [`Decision::answer`] of each of its [`Decision::PreflightRefused`]): its
    /// refusal status, no CORS headers, its preflight `Vary`. For a caller that keeps
    /// only the fact of a refusal — nginx's header filter, which would otherwise copy the
    /// decision into the request pool. `None` for an unknown policy.
    pub fn refused_preflight_answer(&self, policy: PolicyId) -> Option<Answer<'_, '_>> {
        let p = self.policy(policy)?;
        Some(Answer {
            status: p.preflight.refused_status,
            headers: None,
            vary: Some(&p.preflight_vary),
            owns_cors_headers: true,
        })
    }
}

fn decide_in<'a>(p: &'a CompiledPolicy, req: &Request<'a>) -> Decision<'a> {
    let vary = p.vary.as_deref();
    let preflight = req.is_preflight();
    if preflight && !p.preflight.answer {
        return Decision::PreflightPassThrough;
    }
    let origin = match req.origin {
        OriginHeader::Absent => return Decision::NotCors { vary, headers: static_answer(p) },
        OriginHeader::Many => Err(Reason::MalformedOrigin),
        OriginHeader::One(o) if o.len() > MAX_ORIGIN_LEN => Err(Reason::MalformedOrigin),
        OriginHeader::One(o) => p
            .origins
            .find_listed(o)
            .and_then(|(i, listed)| {
                let origin = listed.map_or(OriginValue::Requested(o), OriginValue::Listed);
                Some((origin, i as usize, p.rules.get(i as usize)?))
            })
            .ok_or(Reason::OriginNotAllowed),
    };
    if !preflight {
        return match origin {
            Ok((o, rule_idx, rule)) => {
                Decision::Allowed { rule: rule_idx, headers: actual_headers(rule, o), vary }
            }
            // Under a static `*` answer a malformed `Origin` gets that answer too: it
            // grants nothing every origin does not have, and a response without it
            // and without `Vary` would be cached and served to everyone.
            Err(reason) => match static_answer(p) {
                Some(headers) => Decision::Allowed { rule: 0, headers, vary },
                None => Decision::Refused { reason, vary },
            },
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
        Ok(named_headers) => Decision::PreflightAllowed {
            rule: rule_idx,
            status: p.preflight.success_status,
            headers: ResponseHeaders {
                origin: o,
                rendered: &rule.preflight,
                request_method: req.request_method.unwrap_or(b""),
                request_headers: named_headers,
                allow_private_network: req.request_private_network && rule.private_network,
            },
            vary: &p.preflight_vary,
        },
        Err(reason) => refused(Some(rule_idx), reason),
    }
}

/// The headers every origin gets when the first rule is `origin *` (then the policy has
/// no `Vary`): sent on non-CORS responses too, so a cache may serve one response to all.
fn static_answer(p: &CompiledPolicy) -> Option<ResponseHeaders<'_>> {
    if p.vary.is_some() {
        return None;
    }
    p.rules.first().map(|rule| actual_headers(rule, OriginValue::Requested(b"")))
}

fn actual_headers<'a>(rule: &'a CompiledRule, origin: OriginValue<'a>) -> ResponseHeaders<'a> {
    ResponseHeaders {
        origin,
        rendered: &rule.actual,
        request_method: b"",
        request_headers: None,
        allow_private_network: false,
    }
}

/// Checks the requested method, headers and private-network access against `rule`;
/// `Ok` with the request-header value when it names at least one header.
///
/// Allowed names are tokens, so a name that matches one needs no token check of its
/// own: the check runs only to tell a malformed name from a refused one, or for `*`,
/// which never covers a forbidden method (browsers never send one; the answer may
/// reflect the method).
fn check_preflight<'a>(
    rule: &CompiledRule,
    req: &Request<'a>,
) -> Result<Option<&'a [u8]>, Reason<'a>> {
    let method = req.request_method.unwrap_or(b"");
    let method_ok = match &rule.methods {
        None => is_token(method) && !is_forbidden_method(method),
        Some(list) => {
            is_safelisted_method(method) || list.iter().any(|m| eq_inline(m.as_bytes(), method))
        }
    };
    if !method_ok {
        return Err(if is_token(method) {
            Reason::MethodNotAllowed(method)
        } else {
            Reason::MalformedMethod
        });
    }
    let named_headers = check_request_headers(rule, req.request_headers)?;
    if req.request_private_network && !rule.private_network {
        return Err(Reason::PrivateNetworkNotAllowed);
    }
    Ok(named_headers)
}

/// Parses `Access-Control-Request-Headers` (a comma-separated list, optional whitespace,
/// empty elements ignored) in one linear pass, bounded by [`MAX_REQUEST_HEADERS_LEN`]
/// and [`MAX_REQUEST_HEADER_NAMES`], and checks each name; `Ok` with the value when it
/// names at least one header.
fn check_request_headers<'a>(
    rule: &CompiledRule,
    headers: RequestHeaders<'a>,
) -> Result<Option<&'a [u8]>, Reason<'a>> {
    let value = match headers {
        RequestHeaders::Absent => return Ok(None),
        RequestHeaders::TooLong => return Err(Reason::TooManyHeaders),
        RequestHeaders::Value(v) if v.len() > MAX_REQUEST_HEADERS_LEN => {
            return Err(Reason::TooManyHeaders)
        }
        RequestHeaders::Value(v) => v,
    };
    // The usual preflight asks for one header (`content-type`, `authorization`): a value
    // that is one listed name is allowed as it is, without parsing it as a list (which
    // would find that one element). Anything else, or a name `*` covers, goes through
    // the list.
    if rule.headers.iter().any(|h| eq_lowercase(value, h.as_bytes())) {
        return Ok(Some(value));
    }
    let mut count = 0;
    for name in list_elements(value) {
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
    Ok((count > 0).then_some(value))
}

/// Header names compare case-insensitively; `*` never covers `Authorization`
/// (<https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name>).
fn header_allowed(rule: &CompiledRule, name: &[u8]) -> bool {
    let listed = rule.headers.iter().any(|h| eq_lowercase(name, h.as_bytes()));
    listed || (rule.any_header && is_token(name) && !eq_lowercase(name, b"authorization"))
}
