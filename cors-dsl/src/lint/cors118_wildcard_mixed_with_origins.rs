//! CORS118 `wildcard-mixed-with-origins`: `*` beside specific origins.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct WildcardMixedWithOrigins;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS118",
    "wildcard-mixed-with-origins",
    Severity::Info,
    "the `*` origin beside specific origins in the same rule: they are dead entries",
    "## Why is this bad?\n\
`*` already matches every origin, so the other origins of the rule never make a \
difference. Usually the `*` was added while debugging and forgotten, and the list shows \
the intent.\n\n\
## Example\n```\norigin https://app.example.com *;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\n```\n",
);

impl Lint for WildcardMixedWithOrigins {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let Some(star) = rule.origins.iter().find(|o| matches!(o.node, OriginPattern::Any))
            else {
                continue;
            };
            let dead: Vec<_> =
                rule.origins.iter().filter(|o| !matches!(o.node, OriginPattern::Any)).collect();
            if dead.is_empty() {
                continue;
            }
            let mut d = Diagnostic::new(
                CODE,
                star.span,
                format!(
                    "`*` makes the rule's other {} dead",
                    if dead.len() == 1 { "origin" } else { "origins" }
                ),
            )
            .label("matches every origin")
            .help("remove `*` if the listed origins are the intent, or the list if not");
            for o in dead {
                d = d.secondary(o.span, "never decides anything");
            }
            out.push(d);
        }
    }
}
