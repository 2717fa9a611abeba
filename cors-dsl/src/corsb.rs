//! The `.corsb` file: a compiled [`RuleTable`] on disk.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 0..8 | magic `b"CORSB\0\r\n"` (the `\r\n` catches text-mode mangling) |
//! | 8..10 | format version ([`FORMAT_VERSION`]) |
//! | 10..12 | reserved, zero |
//! | 12..16 | CRC-32 of the body |
//! | 16..24 | body length |
//! | 24.. | body: the table, `postcard`-serialised |
//!
//! Reading checks every field before touching the body, so a truncated, corrupted or
//! foreign file is refused with a [`TableError`], never a panic.

use crate::table::{RuleTable, Violation};

/// First bytes of every `.corsb` file.
pub const MAGIC: &[u8; 8] = b"CORSB\0\r\n";
/// The body layout version this build reads and writes (3: the origin index gained the
/// `scheme://*.suffix:*` map).
pub const FORMAT_VERSION: u16 = 3;
const HEADER_LEN: usize = 24;

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
    bytes.len() >= HEADER_LEN && (1..=2).contains(&differing)
}

impl RuleTable {
    /// Serialises the table into the `.corsb` format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&[0; 12]); // CRC and length, filled in below
                                         // The body is serialised after the header in the same buffer (a table of a
                                         // million origins is not copied); serialising plain owned data cannot fail.
        let mut out = postcard::to_extend(self, out).unwrap_or_default();
        let body = out.get(HEADER_LEN..).unwrap_or(&[]);
        let (crc, len) = (crc32fast::hash(body), body.len() as u64);
        if let Some(fields) = out.get_mut(12..HEADER_LEN) {
            fields[..4].copy_from_slice(&crc.to_le_bytes());
            fields[4..].copy_from_slice(&len.to_le_bytes());
        }
        out
    }

    /// Reads a table written by [`RuleTable::to_bytes`], checking magic, version,
    /// length, checksum and internal consistency.
    pub fn from_bytes(bytes: &[u8]) -> Result<RuleTable, TableError> {
        if is_damaged_table(bytes) {
            return Err(TableError::DamagedMagic);
        }
        if !bytes.starts_with(MAGIC) && !MAGIC.starts_with(bytes) {
            return Err(TableError::BadMagic);
        }
        let header = bytes
            .get(..HEADER_LEN)
            .ok_or(TableError::Truncated { found: bytes.len(), expected: HEADER_LEN })?;
        let field = |r: std::ops::Range<usize>| header.get(r).unwrap_or(&[]);
        if field(0..8) != MAGIC {
            return Err(TableError::BadMagic);
        }
        let version = u16::from_le_bytes(field(8..10).try_into().unwrap_or([0, 0]));
        if version != FORMAT_VERSION {
            return Err(TableError::UnsupportedVersion {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        if field(10..12) != [0, 0] {
            return Err(TableError::Invalid("reserved header bytes 10..12 are not zero".into()));
        }
        let crc = u32::from_le_bytes(field(12..16).try_into().unwrap_or([0; 4]));
        let len = u64::from_le_bytes(field(16..24).try_into().unwrap_or([0; 8]));
        let expected = usize::try_from(len).ok().and_then(|l| l.checked_add(HEADER_LEN));
        let body = match expected {
            Some(end) if end == bytes.len() => &bytes[HEADER_LEN..],
            Some(end) if end > bytes.len() => {
                return Err(TableError::Truncated { found: bytes.len(), expected: end })
            }
            _ => return Err(TableError::Invalid("trailing bytes after the body".into())),
        };
        if crc32fast::hash(body) != crc {
            return Err(TableError::Checksum);
        }
        let mut table: RuleTable =
            postcard::from_bytes(body).map_err(|e| TableError::Invalid(e.to_string()))?;
        // The regex sets are not stored; building them enforces the combined size limit.
        for (policy_index, p) in table.policies.iter_mut().enumerate() {
            if let Err(e) = p.origins.build_regex_set() {
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
}
