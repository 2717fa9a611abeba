//! CORS121 `public-suffix-wildcard`: a wildcard or regex accepting any number of hosts
//! directly under a public suffix, where anybody can register one.

use super::origin_exposure::{answered, describe};
use super::support::{each_origin, worse_with_credentials};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct PublicSuffixWildcard;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS121",
    "public-suffix-wildcard",
    Severity::Warning,
    "a wildcard or regex over a public suffix, where anybody can register a site (an error with credentials)",
    "## Why is this bad?\n\
`https://*.github.io`, `https://*.co.uk` or `~ \"https://[a-z]+\\.vercel\\.app\"` trusts every \
site anyone can register under a public suffix (checked against the Public Suffix List): \
for a GitHub account or a free deployment, anybody gets the access. Wildcards and `~` regexes \
are judged alike, by the hosts they accept; the finding shows one. With `credentials on` it \
exposes your users' data: an error then. (An exact origin on shared hosting is `CORS106`.)\n\n\
## Example\n```\norigin https://*.github.io;\n```\n\n\
## Use instead\n```\norigin https://my-org.github.io;\n```\n\
(and better, a custom domain you control)\n",
);

impl Lint for PublicSuffixWildcard {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (rule, origin) in each_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            let (None, Some(ps)) = (&e.every_origin, &e.public_suffix) else { continue };
            let d = Diagnostic::new(
                CODE,
                origin.span,
                format!(
                    "{} accepts any site under the public suffix `{}`, such as `{}`",
                    describe(&origin.node),
                    ps.about,
                    ps.witness
                ),
            )
            .label("anybody can register a site that matches")
            .help("list your own sites under it explicitly");
            out.push(worse_with_credentials(d, rule));
        }
    }
}
