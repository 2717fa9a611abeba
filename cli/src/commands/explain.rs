//! `corsc explain`: what does the policy answer to this one request, and why?
//!
//! This is how a user answers "why was my preflight rejected?" without nginx: it asks
//! the same [`cors_dsl::RuleTable::decide`] the module uses, then shows the decision,
//! the reason, the rule that matched (with where it was written), the status nginx would
//! answer and the exact CORS headers, `Vary` included.
//!
//! The server's decision is only half the story: a browser also checks the answer.
//! The "browser" line comes from [`cors_dsl::browser`], the model of the browser's side
//! of Fetch that the Chromium suite holds against real Chromium: with `--credentials`
//! in particular it says when the browser would block an answer the server considers
//! allowed.

use super::{paint, write_block, CliError, Outcome, Report, Term};
use crate::args::{ExplainArgs, ExplainFormat, OutputFormat};
use cors_dsl::browser::{self, PageRequest, Problem};
use cors_dsl::{Decision, OpenError, Opened, PolicyId, Request, RuleTable};

/// Explains one request; exit 0 when a browser would accept the answer, 1 when not.
///
/// Without `--preflight` it explains what the browser does for the page's request:
/// when the method or a header makes the browser send a preflight first, that
/// preflight is asked first, and a refused one is the answer (the actual request is
/// never sent).
pub fn run(args: &ExplainArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let Some(table) = load_table(args, term)? else { return Ok(Outcome::Failed) };
    let id = pick_policy(&table, args.policy.as_deref())?;
    let page = Explanation::page_request(args);
    let mut notes = page_notes(args, &page);
    let mut asked = args.clone();
    asked.method = page.method.clone();
    // One `Access-Control-Request-Headers` line, lower-case and sorted, as browsers send it.
    asked.headers = page.preflight_request_headers().into_iter().collect();
    let sends_preflight = page.needs_preflight() || args.private_network;
    if !args.preflight && sends_preflight {
        asked.preflight = true;
        let preflight = Explanation::asking(&asked, &table, id);
        if !preflight.accepted {
            let mut preflight = preflight;
            let why = preflight_cause(&page);
            preflight.notes.insert(0, format!("a browser sends this preflight first: {why}"));
            preflight.notes.extend(notes);
            return write(term, args, &preflight);
        }
        asked.preflight = false;
        notes.insert(
            0,
            format!(
                "a browser sends a preflight first ({}); the policy allows it (add --preflight to see it)",
                preflight_cause(&page)
            ),
        );
    }
    let mut explanation = Explanation::asking(&asked, &table, id);
    if args.preflight && !sends_preflight {
        explanation.verdict = format!(
            "sends no preflight for this request (the method `{}` is CORS-safelisted and no header needs one): the actual request goes to the server directly; run without --preflight for its answer",
            page.method
        );
    }
    explanation.notes.extend(notes);
    write(term, args, &explanation)
}

/// Prints `explanation` in the format asked for; the exit status is the browser's
/// verdict.
fn write(
    term: &mut Term<'_>,
    args: &ExplainArgs,
    explanation: &Explanation,
) -> Result<Outcome, CliError> {
    match args.format {
        ExplainFormat::Human => write_block(term.out, &explanation.human(term.color_out))?,
        ExplainFormat::Json => write_block(term.out, &explanation.json())?,
    }
    Ok(Outcome::from_failed(!explanation.accepted))
}

/// Why a browser sends a preflight for `page`, in words.
fn preflight_cause(page: &PageRequest) -> String {
    match page.preflight_request_headers() {
        _ if !page.has_safelisted_method() => {
            format!("`{}` is not a CORS-safelisted method", page.method)
        }
        Some(names) => format!("the page sets `{names}` (not CORS-safelisted)"),
        None => "the request is to a more private network".into(),
    }
}

/// What the browser changes in the request as written on the command line: the
/// method it normalises, the header names a script cannot set.
fn page_notes(args: &ExplainArgs, page: &PageRequest) -> Vec<String> {
    let mut notes = Vec::new();
    if page.method != args.method {
        notes.push(format!(
            "a browser sends the method `{}` as `{}` (Fetch upper-cases DELETE, GET, HEAD, OPTIONS, POST and PUT in any case)",
            args.method, page.method
        ));
    }
    let dropped: Vec<String> = Explanation::header_names(args)
        .filter(|h| cors_dsl::fetch::is_forbidden_request_header(h))
        .map(|h| format!("`{h}`"))
        .collect();
    if !dropped.is_empty() {
        notes.push(format!(
            "{} cannot be set by a script: a browser drops it from the request and never names it in a preflight",
            dropped.join(", ")
        ));
    }
    notes
}

