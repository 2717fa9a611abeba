//! CORS102 `look-alike-origin`: an origin pattern that trusts a host but also accepts
//! look-alikes of it that an attacker can register.

use super::origin_exposure::{answered, describe};
use super::support::each_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::origin::OriginText;
use crate::span::SourceMap;

pub(crate) struct LookAlikeOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS102",
    "look-alike-origin",
    Severity::Error,
    "an origin pattern that also accepts look-alikes of the host it names",
    "## Why is this bad?\n\
The classic CORS regex mistakes each let an attacker register a host the regex accepts: \
an unescaped `.` (`app.example.com` also matches `appxexample.com`), a missing end \
(`https://app\\.example\\.com.*` matches `https://app.example.com.evil.net`), a missing \
start or dot (`.*example\\.com` matches `https://evilexample.com`).\n\n\
The check reads the hosts the pattern names (an unescaped `.` read as the dot it stands \
for) and asks the language the pattern accepts, exactly, whether it contains a look-alike \
of one: the host continued by more labels, glued to more text in front or behind, or with \
one of its dots replaced by another character. The finding shows one it accepts. Plain-http \
and other schemes have codes of their own (`CORS104`, `CORS122`).\n\n\
## Example\n```\norigin ~ \"https://app.example.com\";\n```\n\n\
## Use instead\n```\norigin ~ \"https://app\\.example\\.com\";\n```\n\
or, better, `origin https://app.example.com;`\n",
);

impl Lint for LookAlikeOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, origin) in each_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            // CORS101 already says it accepts everything.
            let (None, Some(look)) = (&e.every_origin, &e.lookalike) else { continue };
            let (why, help) = advice(&look.about, &look.witness);
            out.push(
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!(
                        "{} accepts `{}`, a look-alike of `{}`",
                        describe(&origin.node),
                        look.witness,
                        look.about
                    ),
                )
                .label(format!("meant for `{}`, {why}", look.about))
                .help(help),
            );
        }
    }
}

/// Why a look-alike got through and what to write instead, read off its shape.
fn advice(written: &str, witness: &str) -> (&'static str, &'static str) {
    let host = OriginText::parse(witness).map_or(witness, |o| o.host);
    if host.ends_with(written) {
        (
            "any host that merely ends with the name matches",
            "require an escaped `.` (or the `://`) right before the name",
        )
    } else if host.contains(written) {
        (
            "the end of the host is not anchored",
            "end the host with the name itself (escaped), never `.*`",
        )
    } else {
        ("a `.` is unescaped and matches any character", "escape every literal dot as `\\.`")
    }
}
