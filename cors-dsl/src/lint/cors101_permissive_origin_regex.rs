//! CORS101 `permissive-origin-regex`: a `~` origin that accepts every origin.

use super::origin_exposure::answered;
use super::support::each_regex_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct PermissiveOriginRegex;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS101",
    "permissive-origin-regex",
    Severity::Error,
    "a `~` origin regex that accepts any origin at all",
    "## Why is this bad?\n\
A regex such as `.*`, `.+` or `https?://.*` accepts every site on the web. It is `origin *` \
in disguise, except that the origin is reflected, so it also works with credentials: any \
page can read your users' data.\n\n\
The check works on the language the regex accepts, compiled as the module matches it \
(anchored, whole origin): it fires when every `https` origin, or every `http` one, on a \
domain name is accepted.\n\n\
## Example\n```\norigin ~ \"https://.*\";\n```\n\n\
## Use instead\n```\norigin ~ \"https://[a-z0-9-]+\\.example\\.com\";\n```\n",
);

impl Lint for PermissiveOriginRegex {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (origin, pattern) in each_regex_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            let Some(every) = &e.every_origin else { continue };
            out.push(
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!("origin regex `{pattern}` accepts every origin"),
                )
                .label(format!(
                    "accepts every `{}` origin: `{}`, and any other site",
                    every.about, every.witness
                ))
                .help("list the origins, or write a regex that only matches your own hosts (escape every `.`)"),
            );
        }
    }
}
