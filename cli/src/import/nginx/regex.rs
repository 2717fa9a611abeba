//! nginx's origin regexes in the policy language's terms.
//!
//! nginx searches (`~`, `~*` match anywhere unless anchored); policy regexes always
//! match the whole origin. [`whole_match`] writes the policy regex that accepts exactly
//! what nginx's accepts, and the anchored one the author most likely meant (what
//! `--fix` writes). [`samples`] derives origins a regex accepts, so the import can send
//! the recipe requests that exercise each of its branches.

use regex_syntax::hir::{Class, Hir, HirKind};

/// `(faithful, tight)`: the whole-match form of nginx regex `re`, and, when it was not
/// anchored at both ends, the anchored form.
pub fn whole_match(re: &str, case_insensitive: bool) -> (String, Option<String>) {
    let flag = if case_insensitive { "(?i)" } else { "" };
    if has_top_level_alternation(re) {
        let anchored = re.split('|').all(|b| b.starts_with('^') && ends_anchored(b));
        let faithful =
            if anchored { format!("{flag}(?:{re})") } else { format!("{flag}.*(?:{re}).*") };
        return (faithful, None);
    }
    let start = re.starts_with('^');
    let end = ends_anchored(re);
    let body = re.strip_prefix('^').unwrap_or(re);
    let body = if end { &body[..body.len() - 1] } else { body };
    let faithful =
        format!("{flag}{}{body}{}", if start { "" } else { ".*" }, if end { "" } else { ".*" });
    // Always offered: an anchored regex that is one literal origin (dots unescaped
    // or not) becomes that origin under `--fix`.
    // A pattern without a scheme (`example\.com`) was meant for https.
    let scheme = if body.contains("://") { "" } else { "https://" };
    (faithful, Some(format!("{flag}{scheme}{body}")))
}

/// Ends with a `$` that is not escaped.
fn ends_anchored(re: &str) -> bool {
    let Some(before) = re.strip_suffix('$') else { return false };
    let backslashes = before.chars().rev().take_while(|&c| c == '\\').count();
    backslashes % 2 == 0
}

fn has_top_level_alternation(re: &str) -> bool {
    let (mut depth, mut class, mut escaped) = (0i32, false, false);
    for c in re.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' if !class => class = true,
            ']' if class => class = false,
            '(' if !class => depth += 1,
            ')' if !class => depth -= 1,
            '|' if !class && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Up to `limit` strings `re` matches (one per alternation branch, optional parts
/// both taken and left out); empty when `re` does not parse.
pub fn samples(re: &str, limit: usize) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(re) else { return Vec::new() };
    let mut out = gen(&hir, limit);
    out.sort();
    out.dedup();
    out.truncate(limit);
    out
}

fn gen(hir: &Hir, limit: usize) -> Vec<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
        HirKind::Class(class) => vec![representative(class).to_string()],
        HirKind::Capture(c) => gen(&c.sub, limit),
        HirKind::Repetition(rep) => {
            let one = gen(&rep.sub, limit);
            let times = rep.min.max(1) as usize;
            let repeated: Vec<String> = one.iter().map(|s| s.repeat(times.min(3))).collect();
            if rep.min == 0 && rep.max == Some(1) {
                let mut v = vec![String::new()];
                v.extend(repeated);
                v
            } else {
                repeated
            }
        }
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for p in parts {
                let next = gen(p, limit);
                let mut combined = Vec::new();
                for a in &acc {
                    for n in &next {
                        if combined.len() < limit {
                            combined.push(format!("{a}{n}"));
                        }
                    }
                }
                acc = combined;
            }
            acc
        }
        HirKind::Alternation(branches) => {
            branches.iter().flat_map(|b| gen(b, limit)).take(limit).collect()
        }
    }
}

/// A character of the class that looks like it belongs in a host name.
fn representative(class: &Class) -> char {
    let chars: Vec<(char, char)> = match class {
        Class::Unicode(c) => c.ranges().iter().map(|r| (r.start(), r.end())).collect(),
        Class::Bytes(c) => {
            c.ranges().iter().map(|r| (r.start() as char, r.end() as char)).collect()
        }
    };
    for want in ['a', 'x', '1', '0', '-'] {
        if chars.iter().any(|&(s, e)| s <= want && want <= e) {
            return want;
        }
    }
    chars.iter().find(|(s, _)| s.is_ascii_graphic()).map_or('a', |&(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_match_forms() {
        let cases = [
            (
                "^https://a\\.example\\.com$",
                false,
                "https://a\\.example\\.com",
                Some("https://a\\.example\\.com"),
            ),
            ("example\\.com", true, "(?i).*example\\.com.*", Some("(?i)https://example\\.com")),
            (
                "^https://a\\.example\\.com",
                false,
                "https://a\\.example\\.com.*",
                Some("https://a\\.example\\.com"),
            ),
            ("^https://a$|^https://b$", false, "(?:^https://a$|^https://b$)", None),
            ("a|b", false, ".*(?:a|b).*", None),
            ("x\\$", false, ".*x\\$.*", Some("https://x\\$")),
            ("^https://a", false, "https://a.*", Some("https://a")),
        ];
        for (re, ci, faithful, tight) in cases {
            let (f, t) = whole_match(re, ci);
            assert_eq!((f.as_str(), t.as_deref()), (faithful, tight), "{re}");
        }
    }

    #[test]
    fn samples_cover_branches() {
        let s = samples("^https://(www\\.)?(app|admin)\\.example\\.com$", 8);
        for want in ["https://app.example.com", "https://www.admin.example.com"] {
            assert!(s.iter().any(|x| x == want), "{want} not in {s:?}");
        }
        assert_eq!(samples("^https://[a-z0-9-]+\\.example\\.com$", 8), ["https://a.example.com"]);
        assert!(samples("(", 8).is_empty());
    }
}
