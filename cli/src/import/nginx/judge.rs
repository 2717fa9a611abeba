//! What a browser concludes from an answer, and how the recipe's answer and the
//! module's compare: the one judge `--compare` (model) and `--verify` (real nginx)
//! share, built on the browser model (`cors_dsl::browser`, held against Chromium).
//!
//! A difference is the recipe's own bug when the recipe lets the origin in on a plain
//! read but refuses the same origin elsewhere (an error answer without `always`, a
//! header sent twice, a preflight answered with an error status, `*` with
//! credentials): the module answers consistently, so it accepts there. Any other
//! difference means the imported policy does not do what the recipe did, and needs a
//! person.

use super::plan::{Case, Kind};
use crate::import::draft::{At, Level, Mode, Note};
use cors_dsl::browser::{can_read, cors_check, preflight_check, PageRequest, Problem, Response};
use cors_dsl::fetch::list_elements;
use std::fmt::Write as _;

/// An answer as the browser sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The status.
    pub status: u16,
    /// The header lines, in order.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    fn response(&self) -> Response {
        Response::new(self.status, self.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())))
    }

    /// The status and the `Access-Control-*` lines, for a report: `204,
    /// Access-Control-Allow-Origin: https://a.test`.
    pub fn summary(&self) -> String {
        let mut out = self.status.to_string();
        let cors: Vec<&(String, String)> = self
            .headers
            .iter()
            .filter(|(n, _)| n.len() > 15 && n[..15].eq_ignore_ascii_case("access-control-"))
            .collect();
        if cors.is_empty() {
            out.push_str(", no CORS headers");
        }
        for (n, v) in cors {
            let _ = write!(out, ", {n}: {v}");
        }
        out
    }

    fn expose_names(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("access-control-expose-headers"))
            .flat_map(|(_, v)| {
                list_elements(v.as_bytes())
                    .map(|e| String::from_utf8_lossy(e).to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter(|e| e != "*")
            .collect()
    }
}

/// What the browser concludes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The page gets the answer; for a read, these headers are readable beyond the
    /// safelisted ones.
    Accepts(Vec<String>),
    /// The browser refuses, for this first reason.
    Refuses(Problem),
}

impl Verdict {
    fn word(&self) -> String {
        match self {
            Verdict::Accepts(r) if r.is_empty() => "accepts".into(),
            Verdict::Accepts(r) => format!("accepts (exposing {})", r.join(", ")),
            Verdict::Refuses(p) => format!("refuses ({})", problem_text(p)),
        }
    }

    /// Whether the browser accepts.
    pub fn accepts(&self) -> bool {
        matches!(self, Verdict::Accepts(_))
    }

    /// Whether the page ends up the same: both refused (for whatever reason), or both
    /// accepted with the same headers readable.
    pub fn same_outcome(&self, other: &Verdict) -> bool {
        match (self, other) {
            (Verdict::Refuses(_), Verdict::Refuses(_)) => true,
            (Verdict::Accepts(a), Verdict::Accepts(b)) => a == b,
            _ => false,
        }
    }
}

fn problem_text(p: &Problem) -> String {
    match p {
        Problem::PreflightStatus(s) => format!("preflight status {s}"),
        Problem::NoAllowOrigin => "no Access-Control-Allow-Origin".into(),
        Problem::WildcardOriginWithCredentials => "`*` with credentials".into(),
        Problem::OriginMismatch(v) => format!("Access-Control-Allow-Origin `{v}`"),
        Problem::NoAllowCredentials => "no Access-Control-Allow-Credentials: true".into(),
        Problem::MethodNotAllowed { .. } => "method not allowed".into(),
        Problem::HeadersNotAllowed { names, .. } => {
            format!("{} not allowed", names.join(", "))
        }
    }
}

fn page(case: &Case) -> PageRequest {
    match &case.kind {
        Kind::Preflight { method, headers } => PageRequest::new(case.origin.as_str(), method)
            .with_unsafe_headers(headers.iter().map(String::as_str)),
        _ => PageRequest::new(case.origin.as_str(), "GET"),
    }
    .with_credentials(case.credentials)
}

