//! A `.corsb` file is untrusted input (issue #18): the loader nginx uses
//! (`cors_dsl::open`) refuses any table that could make nginx send what the compiler
//! never would, even one with a correct checksum.
//!
//! These tests edit compiled bytes the way an attacker with write access to one
//! deployed file would: a same-length swap inside the body, then the CRC-32 recomputed
//! (header bytes 12..16, over the body after the header; see `corsb.rs`).

use cors_dsl::{build_table, open, OpenError, Opened, TableError};
use std::path::{Path, PathBuf};

const BODY: usize = cors_dsl::corsb::HEADER_LEN;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name)
}

/// The compiled bytes of an example, the way `corsc compile` writes them.
fn compiled(name: &str) -> Vec<u8> {
    let (table, _) = build_table(&example(name)).unwrap_or_else(|l| panic!("{name}: {l:?}"));
    table.to_bytes()
}

/// Replaces `from` by `to` (same length) inside the body and fixes the checksum.
fn swap(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "a same-length swap");
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{:?} is in the table", String::from_utf8_lossy(from)));
    assert!(at >= BODY, "the swap is inside the body");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    reseal(&mut out);
    out
}

/// Recomputes the CRC-32 of the body, as an attacker would.
fn reseal(bytes: &mut [u8]) {
    let crc = crc32fast::hash(&bytes[BODY..]);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
}

/// Writes `bytes` to a fresh file and opens it as nginx does.
fn open_bytes(test: &str, bytes: &[u8]) -> Result<Opened, OpenError> {
    let dir =
        std::env::temp_dir().join(format!("cors-dsl-table-validation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{test}.corsb"));
    std::fs::write(&path, bytes).expect("write table");
    let opened = open(&path);
    let _ = std::fs::remove_file(&path);
    opened
}

fn refusal(test: &str, bytes: &[u8]) -> String {
    match open_bytes(test, bytes) {
        Err(OpenError::Table(TableError::Refused(v))) => v.to_string(),
        Err(e) => panic!("{test}: refused for another reason: {e}"),
        Ok(_) => panic!("{test}: the tampered table loaded"),
    }
}

#[test]
fn the_untouched_table_loads() {
    let bytes = compiled("spa-api.cors");
    assert!(matches!(open_bytes("untouched", &bytes), Ok(Opened::Table(_))));
}

#[test]
fn issue_18_header_injection_through_a_resealed_table_is_refused() {
    let bytes = compiled("spa-api.cors");
    let tampered =
        swap(&bytes, b"GET, POST, PUT, PATCH, DELETE", b"GET\r\nSet-Cookie: pwn=1\r\nX: DE");
    // The checksum is right and the body decodes: only the validation stands between
    // this file and nginx (`refusal` insists on `TableError::Refused`).
    let message = refusal("injection", &tampered);
    for part in ["policy \"api\"", "rule 1", "Access-Control-Allow-Methods", "\\r\\n", "0x0d"] {
        assert!(message.contains(part), "{part:?} in {message:?}");
    }
    // Shown escaped, never raw: a log line stays one line.
    assert!(!message.contains(['\r', '\n']), "{message:?}");
}

#[test]
fn resealed_tables_that_say_what_no_policy_can_are_refused() {
    let spa = compiled("spa-api.cors");
    // (what is swapped, into what, a word the refusal must contain)
    let cases: &[(&[u8], &[u8], &str)] = &[
        // A forbidden method, same length as `PATCH`... `TRACE`.
        (b"PATCH", b"TRACE", "forbidden"),
        // Methods that disagree with the rule's list (the list says PATCH).
        (b"PUT, PATCH", b"PUT, PATCX", "does not match"),
        // A header name that is no token (the first `X-Request-ID` is the exposed one).
        (b"X-Request-ID", b"X-Request:ID", "Access-Control-Expose-Headers"),
        // `max-age` that is not a number.
        (b"7200", b"72 0", "Access-Control-Max-Age"),
        // `Vary` that forgets `Origin`: caches would mix the answers of two origins.
        (b"Origin", b"Oxigin", "Vary"),
        // A normalised origin key turned into one no browser sends.
        (b"https://app.example.com", b"https://APP.example.com", "not a normalised origin"),
    ];
    for (from, to, word) in cases {
        let name = String::from_utf8_lossy(to).replace(|c: char| !c.is_alphanumeric(), "_");
        let message = refusal(&name, &swap(&spa, from, to));
        assert!(message.contains(word), "{:?} → {message:?}", String::from_utf8_lossy(to));
    }
}

#[test]
fn reserved_header_bytes_must_be_zero() {
    let mut bytes = compiled("spa-api.cors");
    bytes[10] = 1;
    match open_bytes("reserved", &bytes) {
        Err(OpenError::Table(TableError::Invalid(m))) => assert!(m.contains("reserved"), "{m}"),
        other => panic!("reserved byte set: {other:?}"),
    }
}

#[test]
fn a_damaged_magic_number_is_called_a_damaged_table() {
    let good = compiled("spa-api.cors");
    for (at, byte) in [(0, b'X'), (5, b' '), (7, 0)] {
        let mut bytes = good.clone();
        bytes[at] = byte;
        match open_bytes("magic", &bytes) {
            Err(OpenError::Table(TableError::DamagedMagic)) => {}
            other => panic!("magic byte {at} damaged: {other:?}"),
        }
    }
    // Policy source that happens to start with the same letters stays source.
    assert!(!cors_dsl::corsb::is_damaged_table(b"CORSB\r\n policy p { }"));
    assert!(!cors_dsl::corsb::is_damaged_table(b"CORS"));
}

#[test]
fn every_example_table_passes_the_loader_validation() {
    for path in std::fs::read_dir(example("")).expect("examples").filter_map(|e| e.ok()) {
        let path = path.path();
        if path.extension().is_none_or(|e| e != "cors") {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let bytes = compiled(&name);
        assert!(
            matches!(open_bytes(&name, &bytes), Ok(Opened::Table(_))),
            "{name} compiles to a table its own loader accepts"
        );
    }
}

/// The compiler runs the loader's validation on what it built: a policy the loader
/// would refuse is refused at its source, with a position.
#[test]
fn the_compiler_refuses_what_the_loader_would() {
    let text = "policy \"a\\u{1}b\" { origin https://a.example.com; }\n".replace("\\u{1}", "\\t");
    let loaded = cors_dsl::build(Path::new("ctl.cors"), &text).expect_err("a tab in a policy name");
    let d = loaded.diagnostics.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(d.code.code, "CORS003", "{d:?}");
    assert!(d.message.contains("control character") && d.message.contains("\\t"), "{}", d.message);
    assert_eq!((d.span.line, d.span.col), (1, 8), "on the policy's name");
}