/// A compiled table as is, or a policy source compiled now. `None` when the source has
/// errors (they are printed).
fn load_table(args: &ExplainArgs, term: &mut Term<'_>) -> Result<Option<RuleTable>, CliError> {
    let path = &args.file;
    match cors_dsl::open_with(path, super::input::source_limit()) {
        Ok(Opened::Table(table) | Opened::Source(Ok((table, _)))) => Ok(Some(table)),
        Ok(Opened::Source(Err(loaded))) => {
            let mut report = Report::default();
            report.add(&loaded.sources, loaded.diagnostics);
            report.omit(loaded.omitted, |_| true);
            write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
            writeln!(
                term.err,
                "`{}` has errors; cannot explain a policy that does not load",
                path.display()
            )?;
            Ok(None)
        }
        Err(OpenError::Table(source)) => Err(CliError::Table { path: path.clone(), source }),
        Err(OpenError::Io(source)) => {
            Err(CliError::Io { action: "read", path: path.clone(), source })
        }
        Err(other) => Err(CliError::Io {
            action: "read",
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
        }),
    }
}

/// `--policy`, or the only policy of the file.
fn pick_policy(table: &RuleTable, name: Option<&str>) -> Result<PolicyId, CliError> {
    let names = || table.policy_names().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    match name {
        Some(name) => table.policy_id(name).ok_or_else(|| {
            CliError::Usage(format!("no policy `{name}` in the file (it has: {})", names()))
        }),
        None => {
            let mut all = table.policy_names();
            match (all.next(), all.next()) {
                (Some(only), None) => table
                    .policy_id(only)
                    .ok_or_else(|| CliError::Usage(format!("policy `{only}` cannot be looked up"))),
                (None, _) => Err(CliError::Usage("the file defines no policy".into())),
                _ => Err(CliError::Usage(format!(
                    "the file has several policies; choose one with --policy ({})",
                    names()
                ))),
            }
        }
    }
}

