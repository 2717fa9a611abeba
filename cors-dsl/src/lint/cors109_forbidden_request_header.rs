//! CORS109 `forbidden-request-header`: a header in `headers` that browsers never let
//! scripts send.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::fetch::is_forbidden_request_header;
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct ForbiddenRequestHeader;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS109",
    "forbidden-request-header",
    Severity::Warning,
    "a forbidden request header (`Cookie`, `Host`, `Origin`, `Sec-*`, ...) in `headers`",
    "## Why is this bad?\n\
The Fetch standard forbids scripts from setting these headers; the browser sets them \
itself and never lists them in `Access-Control-Request-Headers`. Allowing them does nothing \
and suggests a misunderstanding (cookies are governed by `credentials`, not `headers`).\n\n\
## Example\n```\nheaders Content-Type Cookie;\n```\n\n\
## Use instead\n```\nheaders Content-Type;\ncredentials on;\n```\n",
);

impl Lint for ForbiddenRequestHeader {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let entries = rule.headers.node.entries();
            for (i, h) in
                entries.iter().enumerate().filter(|(_, h)| is_forbidden_request_header(&h.node))
            {
                let mut d = Diagnostic::new(
                    CODE,
                    h.span,
                    format!("`{}` is a forbidden request header", h.node),
                )
                .label("browsers never let scripts send it")
                .help(if h.node.to_ascii_lowercase().starts_with("cookie") {
                    "remove it; cookies are sent when `credentials on` is set".to_string()
                } else {
                    format!("remove `{}`", h.node)
                });
                if let Some(span) = removal_span(sources, entries, i) {
                    d = d.fix(span, "", "remove the forbidden header");
                }
                out.push(d);
            }
        }
    }
}
