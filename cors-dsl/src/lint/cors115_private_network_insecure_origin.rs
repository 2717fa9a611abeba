//! CORS115 `private-network-insecure-origin`: private-network access for `*` or
//! plain-http origins.

use super::origin_exposure::answered;
use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct PrivateNetworkInsecureOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS115",
    "private-network-insecure-origin",
    Severity::Error,
    "`private-network on` for the `*` origin or a plain-http origin",
    "## Why is this bad?\n\
Private-network access lets public web pages reach a device on the user's own network \
(a router, a printer, an internal service). Granting it to every origin, or to an origin a \
network attacker can impersonate, opens that device to the whole internet.\n\n\
## Example\n```\norigin *;\nprivate-network on;\n```\n\n\
## Use instead\n```\norigin https://console.example.com;\nprivate-network on;\n```\n",
);

impl Lint for PrivateNetworkInsecureOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set).filter(|(_, r)| r.private_network.node) {
            for origin in &rule.origins {
                let why = match &origin.node {
                    OriginPattern::Any => "every site on the web",
                    p if answered(p).is_some_and(|e| e.plain_http.is_some()) => {
                        "a plain-http origin a network attacker can impersonate"
                    }
                    _ => continue,
                };
                out.push(
                    Diagnostic::new(
                        CODE,
                        origin.span,
                        format!("private-network access granted to `{}`", origin.node),
                    )
                    .label(why.to_string())
                    .secondary(rule.private_network.span, "private-network access turned on here")
                    .help("grant private-network access only to specific `https://` origins"),
                );
            }
        }
    }
}
