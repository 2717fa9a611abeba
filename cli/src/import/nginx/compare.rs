//! `--compare`: the recipe against the imported policy, request by request, judged by
//! the browser model (`cors_dsl::browser`).
//!
//! For every location with a policy, the same generated requests go to the recipe
//! (through [`super::eval`], the application answering 200, or 500 for the error
//! case, and 200 to `OPTIONS`) and to the module's decision on the imported policy
//! (`RuleTable::decide`): each origin the recipe names, look-alikes of it (a suffix
//! `.evil.net`, an `evil` prefix, plain http), a stranger and `null`; with and without
//! credentials; a read, a read of an error, and a preflight for the policy's first
//! method and header. Each request where a browser would conclude differently is a
//! [`Note`]; a difference that is the recipe's own bug (no `always`, a header sent
//! twice) says so.
//!
//! This is the model half of the issue's `--verify` (which would run both
//! configurations in a real nginx); it runs offline and in every test.

use super::eval::{Answer, Chain, Evaluator, Probe};
use crate::import::draft::{self, At, Draft, Level, Mode, Note};
use cors_dsl::browser::{cors_check, preflight_check, PageRequest, Response};
use cors_dsl::{Request, RuleTable};
use std::path::Path;

/// One comparison's tally.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Requests compared.
    pub requests: usize,
    /// Where the browser concludes differently.
    pub differences: usize,
    /// Of those, the recipe's own bugs.
    pub recipe_bugs: usize,
}

/// Compares one location's recipe with its imported policy.
pub fn compare(
    eval: &mut Evaluator<'_>,
    chain: Chain<'_>,
    draft: &Draft,
    origins: &[String],
    at: &At,
    notes: &mut Vec<Note>,
) -> Tally {
    let mut tally = Tally::default();
    let Some(table) = table(draft) else { return tally };
    let Some(id) = table.policy_id(&draft.name) else { return tally };
    let rule = draft.rules.first();
    let method = rule
        .and_then(|r| {
            r.methods.iter().find(|m| !matches!(m.as_str(), "GET" | "HEAD" | "POST" | "*")).cloned()
        })
        .unwrap_or_else(|| "PUT".into());
    let header = rule
        .and_then(|r| r.headers.iter().find(|h| h.as_str() != "*").cloned())
        .unwrap_or_else(|| "x-probe".into());
    let mut all: Vec<String> = Vec::new();
    for o in origins {
        // A regex sample without a scheme (`example\.com` searched for) stands for
        // the https origin; origins no browser sends (a path, a slash) are left out.
        let o = if o.contains("://") { o.clone() } else { format!("https://{o}") };
        if !matches!(cors_dsl::origin::parse_origin(&o), Ok(cors_dsl::origin::OriginPattern::Exact(e)) if e == o)
        {
            continue;
        }
        all.extend(look_alikes(&o));
        all.push(o);
    }
    all.extend([super::recipe::STRANGER.to_string(), "null".into()]);
    all.sort();
    all.dedup();
    for origin in &all {
        for credentials in [false, true] {
            for kind in [Kind::Read, Kind::ReadError, Kind::Preflight] {
                tally.requests += 1;
                let page = match kind {
                    Kind::Preflight => PageRequest::new(origin.as_str(), method.as_str())
                        .with_unsafe_headers([header.as_str()]),
                    _ => PageRequest::new(origin.as_str(), "GET"),
                }
                .with_credentials(credentials);
                let recipe = recipe_answer(eval, chain, origin, kind, &method, &header);
                let recipe_problems = problems(&page, kind, &recipe);
                let recipe_ok = recipe_problems.is_empty();
                let module_ok =
                    judge(&page, kind, &module_answer(&table, id, origin, kind, &method, &header));
                if recipe_ok == module_ok {
                    continue;
                }
                tally.differences += 1;
                let twice = recipe
                    .headers
                    .iter()
                    .filter(|h| h.0.eq_ignore_ascii_case("access-control-allow-origin"))
                    .count()
                    > 1;
                let bug = if twice {
                    Some("`Access-Control-Allow-Origin` sent twice".to_string())
                } else if kind == Kind::ReadError && !recipe_ok {
                    Some("no `always`: no CORS headers on errors".to_string())
                } else if !recipe_ok && module_ok {
                    // The module answers with the rights the recipe grants elsewhere;
                    // the browser's first objection says what this answer missed.
                    recipe_problems
                        .first()
                        .map(|p| format!("its answer fails the browser's check: {p:?}"))
                } else {
                    None
                };
                tally.recipe_bugs += usize::from(bug.is_some());
                let what = format!(
                    "{} from `{origin}`{}: a browser {} with the recipe, {} with the module",
                    kind.word(),
                    if credentials { " with credentials" } else { "" },
                    if recipe_ok { "accepts" } else { "refuses" },
                    if module_ok { "accepts" } else { "refuses" },
                );
                let note = match bug {
                    Some(b) => {
                        Note::new(Level::Differs, at.clone(), format!("{what} (recipe bug: {b})"))
                    }
                    None if recipe_ok => Note::new(
                        Level::Unknown,
                        at.clone(),
                        format!("{what}: the import did not reproduce this"),
                    )
                    .help("check the policy by hand"),
                    None => Note::new(Level::Differs, at.clone(), what),
                };
                notes.push(note);
            }
        }
    }
    tally
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    ReadError,
    Preflight,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Read => "a read",
            Kind::ReadError => "a read of a 500 answer",
            Kind::Preflight => "a preflight",
        }
    }
}

