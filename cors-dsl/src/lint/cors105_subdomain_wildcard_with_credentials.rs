//! CORS105 `subdomain-wildcard-with-credentials`: `*.example.com` with credentials.

use super::origin_exposure::answered;
use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct SubdomainWildcardWithCredentials;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS105",
    "subdomain-wildcard-with-credentials",
    Severity::Warning,
    "a subdomain wildcard origin together with `credentials on`",
    "## Why is this bad?\n\
`https://*.example.com` trusts every host under `example.com`, today's and tomorrow's: a \
forgotten staging box, a marketing site on a third-party CMS, a dangling DNS record taken \
over by someone else. One cross-site-scripting bug on any of them reads your users' \
credentialed data.\n\n\
A `~` regex that accepts unboundedly many subdomains (`https://(.+\\.)?example\\.com`, \
`https://[a-z]+\\.example\\.com`) is the same wildcard spelled differently and gets the same \
finding, with a subdomain it accepts. A wildcard over a public suffix has its own code \
(`CORS121`).\n\n\
## Example\n```\norigin https://*.example.com;\ncredentials on;\n```\n\n\
## Use instead\n```\norigin https://app.example.com https://admin.example.com;\ncredentials on;\n```\n",
);

impl Lint for SubdomainWildcardWithCredentials {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set).filter(|(_, r)| r.credentials.node) {
            for origin in &rule.origins {
                let Some(e) = answered(&origin.node) else { continue };
                let (None, Some(sub)) = (&e.every_origin, &e.any_subdomain) else { continue };
                let message = match &origin.node {
                    OriginPattern::Subdomain { suffix, .. } => {
                        format!("every subdomain of `{suffix}` gets credentialed access")
                    }
                    p => format!(
                        "{} accepts any number of subdomains of `{}` (`{}`, …) with credentials",
                        super::origin_exposure::describe(p),
                        sub.about,
                        sub.witness
                    ),
                };
                out.push(
                    Diagnostic::new(CODE, origin.span, message)
                        .label("one compromised or taken-over subdomain reads your users' data")
                        .secondary(rule.credentials.span, "credentials turned on here")
                        .help("list the subdomains that need credentials explicitly"),
                );
            }
        }
    }
}
