//! Saying why: every decision as one `error_log` line — refusals at `info`, the others at
//! `debug` — so that `error_log … info` tells a refused preflight's 403 from a `deny`.
//!
//! ```text
//! [info] … cors preflight refused by policy "api" (header-not-allowed): header "X-Foo" not allowed by rule 1 at /etc/nginx/api.cors:2:5, origin "https://app.example.com", client: …, request: "OPTIONS /api/x HTTP/1.1", host: …
//! [info] … cors request refused by policy "api" (origin-not-allowed): origin "https://evil.example" not allowed, client: …
//! [debug] … cors preflight-allowed by policy "api": rule 1 at /etc/nginx/api.cors:2:5, origin "https://app.example.com", client: …
//! ```
//!
//! nginx appends the client, server, request and host itself. Request values are
//! quoted, escaped (`\xHH` for bytes outside printable ASCII, `"` and `\`) and cut at
//! [`MAX_VALUE`] bytes. The line is formatted into a fixed buffer on the stack: no
//! allocation, and nothing at all unless the log records the level.

use core::fmt::Write;

use cors_dsl::report::Report;
use cors_dsl::{
    Decision, OriginHeader, PolicyId, Reason, Request, RequestHeaders, RuleTable, SourceLoc,
};
use ngx::ffi::{NGX_LOG_DEBUG, NGX_LOG_INFO};

use crate::ffi::Req;

/// Longest request value (origin, method, header name) quoted in full.
const MAX_VALUE: usize = 128;

/// Logs `d`, made under policy `id` (`policy`) of `table` for `req`; whether a line was
/// written. At a report-only location every decision is logged at `debug` (nothing was
/// refused); [`report`] says at `info` where enforcing would change the outcome.
#[inline(always)]
pub fn decision(
    r: Req,
    table: &RuleTable,
    id: PolicyId,
    policy: &str,
    d: &Decision,
    req: &Request,
    report_only: bool,
) -> bool {
    // One comparison in the usual case, a log below `info`.
    if !r.log_enabled(NGX_LOG_INFO) {
        return false;
    }
    let refused = d.reason().is_some() && !report_only;
    let level = if refused { NGX_LOG_INFO } else { NGX_LOG_DEBUG };
    if !r.log_enabled(level) {
        return false;
    }
    write_line(r, level, table, id, policy, d, req);
    true
}

#[cold]
#[inline(never)]
fn write_line(
    r: Req,
    level: u32,
    table: &RuleTable,
    id: PolicyId,
    policy: &str,
    d: &Decision,
    req: &Request,
) {
    let rule = d.rule().and_then(|i| table.rule_source(id, i));
    let mut line = Line::default();
    // Writing to a `Line` never fails: it truncates.
    let _ = write_decision(&mut line, policy, rule, d, req);
    r.log(level, line.as_bytes());
}

/// Logs at `info` (as nginx logs a client's invalid request) that a value the answer
/// would reflect from the request is not a safe field value — a control byte, which
/// nginx passes on in header values (CR, LF and NUL it refuses itself) — and so was not
/// written.
#[cold]
#[inline(never)]
pub fn unsafe_value(r: Req) {
    r.log(
        NGX_LOG_INFO,
        b"cors: a request value to reflect holds a control byte; the response carries no \
CORS headers",
    );
}

/// At most this many report-only lines per second and worker: a report-only policy
/// that differs from the recipe on every request must not flood `error_log`.
const REPORT_LINES_PER_SECOND: u32 = 10;

/// The second and count of the last report-only lines (one worker is one thread).
static REPORT_BUDGET: std::sync::Mutex<(ngx::ffi::time_t, u32)> = std::sync::Mutex::new((0, 0));

/// Logs at `info` that enforcing a report-only location's policy would change what a
/// browser concludes (the decision line, at `debug`, says why), rate-limited to
/// [`REPORT_LINES_PER_SECOND`].
#[inline]
pub fn report(r: Req, report: Report) {
    if report == Report::Same || !r.log_enabled(NGX_LOG_INFO) {
        return;
    }
    let now = crate::ffi::cached_seconds();
    let Ok(mut budget) = REPORT_BUDGET.lock() else { return };
    if budget.0 != now {
        *budget = (now, 0);
    }
    if budget.1 >= REPORT_LINES_PER_SECOND {
        return;
    }
    budget.1 += 1;
    let what = match report {
        Report::WouldRefuse => "refuse what the response allows",
        Report::WouldAllow => "allow what the response refuses",
        _ => "refuse and allow what the response does not",
    };
    let mut line = Line::default();
    let _ =
        write!(line, "cors report-only: enforcing the policy would {what} ({})", report.as_str());
    r.log(NGX_LOG_INFO, line.as_bytes());
}

