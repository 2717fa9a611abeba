//! Matching a request's raw `Origin` bytes against a policy's [`OriginIndex`]: a few
//! hash lookups and at most one linear-time regex pass, allocation-free.

use super::index::{FastMap, OriginIndex, RuleIdx, SchemeRule};
use super::split::{is_port, split_scheme, OriginParts, CLASS, HOST};
use crate::bytes::eq_inline;

impl OriginIndex {
    /// The first rule whose origins include `origin`, compared on raw bytes.
    pub(crate) fn find(&self, origin: &[u8]) -> Option<RuleIdx> {
        self.find_listed(origin).map(|(rule, _)| rule)
    }

    /// [`find`](Self::find), with the table's own copy of `origin` when the policy lists
    /// it exactly (or `null`): the same bytes, but validated when the table was loaded,
    /// so an answer that reflects them writes nothing taken from the request. Whichever
    /// rule wins, an exact listing means the bytes are equal.
    #[inline(never)]
    pub(crate) fn find_listed(&self, origin: &[u8]) -> Option<(RuleIdx, Option<&[u8]>)> {
        if self.only_exact {
            // Nothing else to consult: what `find_any_kind` computes when every other
            // part is empty. (For an origin `null` it answers the exact index's rule,
            // if any, with the bytes `null`: the key's bytes here.) One function frame
            // for the whole lookup: `get` inlines here. (`decide` itself does not
            // inline this: there its registers cost the other policies' requests
            // 5 to 15 instructions, more than the call.)
            debug_assert!(self.others_empty(), "only_exact is stale: prepare_lookup");
            return self.exact.get(origin).map(|(rule, key)| (rule, Some(key)));
        }
        self.find_any_kind(origin)
    }

    /// [`find_listed`](Self::find_listed) in general: every kind of origin the policy
    /// lists, the earliest rule wins.
    #[inline(never)]
    fn find_any_kind(&self, origin: &[u8]) -> Option<(RuleIdx, Option<&[u8]>)> {
        let (exact, mut listed) = match self.exact.get(origin) {
            Some((rule, key)) => (Some(rule), Some(key)),
            None => (None, None),
        };
        let mut best = first_of(exact, self.any);
        if origin == b"null" {
            best = first_of(best, self.null);
            listed = Some(b"null");
        } else {
            if !self.subdomain.is_empty() {
                best = first_of(best, find_subdomain(&self.subdomain, origin, Keyed::WithPort));
            }
            if !self.subdomain_any_port.is_empty() {
                best = first_of(
                    best,
                    find_subdomain(&self.subdomain_any_port, origin, Keyed::WithoutPort),
                );
            }
            if !self.any_port.is_empty() {
                if let Some(parts) = OriginParts::parse(origin) {
                    best = first_of(best, scheme_rule(self.any_port.get(parts.host), parts.scheme));
                }
            }
        }
        // Regexes are stored in rule order: when an earlier rule already matched, no regex
        // can win and the search is skipped.
        let first_regex_rule = self.regexes.first().map(|(_, rule)| *rule);
        if let (Some(set), Some(first)) = (&self.regex_set, first_regex_rule) {
            if best.is_none_or(|b| b > first) {
                // Patterns are anchored at both ends, so every match spans the whole origin
                // and leftmost-first picks the lowest-numbered pattern, i.e. the first rule.
                if let Some(found) = set.search(&regex_automata::Input::new(origin)) {
                    let rule = self.regexes.get(found.pattern().as_usize()).map(|(_, rule)| *rule);
                    best = first_of(best, rule);
                }
            }
        }
        best.map(|rule| (rule, listed))
    }
}

/// What a subdomain map's keys hold after the suffix.
#[derive(Clone, Copy)]
enum Keyed {
    /// `suffix[:port]`: the origin's own port tail is part of the key.
    WithPort,
    /// `suffix`: the port (any a URL can carry, or none) is checked here instead.
    WithoutPort,
}

