//! The `.corsb` file: a compiled [`RuleTable`] on disk, laid out to be mapped and
//! used in place (issue #13).
//!
//! Format 4 (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 0..8 | magic `b"CORSB\0\r\n"` (the `\r\n` catches text-mode mangling) |
//! | 8..10 | format version ([`FORMAT_VERSION`]) |
//! | 10..12 | reserved, zero |
//! | 12..16 | CRC-32 of the body (everything after the header) |
//! | 16..24 | body length |
//! | 24..32 | metadata length; the metadata follows the header |
//! | 32..40 | offset of the index area (from the start of the file) |
//! | 40..64 | reserved, zero |
//! | 64.. | metadata: `postcard` of the policies (rules, rendered headers, the pattern maps, regexes) and, per policy, where its exact-origin index lies in the index area: small, whatever the number of exact origins |
//! | index area | per policy, its exact-origin index as the lookup reads it (`origin/exact.rs`), 8-byte aligned |
//!
//! Loading checks every header field before touching the body, the checksum, then
//! decodes the metadata and runs the table validation: in full over the metadata, a
//! linear layout pass over the exact indexes (no per-origin parsing or allocation).
//! The indexes stay where they are: in the caller's buffer or the mapped file
//! ([`RuleTable::from_owner`]). A truncated, corrupted or foreign file is refused with
//! a [`TableError`], never a panic.

use crate::origin::{ExactIndex, ExactLayout};
use crate::table::{CompiledPolicy, RuleTable, Violation};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// First bytes of every `.corsb` file.
pub const MAGIC: &[u8; 8] = b"CORSB\0\r\n";
/// The layout version this build reads and writes (4: exact origins in an index used
/// in place; 3: the origin index gained the `scheme://*.suffix:*` map).
pub const FORMAT_VERSION: u16 = 4;
/// The header of format 4.
pub const HEADER_LEN: usize = 64;
/// The shortest header of any format version (24 bytes up to version 3): enough to
/// tell a damaged table and to read a version.
const MIN_HEADER_LEN: usize = 24;
/// Alignment of each index in the index area.
const ALIGN: usize = 8;

/// Why a `.corsb` file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableError {
    /// Shorter than the header or than the length it declares.
    #[error("truncated rule table: {found} bytes, expected {expected}")]
    Truncated {
        /// Bytes present.
        found: usize,
        /// Bytes needed.
        expected: usize,
    },
    /// Not a `.corsb` file.
    #[error("not a compiled rule table (bad magic bytes)")]
    BadMagic,
    /// A `.corsb` file whose first bytes were damaged ([`is_damaged_table`]).
    #[error("damaged rule table: its first bytes are not the `.corsb` magic bytes; recompile it with corsc")]
    DamagedMagic,
    /// Written by another version of `corsc`.
    #[error("rule table format version {found} is not supported (this build reads version {expected}); recompile it with this version of corsc")]
    UnsupportedVersion {
        /// Version in the file.
        found: u16,
        /// Version this build reads.
        expected: u16,
    },
    /// The body does not match its checksum.
    #[error("rule table is corrupted (checksum mismatch)")]
    Checksum,
    /// The body does not decode, or decodes to an inconsistent table.
    #[error("rule table is corrupted: {0}")]
    Invalid(String),
    /// The table decodes, but holds something no policy compiles to: it could make
    /// nginx send what the compiler never would (see [`Violation`]).
    #[error("rule table refused: {0}; recompile it from its policy source with corsc")]
    Refused(Violation),
}

// Not `#[from]`: that would make the violation the error's `source` too, and error
// chains would print it twice.
impl From<Violation> for TableError {
    fn from(v: Violation) -> Self {
        TableError::Refused(v)
    }
}

