//! What is known about hosts beyond their spelling: registrable domains and public
//! suffixes (the Public Suffix List, through the `psl` crate) and hosting shared
//! with strangers.

use rustc_hash::FxHashSet;
use std::sync::OnceLock;

/// The registrable domain (eTLD+1) of `host`, lower-case input expected: `acme.test`
/// for `shop.acme.test`, `my-org.github.io` for `a.my-org.github.io`. `None` for a
/// public suffix itself (`github.io`, `co.uk`) and for one-label names.
pub fn registrable_domain(host: &str) -> Option<&str> {
    psl::domain_str(host.trim_end_matches('.'))
}

/// Whether `host` is a public suffix on the Public Suffix List (`com`, `co.uk`,
/// `github.io`). Unlisted names do not count (the list's implicit `*` rule would make
/// every unknown top-level name one).
pub fn is_public_suffix(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    psl::suffix(host.as_bytes())
        .is_some_and(|s| s.is_known() && s.as_bytes().eq_ignore_ascii_case(host.as_bytes()))
}

/// Hosts where strangers publish code (on the host itself or on subdomains).
pub const SHARED_HOSTS: &[&str] = &[
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

/// The shared host `host` is on (the host itself or one of its parents), if any: one
/// set lookup per label of `host` (asked of every origin of a policy, a million of
/// them on a multi-tenant platform).
pub fn shared_host(host: &str) -> Option<&'static str> {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    let set = SET.get_or_init(|| SHARED_HOSTS.iter().copied().collect());
    let host = host.trim_end_matches('.');
    let parents = host.match_indices('.').filter_map(|(i, _)| host.get(i + 1..));
    std::iter::once(host).chain(parents).find_map(|h| set.get(h).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_suffixes() {
        for (host, want) in [
            ("com", true),
            ("co.uk", true),
            ("github.io", true),
            ("vercel.app", true),
            ("example.com", false),
            ("app.github.io", false),
            ("notarealtld", false),
        ] {
            assert_eq!(is_public_suffix(host), want, "is_public_suffix({host:?})");
        }
    }

    #[test]
    fn registrable_domains() {
        for (host, want) in [
            ("shop.acme.test", Some("acme.test")),
            ("acme.test", Some("acme.test")),
            ("a.b.example.co.uk", Some("example.co.uk")),
            ("x.my-org.github.io", Some("my-org.github.io")),
            ("github.io", None),
            ("localhost", None),
        ] {
            assert_eq!(registrable_domain(host), want, "{host}");
        }
    }
}
