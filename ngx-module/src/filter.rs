//! Request time: the rewrite and preflight handlers, the header filter and the
//! `$cors_*` variables.
//!
//! All act on one [`Decision`] per request, made for the setting a small [`Ctx`] in the
//! request pool names:
//!
//! - The **rewrite handler** (location-level REWRITE phase, before the location's own
//!   `rewrite`/`return`/`if`) records which `cors` setting decides the request at the
//!   location it reached ([`settle`]). It runs again after `rewrite … last` (the final
//!   location decides) and after internal redirects, where nginx zeroes every module
//!   ctx: the ctx is found again in the request pool's cleanup list (`Req::kept_ctx`),
//!   and a location that does not set `cors` itself keeps it — error pages carry the
//!   answer of the request they replace.
//! - The **preflight handler** (PREACCESS: after `rewrite … last`, before access checks
//!   and limits) decides `OPTIONS` requests, stores the decision and answers
//!   preflights.
//! - The **header filter** decides other requests on the spot (deciding is cheaper than
//!   allocating, and it normally runs once) and puts the decision's headers on whatever
//!   response goes out,
//!   removing every other `Access-Control-*` header (CORS request or not). A preflight
//!   the policy answers but something else answered first (a location `return`, `if`,
//!   a rewrite redirect, an error page from one of them) gets the policy's answer
//!   instead (`Req::replace_answer`).
//!
//! The filter is idempotent by construction rather than by a "done" flag: it removes
//! every `Access-Control-*` header (ours from an earlier pass included) before adding
//! its own, and merges `Vary` tokens only when missing. That also covers
//! `ngx_http_filter_finalize_request`, which clears the output headers and runs the
//! filter chain a second time, where a flag would leave the error page without CORS.
//!
//! The header filter links itself into nginx's chain ([`init`], from postconfiguration)
//! and owns its next pointer, as nginx's own `ngx_http_*_filter_module`s do.

use core::ptr;

use cors_dsl::fetch::{list_elements, trim_ows};
use cors_dsl::{Decision, Request};
use ngx::ffi::{
    ngx_http_output_header_filter_pt, ngx_http_request_t, ngx_http_top_header_filter,
    ngx_http_variable_value_t, ngx_int_t, NGX_DECLINED, NGX_ERROR, NGX_OK,
};
use ngx::http::{HttpModuleLocationConf, HttpModuleMainConf};

use crate::conf::{LocConf, Setting};
use crate::ffi::{self, OutputHeader, Req};
use crate::{log, Module};

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

/// What the module knows of one request: which setting decides it and, once made and
/// stored, the decision. Small on purpose: the usual request only needs the setting
/// kept (for error pages), and the header filter decides once, on the spot.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The `cors` setting that decides: the location's, or the one carried from before an
    /// internal redirect.
    pub setting: Setting,
    /// The location conf this ctx was made for or carried to: [`settle`] starts a new
    /// one when the request reaches another location.
    pub conf: *const LocConf,
    /// The request was `OPTIONS` when it reached that setting (nginx turns the method
    /// into `GET` for an `error_page` URI; the decision stays that of the request).
    pub options: bool,
    /// The preflight handler answered the request itself (so an error page that
    /// answers it is the policy's answer, not one to replace).
    pub answered: bool,
    /// The decision, when stored (preflights, `$cors_*` variables); request pool.
    pub active: Option<&'static Active>,
}

/// A decision under a policy.
#[derive(Clone, Copy)]
pub struct Active {
    /// The policy name (table memory).
    pub policy: &'static str,
    /// What to do.
    pub decision: Decision<'static>,
}

/// Decides under `setting` for the request (as an `OPTIONS` request when `options`),
/// logs the decision (`log.rs`) and hands it to `f`; `None` when no policy applies.
/// A continuation rather than a return value: the ~250-byte decision stays where it
/// was made instead of being moved (a `memcpy` per request).
#[inline(always)]
fn decide<T>(
    r: Req,
    setting: Setting,
    options: bool,
    f: impl FnOnce(&'static str, &Decision<'static>) -> T,
) -> Option<T> {
    let Setting::Policy { table, id } = setting else { return None };
    // An early parse error: no decision on a partial header section (see
    // `Req::headers_complete`), so the error response goes out without CORS headers.
    if !r.headers_complete() {
        return None;
    }
    let (table, policy) = Module::main_conf(&r)?.policy(table, id)?;
    let method = if options { b"OPTIONS" } else { r.method() };
    let mut req = Request::actual(method, None);
    r.read_cors_headers(&mut req);
    let decision = table.decide(id, &req);
    log::decision(r, table, id, policy, &decision, &req);
    Some(f(policy, &decision))
}

/// [`decide`], the decision stored in the request pool: `None` when no policy applies,
/// `Some(None)` on allocation failure.
#[inline(never)]
fn compute_and_store(r: Req, setting: Setting, options: bool) -> Option<Option<&'static Active>> {
    decide(r, setting, options, |policy, decision| {
        r.store_with(|| Active { policy, decision: *decision })
    })
}

/// A new ctx for the request at `lc`.
fn fresh(r: Req, lc: &LocConf) -> Ctx {
    Ctx { setting: lc.setting, conf: lc, options: r.is_options(), answered: false, active: None }
}

/// The stored ctx, if any: in the ctx slot, or kept in the request pool after nginx
/// zeroed the slot (an internal redirect, or `ngx_http_filter_finalize_request`).
fn stored(r: Req) -> Option<&'static Ctx> {
    r.ctx::<Module>().or_else(|| r.kept_ctx::<Module>())
}

