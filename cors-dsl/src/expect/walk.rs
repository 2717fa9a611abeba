//! What a browser goes through for one expectation: the preflight it sends (if any),
//! the actual request, and the response headers the page then reads. Each request is
//! answered by the compiled table's `decide()`, exactly as nginx answers it, and
//! judged by [`crate::browser`], the model `corsc explain` and the Chromium suite use.
//! No second model of either side lives here: this file only strings the two together.

use crate::browser::{self, PageRequest, Problem};
use crate::decide::{Decision, Reason, Request};
use crate::model::Expectation;
use crate::table::{PolicyId, RuleTable};

/// Which request of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The `OPTIONS` preflight.
    Preflight,
    /// The request itself.
    Actual,
}

/// Why the policy refused a request (an owned copy of the server's [`Reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No rule lists the origin.
    OriginNotListed,
    /// The matching rule does not allow this method.
    MethodNotListed(String),
    /// The matching rule does not allow this request header.
    HeaderNotListed(String),
    /// Anything else (cannot come from a well-formed expectation; kept for wording).
    Other(String),
}

impl From<Reason<'_>> for Refusal {
    fn from(r: Reason<'_>) -> Self {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match r {
            Reason::OriginNotAllowed => Refusal::OriginNotListed,
            Reason::MethodNotAllowed(m) => Refusal::MethodNotListed(text(m)),
            Reason::HeaderNotAllowed(h) => Refusal::HeaderNotListed(text(h)),
            other => Refusal::Other(other.to_string()),
        }
    }
}

/// One request of the walk: the policy's answer and the browser's verdict on it.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// Which request.
    pub(crate) stage: Stage,
    /// The rule that matched, if one did.
    pub(crate) rule: Option<usize>,
    /// The policy's reason, when it refused.
    pub(crate) refusal: Option<Refusal>,
    /// What the browser holds against the answer (empty: accepted).
    pub(crate) problems: Vec<Problem>,
}

/// Everything a browser sees for one expectation.
#[derive(Debug, Clone)]
pub(crate) enum Walk {
    /// The preflight goes to the upstream (`preflight pass;`): the outcome is the
    /// application's, not the policy's.
    Upstream,
    /// The requests sent, in order; the walk stops at the first the browser refuses.
    Sent {
        /// The preflight (when one is needed) and the actual request.
        steps: Vec<Step>,
        /// `expose` names the page cannot read on an accepted response.
        unreadable: Vec<String>,
    },
}

impl Walk {
    /// Whether the page gets the response and can read every `expose` name.
    pub(crate) fn allowed(&self) -> bool {
        match self {
            Walk::Upstream => false,
            Walk::Sent { steps, unreadable } => {
                steps.iter().all(|s| s.problems.is_empty()) && unreadable.is_empty()
            }
        }
    }

    /// The request the browser refused, if any.
    pub(crate) fn refused_step(&self) -> Option<&Step> {
        match self {
            Walk::Upstream => None,
            Walk::Sent { steps, .. } => steps.iter().find(|s| !s.problems.is_empty()),
        }
    }

    /// The rule that answered the last request sent.
    pub(crate) fn last_rule(&self) -> Option<usize> {
        match self {
            Walk::Upstream => None,
            Walk::Sent { steps, .. } => steps.last().and_then(|s| s.rule),
        }
    }
}

/// The page request an expectation describes.
pub(crate) fn page_request(e: &Expectation) -> PageRequest {
    PageRequest::new(e.origin.node.as_str(), e.method.node.as_str())
        .with_unsafe_header_names(e.headers.iter().map(|h| h.node.as_str()))
        .with_credentials(e.credentials.is_some())
}

/// Sends what a browser sends for `e` to policy `id` of `table`, and judges each answer.
pub(crate) fn walk(table: &RuleTable, id: PolicyId, e: &Expectation) -> Walk {
    let page = page_request(e);
    let origin = page.origin.as_bytes();
    let method = page.method.as_bytes();
    let mut steps = Vec::new();
    if page.needs_preflight() {
        let request_headers = page.preflight_request_headers();
        let mut request = Request::preflight(origin, method);
        if let Some(h) = &request_headers {
            request = request.with_request_headers(h.as_bytes());
        }
        let decision = table.decide(id, &request);
        if matches!(decision, Decision::PreflightPassThrough) {
            return Walk::Upstream;
        }
        let step = judge(&page, Stage::Preflight, &decision);
        let refused = !step.problems.is_empty();
        steps.push(step);
        if refused {
            return Walk::Sent { steps, unreadable: Vec::new() };
        }
    }
    let decision = table.decide(id, &Request::actual(method, Some(origin)));
    let step = judge(&page, Stage::Actual, &decision);
    let unreadable = if step.problems.is_empty() {
        let answer = response(&decision);
        e.expose
            .iter()
            .filter(|name| !browser::can_read(&page, &answer, &name.node))
            .map(|name| name.node.clone())
            .collect()
    } else {
        Vec::new()
    };
    steps.push(step);
    Walk::Sent { steps, unreadable }
}

/// The answer as the browser receives it. A refused preflight passed to the upstream
/// (`preflight-refused pass;`) reaches the browser with whatever status the
/// application gives and no CORS headers (the module strips them): 200 stands for it.
fn response(decision: &Decision<'_>) -> browser::Response {
    let headers: Vec<(String, Vec<u8>)> = decision
        .headers()
        .map(|h| h.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect())
        .unwrap_or_default();
    browser::Response { status: decision.respond_with().unwrap_or(200), headers }
}

fn judge(page: &PageRequest, stage: Stage, decision: &Decision<'_>) -> Step {
    let answer = response(decision);
    let problems = match stage {
        Stage::Preflight => browser::preflight_check(page, &answer),
        Stage::Actual => browser::cors_check(page, &answer),
    };
    Step { stage, rule: decision.rule(), refusal: decision.reason().map(Refusal::from), problems }
}
