//! CORS104 `insecure-origin`: a plain-`http` origin off the local machine.

use super::origin_exposure::answered;
use super::support::{each_origin, worse_with_credentials};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct InsecureOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS104",
    "insecure-origin",
    Severity::Info,
    "a plain-`http` origin other than the local machine (an error with credentials)",
    "## Why is this bad?\n\
Anyone on the network path (public Wi-Fi, a hostile ISP) can inject script into a page served \
over plain http, so trusting an `http://` origin trusts that attacker too. With \
`credentials on` they can read your users' data: an error then. Loopback origins \
(`localhost`, `127.0.0.0/8`, `[::1]`) are not on the network and are not reported.\n\n\
Wildcards and `~` regexes are judged by what they accept: `https?://app\\.example\\.com` \
accepts `http://app.example.com`, and the finding shows such an origin.\n\n\
## Example\n```\norigin http://app.example.com;\ncredentials on;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n",
);

impl Lint for InsecureOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (rule, origin) in each_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            // CORS101 already says it accepts everything.
            let (None, Some(http)) = (&e.every_origin, &e.plain_http) else { continue };
            let d = match &origin.node {
                OriginPattern::Regex(r) => Diagnostic::new(
                    CODE,
                    origin.span,
                    format!(
                        "origin regex `{r}` accepts plain-http origins such as `{}`",
                        http.witness
                    ),
                )
                .label("a network attacker can inject script into a plain-http origin")
                .help("write `https://`, not `https?://` or a scheme class"),
                p => Diagnostic::new(CODE, origin.span, format!("origin `{p}` uses plain http"))
                    .label("a network attacker can inject script into this origin")
                    .help("use `https://`"),
            };
            out.push(worse_with_credentials(d, rule));
        }
    }
}