/// The browser's verdict on `seen` as the answer to `case`; `names` are the exposed
/// header names to ask about (both sides' lists, so verdicts compare).
pub fn verdict(case: &Case, seen: &Seen, names: &[String]) -> Verdict {
    let req = page(case);
    let resp = seen.response();
    let problems = match case.kind {
        Kind::Preflight { .. } => preflight_check(&req, &resp),
        _ => cors_check(&req, &resp),
    };
    match problems.into_iter().next() {
        Some(p) => Verdict::Refuses(p),
        None if matches!(case.kind, Kind::Preflight { .. }) => Verdict::Accepts(Vec::new()),
        None => {
            Verdict::Accepts(names.iter().filter(|n| can_read(&req, &resp, n)).cloned().collect())
        }
    }
}

/// A request where a browser concludes differently.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The request.
    pub case: Case,
    /// The browser with the recipe.
    pub recipe: Verdict,
    /// The browser with the module.
    pub module: Verdict,
    /// What the two answered.
    pub answers: (Seen, Seen),
    /// When the difference is the recipe's own bug, which.
    pub recipe_bug: Option<String>,
}

/// Compares the two answers to `case`; `granted` says whether the recipe means to let
/// this origin in ([`grants`], on a plain read without credentials).
pub fn compare(case: &Case, recipe: &Seen, module: &Seen, granted: bool) -> Option<Difference> {
    let mut names = recipe.expose_names();
    names.extend(module.expose_names());
    names.sort();
    names.dedup();
    let r = verdict(case, recipe, &names);
    let m = verdict(case, module, &names);
    if r.same_outcome(&m) {
        return None;
    }
    let recipe_bug = match (&r, m.accepts()) {
        (Verdict::Refuses(p), true) if granted => Some(bug(case, recipe, p)),
        _ => None,
    };
    Some(Difference {
        case: case.clone(),
        recipe: r,
        module: m,
        answers: (recipe.clone(), module.clone()),
        recipe_bug,
    })
}

/// Whether the recipe means to let `origin` in: an `Access-Control-Allow-Origin` line
/// of its answer is that origin or `*` (sent twice, browsers refuse it anyway: that is
/// the recipe's bug, not a refusal it meant).
fn grants(seen: &Seen, origin: &str) -> bool {
    seen.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("access-control-allow-origin") && (v == origin || v == "*")
    })
}

/// Why the recipe refuses an origin it otherwise lets in.
fn bug(case: &Case, recipe: &Seen, p: &Problem) -> String {
    let acao = recipe
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("access-control-allow-origin"))
        .count();
    match p {
        _ if acao > 1 => "`Access-Control-Allow-Origin` sent twice".into(),
        Problem::NoAllowOrigin if case.kind == Kind::ReadError => {
            "no `always`: no CORS headers on error answers".into()
        }
        Problem::PreflightStatus(s) => format!("the preflight is answered with status {s}"),
        Problem::WildcardOriginWithCredentials => {
            "`Access-Control-Allow-Origin: *` with credentials".into()
        }
        p => format!("its answer fails the browser's check: {}", problem_text(p)),
    }
}

/// Running totals.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Requests compared.
    pub requests: usize,
    /// Where a browser concludes differently.
    pub differences: usize,
    /// Of those, the recipe's own bugs.
    pub recipe_bugs: usize,
}

impl Tally {
    /// Adds another tally.
    pub fn add(&mut self, o: Tally) {
        self.requests += o.requests;
        self.differences += o.differences;
        self.recipe_bugs += o.recipe_bugs;
    }
}

