//! CORS111 `response-header-in-allowed-headers`: `Access-Control-Allow-*` names in
//! `headers`.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct ResponseHeaderInAllowedHeaders;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS111",
    "response-header-in-allowed-headers",
    Severity::Warning,
    "a response-only `Access-Control-*` header in `headers`",
    "## Why is this bad?\n\
`Access-Control-Allow-Origin` and its siblings are response headers the server sends. A \
front-end that sends them on the request is mistaken (a common copy-paste from a Stack \
Overflow answer) and allowing them only hides the mistake.\n\n\
## Example\n```\nheaders Content-Type Access-Control-Allow-Origin;\n```\n\n\
## Use instead\n```\nheaders Content-Type;\n```\n\
and remove the header from the front-end's request.\n",
);

impl Lint for ResponseHeaderInAllowedHeaders {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let entries = rule.headers.node.entries();
            for (i, h) in entries.iter().enumerate() {
                let lower = h.node.to_ascii_lowercase();
                // `Access-Control-Request-*` are forbidden request headers: CORS109.
                if !lower.starts_with("access-control-")
                    || lower.starts_with("access-control-request-")
                {
                    continue;
                }
                let mut d = Diagnostic::new(
                    CODE,
                    h.span,
                    format!("`{}` is a response header, not a request header", h.node),
                )
                .label("only the server sends this")
                .help("remove it here and stop sending it from the front-end");
                // Only a suggestion: a front-end that sends the header today is
                // refused its preflight the moment the entry goes.
                if let Some(span) = removal_span(sources, entries, i) {
                    d = d.suggestion(
                        span,
                        "",
                        "remove the response header (after the front-end stops sending it)",
                    );
                }
                out.push(d);
            }
        }
    }
}
