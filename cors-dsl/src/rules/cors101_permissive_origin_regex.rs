//! CORS101 `permissive-origin-regex`: a `~` origin that accepts every origin.

use super::support::{anchored, each_rule};
use super::{lint_meta, Rule, RuleMeta};
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct PermissiveOriginRegex;

pub(crate) static META: RuleMeta = lint_meta(
    "CORS101",
    "permissive-origin-regex",
    Severity::Error,
    "a `~` origin regex that accepts any origin at all",
    "## Why is this bad?\n\
A regex such as `.*`, `.+` or `https?://.*` accepts every site on the web. It is `origin *` \
in disguise, except that the origin is reflected, so it also works with credentials: any \
page can read your users' data.\n\n\
The check compiles the regex as the module does (anchored, whole origin) and probes it with \
unrelated attacker origins (`https://evil.example`, `https://attacker.test:1337`, ...).\n\n\
## Example\n```\norigin ~ \"https://.*\";\n```\n\n\
## Use instead\n```\norigin ~ \"https://[a-z0-9-]+\\.example\\.com\";\n```\n",
);

/// Unrelated hosts on the same scheme; a regex accepting all of one scheme's probes
/// accepts any origin of that scheme.
const PROBES: &[&[&str]] = &[
    &["https://evil.example", "https://attacker.test:1337", "https://xn--80ak6aa92e.com"],
    &["http://evil.example", "http://attacker.test:1337", "http://192.0.2.1"],
];

impl Rule for PermissiveOriginRegex {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            for origin in &rule.origins {
                let OriginPattern::Regex(pattern) = &origin.node else { continue };
                if let Some(accepted) = accepts_any(pattern) {
                    out.push(
                        Diagnostic::new(
                            META.code,
                            origin.span,
                            format!("origin regex `{pattern}` accepts every origin"),
                        )
                        .label(format!("accepts `{accepted}`, and any other site"))
                        .help("list the origins, or write a regex that only matches your own hosts (escape every `.`)"),
                    );
                }
            }
        }
    }
}

/// The first probe origin a too-permissive regex accepts, if it is one.
pub(crate) fn accepts_any(pattern: &str) -> Option<&'static str> {
    let re = anchored(pattern)?;
    PROBES
        .iter()
        .find(|probes| probes.iter().all(|p| re.is_match(p)))
        .and_then(|p| p.first().copied())
}

#[cfg(test)]
mod tests {
    #[test]
    fn probes() {
        for (pattern, want) in [
            (".*", true),
            (".+", true),
            ("https?://.*", true),
            ("https://.*", true),
            ("http://.+", true),
            ("(?i)HTTPS://.*", true),
            (r"https://.*\.example\.com", false),
            (r"https://app\.example\.com", false),
            (r"https://[a-z]+\.example\.com", false),
            (r"null|https://a\.example", false),
        ] {
            assert_eq!(super::accepts_any(pattern).is_some(), want, "{pattern}");
        }
    }
}
