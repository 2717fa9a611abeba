//! Request time: the preflight handler, the header filter and the `$cors_*` variables.
//!
//! All three act on the [`Decision`] of the policy at the request's current location.
//! The preflight handler and the variables store it in a per-request [`Ctx`] in the
//! request pool; the header filter uses a stored one or, for the usual non-`OPTIONS`
//! request, decides on the spot without storing anything (deciding again is cheaper than
//! allocating, and the filter normally runs once). nginx zeroes module ctxs on internal
//! redirects (`error_page`, `try_files`, `index`), so a decision is always that of the
//! final location, which is the one whose policy applies.
//!
//! The filter is idempotent by construction rather than by a "done" flag: it removes
//! every `Access-Control-*` header (ours from an earlier pass included) before adding
//! its own, and merges `Vary` tokens only when missing. That also covers
//! `ngx_http_filter_finalize_request`, which clears the output headers and runs the
//! filter chain a second time, where a flag would leave the error page without CORS.
//!
//! The header filter links itself into nginx's chain ([`init`], from postconfiguration)
//! and owns its next pointer, as nginx's own `ngx_http_*_filter_module`s do.

use cors_dsl::fetch::{list_elements, trim_ows};
use cors_dsl::{Decision, Request};
use ngx::ffi::{
    ngx_http_output_header_filter_pt, ngx_http_request_t, ngx_http_top_header_filter,
    ngx_http_variable_value_t, ngx_int_t, NGX_DECLINED, NGX_ERROR, NGX_OK,
};
use ngx::http::{HttpModuleLocationConf, HttpModuleMainConf};

use crate::conf::Setting;
use crate::ffi::{self, OutputHeader, Req};
use crate::Module;

/// The next header filter in the chain, set by [`init`].
///
/// Re-set on every configuration load, like nginx's own filters: it is a code pointer
/// into nginx, not configuration data, so surviving a reload in a static is harmless.
static mut NEXT_HEADER_FILTER: ngx_http_output_header_filter_pt = None;

/// Puts the header filter on top of the chain, remembering the previous top (nginx's
/// `ngx_http_*_filter_init`). Called from postconfiguration on every configuration load.
pub fn init() {
    // SAFETY: configuration runs single-threaded in the master (or the single process),
    // before any request reads either pointer.
    unsafe {
        NEXT_HEADER_FILTER = ngx_http_top_header_filter;
        ngx_http_top_header_filter = Some(header_filter);
    }
}

/// What the module decided for one request.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// `None` when no policy applies at the request's location.
    pub active: Option<Active>,
}

/// A decision under a policy.
#[derive(Clone, Copy)]
pub struct Active {
    /// The policy name (table memory).
    pub policy: &'static str,
    /// What to do.
    pub decision: Decision<'static>,
}

/// The request's ctx, computing and storing it on first use.
fn ctx(r: Req) -> Option<&'static Ctx> {
    if let Some(c) = r.ctx::<Module>() {
        return Some(c);
    }
    r.set_ctx::<Module>(Ctx { active: compute(r) })
}

/// The stored decision, or one computed now and not stored.
fn stored_or_computed(r: Req) -> Option<Active> {
    match r.ctx::<Module>() {
        Some(c) => c.active,
        None => compute(r),
    }
}

/// Runs the policy of the request's location against its headers.
fn compute(r: Req) -> Option<Active> {
    // An early parse error: no decision on a partial header section (see
    // `Req::headers_complete`), so the error response goes out without CORS headers.
    if !r.headers_complete() {
        return None;
    }
    let Setting::Policy { table, id } = Module::location_conf(&r)?.setting else { return None };
    let (table, policy) = Module::main_conf(&r)?.policy(table, id)?;
    let mut req = Request::actual(r.method(), None);
    r.read_cors_headers(&mut req);
    Some(Active { policy, decision: table.decide(id, &req) })
}

/// NGX_HTTP_PREACCESS_PHASE: answers preflights before access checks and upstreams.
pub unsafe extern "C" fn preaccess_handler(r: *mut ngx_http_request_t) -> ngx_int_t {
    // SAFETY: nginx passes a live request to phase handlers.
    let Some(r) = (unsafe { Req::new(r) }) else { return NGX_DECLINED as ngx_int_t };
    std::panic::catch_unwind(|| preflight(r)).unwrap_or(NGX_ERROR as ngx_int_t)
}

