//! CORS110 `unreadable-exposed-header`: `Set-Cookie` in `expose`.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct UnreadableExposedHeader;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS110",
    "unreadable-exposed-header",
    Severity::Error,
    "`Set-Cookie` or `Set-Cookie2` in `expose`: scripts can never read them",
    "## Why is this bad?\n\
`Set-Cookie` and `Set-Cookie2` are forbidden response header names: browsers filter them \
out of every response a script sees, exposed or not. Listing them does nothing.\n\n\
## Example\n```\nexpose X-Request-ID Set-Cookie;\n```\n\n\
## Use instead\n```\nexpose X-Request-ID;\n```\n",
);

impl Lint for UnreadableExposedHeader {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let entries = rule.expose.node.entries();
            for (i, h) in entries.iter().enumerate() {
                let lower = h.node.to_ascii_lowercase();
                if lower != "set-cookie" && lower != "set-cookie2" {
                    continue;
                }
                let mut d = Diagnostic::new(
                    CODE,
                    h.span,
                    format!("`{}` can never be read by a script", h.node),
                )
                .label("browsers always filter it out")
                .help(format!("remove `{}` from `expose`", h.node));
                if let Some(span) = removal_span(sources, entries, i) {
                    d = d.fix(span, "", "remove the unreadable header");
                }
                out.push(d);
            }
        }
    }
}
