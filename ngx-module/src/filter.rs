//! Request time: the rewrite and preflight handlers, the header filter and the
//! `$cors_*` variables.
//!
//! All act on one [`Decision`] per request, made for the setting the request's
//! [`Slots`] name (request slots: no allocation, and they survive internal redirects):
//!
//! - The **rewrite handler** (location-level REWRITE phase, before the location's own
//!   `rewrite`/`return`/`if`) records which `cors` setting decides the request at the
//!   location it reached ([`settle`]). It runs again after `rewrite … last` (the final
//!   location decides) and after internal redirects, where a location that does not set
//!   `cors` itself keeps the setting — error pages carry the answer of the request they
//!   replace.
//! - The **preflight handler** (PREACCESS: after `rewrite … last`, before access checks
//!   and limits) decides `OPTIONS` requests and answers preflights: an allowed one at
//!   once (the decision lent to the filter from its frame), a refused one by returning
//!   the policy's status (only the [`REFUSED`] flag is kept), one the policy passes on
//!   by storing the decision for the filter.
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

use core::mem::MaybeUninit;
use core::ptr;

use cors_dsl::decide::Answer;
use cors_dsl::fetch::{list_elements, trim_ows};
use cors_dsl::report::{self, Report};
use cors_dsl::{Decision, Request};
use ngx::ffi::{
    ngx_http_output_header_filter_pt, ngx_http_request_t, ngx_http_top_header_filter,
    ngx_http_variable_value_t, ngx_int_t, NGX_DECLINED, NGX_ERROR, NGX_OK,
};
use ngx::http::{HttpModuleLocationConf, HttpModuleMainConf};

use crate::conf::{LocConf, MainConf, Setting};
use crate::ffi::{self, Cf, OutputHeader, Req, RequestSlot, SlotFlags};
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

/// The module's per-request state, in request slots (`ffi/slot.rs`): no allocation, and
/// it survives internal redirects, so error pages keep the answer of the request.
#[derive(Default)]
pub struct Slots {
    /// The location conf whose `cors` setting decides the request, with [`OPTIONS`] and
    /// [`ANSWERED`].
    decider: RequestSlot<LocConf>,
    /// The decision, once made and stored (preflights, `$cors_*` variables); request
    /// pool.
    decision: RequestSlot<Active>,
}

impl Slots {
    /// Declares the slots on the configuration being parsed (preconfiguration).
    pub fn declare(cf: &Cf) -> Option<Slots> {
        Some(Slots {
            decider: RequestSlot::declare(cf, "cors:decider")?,
            decision: RequestSlot::declare(cf, "cors:decision")?,
        })
    }
}

/// The request was `OPTIONS` when it reached the deciding setting (nginx turns the
/// method into `GET` for an `error_page` URI; the decision stays that of the request).
const OPTIONS: SlotFlags = 1;
/// The preflight handler answered the request itself (so an error page that answers it
/// is the policy's answer, not one to replace).
const ANSWERED: SlotFlags = 2;
/// The preflight handler refused the request with the policy's status. Nothing else is
/// kept: the header filter asks the policy for its refusal
/// (`RuleTable::refused_preflight_answer`), the same for every reason, and the `$cors_*`
/// variables decide again (the same decision). Storing the decision cost an allocation
/// and a copy of it per refused preflight.
const REFUSED: SlotFlags = 1 << 5;
/// The decision was written to `error_log` (a refusal at `info`, or anything at
/// `debug`): the `$cors_*` variables, which decide again when nothing is stored, do not
/// write it a second time.
const LOGGED: SlotFlags = 1 << 6;
/// Where a report-only location's [`Report`] is kept: 0 for none, else the report's
/// position in [`REPORTS`] plus one, shifted by [`REPORT_SHIFT`].
const REPORT_MASK: SlotFlags = 0b111 << REPORT_SHIFT;
const REPORT_SHIFT: u32 = 2;
/// The reports, in the order their flag values count.
const REPORTS: [Report; 4] =
    [Report::Same, Report::WouldRefuse, Report::WouldAllow, Report::WouldRefuseAndAllow];

