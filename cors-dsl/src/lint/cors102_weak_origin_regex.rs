//! CORS102 `weak-origin-regex`: a `~` origin that trusts a host but also accepts
//! attacker-registrable look-alikes.

use super::regex_probe::{accepts_any, anchored, sample_matches};
use super::support::{each_regex_origin, registrable};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::origin::OriginText;
use crate::span::SourceMap;

pub(crate) struct WeakOriginRegex;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS102",
    "weak-origin-regex",
    Severity::Error,
    "a `~` origin regex that also accepts look-alike hosts an attacker can register",
    "## Why is this bad?\n\
The classic CORS regex mistakes each let an attacker register a domain the regex accepts: \
an unescaped `.` (`app.example.com` also matches `appxexample.com`), a missing end \
(`https://app\\.example\\.com.*` matches `https://app.example.com.evil.net`), a missing \
start (`.*example\\.com` matches `https://evilexample.com`), or `https?` (a network \
attacker can forge plain-http origins).\n\n\
The check works like a CORS scanner, offline: it derives origins the regex is meant to \
accept from the regex itself, mutates them the way attackers do (append `.evil.net`, \
prepend `evil` to the domain, replace a `.` with `x`, downgrade to `http`) and reports a \
mutation the anchored regex accepts whose registrable domain differs.\n\n\
## Example\n```\norigin ~ \"https://app.example.com\";\n```\n\n\
## Use instead\n```\norigin ~ \"https://app\\.example\\.com\";\n```\n\
or, better, `origin https://app.example.com;`\n",
);

impl Lint for WeakOriginRegex {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (origin, pattern) in each_regex_origin(set) {
            // CORS101 already says it accepts everything.
            if accepts_any(pattern).is_some() {
                continue;
            }
            if let Some(w) = weakness(pattern) {
                out.push(
                    Diagnostic::new(
                        CODE,
                        origin.span,
                        format!("origin regex `{pattern}` also accepts `{}`", w.accepted),
                    )
                    .label(format!("meant for `{}`, {}", w.trusted, w.why))
                    .help(w.help),
                );
            }
        }
    }
}

pub(crate) struct Weakness {
    pub trusted: String,
    pub accepted: String,
    pub why: &'static str,
    pub help: &'static str,
}

/// The first attacker mutation of a sample origin the regex accepts.
pub(crate) fn weakness(pattern: &str) -> Option<Weakness> {
    let re = anchored(pattern)?;
    for sample in sample_matches(pattern) {
        let Some(o) = OriginText::parse(&sample) else { continue };
        if o.host.split('.').any(str::is_empty) {
            continue;
        }
        let trusted_domain = registrable(o.host);
        let port = o.port.map(|p| format!(":{p}")).unwrap_or_default();
        let rebuild = |scheme: &str, host: &str| format!("{scheme}://{host}{port}");
        let mut mutations: Vec<(String, &'static str, &'static str)> = vec![
            (
                rebuild(o.scheme, &format!("{}.evil.net", o.host)),
                "the end of the host is not anchored",
                "end the host part with an escaped literal (`\\.example\\.com`), never `.*`",
            ),
            (
                rebuild(o.scheme, &format!("{}evil.net", o.host)),
                "the end of the host is not anchored",
                "end the host part with an escaped literal (`\\.example\\.com`), never `.*`",
            ),
        ];
        if let Some(domain_at) = o.host.len().checked_sub(trusted_domain.len()) {
            if o.host.get(domain_at..) == Some(trusted_domain.as_str()) {
                let prefix = o.host.get(..domain_at).unwrap_or("");
                mutations.push((
                    rebuild(o.scheme, &format!("{prefix}evil{trusted_domain}")),
                    "any host that merely ends with the name matches",
                    "require a `.` (escaped) before the domain, or the start of the host",
                ));
            }
        }
        for (i, _) in o.host.match_indices('.') {
            let mut host = o.host.to_string();
            host.replace_range(i..=i, "x");
            mutations.push((
                rebuild(o.scheme, &host),
                "a `.` is unescaped and matches any character",
                "escape every literal dot as `\\.`",
            ));
        }
        for (candidate, why, help) in mutations {
            let Some(c) = OriginText::parse(&candidate) else { continue };
            if re.is_match(&candidate) && registrable(c.host) != trusted_domain {
                return Some(Weakness { trusted: sample, accepted: candidate, why, help });
            }
        }
        if o.scheme == "https" {
            let downgraded = rebuild("http", o.host);
            if re.is_match(&downgraded) {
                return Some(Weakness {
                    trusted: sample,
                    accepted: downgraded,
                    why: "plain http is accepted too",
                    help: "write `https://`, not `https?://`: a network attacker can forge plain-http origins",
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn mutations() {
        for (pattern, want) in [
            (r"https://app.example.com", Some("https://appxexample.com")),
            (r"https://app\.example\.com.*", Some("https://app.example.com.evil.net")),
            (r".*example\.com", Some("evilexample.com")),
            (r"https://.*example\.com", Some("https://evilexample.com")),
            (r"https?://app\.example\.com", Some("http://app.example.com")),
            (r"https://[a-z0-9.-]+example\.com", Some("https://evilaexample.com")),
            (r"https://app\.example\.com", None),
            (r"https://[a-z0-9-]+\.example\.com", None),
            (r"https://pr-[0-9]+\.preview\.example\.dev", None),
            (r"https://(www\.)?example\.com", None),
            (r"https://.*\.example\.com", None),
            (r"http://localhost:[0-9]+", None),
        ] {
            let got = super::weakness(pattern).map(|w| w.accepted);
            match want {
                Some(w) => {
                    assert!(got.as_deref().is_some_and(|g| g.ends_with(w)), "{pattern}: {got:?}")
                }
                None => assert_eq!(got, None, "{pattern}"),
            }
        }
    }
}
