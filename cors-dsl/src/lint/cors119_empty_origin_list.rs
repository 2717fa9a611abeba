//! CORS119 `empty-origin-list`: a policy or `allow` block that allows no origin.

use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct EmptyOriginList;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS119",
    "empty-origin-list",
    Severity::Warning,
    "a policy with no origins at all, or an `allow` block without `origin`",
    "## Why is this bad?\n\
Without origins the rule matches no request: every cross-origin request is refused and the \
rest of the block is dead. Usually the `origin` line was lost in an edit or sits in the \
wrong block.\n\n\
## Example\n```\npolicy api {\n    methods GET PUT;\n}\n```\n\n\
## Use instead\n```\npolicy api {\n    origin https://app.example.com;\n    methods GET PUT;\n}\n```\n",
);

impl Lint for EmptyOriginList {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for policy in &set.policies {
            if policy.rules.iter().all(|r| r.origins.is_empty()) {
                out.push(
                    Diagnostic::new(
                        CODE,
                        policy.name.span,
                        format!("policy `{}` allows no origin", policy.name.node),
                    )
                    .label("every cross-origin request is refused")
                    .help("add an `origin` statement"),
                );
                continue;
            }
            for rule in policy.rules.iter().filter(|r| r.origins.is_empty() && !r.implicit) {
                out.push(
                    Diagnostic::new(CODE, rule.span, "this `allow` block has no `origin`")
                        .label("matches no request")
                        .help("add an `origin` statement to the block, or remove the block"),
                );
            }
        }
    }
}