/// Which setting decides a request, as kept in [`Slots::decider`].
#[derive(Clone, Copy)]
struct Decider {
    /// The location conf whose setting decides: the location's own, or one carried from
    /// before an internal redirect.
    conf: &'static LocConf,
    /// [`OPTIONS`], [`ANSWERED`], [`REFUSED`], [`LOGGED`] and the report.
    flags: SlotFlags,
}

impl Decider {
    /// The request's deciding setting at `lc`, as it arrives there.
    fn at(r: Req, lc: &'static LocConf) -> Decider {
        Decider { conf: lc, flags: if r.is_options() { OPTIONS } else { 0 } }
    }

    fn options(self) -> bool {
        self.flags & OPTIONS != 0
    }

    fn answered(self) -> bool {
        self.flags & ANSWERED != 0
    }

    fn refused(self) -> bool {
        self.flags & REFUSED != 0
    }

    fn logged(self) -> bool {
        self.flags & LOGGED != 0
    }

    /// The report of a report-only location, once the header filter made it.
    fn report(self) -> Option<Report> {
        let n = (self.flags & REPORT_MASK) >> REPORT_SHIFT;
        REPORTS.get(usize::from(n).checked_sub(1)?).copied()
    }

    fn with_report(self, report: Report) -> Decider {
        let n = REPORTS.iter().position(|r| *r == report).map_or(0, |i| i + 1) as SlotFlags;
        Decider { flags: (self.flags & !REPORT_MASK) | (n << REPORT_SHIFT), ..self }
    }
}

impl Req {
    fn decider(&self, slots: &Slots) -> Option<Decider> {
        self.slot(slots.decider).map(|(conf, flags)| Decider { conf, flags })
    }

    fn set_decider(&self, slots: &Slots, d: Decider) {
        self.set_slot(slots.decider, d.conf, d.flags);
    }
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
/// logs the decision (`log.rs`) and hands it, with its policy and the request as read,
/// to `f`; `None` when no policy applies.
///
/// Callers make sure the request's header section was read: a recorded [`Decider`]
/// proves it (the phases run only after), and without one they check
/// `Req::headers_complete` — after an early parse error there is no decision on a partial
/// header section, and the error response goes out without CORS headers.
/// A continuation rather than a return value: the ~250-byte decision stays where it
/// was made instead of being moved (a `memcpy` per request).
#[inline(always)]
fn decide<T>(
    r: Req,
    main: &'static MainConf,
    setting: Setting,
    options: bool,
    log: bool,
    f: impl FnOnce(&'static str, &Decision<'static>, &Request<'static>) -> T,
) -> Option<T> {
    let Setting::Policy { table, id, report_only } = setting else { return None };
    let (table, policy) = main.policy(table, id)?;
    let mut req = MaybeUninit::uninit();
    let req = read_request(r, options, &mut req);
    let decision = table.decide(id, req);
    if log {
        let _ = log::decision(r, table, id, policy, &decision, req, report_only);
    }
    Some(f(policy, &decision, req))
}

/// What decisions read of the request (as an `OPTIONS` request when `options`), read
/// into `req`, where it stays (returned by value, it was built in a temporary and
/// copied in the header filter: ≈ 12 instructions per request).
#[inline(always)]
fn read_request<'q>(
    r: Req,
    options: bool,
    req: &'q mut MaybeUninit<Request<'static>>,
) -> &'q Request<'static> {
    let method = if options { b"OPTIONS" } else { r.method() };
    let req = req.write(Request::actual(method, None));
    r.read_cors_headers(req, options || method == b"OPTIONS");
    req
}

/// [`decide`], the decision stored in the request pool and in [`Slots::decision`]:
/// `None` when no policy applies, `Some(None)` on allocation failure. Logged unless
/// `log` is false (the decision was logged when it was first made).
#[inline(never)]
fn compute_and_store(
    r: Req,
    main: &'static MainConf,
    setting: Setting,
    options: bool,
    log: bool,
) -> Option<Option<&'static Active>> {
    decide(r, main, setting, options, log, |policy, decision, _| store(r, main, policy, decision))
}

