//! CORS104 `insecure-origin`: a plain-`http` origin off the local machine.

use super::support::{each_origin, is_insecure, worse_with_credentials};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
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
## Example\n```\norigin http://app.example.com;\ncredentials on;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n",
);

impl Lint for InsecureOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (rule, origin) in each_origin(set).filter(|(_, o)| is_insecure(&o.node)) {
            let d = Diagnostic::new(
                CODE,
                origin.span,
                format!("origin `{}` uses plain http", origin.node),
            )
            .label("a network attacker can inject script into this origin")
            .help("use `https://`");
            out.push(worse_with_credentials(d, rule));
        }
    }
}
