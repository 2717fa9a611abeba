//! A corpus runner for hostile traffic: each [`Probe`] is what goes on the wire (raw
//! HTTP/1.x bytes, possibly several pipelined requests, or a series of HTTP/2 requests
//! on one connection) and what must come back for each request. [`run`] sends every
//! probe, checks it against its expected answers and against the rules no answer may
//! break (no grant outside the policy, an answer in bounded time), and reports every
//! failing probe at once.
//!
//! Unlike [`crate::Conn`], nothing here panics on a malformed or missing answer: that
//! is an outcome to report, with the probe's name.

use crate::http::Response;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long any one probe may take, whatever it sends: generous, so that only a hang
/// (or a pathological slowdown) fails it, never a busy CI machine.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a request must get back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// No `Access-Control-Allow-*` header at all.
    None,
    /// `Access-Control-Allow-Origin` is exactly this (once).
    Origin(String),
}

/// The expected answer to one request.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status codes accepted: one, or more where nginx versions differ before the
    /// module is reached (said where it is used).
    pub status: Vec<u16>,
    /// The CORS grant.
    pub grant: Grant,
}

/// An answer with `status` and no CORS headers.
pub fn refused(status: u16) -> Answer {
    Answer { status: vec![status], grant: Grant::None }
}

/// An answer with one of `statuses` and no CORS headers.
pub fn refused_with_any(statuses: &[u16]) -> Answer {
    Answer { status: statuses.to_vec(), grant: Grant::None }
}

/// An answer with `status` granting `origin`.
pub fn granted(status: u16, origin: &str) -> Answer {
    Answer { status: vec![status], grant: Grant::Origin(origin.to_string()) }
}

/// One HTTP/2 request, sent by curl (`-H` lines are sent as given, duplicates too).
#[derive(Debug, Clone)]
pub struct H2Req {
    /// `GET`, `OPTIONS`, …
    pub method: String,
    /// The path.
    pub path: String,
    /// Header lines.
    pub headers: Vec<(String, String)>,
}

/// What goes on the wire.
#[derive(Debug, Clone)]
pub enum Wire {
    /// Raw HTTP/1.x bytes: one request or several pipelined in one write. `heads` says,
    /// per request, whether it was a `HEAD` (its answer has no body).
    Http1 {
        /// The bytes as sent.
        bytes: Vec<u8>,
        /// Per request: `HEAD`?
        heads: Vec<bool>,
    },
    /// HTTP/2 requests sent in order on one connection (HPACK's dynamic table is shared
    /// by them, so repeated fields travel as indexes).
    Http2(Vec<H2Req>),
}

/// Which listener of the corpus's nginx a probe goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// Default header buffers.
    Default,
    /// `large_client_header_buffers` raised, so huge fields reach the module.
    Large,
    /// HTTP/2 (prior knowledge, cleartext).
    Http2,
}

/// One probe: a name, where it goes, what it sends, what must come back (fewer answers
/// than requests where nginx closes the connection or stream instead of answering).
#[derive(Debug, Clone)]
pub struct Probe {
    /// Shown when it fails.
    pub name: String,
    /// Where it is sent.
    pub to: Listener,
    /// What is sent.
    pub wire: Wire,
    /// One answer per request, in order.
    pub expect: Vec<Answer>,
}

/// The ports of the corpus's listeners.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// [`Listener::Default`].
    pub default: u16,
    /// [`Listener::Large`].
    pub large: u16,
    /// [`Listener::Http2`], when the nginx under test has HTTP/2.
    pub http2: Option<u16>,
}

/// What the run saw, for the caller's summary.
#[derive(Debug, Default)]
pub struct Summary {
    /// Probes sent.
    pub probes: usize,
    /// Requests answered.
    pub answers: usize,
    /// Answers that granted an origin.
    pub grants: usize,
    /// The slowest probe.
    pub slowest: Duration,
}

