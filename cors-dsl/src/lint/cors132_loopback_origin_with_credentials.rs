//! CORS132 `loopback-origin-with-credentials`: a plain-`http` loopback origin
//! (`http://localhost:3000`) in a rule with `credentials on`.

use super::support::each_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::origin::is_loopback;
use crate::span::SourceMap;

pub(crate) struct LoopbackOriginWithCredentials;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS132",
    "loopback-origin-with-credentials",
    Severity::Info,
    "a plain-`http` loopback origin (`http://localhost:3000`) in a credentialed rule",
    "## Why is this bad?\n\
`http://localhost`, `http://127.0.0.1` and `http://[::1]` are whatever program listens on \
that port of the *user's* machine: another developer tool, an app's local server, \
malware. With `credentials on` any of them can read the user's data from your API. \
Usually the origin is a development setting that reached production. (`https://localhost` \
and custom schemes such as `capacitor://localhost` are app web views, served by the app \
itself, and are not reported.)\n\n\
## Example\n```\norigin https://app.example.com http://localhost:3000;\ncredentials on;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n\
and keep development origins in a policy of their own that production does not load.\n",
);

/// Whether `p` only names plain-`http` origins on the local machine.
fn is_http_loopback(p: &OriginPattern) -> bool {
    match p {
        OriginPattern::Subdomain { scheme, suffix, .. } => {
            scheme == "http" && is_loopback(&format!("x.{suffix}"))
        }
        OriginPattern::Regex(_) => false,
        _ => {
            p.scheme_and_host().is_some_and(|(scheme, host)| scheme == "http" && is_loopback(host))
        }
    }
}

impl Lint for LoopbackOriginWithCredentials {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (rule, origin) in each_origin(set) {
            if !rule.credentials.node || !is_http_loopback(&origin.node) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!("loopback origin `{}` may send credentialed requests", origin.node),
                )
                .label("any program on the user's machine can serve this origin")
                .secondary(rule.credentials.span, "credentials turned on here")
                .help("keep development origins out of the production policy"),
            );
        }
    }
}