/// Copies `decision` under `policy` into the request pool and points
/// [`Slots::decision`] at the copy; `None` on allocation failure.
#[inline(always)]
fn store(
    r: Req,
    main: &MainConf,
    policy: &'static str,
    decision: &Decision<'static>,
) -> Option<&'static Active> {
    let a = r.store_with(|| Active { policy, decision: *decision })?;
    r.set_slot(main.slots.decision, a, 0);
    Some(a)
}

/// NGX_HTTP_REWRITE_PHASE: records which setting decides the request at the location it
/// reached, before the location's `return`, `rewrite` or `if` can answer it, in a request
/// slot, where it survives internal redirects.
pub unsafe extern "C" fn rewrite_handler(r: *mut ngx_http_request_t) -> ngx_int_t {
    // SAFETY: nginx passes a live request to phase handlers.
    let Some(r) = (unsafe { Req::new(r) }) else { return NGX_DECLINED as ngx_int_t };
    match std::panic::catch_unwind(|| settle(r)) {
        Ok(()) => NGX_DECLINED as ngx_int_t,
        Err(_) => NGX_ERROR as ngx_int_t,
    }
}

/// Records the setting that decides the request at its current location.
///
/// - First location: the location's setting, if one applies (a policy, or `off`, which
///   must be carried too).
/// - Another location in the same pass (`rewrite … last`): the final location's.
/// - After an internal redirect (`error_page`, `proxy_intercept_errors`, `try_files`,
///   `index`): a location that sets `cors` itself decides; any other keeps the setting,
///   method and decision of before the redirect — so an error page served from
///   `location /errors/ { internal; }` carries the API's answer, and a refused
///   preflight stays refused.
///
/// The ctx slot marks the pass: it points at the location settled in it, and nginx
/// zeroes it on an internal redirect — which is how the two last cases are told apart.
fn settle(r: Req) {
    if !r.is_main() {
        return;
    }
    let (Some(lc), Some(main)) = (Module::location_conf(&r), Module::main_conf(&r)) else {
        return;
    };
    let here = r.ctx::<Module>();
    if here.is_some_and(|h| ptr::eq(h, lc)) {
        return;
    }
    match r.decider(&main.slots) {
        // The usual request: its first location, without `cors` anywhere.
        None if lc.setting == Setting::Unset => return,
        // Redirected to a location that does not decide anew: keep everything.
        Some(d) if here.is_none() && (!lc.own || ptr::eq(d.conf, lc)) => {}
        _ => {
            r.set_decider(&main.slots, Decider::at(r, lc));
            r.clear_slot(main.slots.decision);
        }
    }
    r.set_ctx::<Module>(lc);
}

/// NGX_HTTP_PREACCESS_PHASE: answers preflights before access checks and upstreams.
pub unsafe extern "C" fn preaccess_handler(r: *mut ngx_http_request_t) -> ngx_int_t {
    // SAFETY: nginx passes a live request to phase handlers.
    let Some(r) = (unsafe { Req::new(r) }) else { return NGX_DECLINED as ngx_int_t };
    // Only `OPTIONS` can be a preflight; every other request is decided by the header
    // filter. Checked here, where it costs no stack frame: this runs for every request.
    if !r.is_main() || !r.is_options() {
        return NGX_DECLINED as ngx_int_t;
    }
    std::panic::catch_unwind(|| preflight(r)).unwrap_or(NGX_ERROR as ngx_int_t)
}