/// Whether `bytes` start like a `.corsb` file (used to tell tables from sources).
pub fn is_table(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Whether `bytes` are most likely a `.corsb` file with damaged magic bytes: a whole
/// header whose first 8 bytes differ from [`MAGIC`] in one or two places. Such a file
/// is reported as a damaged table, not as text that is not UTF-8 (issue #17). Policy
/// source cannot look like this: the magic holds a NUL byte, and one or two changed
/// bytes leave at least five of `CORSB\0\r\n` in place.
pub fn is_damaged_table(bytes: &[u8]) -> bool {
    let Some(head) = bytes.get(..MAGIC.len()) else { return false };
    let differing = head.iter().zip(MAGIC).filter(|(a, b)| a != b).count();
    bytes.len() >= MIN_HEADER_LEN && (1..=2).contains(&differing)
}

/// The metadata as written: the policies (their exact indexes skipped) and where each
/// policy's exact index lies.
#[derive(Serialize)]
struct MetadataOut<'a> {
    policies: &'a [CompiledPolicy],
    exact: Vec<ExactLayout>,
}

/// The metadata as read.
#[derive(Deserialize)]
struct MetadataIn {
    policies: Vec<CompiledPolicy>,
    exact: Vec<ExactLayout>,
}

fn field<const N: usize>(header: &[u8], at: usize) -> [u8; N] {
    header.get(at..at + N).and_then(|b| b.try_into().ok()).unwrap_or([0; N])
}

fn u64_at(header: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(field(header, at))
}

impl RuleTable {
    /// Serialises the table into the `.corsb` format.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_with(|_| {})
    }

    /// [`to_bytes`](Self::to_bytes), with the exact-index records edited before they
    /// are written (the fuzz tests' offsets out of range).
    pub(crate) fn to_bytes_with(&self, edit: impl FnOnce(&mut [ExactLayout])) -> Vec<u8> {
        let mut layouts = Vec::with_capacity(self.policies.len());
        let mut area_len = 0usize;
        for p in &self.policies {
            let (data, mut layout) = p.origins.exact.layout();
            layout.offset = area_len as u64;
            area_len = (area_len + data.len()).next_multiple_of(ALIGN);
            layouts.push(layout);
        }
        let mut out = Vec::with_capacity(HEADER_LEN + 4096 + area_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.resize(HEADER_LEN, 0); // the rest of the header is filled in below
                                   // Serialised in place behind the header; plain owned data cannot fail.
        let written = layouts.clone();
        edit(&mut layouts);
        let metadata = MetadataOut { policies: &self.policies, exact: layouts };
        let mut out = postcard::to_extend(&metadata, out).unwrap_or_default();
        let meta_len = out.len().saturating_sub(HEADER_LEN) as u64;
        out.resize(out.len().next_multiple_of(ALIGN), 0);
        let area = out.len();
        for (p, layout) in self.policies.iter().zip(&written) {
            out.resize(area + layout.offset as usize, 0);
            out.extend_from_slice(p.origins.exact.layout().0);
        }
        out.resize(area + area_len, 0);
        let body = out.get(HEADER_LEN..).unwrap_or(&[]);
        let (crc, len) = (crc32fast::hash(body), body.len() as u64);
        if let Some(header) = out.get_mut(..HEADER_LEN) {
            header[12..16].copy_from_slice(&crc.to_le_bytes());
            header[16..24].copy_from_slice(&len.to_le_bytes());
            header[24..32].copy_from_slice(&meta_len.to_le_bytes());
            header[32..40].copy_from_slice(&(area as u64).to_le_bytes());
        }
        out
    }

    /// Reads a table written by [`RuleTable::to_bytes`], checking magic, version,
    /// length, checksum and internal consistency. The bytes are copied once;
    /// [`from_owner`](Self::from_owner) uses them where they are.
    pub fn from_bytes(bytes: &[u8]) -> Result<RuleTable, TableError> {
        load(Bytes::copy_from_slice(bytes))
    }

    /// [`from_bytes`](Self::from_bytes) over bytes the table then keeps and uses in
    /// place: a `Vec` read from disk, or a read-only mapping of the file (nginx's
    /// module). Loading does not copy them, and looking an exact origin up reads them
    /// directly, so a million origins cost a scan of the file, not a million
    /// allocations; processes that share the mapping share its pages.
    pub fn from_owner<T: AsRef<[u8]> + Send + 'static>(owner: T) -> Result<RuleTable, TableError> {
        load(Bytes::from_owner(owner))
    }
}