/// Everything `explain` prints, in both formats.
struct Explanation {
    policy: String,
    file: String,
    /// The request as header lines (`Origin: …`).
    request: Vec<String>,
    method: String,
    preflight: bool,
    credentials: bool,
    decision: &'static str,
    reason: Option<(&'static str, String)>,
    /// 0-based index and where it was written.
    rule: Option<(usize, String)>,
    /// `respond_with`: the status nginx answers itself, if it does.
    status: Option<u16>,
    /// What happens with the status, in words.
    status_text: String,
    headers: Vec<(String, String)>,
    vary: Option<String>,
    /// Why the browser would not let the page see the answer.
    problems: Vec<String>,
    /// Things worth knowing that do not change the outcome.
    notes: Vec<String>,
    /// What the browser does, in words.
    verdict: String,
    accepted: bool,
}

impl Explanation {
    fn new(args: &ExplainArgs, table: &RuleTable, id: PolicyId, decision: &Decision<'_>) -> Self {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let headers: Vec<(String, String)> = decision
            .headers()
            .map(|h| h.iter().map(|(n, v)| (n.to_string(), text(v))).collect())
            .unwrap_or_default();
        let rule = decision.rule().map(|i| {
            let at = table.rule_source(id, i).map_or_else(|| "?".into(), |s| s.to_string());
            (i, at)
        });
        let mut request = Vec::new();
        if args.preflight {
            request.push("OPTIONS (preflight)".to_string());
            request.push(format!("Origin: {}", args.origin));
            request.push(format!("Access-Control-Request-Method: {}", args.method));
            request.extend(
                args.headers.iter().map(|h| format!("Access-Control-Request-Headers: {h}")),
            );
            if args.private_network {
                request.push("Access-Control-Request-Private-Network: true".into());
            }
        } else {
            request.push(format!("{} (actual request)", args.method));
            request.push(format!("Origin: {}", args.origin));
        }
        let mut e = Explanation {
            policy: table.policy_name(id).unwrap_or("?").to_string(),
            file: args.file.display().to_string(),
            request,
            method: args.method.clone(),
            preflight: args.preflight,
            credentials: args.credentials,
            decision: decision.as_str(),
            reason: decision.reason().map(|r| (r.code(), r.to_string())),
            rule,
            status: decision.respond_with(),
            status_text: status_text(decision),
            headers,
            vary: decision.vary().map(str::to_string),
            problems: Vec::new(),
            notes: Vec::new(),
            verdict: String::new(),
            accepted: false,
        };
        e.judge(args, decision);
        e
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Plays the browser: would it hand the answer to the page?
    fn judge(&mut self, args: &ExplainArgs, decision: &Decision<'_>) {
        let next = if self.preflight {
            format!("sends the actual {} request next", self.method)
        } else {
            "lets the page read the response".to_string()
        };
        match decision {
            Decision::Allowed { .. } | Decision::PreflightAllowed { .. } => {
                self.browser_problems(args, decision);
                if !self.credentials && self.header("Access-Control-Allow-Credentials").is_some() {
                    self.notes.push(
                        "the rule allows credentials; this request sends none (add --credentials to check a request with cookies)"
                            .into(),
                    );
                }
                self.accepted = self.problems.is_empty();
                self.verdict = if self.accepted {
                    format!("accepts the answer and {next}")
                } else if self.preflight {
                    format!(
                        "rejects the preflight: the actual {} request is never sent",
                        self.method
                    )
                } else {
                    "blocks the response: the request reached the server (with its cookies), but the page cannot read the answer".into()
                };
            }
            Decision::Refused { .. } => {
                self.verdict = "blocks the response (no `Access-Control-Allow-Origin`): the request reached the server, but the page cannot read the answer".into();
            }
            Decision::PreflightRefused { .. } => {
                self.verdict = format!(
                    "rejects the preflight (no `Access-Control-Allow-Origin`): the actual {} request is never sent",
                    self.method
                );
            }
            Decision::PreflightPassThrough => {
                self.accepted = true;
                self.verdict =
                    "depends on the upstream's answer: this policy does not answer preflights"
                        .into();
            }
            Decision::NotCors { .. } => {
                self.accepted = true;
                self.verdict = "not a CORS request: nothing to check".into();
            }
        }
        if let Some(why) = Self::unsendable(&args.origin) {
            self.notes.push(format!("no browser sends `Origin: {}`: {why}", args.origin));
            self.accepted = false;
            self.verdict = "never sees this answer: no browser sends this `Origin` (the headers above are what other clients get)".into();
        }
    }

    /// Whether a browser can send `Origin: origin` at all: the table compares the raw
    /// bytes with origins serialised as browsers do (`parse_origin` is that form), so
    /// a look-alike (`https://App.example.com`, `https://127.1`, a trailing slash) is
    /// another origin to the server and none to a browser. `None` when a browser can;
    /// otherwise why not, and the origin it would send instead if there is one.
    fn unsendable(origin: &str) -> Option<String> {
        use cors_dsl::origin::{parse_origin, OriginPattern};
        match parse_origin(origin) {
            Ok(OriginPattern::Null) if origin == "null" => None,
            Ok(OriginPattern::Exact(sent)) if sent == origin => None,
            Ok(OriginPattern::Exact(sent)) => {
                Some(format!("ask for `{sent}`, the form browsers send"))
            }
            Ok(OriginPattern::Null) => Some("ask for `null`, the form browsers send".into()),
            Ok(_) => Some("it is a pattern: ask for one origin it stands for".into()),
            Err(e) => Some(match e.fix {
                Some(fix) if fix != origin => format!("{}: ask for `{fix}`", e.message),
                _ => e.message,
            }),
        }
    }

    /// The header names given with `--header`, each line split at commas.
    fn header_names(args: &ExplainArgs) -> impl Iterator<Item = &str> {
        args.headers
            .iter()
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
    }

    /// What the page's request looks like to the browser model: the method
    /// normalised, the headers a script cannot set dropped, the rest as given.
    fn page_request(args: &ExplainArgs) -> PageRequest {
        let names =
            Self::header_names(args).filter(|h| !cors_dsl::fetch::is_forbidden_request_header(h));
        PageRequest::new(args.origin.as_str(), args.method.as_str())
            .with_unsafe_header_names(names)
            .with_credentials(args.credentials)
    }

    /// Asks `table` the request `args` describes and explains the answer.
    fn asking(args: &ExplainArgs, table: &RuleTable, id: PolicyId) -> Self {
        let mut request = if args.preflight {
            Request::preflight(args.origin.as_bytes(), args.method.as_bytes())
        } else {
            Request::actual(args.method.as_bytes(), Some(args.origin.as_bytes()))
        };
        // Several `--header` lines are one header sent on several lines: combined with
        // `,`, as Fetch (and the module) reads them.
        let request_headers = args.headers.join(",");
        if args.preflight {
            if !args.headers.is_empty() {
                request = request.with_request_headers(request_headers.as_bytes());
            }
            request.request_private_network = args.private_network;
        }
        let decision = table.decide(id, &request);
        Explanation::new(args, table, id, &decision)
    }

    /// Plays the browser over an allowed answer ([`cors_dsl::browser`]: the CORS check
    /// and, for a preflight, its status, method and header checks with the credentials
    /// rules) and words every problem it finds.
    fn browser_problems(&mut self, args: &ExplainArgs, decision: &Decision<'_>) {
        let page = Self::page_request(args);
        let status = decision.respond_with().unwrap_or(200);
        let answer = browser::Response::new(
            status,
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
        );
        let problems = if self.preflight {
            browser::preflight_check(&page, &answer)
        } else {
            browser::cors_check(&page, &answer)
        };
        for problem in problems {
            let text = self.describe(&problem, args);
            self.problems.push(text);
        }
        if self.credentials
            && !self.preflight
            && self
                .header("Access-Control-Expose-Headers")
                .is_some_and(|l| l.split(',').any(|h| h.trim() == "*"))
        {
            self.notes.push(
                "`Access-Control-Expose-Headers: *` is a wildcard only without credentials: with them, the page can read only the headers listed by name".into(),
            );
        }
    }

    /// One browser [`Problem`] in words, with the rule to change.
    fn describe(&self, problem: &Problem, args: &ExplainArgs) -> String {
        let rule = self
            .rule
            .as_ref()
            .map_or_else(|| "the matching rule".to_string(), |(_, at)| format!("the rule at {at}"));
        let at = format!(" ({rule})");
        let what = if self.preflight { "the preflight answer" } else { "the response" };
        let quoted = |names: &[String]| {
            names.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
        };
        match problem {
            Problem::PreflightStatus(status) => format!(
                "{what} has status {status}; a browser accepts a preflight answer only with a 2xx status"
            ),
            Problem::NoAllowOrigin => {
                format!("{what} has no `Access-Control-Allow-Origin`, so the browser refuses it")
            }
            Problem::OriginMismatch(value) => format!(
                "{what} has `Access-Control-Allow-Origin: {value}`, which is not the page's origin `{}`",
                args.origin
            ),
            Problem::WildcardOriginWithCredentials => format!(
                "{what} has `Access-Control-Allow-Origin: *`, which a browser never accepts when the request carries credentials; list the origin explicitly and set `credentials on`{at}"
            ),
            Problem::NoAllowCredentials => {
                let when = if self.preflight {
                    "the preflight itself carries no cookies, but because the actual request will, the browser requires the header on the preflight answer too"
                } else {
                    "the request was sent with cookies and may have had effects on the server"
                };
                format!(
                    "{what} lacks `Access-Control-Allow-Credentials: true`, so the browser refuses it for a request with credentials ({when}); add `credentials on;` to {rule}"
                )
            }
            Problem::MethodNotAllowed { wildcard_ignored: true } => format!(
                "`Access-Control-Allow-Methods: *` is a wildcard only for requests without credentials; with credentials the browser reads `*` as a method name, so `{}` is not allowed; list it in `methods`{at}",
                args.method
            ),
            Problem::MethodNotAllowed { wildcard_ignored: false } => format!(
                "{what} does not list `{}` in `Access-Control-Allow-Methods`; list it in `methods`{at}",
                args.method
            ),
            Problem::HeadersNotAllowed { names, wildcard_ignored } => {
                let (are, them) =
                    if names.len() == 1 { (" is", "it") } else { (" are", "them") };
                if *wildcard_ignored {
                    format!(
                        "`Access-Control-Allow-Headers: *` is a wildcard only for requests without credentials; with credentials the browser reads `*` as a header name, so {}{are} not allowed; list {them} in `headers`{at}",
                        quoted(names)
                    )
                } else {
                    format!(
                        "{what} does not list {} in `Access-Control-Allow-Headers`; list {them} in `headers`{at}",
                        quoted(names)
                    )
                }
            }
        }
    }

    fn human(&self, color: bool) -> String {
        let mut out = String::new();
        let mut row = |label: &str, lines: &[String]| {
            for (i, line) in lines.iter().enumerate() {
                let label = if i == 0 { label } else { "" };
                out.push_str(&format!("{label:<10}{line}\n"));
            }
        };
        row("policy", &[format!("{} ({})", self.policy, self.file)]);
        let mut request = self.request.clone();
        if self.credentials {
            request.push("(with credentials: cookies or HTTP authentication)".into());
        }
        row("request", &request);
        let style = match (self.decision, self.accepted) {
            (_, true) => "1;32",
            _ => "1;31",
        };
        row("decision", &[paint(color, style, self.decision)]);
        if let Some((code, text)) = &self.reason {
            row("reason", &[format!("{text} ({code})")]);
        }
        if let Some((i, at)) = &self.rule {
            row("rule", &[format!("#{} at {at}", i + 1)]);
        } else if self.reason.is_some() {
            row("rule", &["none matched".to_string()]);
        }
        row("status", std::slice::from_ref(&self.status_text));
        let mut headers: Vec<String> =
            self.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        if headers.is_empty() {
            headers.push("(no CORS headers)".into());
        }
        if let Some(vary) = &self.vary {
            headers.push(format!("Vary: {vary}"));
        }
        row("headers", &headers);
        let verdict_style = if self.accepted { "32" } else { "31" };
        row("browser", &[paint(color, verdict_style, &self.verdict)]);
        let problems: Vec<String> = self.problems.iter().map(|p| format!("- {p}")).collect();
        row("why", &problems);
        let notes: Vec<String> = self.notes.iter().map(|n| format!("- {n}")).collect();
        row("note", &notes);
        out
    }

    fn json(&self) -> String {
        let headers: Vec<serde_json::Value> = self
            .headers
            .iter()
            .map(|(n, v)| serde_json::json!({ "name": n, "value": v }))
            .collect();
        let value = serde_json::json!({
            "policy": self.policy,
            "file": self.file,
            "request": {
                "preflight": self.preflight,
                "credentials": self.credentials,
                "lines": self.request,
            },
            "decision": self.decision,
            "reason": self.reason.as_ref().map(|(code, text)| serde_json::json!({ "code": code, "message": text })),
            "rule": self.rule.as_ref().map(|(i, at)| serde_json::json!({ "index": i, "source": at })),
            "respond_with": self.status,
            "status": self.status_text,
            "headers": headers,
            "vary": self.vary,
            "browser": {
                "accepts": self.accepted,
                "verdict": self.verdict,
                "problems": self.problems,
            },
            "notes": self.notes,
        });
        serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// What nginx does with the status line, in words.
fn status_text(decision: &Decision<'_>) -> String {
    match *decision {
        Decision::PreflightAllowed { status, .. } => {
            format!("{status}, answered by nginx: the preflight never reaches the upstream")
        }
        Decision::PreflightRefused { status: Some(status), .. } => {
            format!("{status}, answered by nginx without CORS headers")
        }
        Decision::PreflightRefused { status: None, .. } => {
            "from the upstream: nginx passes the refused preflight on and strips CORS headers from its answer".into()
        }
        Decision::PreflightPassThrough => {
            "from the upstream: the policy passes every preflight on untouched (`preflight pass;`)".into()
        }
        Decision::Allowed { .. } => {
            "from the upstream (any status, error pages included); nginx adds the headers below".into()
        }
        Decision::Refused { .. } => {
            "from the upstream; nginx sends no CORS headers (and strips any the upstream sets)".into()
        }
        Decision::NotCors { headers: Some(_), .. } => {
            "from the upstream; nginx replaces its CORS headers with the policy's static `*` answer".into()
        }
        Decision::NotCors { .. } => {
            "from the upstream; nginx strips any CORS headers it sets".into()
        }
    }
}
