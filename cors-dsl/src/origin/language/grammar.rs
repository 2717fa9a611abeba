//! The grammar of what a browser sends in `Origin`, as regex fragments: the language
//! twin of the strict splitter ([`crate::origin::OriginParts`]), so probe languages
//! and the splitter agree on what a scheme, a host and a port are.

/// A scheme as the splitter takes it: lower case, a letter first.
pub(super) const SCHEME: &str = "[a-z][a-z0-9+.-]*";
/// One label of a serialised domain host.
pub(super) const LABEL: &str = "[a-z0-9_-]+";
/// A port from 1 to 65535 without a leading zero (what `is_port` accepts).
pub(super) const PORT: &str =
    "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/// A whole host: labels (a final `.` allowed) or a bracketed IPv6 address.
pub(super) fn host() -> String {
    format!(r"(?:{LABEL}(?:\.{LABEL})*\.?|\[[0-9a-f:.]+\])")
}

/// `:port`, optional.
pub(super) fn opt_port() -> String {
    format!("(?::{PORT})?")
}

/// Every origin a browser can send, `null` included.
pub(super) fn browser_origin() -> String {
    format!("null|{SCHEME}://{}{}", host(), opt_port())
}

/// Origins of any scheme whose host is `host_pattern` (a regex fragment), any port.
pub(super) fn with_host(host_pattern: &str) -> String {
    format!("{SCHEME}://(?:{host_pattern}){}", opt_port())
}

/// Hosts a browser treats as the local machine (see [`crate::origin::is_loopback`]):
/// `localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`, each with an optional final
/// `.`. Octets are any 1 to 3 digits: a browser never sends `127.999.0.1` (its URL
/// parser refuses the host), so the looser spelling changes no answer and keeps the
/// automaton small.
pub(super) fn loopback_host() -> String {
    format!(r"(?:(?:{LABEL}\.)*localhost\.?|127(?:\.[0-9]{{1,3}}){{3}}\.?|\[::1\])")
}

/// A literal, escaped for a regex.
pub(super) fn lit(text: &str) -> String {
    regex_syntax::escape(text)
}
