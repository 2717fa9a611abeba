//! A failed expectation in words: what was expected, what the policy does, and the
//! statement (or missing entry) that decides it, as a `CORS201`/`CORS202` diagnostic.

use super::walk::{Refusal, Stage, Step, Walk};
use crate::browser::Problem;
use crate::codes;
use crate::diag::Diagnostic;
use crate::fetch::{is_safelisted_method, FORBIDDEN_RESPONSE_HEADERS};
use crate::model::{Expectation, Expected, OriginPattern, Policy, Rule};
use crate::origin::OriginIndex;
use crate::span::Span;
use crate::table::{PolicyId, RuleTable};

/// The policy and table an expectation is judged against.
pub(crate) struct Judged<'a> {
    pub(crate) policy: &'a Policy,
    pub(crate) table: &'a RuleTable,
    pub(crate) id: PolicyId,
}

/// Where the decision comes from: a message fragment, the place to point at, and how
/// to change the policy.
struct Cause {
    why: String,
    at: Span,
    label: String,
    help: String,
}

impl Judged<'_> {
    /// `None` when the walk is what `e` expects; the diagnostic otherwise.
    pub(crate) fn verdict(&self, e: &Expectation, walk: &Walk) -> Option<Diagnostic> {
        let allowed = walk.allowed();
        let cause = match (e.outcome.node, walk) {
            (_, Walk::Upstream) => return Some(self.unverifiable(e)),
            (Expected::Allow, _) if allowed => return None,
            (Expected::Refuse, _) if !allowed => return None,
            (Expected::Allow, Walk::Sent { unreadable, .. }) => match walk.refused_step() {
                Some(step) => self.refused(e, step),
                None => self.unreadable(walk.last_rule(), unreadable),
            },
            (Expected::Refuse, _) => self.allowed(e, walk),
        };
        let Cause { why, at, label, help } = cause;
        let mut d = Diagnostic::new(
            codes::EXPECTATION_FAILED,
            e.span,
            format!("expected `{}` for {}, but {why}", e.outcome.node.as_str(), request(e)),
        )
        .label(format!("expected `{}`", e.outcome.node.as_str()))
        .secondary(at, label)
        .help(help);
        if allowed {
            for (span, text) in self.preflight_grants(e, walk) {
                d = d.secondary(span, text);
            }
        }
        Some(d)
    }

    fn unverifiable(&self, e: &Expectation) -> Diagnostic {
        let mode = self.policy.preflight.mode.span;
        Diagnostic::new(
            codes::EXPECTATION_UNVERIFIABLE,
            e.span,
            format!(
                "cannot check {}: a browser preflights it, and policy `{}` passes preflights to the upstream",
                request(e),
                self.policy.name.node
            ),
        )
        .label("the upstream decides this")
        .secondary(mode, "preflights go to the upstream")
        .help("expect only requests sent without a preflight, or let the module answer preflights")
    }

    fn rule(&self, idx: Option<usize>) -> Option<(&Rule, String)> {
        let i = idx?;
        let rule = self.policy.rules.get(i)?;
        let at = self.table.rule_source(self.id, i).map_or_else(|| "?".into(), |s| s.to_string());
        Some((rule, format!("rule #{} at {at}", i + 1)))
    }

    /// Whether a rule's setting was written (a default carries the policy name's span).
    fn written(&self, span: Span) -> bool {
        span != self.policy.name.span
    }

    fn refused(&self, e: &Expectation, step: &Step) -> Cause {
        let does = match (step.stage, step.refusal.is_some()) {
            (Stage::Preflight, true) => "the policy refuses the preflight",
            (Stage::Actual, true) => "the policy refuses the request",
            (Stage::Preflight, false) => "the browser rejects the preflight answer",
            (Stage::Actual, false) => "the browser blocks the response",
        };
        let rule = self.rule(step.rule);
        let mut cause = match (&step.refusal, &rule) {
            (Some(Refusal::OriginNotListed), _) => self.origin_not_listed(e),
            (Some(Refusal::MethodNotListed(m)), Some((rule, name))) => {
                self.method_not_listed(m, rule, name)
            }
            (Some(Refusal::HeaderNotListed(h)), Some((rule, name))) => {
                self.header_not_listed(as_written(e, h), rule, name)
            }
            (Some(other), _) => Cause {
                why: format!("{other:?}"),
                at: self.policy.name.span,
                label: "refused by this policy".into(),
                help: "change the policy or the expectation".into(),
            },
            (None, _) => self.browser_problem(e, step, rule),
        };
        cause.why = format!("{does}: {}", cause.why);
        cause
    }

    fn origin_not_listed(&self, e: &Expectation) -> Cause {
        let origin = &e.origin.node;
        Cause {
            why: format!("no rule of policy `{}` lists `{origin}`", self.policy.name.node),
            at: self.policy.name.span,
            label: format!("no rule lists `{origin}`"),
            help: format!(
                "add `origin {origin};` to policy `{}` (or to one of its `allow` blocks), or change the expectation",
                self.policy.name.node
            ),
        }
    }

    fn method_not_listed(&self, method: &str, rule: &Rule, name: &str) -> Cause {
        let (at, label) = if self.written(rule.methods.span) {
            (rule.methods.span, format!("`{method}` is not listed here"))
        } else {
            (rule.span, "no `methods`: only GET, HEAD and POST".to_string())
        };
        Cause {
            why: format!("{name} does not allow method `{method}`"),
            at,
            label,
            help: format!("add `{method}` to the rule's `methods`, or change the expectation"),
        }
    }

    fn header_not_listed(&self, header: &str, rule: &Rule, name: &str) -> Cause {
        let authorization =
            rule.headers.node.is_any() && header.eq_ignore_ascii_case("authorization");
        let (at, label) = match (self.written(rule.headers.span), authorization) {
            (true, true) => (rule.headers.span, "`*` never covers `Authorization`".to_string()),
            (true, false) => (rule.headers.span, format!("`{header}` is not listed here")),
            (false, _) => (rule.span, "no `headers`: only CORS-safelisted ones".to_string()),
        };
        Cause {
            why: format!("{name} does not allow request header `{header}`"),
            at,
            label,
            help: format!("add `{header}` to the rule's `headers`, or change the expectation"),
        }
    }

    /// The policy answered, and the browser refuses the answer.
    fn browser_problem(
        &self,
        e: &Expectation,
        step: &Step,
        rule: Option<(&Rule, String)>,
    ) -> Cause {
        let Some((rule, name)) = rule else {
            return Cause {
                why: "no CORS headers in the answer".into(),
                at: self.policy.name.span,
                label: "this policy".into(),
                help: "change the policy or the expectation".into(),
            };
        };
        let first = step.problems.first();
        match first {
            Some(Problem::NoAllowCredentials) => {
                let (at, label) = if self.written(rule.credentials.span) {
                    (rule.credentials.span, "credentials are off here".to_string())
                } else {
                    (rule.span, "no `credentials on` in this rule".to_string())
                };
                Cause {
                    why: format!(
                        "{name} does not allow credentials (no `Access-Control-Allow-Credentials: true`)"
                    ),
                    at,
                    label,
                    help: "add `credentials on;` to the rule, or drop `credentials` from the expectation".into(),
                }
            }
            Some(Problem::WildcardOriginWithCredentials) => {
                let star = rule.origins.iter().find(|o| o.node == OriginPattern::Any);
                Cause {
                    why: format!(
                        "{name} answers `Access-Control-Allow-Origin: *`, which a browser refuses on a request with credentials"
                    ),
                    at: star.map_or(rule.span, |o| o.span),
                    label: "every origin, without credentials".into(),
                    help: format!(
                        "list `{}` in an `allow` block with `credentials on;` before this rule, or drop `credentials` from the expectation",
                        e.origin.node
                    ),
                }
            }
            Some(Problem::MethodNotAllowed { .. }) => {
                self.method_not_listed(&e.method.node, rule, &name)
            }
            Some(Problem::HeadersNotAllowed { names, .. }) => {
                let header = names.first().map_or("", String::as_str);
                self.header_not_listed(as_written(e, header), rule, &name)
            }
            other => Cause {
                why: format!("{name} gives an answer the browser refuses ({other:?})"),
                at: rule.span,
                label: "this rule answers".into(),
                help: "change the policy or the expectation".into(),
            },
        }
    }

    fn unreadable(&self, rule: Option<usize>, names: &[String]) -> Cause {
        let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let forbidden = names
            .iter()
            .find(|n| FORBIDDEN_RESPONSE_HEADERS.contains(&n.to_ascii_lowercase().as_str()));
        let (at, label, rule_name) = match self.rule(rule) {
            Some((r, name)) if self.written(r.expose.span) => {
                (r.expose.span, "not exposed here".to_string(), name)
            }
            Some((r, name)) => (r.span, "no `expose` in this rule".to_string(), name),
            None => (self.policy.name.span, "this policy".to_string(), "the policy".into()),
        };
        let help = match forbidden {
            Some(f) => format!("no page can ever read `{f}`; remove it from the expectation"),
            None => format!("add {list} to the rule's `expose`, or change the expectation"),
        };
        let why = match forbidden {
            Some(f) => format!("the page cannot read {list}: no page can read `{f}`"),
            None => format!("the page cannot read {list}: {rule_name} does not expose it"),
        };
        Cause { why, at, label, help }
    }

    /// The `methods` and `headers` statements that let an unwanted preflight through.
    fn preflight_grants(&self, e: &Expectation, walk: &Walk) -> Vec<(Span, String)> {
        let preflighted = matches!(walk, Walk::Sent { steps, .. } if steps.len() > 1);
        let Some((rule, _)) = self.rule(walk.last_rule()).filter(|_| preflighted) else {
            return Vec::new();
        };
        let mut grants = Vec::new();
        let method = &e.method.node;
        if !is_safelisted_method(method.as_bytes()) && self.written(rule.methods.span) {
            grants.push((rule.methods.span, format!("allows `{method}`")));
        }
        if !e.headers.is_empty() && self.written(rule.headers.span) {
            grants.push((rule.headers.span, "allows the requested headers".to_string()));
        }
        grants
    }

    /// The page gets a response it should not: point at the origin pattern that lets it
    /// in (first match wins, so it is in the rule that answered).
    fn allowed(&self, e: &Expectation, walk: &Walk) -> Cause {
        let Some((rule, name)) = self.rule(walk.last_rule()) else {
            return Cause {
                why: "the browser accepts the answer".into(),
                at: self.policy.name.span,
                label: "this policy".into(),
                help: "change the policy or the expectation".into(),
            };
        };
        let origin = rule_origin_matching(rule, &e.origin.node);
        let (at, pattern) = match origin {
            Some((span, pattern)) => (span, pattern),
            None => (rule.span, "its origins".into()),
        };
        Cause {
            why: format!("the policy allows it: {name} matches it with `{pattern}`"),
            at,
            label: format!("matches `{}`", e.origin.node),
            help: format!(
                "narrow this origin (or move `{}` to a rule that refuses it), or change the expectation",
                e.origin.node
            ),
        }
    }
}

