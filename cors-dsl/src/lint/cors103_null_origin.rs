//! CORS103 `null-origin`: the `null` origin is allowed.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct NullOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS103",
    "null-origin",
    Severity::Warning,
    "the `null` origin is allowed (an error with credentials)",
    "## Why is this bad?\n\
Browsers send `Origin: null` from sandboxed iframes, `data:` and `file:` documents and some \
redirects. Any site can create a sandboxed iframe, so allowing `null` allows every site. With \
`credentials on` that exposes your users' data, so it is an error then.\n\n\
## Example\n```\norigin https://app.example.com null;\ncredentials on;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n",
);

impl Lint for NullOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            for origin in rule.origins.iter().filter(|o| o.node == OriginPattern::Null) {
                let mut d = Diagnostic::new(CODE, origin.span, "the `null` origin is allowed")
                    .label("any site can send `Origin: null` from a sandboxed iframe")
                    .help("remove `null`; serve local or sandboxed documents from a real origin");
                if rule.credentials.node {
                    d = d
                        .severity(Severity::Error)
                        .secondary(rule.credentials.span, "and credentials are on");
                }
                out.push(d);
            }
        }
    }
}
