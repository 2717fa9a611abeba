//! Probing `~` origin regexes: what a pattern accepts, found without a browser.
//!
//! The regex lints (`CORS101`, `CORS102`, `CORS120`) need to know what a pattern
//! matches. Today that is answered by sampling: strings built from the pattern's syntax
//! tree, and crafted attacker origins tried against the compiled, anchored regex.
//! Keeping the probing here lets it become exact (automata analysis) without touching
//! the lints that ask.

use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};

/// A `~` pattern compiled the way the rule table matches it: whole origin only.
pub(crate) fn anchored(regex: &str) -> Option<Regex> {
    Regex::new(&crate::origin::anchor(regex)).ok()
}

/// The most sample strings generated per regex (alternations and optional parts
/// multiply the count).
const MAX_SAMPLES: usize = 32;

/// Strings the regex accepts, built from its syntax tree: every branch of an
/// alternation, optional parts both absent and present, repetitions at their minimum
/// (at least once), and from each character class a representative character (a
/// lower-case letter when the class has one). Only the strings the compiled, anchored
/// regex really accepts are returned.
pub(crate) fn sample_matches(regex: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(regex) else {
        return Vec::new();
    };
    let Some(re) = anchored(regex) else { return Vec::new() };
    // A sample without a scheme (`.*example\.com` gives `example.com`) means a leading
    // wildcard can absorb one: try it with `https://` in front.
    let mut out: Vec<String> = samples(&hir)
        .into_iter()
        .flat_map(|s| if s.contains("://") { vec![s] } else { vec![format!("https://{s}"), s] })
        .filter(|s| re.is_match(s))
        .collect();
    out.dedup();
    out
}

fn samples(hir: &Hir) -> Vec<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
        HirKind::Class(class) => representatives(class).into_iter().map(String::from).collect(),
        HirKind::Capture(cap) => samples(&cap.sub),
        HirKind::Repetition(rep) => {
            let one = samples(&rep.sub);
            let times = rep.min.clamp(1, 8) as usize;
            let mut out: Vec<String> = one.iter().map(|s| s.repeat(times)).collect();
            if rep.min == 0 {
                out.insert(0, String::new());
            }
            out.truncate(MAX_SAMPLES);
            out
        }
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for part in parts {
                let next = samples(part);
                let mut combined = Vec::new();
                'outer: for a in &acc {
                    for b in &next {
                        if combined.len() >= MAX_SAMPLES {
                            break 'outer;
                        }
                        combined.push(format!("{a}{b}"));
                    }
                }
                acc = combined;
            }
            acc
        }
        HirKind::Alternation(branches) => {
            let mut out: Vec<String> = branches.iter().flat_map(samples).collect();
            out.truncate(MAX_SAMPLES);
            out
        }
    }
}

/// Characters to stand for a class: a lower-case letter (or digit, or the first
/// member) and, when the class also holds `.`, the dot too — an unescaped `.` in a
/// host usually stands for a literal dot, and the dot mutation needs it.
fn representatives(class: &Class) -> Vec<char> {
    let contains = |c: char| match class {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(b) => {
            c.is_ascii() && b.ranges().iter().any(|r| r.start() <= c as u8 && c as u8 <= r.end())
        }
    };
    let first = match class {
        Class::Unicode(u) => u.ranges().first().map(|r| r.start()),
        Class::Bytes(b) => b.ranges().first().map(|r| char::from(r.start())),
    };
    let mut out: Vec<char> =
        ['a', 'x', '0', '-'].into_iter().find(|&c| contains(c)).or(first).into_iter().collect();
    // The dot first: samples read like the host the author had in mind.
    if contains('.') && !out.contains(&'.') {
        out.insert(0, '.');
    }
    out
}

/// Unrelated hosts on the same scheme; a regex accepting all of one scheme's probes
/// accepts any origin of that scheme.
const PROBES: &[&[&str]] = &[
    &["https://evil.example", "https://attacker.test:1337", "https://xn--80ak6aa92e.com"],
    &["http://evil.example", "http://attacker.test:1337", "http://192.0.2.1"],
];

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
    use super::*;

    #[test]
    fn samples_are_accepted_by_the_regex() {
        for (regex, expected) in [
            (r"https://app\.example\.com", "https://app.example.com"),
            (r"https://(www\.)?example\.com", "https://www.example.com"),
            (r"https://pr-[0-9]+\.preview\.example\.dev", "https://pr-0.preview.example.dev"),
            (r"https://(app|admin)\.example\.com", "https://admin.example.com"),
            (r"https://app.example.com", "https://app.example.com"),
            (r"https://.*\.example\.com", "https://a.example.com"),
        ] {
            let samples = sample_matches(regex);
            assert!(samples.iter().any(|s| s == expected), "{regex}: {samples:?}");
        }
    }

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
            assert_eq!(accepts_any(pattern).is_some(), want, "{pattern}");
        }
    }
}