/// The first origin pattern of `rule` that `origin` matches, found with the same index
/// the table uses (one "rule" per pattern), so the answer cannot differ from `decide()`.
fn rule_origin_matching(rule: &Rule, origin: &str) -> Option<(Span, String)> {
    let index = OriginIndex::build(rule.origins.iter().map(|o| std::iter::once(&o.node))).ok()?;
    let found = rule.origins.get(index.find(origin.as_bytes())? as usize)?;
    let text = match &found.node {
        OriginPattern::Regex(r) => format!("~ \"{r}\""),
        other => other.to_string(),
    };
    Some((found.span, text))
}

/// A request header name as the expectation wrote it (the preflight lists it
/// lower-cased).
fn as_written<'e>(e: &'e Expectation, name: &'e str) -> &'e str {
    e.headers.iter().find(|h| h.node.eq_ignore_ascii_case(name)).map_or(name, |h| h.node.as_str())
}

/// "`PUT` from `https://app.example.com` with `Content-Type` and credentials".
pub(crate) fn request(e: &Expectation) -> String {
    let mut text = format!("`{}` from `{}`", e.method.node, e.origin.node);
    let mut with = Vec::new();
    if !e.headers.is_empty() {
        let names: Vec<String> = e.headers.iter().map(|h| format!("`{}`", h.node)).collect();
        with.push(format!(
            "header{} {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    if e.credentials.is_some() {
        with.push("credentials".to_string());
    }
    if !with.is_empty() {
        text.push_str(" with ");
        text.push_str(&with.join(" and "));
    }
    text
}