fn write_decision(
    w: &mut Line,
    policy: &str,
    rule: Option<&SourceLoc>,
    d: &Decision,
    req: &Request,
) -> core::fmt::Result {
    let origin = match req.origin {
        OriginHeader::One(o) => Some(o),
        _ => None,
    };
    let by_rule = |w: &mut Line| match (d.rule(), rule) {
        (Some(i), Some(src)) => write!(w, " by rule {} at {src}", i + 1),
        (Some(i), None) => write!(w, " by rule {}", i + 1),
        _ => Ok(()),
    };
    let Some(reason) = d.reason() else {
        write!(w, "cors {} by policy \"{policy}\"", d.as_str())?;
        if let (Some(i), Some(src)) = (d.rule(), rule) {
            write!(w, ": rule {} at {src}", i + 1)?;
        }
        if let Some(o) = origin {
            w.write_str(", origin ")?;
            quoted(w, o)?;
        }
        return Ok(());
    };
    let kind = if matches!(d, Decision::Refused { .. }) { "request" } else { "preflight" };
    write!(w, "cors {kind} refused by policy \"{policy}\" ({}): ", reason.code())?;
    match reason {
        Reason::OriginNotAllowed => {
            w.write_str("origin ")?;
            quoted(w, origin.unwrap_or_default())?;
            return w.write_str(" not allowed");
        }
        Reason::MalformedOrigin => {
            return match origin {
                Some(o) => {
                    w.write_str("malformed origin ")?;
                    quoted(w, o)
                }
                None => w.write_str("several Origin headers"),
            };
        }
        Reason::MethodNotAllowed(m) => {
            w.write_str("method ")?;
            quoted(w, m)?;
            w.write_str(" not allowed")?;
            by_rule(w)?;
        }
        Reason::MalformedMethod => {
            w.write_str("malformed Access-Control-Request-Method ")?;
            quoted(w, req.request_method.unwrap_or_default())?;
        }
        Reason::HeaderNotAllowed(h) => {
            w.write_str("header ")?;
            quoted(w, h)?;
            w.write_str(" not allowed")?;
            by_rule(w)?;
        }
        Reason::MalformedHeaders => {
            w.write_str("malformed Access-Control-Request-Headers ")?;
            let value = match req.request_headers {
                RequestHeaders::Value(v) => v,
                RequestHeaders::Absent | RequestHeaders::TooLong => b"",
            };
            quoted(w, value)?;
        }
        Reason::TooManyHeaders => {
            w.write_str("Access-Control-Request-Headers too long")?;
            if let RequestHeaders::Value(v) = req.request_headers {
                write!(w, " ({} bytes)", v.len())?;
            }
            write!(
                w,
                " (at most {} bytes and {} names are read)",
                cors_dsl::decide::MAX_REQUEST_HEADERS_LEN,
                cors_dsl::decide::MAX_REQUEST_HEADER_NAMES,
            )?;
        }
        Reason::PrivateNetworkNotAllowed => {
            w.write_str("private network access not allowed")?;
            by_rule(w)?;
        }
    }
    if let Some(o) = origin {
        w.write_str(", origin ")?;
        quoted(w, o)?;
    }
    Ok(())
}

/// `"value"`, escaped and cut at [`MAX_VALUE`] bytes (`..."` when cut).
fn quoted(w: &mut Line, v: &[u8]) -> core::fmt::Result {
    w.write_char('"')?;
    for &b in v.iter().take(MAX_VALUE) {
        match b {
            b'"' | b'\\' => write!(w, "\\{}", b as char)?,
            0x20..=0x7e => w.write_char(b as char)?,
            _ => write!(w, "\\x{b:02X}")?,
        }
    }
    if v.len() > MAX_VALUE {
        w.write_str("...")?;
    }
    w.write_char('"')
}

/// One log line in a fixed buffer; what does not fit is dropped.
struct Line {
    buf: [u8; 1024],
    len: usize,
}

impl Default for Line {
    fn default() -> Self {
        Line { buf: [0; 1024], len: 0 }
    }
}

impl Line {
    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // Bytes, not characters: a cut inside a multi-byte character is fine in a log.
        let n = s.len().min(self.buf.len().saturating_sub(self.len));
        if let (Some(dst), Some(src)) =
            (self.buf.get_mut(self.len..self.len + n), s.as_bytes().get(..n))
        {
            dst.copy_from_slice(src);
            self.len += n;
        }
        Ok(())
    }
}
