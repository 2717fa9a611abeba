//! `--compare`: the recipe against the imported policy, request by request, through
//! models only: the recipe through [`super::eval`] (the application answering 200,
//! or 500 for the error case, and 200 to `OPTIONS`), the policy through the module's
//! decision (`RuleTable::decide`). The requests are [`super::plan`]'s and the verdicts
//! [`super::judge`]'s, the same as `--verify` sends to real nginx; this half runs
//! offline and in every test.

use super::eval::{Chain, Evaluator, Probe};
use super::judge::{self, Seen, Tally};
use super::plan::{Case, Kind, Plan};
use crate::import::draft::{self, At, Draft, Mode, Note};
use cors_dsl::{Request, RuleTable};
use std::path::Path;

/// Compares one location's recipe with its imported policy.
pub fn compare(
    eval: &mut Evaluator<'_>,
    chain: Chain<'_>,
    draft: &Draft,
    plan: &Plan,
    at: &At,
    notes: &mut Vec<Note>,
) -> Tally {
    let Some(table) = table(draft) else { return Tally::default() };
    let Some(id) = table.policy_id(&draft.name) else { return Tally::default() };
    judge::run(&plan.cases(), Mode::Faithful, at, "model", notes, |case| {
        Some((recipe_answer(eval, chain, case), module_answer(&table, id, case)))
    })
}

fn recipe_answer(eval: &mut Evaluator<'_>, chain: Chain<'_>, case: &Case) -> Seen {
    let origin = Some(case.origin.clone());
    let probe = match &case.kind {
        Kind::Preflight { method, headers } => Probe {
            origin,
            method: "OPTIONS".into(),
            request_method: Some(method.clone()),
            request_headers: (!headers.is_empty()).then(|| headers.join(",")),
            upstream_status: 200,
        },
        Kind::Read | Kind::ReadError => Probe {
            origin,
            method: "GET".into(),
            request_method: None,
            request_headers: None,
            upstream_status: if case.kind == Kind::Read { 200 } else { 500 },
        },
    };
    let a = eval.answer(chain, &probe);
    Seen { status: a.status, headers: a.headers.into_iter().map(|h| (h.name, h.value)).collect() }
}

fn module_answer(table: &RuleTable, id: cors_dsl::PolicyId, case: &Case) -> Seen {
    let origin = case.origin.as_bytes();
    let joined;
    let decision = match &case.kind {
        Kind::Preflight { method, headers } => {
            joined = headers.join(",");
            let mut r = Request::preflight(origin, method.as_bytes());
            if !headers.is_empty() {
                r = r.with_request_headers(joined.as_bytes());
            }
            table.decide(id, &r)
        }
        _ => table.decide(id, &Request::actual(b"GET", Some(origin))),
    };
    let headers = decision
        .headers()
        .map(|h| {
            h.iter()
                .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let status = match case.kind {
        Kind::Preflight { .. } => decision.respond_with().unwrap_or(200),
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
