//! A deterministic fuzz test of the whole front end: random text, mutated example
//! policies and random token soup go through `load_str` (parse, include resolution,
//! validation), which must never panic. Inputs that parse cleanly also go through the
//! printer, which must be idempotent and keep the meaning of valid policies.
//!
//! The generator is fastrand with a fixed seed so a failure reproduces exactly; the input
//! is printed in the assertion message.

mod common;

use common::try_meaning;
use cors_dsl::printer;
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{load_str, syntax};
use fastrand::Rng;
use std::path::Path;

/// Pieces the soup is made of: every keyword, interesting values, and the
/// characters the lexer treats specially.
const TOKENS: &[&str] = &[
    "policy",
    "allow",
    "origin",
    "methods",
    "headers",
    "expose",
    "credentials",
    "max-age",
    "private-network",
    "preflight",
    "preflight-status",
    "preflight-refused",
    "include",
    "on",
    "off",
    "pass",
    "answer",
    "204",
    "200",
    "403",
    "499",
    "*",
    "null",
    "~",
    "{",
    "}",
    ";",
    "#",
    "\"",
    "'",
    "\\",
    "\n",
    "\r\n",
    "\t",
    " ",
    "  ",
    "\"^https://a\\.b$\"",
    "'(unclosed'",
    "https://a.com",
    "https://*.b.com",
    "http://[::1]:*",
    "https://a.com/",
    "http://x:0",
    "chrome-extension://abc",
    "https://bücher.example",
    "GET",
    "TRACE",
    "X-Custom",
    "a,b",
    "10m",
    "-1",
    "99999999999d",
    "# corsc: allow CORS101 \"why\"\n",
    "missing.cors",
    "é",
    "\u{0}",
    "\u{feff}",
    "{{{{",
    "}}}}",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.usize(..8) {
        let len = bytes.len();
        match rng.usize(..6) {
            // Flip one byte to a random value (may break UTF-8; repaired below).
            0 if len > 0 => {
                let i = rng.usize(..len);
                if let Some(b) = bytes.get_mut(i) {
                    *b = rng.u8(..);
                }
            }
            // Delete a range.
            1 if len > 0 => {
                let i = rng.usize(..len);
                let n = rng.usize(..16).min(len - i);
                bytes.drain(i..i + n);
            }
            // Duplicate a range somewhere else.
            2 if len > 0 => {
                let i = rng.usize(..len);
                let n = rng.usize(..64).min(len - i);
                let piece: Vec<u8> = bytes.get(i..i + n).map(<[u8]>::to_vec).unwrap_or_default();
                let at = rng.usize(..len + 1);
                bytes.splice(at..at, piece);
            }
            // Insert a token.
            3 => {
                let at = rng.usize(..len + 1);
                let t = rng.choice(TOKENS).copied().unwrap_or("").as_bytes().to_vec();
                bytes.splice(at..at, t);
            }
            // Insert one of the syntax characters.
            4 => {
                let at = rng.usize(..len + 1);
                let chars = b";{}\"'#~\\\n";
                let c = chars[rng.usize(..chars.len())];
                bytes.insert(at, c);
            }
            // Truncate.
            _ => bytes.truncate(rng.usize(..len + 1)),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn soup(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.usize(..60) {
        s.push_str(rng.choice(TOKENS).copied().unwrap_or(""));
        if rng.usize(..3) > 0 {
            s.push(' ');
        }
    }
    s
}

fn random_text(rng: &mut Rng) -> String {
    let n = rng.usize(..200);
    (0..n)
        .map(|_| match rng.usize(..4) {
            0 => char::from_u32(rng.usize(..0x3000) as u32).unwrap_or('?'),
            _ => {
                let chars = b" \t\n;{}\"'#~\\abcz*:/.-";
                char::from(chars[rng.usize(..chars.len())])
            }
        })
        .collect()
}

#[test]
fn front_end_never_panics_and_fmt_is_stable() {
    // A directory that does not exist, so random `include`s fail fast and harmlessly.
    let path = Path::new("fuzz-does-not-exist/input.cors");
    let examples: Vec<String> = common::examples().into_iter().map(|(_, text)| text).collect();
    let mut rng = Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    let mut formatted = 0;
    let mut valid = 0;
    for i in 0..6000 {
        let input = match i % 3 {
            0 => {
                let base = examples.get(rng.usize(..examples.len())).map_or("", String::as_str);
                mutate(&mut rng, base)
            }
            1 => soup(&mut rng),
            _ => random_text(&mut rng),
        };
        let loaded = load_str(path, &input);
        assert_eq!(
            loaded.set.is_some(),
            !loaded.diagnostics.iter().any(|d| d.is_error()),
            "input {input:?}"
        );
        for d in &loaded.diagnostics {
            // Every span must lie inside its file, on character boundaries.
            let file = loaded.sources.get(d.span.file).expect("span file exists");
            assert!(file.text.get(d.span.range()).is_some(), "bad span {d:?} for {input:?}");
        }

        let file = SourceFile::new(path, &*input);
        let (_, syntax_errors) = syntax::parse(&file, FileId(0));
        if !syntax_errors.is_empty() {
            continue;
        }
        let once = printer::format(&file).unwrap_or_else(|d| panic!("{input:?}: {d:?}"));
        let twice = printer::format(&SourceFile::new(path, &*once)).unwrap_or_else(|d| {
            panic!("printed text does not parse: {once:?} from {input:?}: {d:?}")
        });
        assert_eq!(once, twice, "fmt not idempotent for {input:?}");
        formatted += 1;
        if let Some(before) = try_meaning(path, &input) {
            assert_eq!(Some(before), try_meaning(path, &once), "fmt changed meaning of {input:?}");
            valid += 1;
        }
    }
    eprintln!("fuzz: {formatted} inputs formatted, {valid} valid policies compared");
    // Guard against a generator that only ever produces rejected input.
    assert!(formatted > 500, "only {formatted} inputs parsed");
    assert!(valid > 50, "only {valid} inputs were valid policies");
}
