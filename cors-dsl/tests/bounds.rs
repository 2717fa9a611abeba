//! Config-time input is bounded (issue #17, point 0): whatever shape a policy file
//! has, diagnostics are capped (the first `MAX_DIAGNOSTICS`, the rest counted), messages
//! quote user text short, includes are bounded in total, every read is bounded
//! whatever the file type, and a damaged table says it is one.
//!
//! Nothing here is timed: each shape is checked by what bounds its cost (how many
//! diagnostics are kept, how long they are, how many files are read). The measured
//! times and memory are in `docs/security.md` ("Bounded configuration input").

use cors_dsl::load::{read_bounded, ReadError};
use cors_dsl::{load_file, load_str, Loaded, OpenError, TableError, MAX_DIAGNOSTICS};
use std::path::{Path, PathBuf};

fn load(text: &str) -> Loaded {
    load_str(Path::new("big.cors"), text)
}

/// Every diagnostic found: kept plus counted.
fn found(l: &Loaded) -> usize {
    l.diagnostics.len() + l.omitted.total()
}

/// Kept diagnostics are few and short, whatever the input.
fn assert_bounded(l: &Loaded, what: &str) {
    assert!(l.diagnostics.len() <= 3 * MAX_DIAGNOSTICS, "{what}: {} kept", l.diagnostics.len());
    for d in &l.diagnostics {
        let len = d.message.len() + d.label.len() + d.help.as_ref().map_or(0, String::len);
        assert!(len < 400, "{what}: a {len}-byte diagnostic: {:.200}", d.message);
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bounds-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

#[test]
fn many_mistakes_are_counted_and_the_first_kept() {
    let n = 20_000;
    let l = load(&"orign x;\n".repeat(n));
    assert_bounded(&l, "orign x;");
    assert_eq!(found(&l), n, "one CORS002 per line, each counted");
    assert_eq!(l.diagnostics.len(), MAX_DIAGNOSTICS);
    assert!(l.has_errors() && l.set.is_none());
    // The kept ones are the first lines, in order, and still say what was meant.
    let lines: Vec<u32> = l.diagnostics.iter().map(|d| d.span.line).collect();
    assert_eq!(lines, (1..=MAX_DIAGNOSTICS as u32).collect::<Vec<_>>());
    assert!(l.diagnostics[0].help.as_deref().is_some_and(|h| h.contains("origin")));

    // Inside a policy block too: the block is checked statement by statement.
    let l = load(&format!("policy p {{\n{}}}\n", "    orign x;\n".repeat(n)));
    assert_bounded(&l, "policy p { orign x; … }");
    assert_eq!(found(&l), n, "one CORS002 per line of the block");
    assert_eq!(l.diagnostics.len(), MAX_DIAGNOSTICS);

    // Syntax errors too (`~` where a name belongs), and they stop at the cap as well.
    let l = load(&"~;".repeat(n));
    assert_bounded(&l, "~;");
    assert_eq!(found(&l), n);
}

#[test]
fn runs_of_one_mistake_are_one_diagnostic() {
    for (shape, byte) in [("`;`", ";"), ("`}`", "}"), ("`{`", "{")] {
        let l = load(&byte.repeat(1 << 20));
        assert_bounded(&l, shape);
        assert_eq!(found(&l), 1, "{shape}: {:?}", l.diagnostics);
    }
}

#[test]
fn a_huge_word_is_quoted_short() {
    let l = load(&"a".repeat(1 << 20));
    assert_bounded(&l, "one word");
    // Missing `;`, and an unknown directive (with no "did you mean": nothing is close).
    assert_eq!(found(&l), 2, "{:?}", l.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>());
    assert!(l.diagnostics.iter().all(|d| d.message.contains('…')));
}

#[test]
fn the_first_mistakes_are_kept_whatever_stage_finds_them() {
    // Syntax errors (parser) after unknown directives (checker): both kinds are errors,
    // and the kept ones are the first by position, not the first reported.
    let text = format!("{}{}", "orign x;\n".repeat(150), "~;\n".repeat(150));
    let l = load(&text);
    assert_eq!(found(&l), 300);
    assert!(
        l.diagnostics.iter().all(|d| d.code.as_str() == "CORS002"),
        "first 100 are the orign lines"
    );
}

/// `levels` files, each including the next `fan_out` times: fan_out^levels expansions
/// if nothing bounded them.
fn fan_out(dir: &Path, fan_out: usize, levels: usize) -> PathBuf {
    for level in 0..levels {
        let next = format!("include \"l{}.cors\";\n", level + 1).repeat(fan_out);
        std::fs::write(dir.join(format!("l{level}.cors")), next).expect("write");
    }
    std::fs::write(dir.join(format!("l{levels}.cors")), "policy p { origin *; }\n").expect("write");
    dir.join("l0.cors")
}

#[test]
fn includes_are_bounded_in_total() {
    let dir = scratch("fan-out");
    let l = load_file(&fan_out(&dir, 4, 10));
    assert_bounded(&l, "fan-out");
    let limits: Vec<_> =
        l.diagnostics.iter().filter(|d| d.message.starts_with("too many includes")).collect();
    assert_eq!(limits.len(), 1, "reported once: {:?}", l.diagnostics);
    assert_eq!(limits[0].code.as_str(), "CORS012");
    // Each file is read once however often it is included.
    assert_eq!(l.sources.files().count(), 11);
    // Within the limit (`MAX_INCLUDES`), includes of includes still work (1 + 2 + 4 + 8).
    let dir = scratch("fan-out-small");
    let l = load_file(&fan_out(&dir, 2, 3));
    // Eight copies of the same policy: every one after the first is a duplicate.
    assert!(l.diagnostics.iter().all(|d| d.code.as_str() == "CORS011"), "{:?}", l.diagnostics);
    assert_eq!(found(&l), 7);
}

#[test]
fn reads_are_bounded_whatever_the_file_is() {
    // A device and a directory are refused before they are read.
    for path in ["/dev/zero", "/"] {
        assert!(matches!(read_bounded(Path::new(path), 1024), Err(ReadError::NotAFile)), "{path}");
    }
    // The size a file claims is not trusted: `/proc` files say 0 and hold more.
    let proc = Path::new("/proc/self/status");
    if proc.exists() {
        assert!(matches!(read_bounded(proc, 16), Err(ReadError::TooLarge(16))));
    }
    let dir = scratch("reads");
    let file = dir.join("big.cors");
    std::fs::write(&file, "x".repeat(100)).expect("write");
    assert!(matches!(read_bounded(&file, 99), Err(ReadError::TooLarge(99))));
    assert_eq!(read_bounded(&file, 100).map(|b| b.len()).ok(), Some(100));
    // A FIFO is not opened at all (opening it would block until a writer comes).
    let fifo = dir.join("fifo.cors");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        assert!(matches!(read_bounded(&fifo, 1024), Err(ReadError::NotAFile)));
        assert!(matches!(cors_dsl::open(&fifo), Err(OpenError::NotAFile)));
        let l = load_str(&dir.join("root.cors"), "include \"fifo.cors\";\n");
        assert!(l.diagnostics[0].message.contains("not a regular file"), "{:?}", l.diagnostics);
    }
    assert!(matches!(cors_dsl::open(Path::new("/dev/zero")), Err(OpenError::NotAFile)));
}

#[test]
fn a_damaged_table_says_it_is_one() {
    let (table, _) = cors_dsl::build(Path::new("t.cors"), "policy p { origin *; }\n")
        .unwrap_or_else(|l| panic!("{:?}", l.diagnostics));
    let bytes = table.to_bytes();
    let dir = scratch("damaged");
    let open = |bytes: &[u8]| {
        let path = dir.join("t.corsb");
        std::fs::write(&path, bytes).expect("write");
        cors_dsl::open(&path).map(|_| ()).map_err(|e| e.to_string())
    };
    assert_eq!(open(&bytes), Ok(()));
    for at in [0, 5, 7] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        let err = open(&damaged).expect_err("a damaged table is refused");
        assert!(err.contains("damaged rule table"), "byte {at}: {err}");
        assert_eq!(
            cors_dsl::RuleTable::from_bytes(&damaged).err(),
            Some(TableError::DamagedMagic),
            "byte {at}"
        );
    }
    let mut reserved = bytes.clone();
    reserved[10] = 1;
    assert!(open(&reserved).is_err_and(|e| e.contains("reserved header bytes")));
    // Text is still text, even text that starts like the magic.
    assert_eq!(open(b"CORSB policy p { origin *; }\n"), Ok(()), "opened as policy source");
}
