//! `.corsb` loading: any bytes give a table or an error, never a panic or an
//! out-of-bounds read (ASan, when the build has it, checks the reads). The first byte
//! picks how the rest is used:
//!
//! - 0: the whole file, as read from disk (header checks first);
//! - 1: a body, given a correct format-4 header (length, CRC-32, the whole body as
//!   metadata, the index area empty at its end): reaches `postcard` and the table
//!   validation with any bytes;
//! - otherwise: the structure-aware mutator of `cors_dsl::table::fuzz` (the stable
//!   test's), seeded from the input: valid tables with 1–4 mutated fields, encoded by
//!   its `encode` (half the time damaged at the byte level: exact-index records and
//!   slots out of range, header offsets, truncations).
//!
//! A table that loads must emit only valid header values for every probe request
//! (`emitted_headers_are_valid`, the stable test's invariant) and survive a second
//! round trip unchanged.
#![no_main]

use cors_dsl::corsb::{FORMAT_VERSION, HEADER_LEN, MAGIC};
use cors_dsl::table::fuzz::{emitted_headers_are_valid, encode, mutate, seeds};
use cors_dsl::RuleTable;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SEEDS: OnceLock<Vec<RuleTable>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode {
        0 => check(rest),
        1 => check(&with_header(rest)),
        _ => {
            let seeds = SEEDS.get_or_init(seeds);
            let mut seed = [0u8; 8];
            for (s, b) in seed.iter_mut().zip(rest) {
                *s = *b;
            }
            let mut rng = fastrand::Rng::with_seed(u64::from_le_bytes(seed));
            let mut table = seeds[rng.usize(..seeds.len())].clone();
            for _ in 0..=(mode % 4) {
                mutate(&mut table, &mut rng);
            }
            check(&encode(&table, &mut rng).0);
        }
    }
});

/// `body` behind a header that passes every check but the body's own: all of it is
/// metadata, and the index area starts (empty) at the end of the file.
fn with_header(body: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&crc32(body).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&((HEADER_LEN + body.len()) as u64).to_le_bytes());
    out.resize(HEADER_LEN, 0);
    out.extend_from_slice(body);
    out
}

/// CRC-32 (IEEE), bit by bit: the header's checksum, written here so the target does
/// not lean on the loader's own dependency to make its input.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn check(bytes: &[u8]) {
    match RuleTable::from_bytes(bytes) {
        Ok(table) => {
            if let Err(e) = emitted_headers_are_valid(&table) {
                panic!("a loaded table {e}");
            }
            let again = RuleTable::from_bytes(&table.to_bytes());
            assert_eq!(again.as_ref(), Ok(&table), "round trip");
        }
        // Every refusal renders (it goes to nginx's log and corsc's stderr).
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