/// A response as the browser sees it: status and headers.
struct Seen {
    status: u16,
    headers: Vec<(String, String)>,
}

fn problems(page: &PageRequest, kind: Kind, seen: &Seen) -> Vec<cors_dsl::browser::Problem> {
    let resp =
        Response::new(seen.status, seen.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())));
    match kind {
        Kind::Preflight => preflight_check(page, &resp),
        _ => cors_check(page, &resp),
    }
}

fn judge(page: &PageRequest, kind: Kind, seen: &Seen) -> bool {
    problems(page, kind, seen).is_empty()
}

fn recipe_answer(
    eval: &mut Evaluator<'_>,
    chain: Chain<'_>,
    origin: &str,
    kind: Kind,
    method: &str,
    header: &str,
) -> Seen {
    let probe = match kind {
        Kind::Preflight => Probe {
            origin: Some(origin.into()),
            method: "OPTIONS".into(),
            request_method: Some(method.into()),
            request_headers: Some(header.into()),
            upstream_status: 200,
        },
        Kind::Read | Kind::ReadError => Probe {
            origin: Some(origin.into()),
            method: "GET".into(),
            request_method: None,
            request_headers: None,
            upstream_status: if kind == Kind::Read { 200 } else { 500 },
        },
    };
    let a: Answer = eval.answer(chain, &probe);
    Seen { status: a.status, headers: a.headers.into_iter().map(|h| (h.name, h.value)).collect() }
}

fn module_answer(
    table: &RuleTable,
    id: cors_dsl::PolicyId,
    origin: &str,
    kind: Kind,
    method: &str,
    header: &str,
) -> Seen {
    let decision = match kind {
        Kind::Preflight => table.decide(
            id,
            &Request::preflight(origin.as_bytes(), method.as_bytes())
                .with_request_headers(header.as_bytes()),
        ),
        _ => table.decide(id, &Request::actual(b"GET", Some(origin.as_bytes()))),
    };
    let headers = decision
        .headers()
        .map(|h| {
            h.iter()
                .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let status = match kind {
        Kind::Preflight => decision.respond_with().unwrap_or(200),
        Kind::ReadError => 500,
        Kind::Read => 200,
    };
    Seen { status, headers }
}

/// The draft compiled on its own (lint findings do not matter here: the faithful
/// policy may be one the linter refuses).
fn table(d: &Draft) -> Option<RuleTable> {
    let written = draft::render(std::slice::from_ref(d), Mode::Faithful, "");
    let loaded = cors_dsl::load_str(Path::new("compare.cors"), &written.text);
    cors_dsl::compile(loaded.set.as_ref()?, &loaded.sources).ok()
}

/// Origins an attacker registers to pass a sloppy check.
fn look_alikes(origin: &str) -> Vec<String> {
    let Some((scheme, rest)) = origin.split_once("://") else { return Vec::new() };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, format!(":{p}")),
        _ => (rest, String::new()),
    };
    let mut out = vec![
        format!("{scheme}://{host}.evil.net{port}"),
        format!("{scheme}://evil{host}{port}"),
        format!("{scheme}://evil-{host}{port}"),
    ];
    if scheme == "https" {
        out.push(format!("http://{host}{port}"));
    }
    out
}
