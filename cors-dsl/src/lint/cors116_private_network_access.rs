//! CORS116 `private-network-access`: Private Network Access preflights are going away.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct PrivateNetworkAccess;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS116",
    "private-network-access",
    Severity::Info,
    "`private-network on`: Chrome replaced these preflights with a permission prompt",
    "## Why is this bad?\n\
`Access-Control-Allow-Private-Network` answers Private Network Access preflights, which \
only Chromium ever sent. Chrome has replaced them with Local Network Access, a permission \
prompt shown to the user, so the header may no longer be what makes the request work.\n\n\
## Example\n```\nprivate-network on;\n```\n\n\
## Use instead\nTest with current browsers; keep the setting only while older Chromium \
versions must be supported, and suppress this finding with a reason.\n",
);

impl Lint for PrivateNetworkAccess {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set).filter(|(_, r)| r.private_network.node) {
            out.push(
                Diagnostic::new(
                    CODE,
                    rule.private_network.span,
                    "private-network access preflights are being phased out",
                )
                .label("Chrome now asks the user instead (Local Network Access)")
                .help("check the policy still matters for the browsers you support"),
            );
        }
    }
}
