//! What the author of a pattern wrote down, as opposed to what it accepts: the hosts
//! and schemes spelled out in it. The analysis compares the two ("you wrote
//! `shop.acme.test`; the regex also accepts `shop.acme.test.evil.net`").
//!
//! For a `~` regex these are read off its syntax tree: runs of literal text, reading
//! an unescaped `.` as the dot the author almost certainly meant (so
//! `https://app.example.com` names the host `app.example.com`, which is exactly what
//! makes `appxexample.com` a look-alike of it), and case-insensitive letters (`(?i)`)
//! as lower case.

use crate::origin::{OriginPattern, OriginText};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Hosts and schemes a pattern spells out, lower-case, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Hosts (`shop.acme.test`, `acme.test` from `(.+\.)?acme\.test`, the suffix of a
    /// subdomain wildcard), without a leading or final dot.
    pub hosts: Vec<String>,
    /// Schemes (`https`); for a regex, every scheme-like word of its literal text.
    pub schemes: Vec<String>,
}

impl Written {
    /// What `pattern` spells out.
    pub fn of(pattern: &OriginPattern) -> Written {
        let mut w = Written::default();
        match pattern {
            OriginPattern::Any | OriginPattern::Null => {}
            OriginPattern::Exact(o) => {
                if let Some(o) = OriginText::parse(o) {
                    w.add_scheme(o.scheme);
                    w.add_host(o.host);
                }
            }
            OriginPattern::Subdomain { scheme, suffix, .. } => {
                w.add_scheme(scheme);
                w.add_host(suffix);
            }
            OriginPattern::AnyPort { scheme, host } => {
                w.add_scheme(scheme);
                w.add_host(host);
            }
            OriginPattern::Regex(source) => {
                if let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(source) {
                    let mut runs = Vec::new();
                    collect_runs(&hir, &mut runs);
                    for (run, cut_short) in runs {
                        w.add_run(&run, cut_short);
                    }
                }
            }
        }
        w
    }

    fn add_scheme(&mut self, scheme: &str) {
        if !self.schemes.iter().any(|s| s == scheme) {
            self.schemes.push(scheme.to_string());
        }
    }

    fn add_host(&mut self, host: &str) {
        let host = host.trim_matches('.');
        if !host.is_empty() && !self.hosts.iter().any(|h| h == host) {
            self.hosts.push(host.to_string());
        }
    }

    /// One run of literal text: its scheme-like words, and the host it names (the
    /// text after `://`, or a dotted name), up to a `:` or `/`. A run `cut_short` by
    /// a non-literal part names a host only if it has a dot (`https://pr-` in
    /// `https://pr-[0-9]+\.acme\.dev` names none).
    fn add_run(&mut self, run: &str, cut_short: bool) {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '-';
        for word in run.split(|c: char| !is_word(c)) {
            if word.starts_with(|c: char| c.is_ascii_lowercase()) {
                self.add_scheme(word);
            }
        }
        let (after_scheme, host) = match run.rfind("://") {
            Some(at) => (true, run.get(at + 3..).unwrap_or("")),
            None => (false, run),
        };
        // A host ended by `:` or `/` inside the run is complete even when more follows.
        let cut_short = cut_short && !host.contains([':', '/']);
        let host = host.split([':', '/']).next().unwrap_or("");
        let is_host_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        let trimmed = host.trim_matches('.');
        if !trimmed.is_empty()
            && host.chars().all(is_host_char)
            && ((after_scheme && !cut_short) || trimmed.contains('.'))
            && !trimmed.contains("..")
        {
            self.add_host(trimmed);
        }
    }
}

/// Appends every maximal run of literal text in `hir` to `runs`, each with whether a
/// non-literal part follows it.
fn collect_runs(hir: &Hir, runs: &mut Vec<(String, bool)>) {
    match hir.kind() {
        HirKind::Concat(parts) => {
            let mut run = String::new();
            for part in parts {
                match literal_text(part) {
                    Some(text) => run.push_str(&text),
                    None => {
                        if !run.is_empty() {
                            runs.push((std::mem::take(&mut run), true));
                        }
                        collect_runs(part, runs);
                    }
                }
            }
            if !run.is_empty() {
                runs.push((run, false));
            }
        }
        HirKind::Alternation(branches) => branches.iter().for_each(|b| collect_runs(b, runs)),
        HirKind::Capture(cap) => collect_runs(&cap.sub, runs),
        HirKind::Repetition(rep) => collect_runs(&rep.sub, runs),
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(_) | HirKind::Class(_) => {
            if let Some(text) = literal_text(hir) {
                runs.push((text, false));
            }
        }
    }
}

/// The text a node stands for when it is literal: a literal, a case-insensitive
/// letter (`[Aa]`), or an any-character class (an unescaped `.`, read as a dot).
fn literal_text(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(String::from_utf8_lossy(&lit.0).to_ascii_lowercase()),
        HirKind::Class(class) => {
            let has = |c: char| match class {
                Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
                Class::Bytes(b) => b
                    .ranges()
                    .iter()
                    .any(|r| c.is_ascii() && r.start() <= c as u8 && c as u8 <= r.end()),
            };
            // `.`: a class that takes letters, dots, slashes and colons alike.
            if ['.', 'x', '/', ':', '%'].iter().all(|&c| has(c)) {
                return Some(".".into());
            }
            let letters: Vec<char> = (b'a'..=b'z').map(char::from).filter(|&c| has(c)).collect();
            let uppers = (b'A'..=b'Z').map(char::from).filter(|&c| has(c)).count();
            let only_case_pair = match class {
                Class::Unicode(u) => u.ranges().iter().map(|r| r.len()).sum::<usize>(),
                Class::Bytes(b) => b.ranges().iter().map(|r| r.len()).sum::<usize>(),
            } <= 3; // `k` also folds to the Kelvin sign, `s` to the long s
            match (letters.as_slice(), uppers, only_case_pair) {
                ([c], 1, true) => Some(c.to_string()),
                _ => None,
            }
        }
        HirKind::Capture(cap) => literal_text(&cap.sub),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(source: &str) -> Vec<String> {
        Written::of(&OriginPattern::Regex(source.into())).hosts
    }

    #[test]
    fn hosts_written_in_regexes() {
        for (source, want) in [
            (r"https://shop\.acme\.test", vec!["shop.acme.test"]),
            (r"https://shop\.acme\.test|null", vec!["shop.acme.test"]),
            (r"https://(.+\.)?acme\.test", vec!["acme.test"]),
            (r"[a-z]+://.+\.acme\.test", vec!["acme.test"]),
            (r"https://app.example.com", vec!["app.example.com"]),
            (r"(?i)https://APP\.example\.com", vec!["app.example.com"]),
            (r"https://[a-z]+\.vercel\.app", vec!["vercel.app"]),
            (r"https://pr-[0-9]+\.preview\.acme\.dev", vec!["preview.acme.dev"]),
            (r"http://localhost:[0-9]+", vec!["localhost"]),
            (r"https://.*", vec![]),
        ] {
            assert_eq!(hosts(source), want, "{source}");
        }
    }

    #[test]
    fn schemes_written_in_regexes() {
        let w = Written::of(&OriginPattern::Regex(r"(capacitor|ionic)://localhost".into()));
        assert!(w.schemes.contains(&"capacitor".into()) && w.schemes.contains(&"ionic".into()));
        let w = Written::of(&OriginPattern::Regex(r"[a-z]+://x\.acme\.test".into()));
        assert!(!w.schemes.contains(&"https".into()), "{w:?}");
    }
}