fn preflight(r: Req) -> ngx_int_t {
    // Only `OPTIONS` can be a preflight; every other request is decided in the header
    // filter.
    if !r.is_main() || !r.is_options() {
        return NGX_DECLINED as ngx_int_t;
    }
    let Some(Active { decision, .. }) = ctx(r).and_then(|c| c.active.as_ref()) else {
        return NGX_DECLINED as ngx_int_t;
    };
    match *decision {
        Decision::PreflightAllowed { status, .. } => r.answer_header_only(status),
        // A refused preflight gets the policy's status as an ordinary nginx answer (so
        // `error_page` applies); the filter strips CORS headers and adds `Vary`.
        Decision::PreflightRefused { status: Some(status), .. } => status as ngx_int_t,
        _ => NGX_DECLINED as ngx_int_t,
    }
}

/// The header filter: puts the decision's headers on whatever response goes out.
pub unsafe extern "C" fn header_filter(r: *mut ngx_http_request_t) -> ngx_int_t {
    // SAFETY: nginx passes a live request to header filters.
    if let Some(req) = unsafe { Req::new(r) } {
        let ok = std::panic::catch_unwind(|| apply(req)).unwrap_or(false);
        if !ok {
            return NGX_ERROR as ngx_int_t;
        }
    }
    // SAFETY: the static is written once per configuration load, before any request.
    let next = unsafe { NEXT_HEADER_FILTER };
    match next {
        // SAFETY: the next filter is nginx's, called with the live request we got.
        Some(f) => unsafe { f(r) },
        None => NGX_OK as ngx_int_t,
    }
}

/// Edits the output headers for the request's decision; `false` on allocation failure.
fn apply(r: Req) -> bool {
    if !r.is_main() {
        return true;
    }
    let Some(Active { decision, .. }) = stored_or_computed(r) else { return true };
    let first_vary = r.scan_output_headers(decision.owns_cors_headers());
    if let Some(headers) = decision.headers() {
        for (name, value) in headers.iter() {
            if !r.push_header(name.as_str(), name.lowercase(), value) {
                return false;
            }
        }
    }
    match (decision.vary(), first_vary) {
        (None, _) => true,
        // The common case, no `Vary` yet: the table's own value, no copy, no parsing.
        (Some(vary), None) => r.push_header("Vary", "vary", vary.as_bytes()),
        (Some(vary), Some(first)) => merge_vary(r, vary, first),
    }
}

/// Merges the tokens of `ours` into the response's `Vary` lines: appended to `first`,
/// the first line (no second line), skipping tokens already present in any line, and
/// nothing at all under `Vary: *`. `Vary` is a comma-separated list (RFC 9110 `#rule`),
/// read with the Fetch list helpers. Iterators only, and the merged value is built in
/// the request pool: no heap allocation per request.
fn merge_vary(r: Req, ours: &'static str, first: OutputHeader) -> bool {
    let present = |token: &[u8]| {
        let mut found = false;
        r.for_each_vary_value(|v| {
            found = found || list_elements(v).any(|t| t == b"*" || t.eq_ignore_ascii_case(token));
        });
        found
    };
    // A function rather than an iterator: the list is walked to see whether anything is
    // missing, then to size the value and to copy it.
    let missing = || list_elements(ours.as_bytes()).filter(|t| !present(t));
    if missing().next().is_none() {
        return true;
    }
    let value = trim_ows(first.value);
    let parts = || {
        std::iter::once(value).chain(missing().enumerate().flat_map(move |(i, t)| {
            let sep: &[u8] = if i == 0 && value.is_empty() { b"" } else { b", " };
            [sep, t]
        }))
    };
    r.set_header_value(first, parts)
}

/// Which `$cors_*` variable a get handler serves (its `data`).
pub const VAR_DECISION: usize = 0;
/// `$cors_reason`.
pub const VAR_REASON: usize = 1;
/// `$cors_policy`.
pub const VAR_POLICY: usize = 2;

/// Get handler of `$cors_decision`, `$cors_reason` and `$cors_policy`.
pub unsafe extern "C" fn variable(
    r: *mut ngx_http_request_t,
    v: *mut ngx_http_variable_value_t,
    data: usize,
) -> ngx_int_t {
    // SAFETY: nginx passes a live request to variable handlers.
    let Some(req) = (unsafe { Req::new(r) }) else { return NGX_ERROR as ngx_int_t };
    let value = std::panic::catch_unwind(|| {
        let active = ctx(req).and_then(|c| c.active);
        match (data, active) {
            (_, None) => "",
            (VAR_DECISION, Some(a)) => a.decision.as_str(),
            (VAR_REASON, Some(a)) => a.decision.reason().map_or("", |r| r.code()),
            (VAR_POLICY, Some(a)) => a.policy,
            _ => "",
        }
    })
    .unwrap_or("");
    // SAFETY: `v` is the value nginx passed; the text is static or table memory.
    unsafe { ffi::set_variable(v, value.as_bytes()) };
    NGX_OK as ngx_int_t
}
