//! CORS106 `shared-hosting-origin`: a wildcard over a public suffix, or an origin on
//! hosting where anybody can publish pages.

use super::support::{each_rule, is_public_suffix};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct SharedHostingOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS106",
    "shared-hosting-origin",
    Severity::Warning,
    "a wildcard over a public suffix, or an origin on hosting shared with strangers (info for one tenant's own site)",
    "## Why is this bad?\n\
`https://*.github.io` or `https://*.co.uk` trusts every site anyone can register under a \
public suffix (checked against the Public Suffix List). Origins on playgrounds and shared \
hosting (`codepen.io`, `jsfiddle.net`, `glitch.me`, `herokuapp.com`, `s3.amazonaws.com`, ...) \
serve other people's code, sometimes from the very same origin: listing the shared host \
itself (`https://cdpn.io`, `https://s3.amazonaws.com`) trusts every tenant. Both are \
warnings.\n\n\
An exact origin that names one tenant's own site (`https://acme.netlify.app`) trusts only \
that site, which the tenant controls; it is reported as info, because the site's address \
belongs to the hosting company and a custom domain is sturdier.\n\n\
## Example\n```\norigin https://*.github.io https://s3.amazonaws.com;\n```\n\n\
## Use instead\n```\norigin https://my-org.github.io;\n```\n\
(and better, a custom domain you control)\n",
);

/// Hosts where strangers publish code (on the host itself or on subdomains).
const SHARED_HOSTS: &[&str] = &[
    "codepen.io",
    "cdpn.io",
    "jsfiddle.net",
    "jsbin.com",
    "codesandbox.io",
    "csb.app",
    "stackblitz.io",
    "glitch.me",
    "repl.co",
    "replit.dev",
    "netlify.app",
    "vercel.app",
    "herokuapp.com",
    "github.io",
    "gitlab.io",
    "pages.dev",
    "workers.dev",
    "web.app",
    "firebaseapp.com",
    "azurewebsites.net",
    "appspot.com",
    "blogspot.com",
    "s3.amazonaws.com",
    "storage.googleapis.com",
    "ngrok.io",
    "ngrok-free.app",
];

/// The shared host `host` is on, if any.
pub(crate) fn shared_host(host: &str) -> Option<&'static str> {
    SHARED_HOSTS
        .iter()
        .copied()
        .find(|s| host == *s || host.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')))
}

impl Lint for SharedHostingOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            for origin in &rule.origins {
                if let OriginPattern::Subdomain { suffix, .. } = &origin.node {
                    if is_public_suffix(suffix) {
                        out.push(
                            Diagnostic::new(
                                CODE,
                                origin.span,
                                format!(
                                    "`{}` is a wildcard over the public suffix `{suffix}`",
                                    origin.node
                                ),
                            )
                            .label("anybody can register a site that matches")
                            .help("list your own sites under it explicitly"),
                        );
                        continue;
                    }
                }
                let Some((_, host)) = origin.node.scheme_and_host() else { continue };
                let Some(shared) = shared_host(host) else { continue };
                let d = if host == shared {
                    // The shared host itself (or every tenant under it, for a wildcard).
                    Diagnostic::new(
                        CODE,
                        origin.span,
                        format!("origin `{}` is on `{shared}`, shared hosting", origin.node),
                    )
                    .label("other people's code is served from this host")
                    .help("serve the front-end from a domain you control")
                } else {
                    // One tenant's own site (or its subdomains): only that tenant's code.
                    Diagnostic::new(
                        CODE,
                        origin.span,
                        format!("origin `{}` is one site on `{shared}`", origin.node),
                    )
                    .severity(Severity::Info)
                    .label("its address belongs to the hosting company")
                    .help("a custom domain you control is sturdier")
                };
                out.push(d);
            }
        }
    }
}
