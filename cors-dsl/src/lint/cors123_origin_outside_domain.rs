//! CORS123 `origin-outside-domain`: a `~` regex that accepts web origins outside
//! every registrable domain it names.

use super::origin_exposure::answered;
use super::support::each_regex_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct OriginOutsideDomain;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS123",
    "origin-outside-domain",
    Severity::Error,
    "a `~` origin regex that accepts hosts outside the registrable domains it names",
    "## Why is this bad?\n\
A regex is written for a site: `acme.test` in `https://shop\\.acme\\.test`. Whoever owns a \
registrable domain (eTLD+1, from the Public Suffix List) controls every host under it, and \
nobody else does; a regex that also accepts a host under another registrable domain hands \
access to whoever owns that one. The check takes the registrable domains of the hosts the \
regex names and asks the language it accepts for a web origin outside all of them (loopback \
hosts aside), showing one. A regex that names no domain at all and accepts web origins is \
reported too. Look-alikes (`CORS102`), public-suffix wildcards (`CORS121`) and regexes that \
accept everything (`CORS101`) have codes of their own and are not reported twice.\n\n\
## Example\n```\norigin ~ \"https://[a-z]+\\.acme\\.(test|dev|io)\";\n```\n\n\
## Use instead\n```\norigin ~ \"https://[a-z]+\\.acme\\.(test|dev)\";\n```\n\
(every domain named, and owned)\n",
);

impl Lint for OriginOutsideDomain {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (origin, pattern) in each_regex_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            if e.widening_explained() {
                continue;
            }
            let Some(outside) = &e.outside_domain else { continue };
            let (message, label) = if outside.about.is_empty() {
                (
                    format!(
                        "origin regex `{pattern}` names no domain and accepts `{}`",
                        outside.witness
                    ),
                    "no registrable domain is written out, so any site's can match".to_string(),
                )
            } else {
                (
                    format!(
                        "origin regex `{pattern}` accepts `{}`, outside `{}`",
                        outside.witness, outside.about
                    ),
                    format!(
                        "the owner of that domain gets the access meant for `{}`",
                        outside.about
                    ),
                )
            };
            out.push(
                Diagnostic::new(CODE, origin.span, message)
                    .label(label)
                    .help("spell out each domain, with escaped dots, at the end of the host"),
            );
        }
    }
}