/// Looks up the host's proper suffixes that start after a dot, longest first, keyed
/// with the origin's own `:port` tail ([`Keyed::WithPort`]) or without it, so no bytes
/// are copied. The first suffix found answers for all: when the index was built, every
/// entry took in its parent domains' rules.
///
/// Only the labels left of the suffix (and, without the port in the key, the port) are
/// checked byte by byte (lower-case host characters, none empty; 1 to 65535): the rest
/// equals a table key, which was validated when the policy was compiled. So a typical
/// `https://app.tenant.example.com` costs a scan of `app` and one lookup, and the origin
/// as a whole is still as strict as [`OriginParts::parse`] would have it.
fn find_subdomain(
    map: &FastMap<Box<[u8]>, Vec<SchemeRule>>,
    origin: &[u8],
    keyed: Keyed,
) -> Option<RuleIdx> {
    let (scheme, host_and_port) = split_scheme(origin)?;
    let labels = match keyed {
        Keyed::WithPort => host_and_port,
        Keyed::WithoutPort => match host_and_port.iter().position(|&b| b == b':') {
            None => host_and_port,
            Some(colon) => {
                let (host, port) = host_and_port.split_at(colon);
                if !is_port(port.get(1..)?) {
                    return None;
                }
                host
            }
        },
    };
    let mut label_len = 0;
    let mut dots = 0;
    for (i, &c) in labels.iter().enumerate() {
        if c == b'.' {
            dots += 1;
            if label_len == 0 || dots > MAX_DOTS {
                return None;
            }
            // `suffix[:port]` (or `suffix`) as it sits in `origin`.
            let key = labels.get(i + 1..)?;
            if let Some(entries) = map.get(key) {
                return scheme_rule(Some(entries), scheme);
            }
            label_len = 0;
        } else if CLASS[c as usize] & HOST != 0 {
            label_len += 1;
        } else {
            return None;
        }
    }
    None
}

/// The earlier of two candidate rules ("first match wins").
fn first_of(a: Option<RuleIdx>, b: Option<RuleIdx>) -> Option<RuleIdx> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The first rule of `entries` for `scheme`.
fn scheme_rule(entries: Option<&Vec<SchemeRule>>, scheme: &[u8]) -> Option<RuleIdx> {
    let entries = entries?;
    // Most suffixes and hosts are listed for one scheme: one comparison, no loop.
    if let [only] = &entries[..] {
        return eq_inline(only.scheme.as_bytes(), scheme).then_some(only.rule);
    }
    entries.iter().filter(|e| eq_inline(e.scheme.as_bytes(), scheme)).map(|e| e.rule).min()
}

/// Most dots of a host tried for subdomain matching (each costs a lookup); browsers'
/// hosts have a handful.
const MAX_DOTS: usize = 32;

#[cfg(test)]
mod tests {
    use super::{scheme_rule, SchemeRule};

    #[test]
    fn scheme_rule_is_the_first_rule_for_the_scheme_with_one_entry_or_many() {
        let entry = |scheme: &str, rule| SchemeRule { scheme: scheme.into(), rule };
        let one = vec![entry("https", 3)];
        assert_eq!(scheme_rule(Some(&one), b"https"), Some(3));
        assert_eq!(scheme_rule(Some(&one), b"http"), None);
        assert_eq!(scheme_rule(Some(&one), b"httpx"), None);
        // Repeats (a damaged table's) answer with their first rule, as one entry would.
        let many = vec![entry("http", 1), entry("https", 5), entry("https", 2)];
        assert_eq!(scheme_rule(Some(&many), b"https"), Some(2));
        assert_eq!(scheme_rule(Some(&many), b"http"), Some(1));
        assert_eq!(scheme_rule(Some(&many), b"ws"), None);
        assert_eq!(scheme_rule(Some(&Vec::new()), b"https"), None);
        assert_eq!(scheme_rule(None, b"https"), None);
    }
}
