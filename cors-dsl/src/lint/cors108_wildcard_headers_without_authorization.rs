//! CORS108 `wildcard-headers-without-authorization`: `headers *` does not cover
//! `Authorization`.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct WildcardHeadersWithoutAuthorization;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS108",
    "wildcard-headers-without-authorization",
    Severity::Info,
    "`headers *` without `Authorization` listed: `*` never covers it",
    "## Why is this bad?\n\
The Fetch standard excludes `Authorization` from the `*` wildcard of \
`Access-Control-Allow-Headers`. A front-end sending a bearer token fails its preflight even \
though the policy seems to allow every header.\n\n\
## Example\n```\nheaders *;\n```\n\n\
## Use instead\n```\nheaders * Authorization;\n```\n\
(only if the API really takes `Authorization` from other origins)\n",
);

impl Lint for WildcardHeadersWithoutAuthorization {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let headers = &rule.headers;
            // With credentials, CORS107 already reports this `*`.
            if !headers.node.is_any() || rule.credentials.node {
                continue;
            }
            if headers.node.entries().iter().any(|h| h.node.eq_ignore_ascii_case("authorization")) {
                continue;
            }
            out.push(
                Diagnostic::new(CODE, headers.span, "`headers *` does not cover `Authorization`")
                    .label("requests sending `Authorization` still fail their preflight")
                    .help("add `Authorization` beside `*` if cross-origin callers send it"),
            );
        }
    }
}
