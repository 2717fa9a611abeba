//! CORS107 `wildcard-with-credentials`: `*` in methods or headers with credentials on,
//! which allows every method or header on credentialed requests.

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
    Severity::Warning,
    "`*` in `methods` or `headers` while `credentials on`: every method or header, with cookies",
    "## Why is this bad?\n\
On a credentialed request browsers read a literal `*` in `Access-Control-Allow-Methods` \
and `-Allow-Headers` as a name, not as a wildcard, so ngx-cors answers a credentialed \
policy's `*` with exactly what the preflight asked for. That makes `*` work, and it means \
what it says: every method (`DELETE`, `PURGE`, …) and every request header except \
`Authorization` is allowed on requests that carry the user's cookies from the listed \
origins. Usually an API needs a handful; listing them keeps the next endpoint from \
being reachable by accident. (`expose *` with credentials is refused: `CORS017`.)\n\n\
## Example\n```\nheaders *;\ncredentials on;\n```\n\n\
## Use instead\n```\nheaders Content-Type X-Request-ID;\ncredentials on;\n```\n",
);

impl Lint for WildcardWithCredentials {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set).filter(|(_, r)| r.credentials.node) {
            let lists = [
                ("methods", "every method", &rule.methods),
                ("headers", "every request header but `Authorization`", &rule.headers),
            ];
            for (what, every, list) in lists {
                if !list.node.is_any() {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        CODE,
                        list.span,
                        format!(
                            "`{what} *` with credentials allows {every} on credentialed requests"
                        ),
                    )
                    .label("answered with whatever the preflight asks for")
                    .secondary(rule.credentials.span, "credentials turned on here")
                    .help(format!("list the {what} explicitly")),
                );
            }
        }
    }
}
