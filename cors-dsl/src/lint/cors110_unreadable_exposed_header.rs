//! CORS110 `unreadable-exposed-header`: a header in `expose` that no script will ever
//! read from a response: `Set-Cookie`, or a header only requests carry (`Cookie`,
//! `Referer`, `Origin`, …).

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::fetch::{is_request_only_header, FORBIDDEN_RESPONSE_HEADERS};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct UnreadableExposedHeader;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS110",
    "unreadable-exposed-header",
    Severity::Warning,
    "a header in `expose` that scripts never read: `Set-Cookie`, or a request-only header (`Cookie`, `Referer`, ...)",
    "## Why is this bad?\n\
`Set-Cookie` and `Set-Cookie2` are forbidden response header names: browsers filter them \
out of every response a script sees, exposed or not. Request headers such as `Cookie`, \
`Referer`, `Origin`, `Authorization`, `User-Agent`, `If-None-Match` or `Sec-Fetch-Mode` \
never appear on a response at all, so exposing them exposes nothing. Either way the \
listing does nothing, and the author probably expected it to (a script cannot read the \
user's cookies or the request's `Referer` through CORS).\n\n\
## Example\n```\nexpose X-Request-ID Set-Cookie Referer;\n```\n\n\
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
                let (message, label) = if FORBIDDEN_RESPONSE_HEADERS.contains(&lower.as_str()) {
                    (
                        format!("`{}` can never be read by a script", h.node),
                        "browsers always filter it out",
                    )
                } else if is_request_only_header(&h.node) {
                    (
                        format!("`{}` is a request header: responses never carry it", h.node),
                        "nothing to expose",
                    )
                } else {
                    continue;
                };
                let mut d = Diagnostic::new(CODE, h.span, message)
                    .label(label)
                    .help(format!("remove `{}` from `expose`", h.node));
                if let Some(span) = removal_span(sources, entries, i) {
                    d = d.fix(span, "", "remove the unreadable header");
                }
                out.push(d);
            }
        }
    }
}