/// Sends every probe and checks every answer; fails listing every failing probe.
///
/// Besides each probe's own expectations, every answer must satisfy `allowed`: given
/// the `Access-Control-Allow-Origin` value it carries (if any), whether the policy may
/// ever grant it. That is the check that catches a widened grant even where a probe's
/// expectation was written wrong.
pub fn run(ports: Ports, probes: &[Probe], allowed: impl Fn(&str) -> bool) -> Summary {
    let mut failures = Vec::new();
    let mut summary = Summary::default();
    for p in probes {
        let port = match p.to {
            Listener::Default => ports.default,
            Listener::Large => ports.large,
            Listener::Http2 => match ports.http2 {
                Some(port) => port,
                None => continue,
            },
        };
        summary.probes += 1;
        let start = Instant::now();
        let answers = match &p.wire {
            Wire::Http1 { bytes, heads } => http1(port, bytes, heads),
            Wire::Http2(reqs) => http2(port, reqs),
        };
        let took = start.elapsed();
        summary.slowest = summary.slowest.max(took);
        let mut wrong = Vec::new();
        if took > PROBE_TIMEOUT {
            wrong.push(format!("took {took:?} (bound {PROBE_TIMEOUT:?})"));
        }
        match answers {
            Err(e) => wrong.push(e),
            Ok(answers) => {
                summary.answers += answers.len();
                if answers.len() != p.expect.len() {
                    wrong.push(format!(
                        "{} answers to {} requests: {:?}",
                        answers.len(),
                        p.expect.len(),
                        answers.iter().map(|a| a.status).collect::<Vec<_>>()
                    ));
                }
                for (i, (got, want)) in answers.iter().zip(&p.expect).enumerate() {
                    let acao = got.all("access-control-allow-origin");
                    summary.grants += usize::from(!acao.is_empty());
                    for v in &acao {
                        if !allowed(v) {
                            wrong.push(format!(
                                "#{i}: WIDENED GRANT: Access-Control-Allow-Origin {v:?}"
                            ));
                        }
                    }
                    wrong.extend(check(got, want).into_iter().map(|e| format!("#{i}: {e}")));
                }
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{}:\n  {}", p.name, wrong.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} probes failed:\n{}",
        failures.len(),
        probes.len(),
        failures.join("\n")
    );
    summary
}

fn check(got: &Response, want: &Answer) -> Vec<String> {
    let mut wrong = Vec::new();
    if !want.status.contains(&got.status) {
        wrong.push(format!("status {} instead of {:?}", got.status, want.status));
    }
    let cors: Vec<_> = got
        .cors_headers()
        .into_iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("access-control-allow-"))
        .collect();
    match &want.grant {
        Grant::None if !cors.is_empty() => wrong.push(format!("granted: {cors:?}")),
        Grant::None => {}
        Grant::Origin(o) => {
            let acao = got.all("access-control-allow-origin");
            if acao != [o.as_str()] {
                wrong.push(format!("Access-Control-Allow-Origin {acao:?} instead of {o:?}"));
            }
        }
    }
    wrong
}

/// Sends raw bytes, reads until nginx closes (the probe's last request must ask for
/// that, or be one nginx closes after) or the bound passes, and parses the answers.
fn http1(port: u16, bytes: &[u8], heads: &[bool]) -> Result<Vec<Response>, String> {
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_millis(200))).map_err(|e| e.to_string())?;
    // nginx may answer and close before reading everything (a header too large): a
    // failed write is part of the behaviour under test.
    let _ = stream.write_all(bytes);
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if Instant::now() > deadline {
                    return Err(format!(
                        "no end of answer within {PROBE_TIMEOUT:?} (got {} bytes)",
                        raw.len()
                    ));
                }
            }
            // A reset after the answer (nginx closing with unread input) ends it.
            Err(_) => break,
        }
    }
    parse_http1(&raw, heads)
}

/// The responses in `raw`, in order.
fn parse_http1(raw: &[u8], heads: &[bool]) -> Result<Vec<Response>, String> {
    let mut out = Vec::new();
    let mut rest = raw;
    let show = |r: &[u8]| {
        String::from_utf8_lossy(r.get(..r.len().min(200)).unwrap_or_default()).into_owned()
    };
    while !rest.is_empty() {
        let end = find(rest, b"\r\n\r\n")
            .ok_or_else(|| format!("unterminated head: {:?}", show(rest)))?;
        let head = String::from_utf8_lossy(rest.get(..end).unwrap_or_default()).into_owned();
        rest = rest.get(end + 4..).unwrap_or_default();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.")
            .and_then(|s| s.get(2..5))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut headers = Vec::new();
        for line in lines {
            let (k, v) = line.split_once(':').ok_or_else(|| format!("bad header line {line:?}"))?;
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        let mut resp = Response { status, headers, body: Vec::new() };
        let head_req = heads.get(out.len()).copied().unwrap_or(false);
        let chunked =
            resp.all("transfer-encoding").iter().any(|v| v.eq_ignore_ascii_case("chunked"));
        if head_req || status == 204 || status == 304 || (100..200).contains(&status) {
        } else if chunked {
            loop {
                let eol = find(rest, b"\r\n").ok_or("unterminated chunk size")?;
                let size_text =
                    String::from_utf8_lossy(rest.get(..eol).unwrap_or_default()).into_owned();
                let size = usize::from_str_radix(size_text.trim(), 16)
                    .map_err(|_| format!("bad chunk size {size_text:?}"))?;
                rest = rest.get(eol + 2..).unwrap_or_default();
                let chunk = rest.get(..size).ok_or("truncated chunk")?;
                resp.body.extend_from_slice(chunk);
                rest = rest.get(size + 2..).unwrap_or_default();
                if size == 0 {
                    break;
                }
            }
        } else if let Some(len) = resp.all("content-length").first().and_then(|v| v.parse().ok()) {
            let len: usize = len;
            resp.body = rest.get(..len).ok_or("truncated body")?.to_vec();
            rest = rest.get(len..).unwrap_or_default();
        } else {
            resp.body = rest.to_vec();
            rest = &[];
        }
        out.push(resp);
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sends `reqs` with one curl (one connection, HTTP/2 prior knowledge) and parses the
/// response heads it prints.
fn http2(port: u16, reqs: &[H2Req]) -> Result<Vec<Response>, String> {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", &PROBE_TIMEOUT.as_secs().to_string()]);
    for (i, r) in reqs.iter().enumerate() {
        if i > 0 {
            cmd.arg("--next");
        }
        cmd.args(["--http2-prior-knowledge", "-o", "/dev/null", "-D", "-", "-X", &r.method]);
        for (k, v) in &r.headers {
            cmd.arg("-H").arg(format!("{k}: {v}"));
        }
        cmd.arg(format!("http://127.0.0.1:{port}{}", r.path));
    }
    let out = cmd.output().map_err(|e| format!("curl: {e}"))?;
    // A stream or connection nginx closed without an answer (e.g. headers beyond its
    // limit) is an outcome like any other: fewer answers than requests. curl's own
    // timeout is reported as the hang it is.
    if out.status.code() == Some(28) {
        return Err(format!("curl timed out: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut answers = Vec::new();
    for block in text.split("\r\n\r\n").filter(|b| !b.trim().is_empty()) {
        let mut lines = block.lines();
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/2 ")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad HTTP/2 status line {status_line:?}"))?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        answers.push(Response { status, headers, body: Vec::new() });
    }
    Ok(answers)
}