#[inline(never)]
fn preflight(r: Req) -> ngx_int_t {
    let Some(main) = Module::main_conf(&r) else { return NGX_DECLINED as ngx_int_t };
    let Some(d) = r.decider(&main.slots) else { return NGX_DECLINED as ngx_int_t };
    // A report-only location answers nothing: the header filter decides and reports.
    if let Setting::Policy { report_only: true, .. } = d.conf.setting {
        return NGX_DECLINED as ngx_int_t;
    }
    // [`decide`], with the decision built in place beside its policy: what the
    // request slot holds.
    let Setting::Policy { table, id, report_only } = d.conf.setting else {
        return NGX_DECLINED as ngx_int_t;
    };
    let Some((table, policy)) = main.policy(table, id) else { return NGX_DECLINED as ngx_int_t };
    let mut req = MaybeUninit::uninit();
    let req = read_request(r, d.options(), &mut req);
    let decision = table.decide(id, req);
    let logged = log::decision(r, table, id, policy, &decision, req, report_only);
    let status = decision.respond_with();
    let refused = matches!(decision, Decision::PreflightRefused { .. });
    if status.is_some() || logged {
        let flags = d.flags
            | if status.is_some() { ANSWERED } else { 0 }
            | if refused && status.is_some() { REFUSED } else { 0 }
            | if logged { LOGGED } else { 0 };
        r.set_decider(&main.slots, Decider { flags, ..d });
    }
    match (status, &decision) {
        // Answered now: the header filter runs inside, and reads the decision from this
        // frame (no allocation). The variables, read later, decide again.
        (Some(status), Decision::PreflightAllowed { .. }) => {
            let active = Active { policy, decision };
            // SAFETY: the header filter, the only reader during the call, keeps no
            // reference to the decision past its own return.
            let rc =
                unsafe { r.with_slot(main.slots.decision, &active, || r.send_header_only(status)) };
            r.finalize(rc)
        }
        // Refused: the policy's status as an ordinary nginx answer (so `error_page`
        // applies), after this returns; [`REFUSED`] is all the filter needs.
        (Some(status), Decision::PreflightRefused { .. }) => status as ngx_int_t,
        // Not answered by us (`preflight pass`, `preflight-refused pass`): stored for the
        // filter and the variables (copied once, from where it was made).
        (status, decision) => match (store(r, main, policy, decision), status) {
            (None, _) => NGX_ERROR as ngx_int_t,
            (Some(_), Some(status)) => status as ngx_int_t,
            (Some(_), None) => NGX_DECLINED as ngx_int_t,
        },
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

/// Edits the output headers for the request's decision (or, at a report-only location,
/// reports on them); `false` on allocation failure.
fn apply(r: Req) -> bool {
    if !r.is_main() {
        return true;
    }
    let Some(main) = Module::main_conf(&r) else { return true };
    // The setting the rewrite handler recorded, with the decision stored for it (a
    // preflight's, by the preflight handler) — or, without one (a server-level `return`,
    // an error before the phases ran, a location without `cors` anywhere), the setting
    // of the location the response comes from.
    let (mut d, stored, recorded) = match r.decider(&main.slots) {
        Some(d) => (d, r.slot(main.slots.decision).map(|(a, _)| a), true),
        None => match Module::location_conf(&r) {
            Some(lc) if lc.setting != Setting::Unset && r.headers_complete() => {
                (Decider::at(r, lc), None, false)
            }
            _ => return true,
        },
    };
    // Otherwise decided now, without storing anything (deciding is cheaper than
    // allocating, and the filter normally runs once), where it stays; or, for a
    // preflight the handler refused, the policy's refusal, whatever the reason. One
    // call of `put` for all, so that it is inlined here.
    let mut req = MaybeUninit::uninit();
    let made;
    let answer = match stored {
        _ if d.refused() => {
            let Setting::Policy { table, id, .. } = d.conf.setting else { return true };
            let Some((table, _)) = main.policy(table, id) else { return true };
            let Some(answer) = table.refused_preflight_answer(id) else { return true };
            answer
        }
        Some(a) if !is_report_only(d.conf.setting) => a.decision.answer(),
        _ => {
            let Setting::Policy { table, id, report_only } = d.conf.setting else { return true };
            let Some((table, policy)) = main.policy(table, id) else { return true };
            let req = read_request(r, d.options(), &mut req);
            made = table.decide(id, req);
            let logged =
                !d.logged() && log::decision(r, table, id, policy, &made, req, report_only);
            // Only where the rewrite handler recorded the setting: a slot written here
            // would change which setting an internal redirect keeps.
            if logged && recorded {
                d.flags |= LOGGED;
                r.set_decider(&main.slots, d);
            }
            if report_only {
                return report_on(r, main, d, &made, req);
            }
            made.answer()
        }
    };
    put(r, answer, d.answered())
}

fn is_report_only(setting: Setting) -> bool {
    matches!(setting, Setting::Policy { report_only: true, .. })
}

/// Report-only: records how enforcing `decision` would change what a browser concludes
/// from the response that goes out (`$cors_report`), and changes nothing.
fn report_on(
    r: Req,
    main: &MainConf,
    d: Decider,
    decision: &Decision<'static>,
    req: &Request<'static>,
) -> bool {
    if let Some(report) = report::compare(req, decision, &r.output()) {
        r.set_decider(&main.slots, d.with_report(report));
        log::report(r, report);
    }
    true
}

/// Puts `answer` (a decision's) on the response; `answered` when the preflight handler
/// answered the request itself. `false` on allocation failure.
///
/// Inline in the header filter, its one caller: a call of its own cost every response
/// ≈ 20 instructions of frame set-up and argument moves.
#[inline(always)]
fn put(r: Req, answer: Answer<'_, 'static>, answered: bool) -> bool {
    // A preflight the policy answers, answered by something else first (a `return`, an
    // `if`, a rewrite redirect, an error page of theirs): the policy's answer replaces it.
    if let (false, Some(status)) = (answered, answer.status) {
        r.replace_answer(status);
    }
    let first_vary = r.scan_output_headers(answer.owns_cors_headers);
    // Defence in depth against response splitting: a value taken from the request that
    // is not a safe field value is never written (nginx's parsers refuse CR, LF and NUL
    // in header lines; table values were checked when the table was loaded). The
    // response then carries no CORS headers at all, which fails closed.
    if let Some(headers) = answer.headers {
        for line in headers.checked_lines() {
            let Ok((name, value)) = line else { return refuse_unsafe(r) };
            if !r.push_header(name.as_str(), name.lowercase(), value) {
                return false;
            }
        }
    }
    match (answer.vary, first_vary) {
        (None, _) => true,
        // The common case, no `Vary` yet: the table's own value, no copy, no parsing.
        (Some(vary), None) => r.push_header("Vary", "vary", vary.as_bytes()),
        (Some(vary), Some(first)) => merge_vary(r, vary, first),
    }
}

/// A value to reflect failed the emit-time check: takes back the lines already
/// written (every `Access-Control-*` line left is ours, the others were stripped
/// before), and sends the response without CORS headers or `Vary`.
#[cold]
#[inline(never)]
fn refuse_unsafe(r: Req) -> bool {
    r.strip_cors_headers();
    log::unsafe_value(r);
    true
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
/// `$cors_report`.
pub const VAR_REPORT: usize = 3;

/// Get handler of `$cors_decision`, `$cors_reason`, `$cors_policy` and `$cors_report`.
pub unsafe extern "C" fn variable(
    r: *mut ngx_http_request_t,
    v: *mut ngx_http_variable_value_t,
    data: usize,
) -> ngx_int_t {
    // SAFETY: nginx passes a live request to variable handlers.
    let Some(req) = (unsafe { Req::new(r) }) else { return NGX_ERROR as ngx_int_t };
    let value = std::panic::catch_unwind(|| {
        let main = Module::main_conf(&req)?;
        if data == VAR_REPORT {
            // Made by the header filter: empty before the response header is sent.
            return req.decider(&main.slots)?.report().map(Report::as_str);
        }
        // Decided once, then stored: a log format reads several variables.
        let active = match req.slot(main.slots.decision) {
            Some((a, _)) => Some(a),
            None => {
                // Without a recorded setting: read before the rewrite handler ran (a
                // server-level `set` or `if`), or at a location without `cors` anywhere.
                let (setting, options, log) = match req.decider(&main.slots) {
                    Some(d) => (d.conf.setting, d.options(), !d.logged()),
                    None if req.headers_complete() => {
                        (Module::location_conf(&req)?.setting, req.is_options(), true)
                    }
                    None => return None,
                };
                compute_and_store(req, main, setting, options, log).flatten()
            }
        };
        match (data, active) {
            (_, None) => None,
            (VAR_DECISION, Some(a)) => Some(a.decision.as_str()),
            (VAR_REASON, Some(a)) => a.decision.reason().map(|r| r.code()),
            (VAR_POLICY, Some(a)) => Some(a.policy),
            _ => None,
        }
    })
    .ok()
    .flatten()
    .unwrap_or("");
    // SAFETY: `v` is the value nginx passed; the text is static or table memory.
    unsafe { ffi::set_variable(v, value.as_bytes()) };
    NGX_OK as ngx_int_t
}