/// The loader: header, checksum, metadata, then the validation.
fn load(file: Bytes) -> Result<RuleTable, TableError> {
    let bytes = &file[..];
    if is_damaged_table(bytes) {
        return Err(TableError::DamagedMagic);
    }
    if !bytes.starts_with(MAGIC) && !MAGIC.starts_with(bytes) {
        return Err(TableError::BadMagic);
    }
    let truncated = |expected| TableError::Truncated { found: bytes.len(), expected };
    let head = bytes.get(..MIN_HEADER_LEN).ok_or(truncated(MIN_HEADER_LEN))?;
    if head.get(..8) != Some(&MAGIC[..]) {
        return Err(TableError::BadMagic);
    }
    let version = u16::from_le_bytes(field(head, 8));
    if version != FORMAT_VERSION {
        return Err(TableError::UnsupportedVersion { found: version, expected: FORMAT_VERSION });
    }
    let header = bytes.get(..HEADER_LEN).ok_or(truncated(HEADER_LEN))?;
    if field::<2>(header, 10) != [0, 0] {
        return Err(TableError::Invalid("reserved header bytes 10..12 are not zero".into()));
    }
    if header.get(40..).is_some_and(|r| r.iter().any(|&b| b != 0)) {
        return Err(TableError::Invalid("reserved header bytes 40..64 are not zero".into()));
    }
    let crc = u32::from_le_bytes(field(header, 12));
    let expected = usize::try_from(u64_at(header, 16)).ok().and_then(|l| l.checked_add(HEADER_LEN));
    let body = match expected {
        Some(end) if end == bytes.len() => bytes.get(HEADER_LEN..).unwrap_or(&[]),
        Some(end) if end > bytes.len() => return Err(truncated(end)),
        _ => return Err(TableError::Invalid("trailing bytes after the body".into())),
    };
    // Over the whole body, index included: a flipped bit in an origin would otherwise
    // allow another origin. At memory speed (crc32fast uses the CPU's CRC support).
    if crc32fast::hash(body) != crc {
        return Err(TableError::Checksum);
    }
    let meta_end = usize::try_from(u64_at(header, 24)).ok().and_then(|l| l.checked_add(HEADER_LEN));
    let area = usize::try_from(u64_at(header, 32)).ok();
    let (meta_end, area) = match (meta_end, area) {
        (Some(m), Some(a)) if m <= a && a <= bytes.len() => (m, a),
        _ => {
            return Err(TableError::Invalid(
                "the metadata or the index area lies outside the file".into(),
            ))
        }
    };
    let metadata = bytes.get(HEADER_LEN..meta_end).unwrap_or(&[]);
    let (MetadataIn { policies, exact }, rest) =
        postcard::take_from_bytes(metadata).map_err(|e| TableError::Invalid(e.to_string()))?;
    if !rest.is_empty() {
        return Err(TableError::Invalid("trailing bytes after the metadata".into()));
    }
    if exact.len() != policies.len() {
        return Err(TableError::Invalid(format!(
            "{} exact-origin indexes for {} policies",
            exact.len(),
            policies.len()
        )));
    }
    let area = file.slice(area..);
    let mut table = RuleTable { policies };
    for (policy_index, (p, layout)) in table.policies.iter_mut().zip(&exact).enumerate() {
        let range = usize::try_from(layout.offset)
            .ok()
            .zip(usize::try_from(layout.len).ok())
            .and_then(|(start, len)| Some(start..start.checked_add(len)?))
            .filter(|r| r.end <= area.len());
        let Some(range) = range else {
            return Err(TableError::Invalid(format!(
                "the exact-origin index of policy {policy_index} lies outside the file"
            )));
        };
        p.origins.exact = ExactIndex::from_layout(area.slice(range), layout);
        // The regex sets are not stored; building them enforces the combined size limit.
        if let Err(e) = p.origins.prepare_lookup() {
            return Err(TableError::Refused(Violation {
                policy_index,
                policy: crate::table::quoted(p.name.as_bytes()),
                rule: None,
                rule_source: None,
                problem: format!("its regexes do not compile within the size limit ({e})"),
            }));
        }
    }
    table.validate()?;
    Ok(table)
}
