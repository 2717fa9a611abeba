//! CORS114 `excessive-max-age`: a `max-age` above what browsers honour.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct ExcessiveMaxAge;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS114",
    "excessive-max-age",
    Severity::Warning,
    "a `max-age` above what any browser honours (Firefox's 24 h; info above Chromium's 2 h)",
    "## Why is this bad?\n\
Browsers clamp the preflight cache: Firefox to 24 hours, Chromium to 2 hours, Safari \
(WebKit) to 10 minutes. A longer `max-age` is silently cut, so the policy promises caching that never happens (and a later \
tightening of the policy would take effect later than the number suggests, if it did).\n\n\
## Example\n```\nmax-age 7d;\n```\n\n\
## Use instead\n```\nmax-age 2h;\n```\n",
);

/// Firefox's cap, the highest of any browser.
const FIREFOX_CAP: u32 = 86_400;
/// Chromium's cap.
const CHROMIUM_CAP: u32 = 7_200;

impl Lint for ExcessiveMaxAge {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let Some(age) = &rule.max_age else { continue };
            let d = if age.node > FIREFOX_CAP {
                Diagnostic::new(
                    CODE,
                    age.span,
                    format!("`max-age` of {} s is above every browser's cap", age.node),
                )
                .label("Firefox caps at 86400 s (24 h), Chromium at 7200 s (2 h)")
                .help("use at most `1d`, or `2h` to get the same caching everywhere")
            } else if age.node > CHROMIUM_CAP {
                Diagnostic::new(
                    CODE,
                    age.span,
                    format!("`max-age` of {} s is above Chromium's cap", age.node),
                )
                .severity(Severity::Info)
                .label("Chromium caps at 7200 s (2 h)")
                .help("use `2h` to get the same caching in every browser")
            } else {
                continue;
            };
            out.push(d);
        }
    }
}
