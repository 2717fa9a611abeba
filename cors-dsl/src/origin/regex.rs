//! How `~ "regex"` origins are matched: always against the whole origin, by a
//! linear-time engine, within a size bound. The checker validates them this way, the
//! index compiles them this way and the linter probes them this way.

/// Largest compiled regex program accepted (bytes); a policy that needs more is
/// refused when it is checked rather than slowing every request.
pub(crate) const REGEX_SIZE_LIMIT: usize = 8 << 20;

/// Anchors a user regex so it must match the whole origin.
pub(crate) fn anchor(regex: &str) -> String {
    format!(r"\A(?:{regex})\z")
}
