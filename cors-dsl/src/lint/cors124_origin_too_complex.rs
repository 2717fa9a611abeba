//! CORS124 `origin-too-complex`: a `~` regex too complex for the origin checks to
//! analyse within their bounds.

use super::origin_exposure::exposure;
use super::support::each_regex_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::origin::language::STATE_LIMIT;
use crate::span::SourceMap;

pub(crate) struct OriginTooComplex;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS124",
    "origin-too-complex",
    Severity::Info,
    "a `~` origin regex too complex to analyse, so the origin checks skipped it",
    "## Why is this bad?\n\
The origin checks (`CORS101`–`CORS106`, `CORS121`–`CORS123`) turn each regex into a \
deterministic automaton and intersect it with probe languages. The work is bounded (a few \
thousand states per automaton) so that a hostile or unlucky regex cannot stall `corsc lint` \
or `nginx -t`; past the bound, this finding says the regex was not analysed, and nothing else \
is said about it. Counted repetitions (`[a-z]{1,63}`) and large Unicode classes (`\\w`) are \
the usual cause.\n\n\
## Example\n```\norigin ~ \"https://(\\w{1,63}\\.){1,8}example\\.com\";\n```\n\n\
## Use instead\n```\norigin ~ \"https://([a-z0-9-]+\\.)+example\\.com\";\n```\n",
);

impl Lint for OriginTooComplex {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (origin, pattern) in each_regex_origin(set) {
            let Err(why) = exposure(&origin.node) else { continue };
            out.push(
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!("origin regex `{pattern}` is too complex to analyse"),
                )
                .label(format!("{} (the bound is {STATE_LIMIT} states)", why.0))
                .help("simplify it (plain `+` instead of counted repetitions, `[a-z0-9-]` instead of `\\w`), or list the origins"),
            );
        }
    }
}
