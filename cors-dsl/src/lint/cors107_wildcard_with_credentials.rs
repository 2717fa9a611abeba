//! CORS107 `wildcard-with-credentials`: `*` in methods, headers or expose with
//! credentials on, where browsers read it literally.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct WildcardWithCredentials;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS107",
    "wildcard-with-credentials",
    Severity::Error,
    "`*` in `methods`, `headers` or `expose` while `credentials on`",
    "## Why is this bad?\n\
On a credentialed request the Fetch standard reads `*` in `Access-Control-Allow-Methods`, \
`-Allow-Headers` and `-Expose-Headers` as the literal name `*`, not as a wildcard. The \
policy looks permissive but the browser blocks every method, header or exposure it was \
meant to cover.\n\n\
## Example\n```\nheaders *;\ncredentials on;\n```\n\n\
## Use instead\n```\nheaders Content-Type X-Request-ID;\ncredentials on;\n```\n",
);

impl Lint for WildcardWithCredentials {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set).filter(|(_, r)| r.credentials.node) {
            for (what, list) in
                [("methods", &rule.methods), ("headers", &rule.headers), ("expose", &rule.expose)]
            {
                if !list.node.is_any() {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        CODE,
                        list.span,
                        format!("`{what} *` means the literal name `*` with credentials on"),
                    )
                    .label("browsers do not treat this `*` as a wildcard")
                    .secondary(rule.credentials.span, "credentials turned on here")
                    .help(format!("list the {what} explicitly")),
                );
            }
        }
    }
}