/// Runs every case through `answer` (recipe, module) and turns each difference into
/// a [`Note`] at `at`. `answer` returns `None` when a request could not be made (the
/// note it wrote says why).
pub fn run(
    cases: &[Case],
    mode: Mode,
    at: &At,
    with: &str,
    notes: &mut Vec<Note>,
    mut answer: impl FnMut(&Case) -> Option<(Seen, Seen)>,
) -> Tally {
    let mut tally = Tally::default();
    let mut granted = false;
    for case in cases {
        let Some((recipe, module)) = answer(case) else { break };
        tally.requests += 1;
        if case.kind == Kind::Read && !case.credentials {
            granted = grants(&recipe, &case.origin);
        }
        let Some(d) = compare(case, &recipe, &module, granted) else { continue };
        tally.differences += 1;
        tally.recipe_bugs += usize::from(d.recipe_bug.is_some());
        notes.push(note(&d, mode, at, with));
    }
    tally
}

fn note(d: &Difference, mode: Mode, at: &At, with: &str) -> Note {
    let what = format!(
        "{}: a browser {} with the recipe, {} with the module",
        d.case.describe(),
        d.recipe.word(),
        d.module.word()
    );
    let answers = format!(
        "{with}: the recipe answered {}; the module answered {}",
        d.answers.0.summary(),
        d.answers.1.summary()
    );
    let note = match (&d.recipe_bug, mode) {
        (Some(b), _) => Note::new(Level::Differs, at.clone(), format!("{what} (recipe bug: {b})")),
        (None, Mode::Fix) if d.recipe.accepts() => {
            Note::new(Level::Differs, at.clone(), format!("{what} (closed by --fix)"))
        }
        (None, _) => Note::new(
            Level::Unknown,
            at.clone(),
            format!("{what}: the import did not reproduce this"),
        ),
    };
    note.help(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(status: u16, headers: &[(&str, &str)]) -> Seen {
        Seen {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        }
    }

    fn read(origin: &str, kind: Kind, credentials: bool) -> Case {
        Case { origin: origin.into(), kind, credentials }
    }

    #[test]
    fn an_error_without_always_is_the_recipes_bug() {
        let o = "https://a.test";
        let case = read(o, Kind::ReadError, false);
        let d = compare(
            &case,
            &seen(500, &[]),
            &seen(500, &[("Access-Control-Allow-Origin", o)]),
            true,
        );
        let d = d.expect("differs");
        assert_eq!(d.recipe_bug.as_deref(), Some("no `always`: no CORS headers on error answers"));
        // The same difference for an origin the recipe never lets in is the import's.
        let d = compare(
            &case,
            &seen(500, &[]),
            &seen(500, &[("Access-Control-Allow-Origin", o)]),
            false,
        );
        assert_eq!(d.expect("differs").recipe_bug, None);
    }

    #[test]
    fn same_verdicts_are_no_difference_whatever_the_bytes() {
        let o = "https://a.test";
        let case = read(o, Kind::Read, false);
        let a = seen(200, &[("Access-Control-Allow-Origin", o), ("Vary", "Origin")]);
        let b = seen(200, &[("access-control-allow-origin", o)]);
        assert!(compare(&case, &a, &b, true).is_none());
    }

    #[test]
    fn refusals_for_different_reasons_are_the_same_outcome() {
        let o = "https://a.test";
        let case = read(o, Kind::ReadError, true);
        let recipe = seen(500, &[]);
        let module = seen(500, &[("Access-Control-Allow-Origin", o)]);
        assert!(compare(&case, &recipe, &module, true).is_none());
    }

    #[test]
    fn exposed_headers_count() {
        let o = "https://a.test";
        let case = read(o, Kind::Read, false);
        let a = seen(
            200,
            &[("Access-Control-Allow-Origin", o), ("Access-Control-Expose-Headers", "X-Id")],
        );
        let b = seen(200, &[("Access-Control-Allow-Origin", o)]);
        let d = compare(&case, &a, &b, true).expect("differs");
        assert_eq!(d.recipe, Verdict::Accepts(vec!["x-id".into()]));
        assert_eq!(d.recipe_bug, None);
    }
}