/// NGX_HTTP_REWRITE_PHASE: records which setting decides the request at the location it
/// reached, before the location's `return`, `rewrite` or `if` can answer it, in the
/// request pool, where it survives internal redirects.
pub unsafe extern "C" fn rewrite_handler(r: *mut ngx_http_request_t) -> ngx_int_t {
    // SAFETY: nginx passes a live request to phase handlers.
    let Some(r) = (unsafe { Req::new(r) }) else { return NGX_DECLINED as ngx_int_t };
    match std::panic::catch_unwind(|| settle(r)) {
        Ok(true) => NGX_DECLINED as ngx_int_t,
        _ => NGX_ERROR as ngx_int_t,
    }
}

/// Makes the ctx name the setting that decides the request at its current location;
/// `false` on allocation failure.
///
/// - First location: the location's setting, if one applies (a policy, or `off`, which
///   must be carried too).
/// - Another location without an internal redirect (`rewrite … last`): the final
///   location's.
/// - After an internal redirect (`error_page`, `proxy_intercept_errors`, `try_files`,
///   `index`): a location that sets `cors` itself decides; any other keeps the setting,
///   method and decision of before the redirect — so an error page served from
///   `location /errors/ { internal; }` carries the API's answer, and a refused
///   preflight stays refused.
fn settle(r: Req) -> bool {
    if !r.is_main() {
        return true;
    }
    let Some(lc) = Module::location_conf(&r) else { return true };
    if let Some(c) = r.ctx::<Module>() {
        return ptr::eq(c.conf, lc) || r.set_ctx::<Module>(fresh(r, lc)).is_some();
    }
    let ctx = match r.kept_ctx::<Module>() {
        Some(kept) if ptr::eq(kept.conf, lc) || !lc.own => Ctx { conf: lc, ..*kept },
        Some(_) => fresh(r, lc),
        // The usual request: its first location.
        None if lc.setting == Setting::Unset => return true,
        None => return r.new_ctx::<Module>(fresh(r, lc)).is_some(),
    };
    r.set_ctx::<Module>(ctx).is_some()
}

/// NGX_HTTP_PREACCESS_PHASE: answers preflights before access checks and upstreams.
pub unsafe extern "C" fn preaccess_handler(r: *mut ngx_http_request_t) -> ngx_int_t {
    // SAFETY: nginx passes a live request to phase handlers.
    let Some(r) = (unsafe { Req::new(r) }) else { return NGX_DECLINED as ngx_int_t };
    std::panic::catch_unwind(|| preflight(r)).unwrap_or(NGX_ERROR as ngx_int_t)
}

fn preflight(r: Req) -> ngx_int_t {
    // Only `OPTIONS` can be a preflight; every other request is decided by the header
    // filter.
    if !r.is_main() || !r.is_options() {
        return NGX_DECLINED as ngx_int_t;
    }
    let Some(c) = r.ctx::<Module>() else { return NGX_DECLINED as ngx_int_t };
    // Stored for the filter and the variables, with whether we answer.
    let Some(stored) = compute_and_store(r, c.setting, c.options) else {
        return NGX_DECLINED as ngx_int_t;
    };
    let Some(a) = stored else { return NGX_ERROR as ngx_int_t };
    let status = a.decision.respond_with();
    let ctx = Ctx { active: Some(a), answered: status.is_some(), ..*c };
    if r.set_ctx::<Module>(ctx).is_none() {
        return NGX_ERROR as ngx_int_t;
    }
    match (status, &a.decision) {
        (Some(status), Decision::PreflightAllowed { .. }) => r.answer_header_only(status),
        // A refused preflight gets the policy's status as an ordinary nginx answer (so
        // `error_page` applies); the filter strips CORS headers and adds `Vary`.
        (Some(status), _) => status as ngx_int_t,
        (None, _) => NGX_DECLINED as ngx_int_t,
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
    // Decide now, without storing anything (deciding is cheaper than allocating, and
    // the filter normally runs once), for the setting the rewrite handler recorded — or,
    // without one (a server-level `return`, an error before the phases ran, a location
    // without `cors` anywhere), for the location the response comes from. Preflights
    // were decided and stored by the preflight handler.
    let (setting, options, answered) = match stored(r) {
        Some(Ctx { active: Some(a), answered, .. }) => return put(r, &a.decision, *answered),
        Some(c) => (c.setting, c.options, c.answered),
        None => {
            let setting = Module::location_conf(&r).map_or(Setting::Unset, |lc| lc.setting);
            (setting, r.is_options(), false)
        }
    };
    decide(r, setting, options, |_, d| put(r, d, answered)).unwrap_or(true)
}

/// Puts the headers of `decision` on the response; `answered` when the preflight
/// handler answered the request itself. `false` on allocation failure.
fn put(r: Req, decision: &Decision<'static>, answered: bool) -> bool {
    // A preflight the policy answers, answered by something else first (a `return`, an
    // `if`, a rewrite redirect, an error page of theirs): the policy's answer replaces it.
    if let (false, Some(status)) = (answered, decision.respond_with()) {
        r.replace_answer(status);
    }
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
        let active = match stored(req) {
            Some(Ctx { active: Some(a), .. }) => Some(*a),
            // Decided once, then stored: a log format reads several variables.
            Some(c) => {
                let a = compute_and_store(req, c.setting, c.options).flatten();
                a.and_then(|a| req.set_ctx::<Module>(Ctx { active: Some(a), ..*c }));
                a
            }
            // Read before the rewrite handler ran (a server-level `set` or `if`), or at
            // a location without `cors` anywhere.
            None => Module::location_conf(&req).and_then(|lc| {
                let c = fresh(req, lc);
                let a = compute_and_store(req, c.setting, c.options).flatten();
                req.set_ctx::<Module>(Ctx { active: a, ..c });
                a
            }),
        };
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
