//! The exact origins of one policy, laid out for use in place (issue #13).
//!
//! One byte buffer, the same whether the compiler just built it or nginx mapped it
//! from a `.corsb` file (`.corsb` format 4 stores it as it is, see `crate::corsb`):
//!
//! ```text
//! slots  slot_count × 12 bytes, slot_count a power of two (load factor <= 1/2):
//!          key offset u32 (u32::MAX: empty) | rule u32 | key length u16 | tag u16
//!        open addressing, linear probing from slot (hash >> 32) & (slot_count - 1);
//!        no key is more than `longest` (<= MAX_PROBE) slots from its home (the
//!        compiler inserts Robin Hood style, which keeps `longest` short)
//! keys   the keys' bytes, one after another
//! ```
//!
//! All integers little-endian. The hash ([`hash`]) is fixed by the format version:
//! keys are the policy's, so an attacker cannot choose collisions among them, and a
//! request's origin, whatever it is, costs at most `longest` slot reads and one
//! comparison per slot whose 16-bit tag and length both match.
//!
//! Loading checks the layout in one pass at memory speed ([`ExactIndex::check_layout`]:
//! slot count, probe bound, every key inside the blob, every rule in range, every byte
//! of the blob one an origin may hold); the compiler also parses every key
//! ([`ExactIndex::check_keys`]). Every read of a lookup is bounds-checked besides, so
//! even a table that was never checked is a miss, never an out-of-bounds read or a
//! panic.

use super::index::RuleIdx;
use crate::bytes::eq_inline;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Bytes per slot.
pub(crate) const SLOT_LEN: usize = 12;
/// A slot's key offset when it holds no key.
const EMPTY: u32 = u32::MAX;
/// The longest probe sequence a table may need: the compiler doubles the slots until
/// every key sits at most this far from its home, and the loader refuses more.
pub(crate) const MAX_PROBE: u32 = 64;

/// Where a policy's index sits in a `.corsb` file, and its shape: the metadata's
/// (small, fixed-size) record of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ExactLayout {
    /// Offset of the buffer from the start of the file's index area.
    pub(crate) offset: u64,
    /// Length of the buffer (slots and keys).
    pub(crate) len: u64,
    pub(crate) slot_count: u32,
    pub(crate) entries: u32,
    pub(crate) longest: u32,
}

/// The exact-origin index of one policy (see the module doc).
#[derive(Clone, Default)]
pub(crate) struct ExactIndex {
    /// Slots, then keys: owned, or a view of a mapped `.corsb`.
    data: Bytes,
    /// 0 (no origins) or a power of two.
    slot_count: u32,
    /// Slots in use.
    entries: u32,
    /// The longest probe sequence a lookup makes.
    longest: u32,
    /// Derived from `slot_count` once, for the lookup: where the keys start in `data`
    /// (saturated: a count too large for memory leaves no keys, so every lookup
    /// misses) and the mask of a slot number.
    keys_at: usize,
    mask: usize,
}

/// Why an index cannot be built: more origin bytes than 32-bit offsets reach, or an
/// origin longer than a 16-bit length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

impl ExactIndex {
    /// Indexes `entries` in the order given; a key listed again keeps its first rule
    /// (first match wins).
    pub(crate) fn build(entries: &[(&[u8], RuleIdx)]) -> Result<ExactIndex, TooLarge> {
        if entries.is_empty() {
            return Ok(ExactIndex::default());
        }
        let mut slot_count = entries.len().checked_mul(2).ok_or(TooLarge)?.next_power_of_two();
        loop {
            let slots_len = slot_count.checked_mul(SLOT_LEN).ok_or(TooLarge)?;
            // Room for every key at once (repeats included): growing by doubling would
            // hold up to twice the keys of a million-origin policy.
            let key_bytes: usize = entries.iter().map(|(k, _)| k.len()).sum();
            let mut data = Vec::with_capacity(slots_len.saturating_add(key_bytes));
            data.resize(slots_len, 0xff);
            let (mut used, mut longest) = (0u32, 0u32);
            let mask = slot_count - 1;
            // Robin Hood insertion: a key in hand takes the slot of a resident that sits
            // nearer its own home, and the resident moves on. Lookups are unchanged
            // (linear probing finds a key wherever it sits in its run) and so is which
            // slots are full, so misses and the mean hit cost the same; what it bounds
            // is how far the unluckiest keys sit, i.e. `longest`. `distance` holds each
            // full slot's distance from its resident's home.
            let mut distance = vec![0u32; slot_count];
            for &(key, rule) in entries {
                let len = u16::try_from(key.len()).map_err(|_| TooLarge)?;
                let h = hash(key);
                let mut i = (h >> 32) as usize & mask;
                // `key` until it has a slot (then it is known not to be a repeat, and
                // its bytes are appended); after that, the resident it displaced.
                let mut hand: Option<Slot> = None;
                let mut dist = 0u32;
                loop {
                    let at = i * SLOT_LEN;
                    let slot = Slot::read(&data[at..at + SLOT_LEN]);
                    let resident_dist = distance[i];
                    let takes_slot = slot.offset == EMPTY || resident_dist < dist;
                    if hand.is_none() && !takes_slot {
                        let start = slots_len + slot.offset as usize;
                        if slot.len == len && data[start..start + key.len()] == *key {
                            break; // listed before: the earlier rule stays
                        }
                    }
                    if takes_slot {
                        let placed = match hand.take() {
                            Some(displaced) => displaced,
                            None => {
                                let offset = data.len() - slots_len;
                                let offset = u32::try_from(offset)
                                    .ok()
                                    .filter(|&o| o < EMPTY - u32::from(len))
                                    .ok_or(TooLarge)?;
                                data.extend_from_slice(key);
                                used += 1;
                                Slot { offset, rule, len, tag: h as u16 }
                            }
                        };
                        placed.write(&mut data[at..at + SLOT_LEN]);
                        distance[i] = dist;
                        longest = longest.max(dist + 1);
                        if slot.offset == EMPTY {
                            break;
                        }
                        hand = Some(slot);
                        dist = resident_dist;
                    }
                    i = (i + 1) & mask;
                    dist += 1;
                }
            }
            if longest <= MAX_PROBE {
                let slot_count = u32::try_from(slot_count).map_err(|_| TooLarge)?;
                let layout =
                    ExactLayout { slot_count, entries: used, longest, ..ExactLayout::default() };
                return Ok(ExactIndex::from_layout(data.into(), &layout));
            }
            slot_count = slot_count.checked_mul(2).ok_or(TooLarge)?;
        }
    }

    /// An index read from a `.corsb`: `data` is the buffer `layout` describes. Nothing
    /// is checked here ([`check_layout`](Self::check_layout) does it).
    pub(crate) fn from_layout(data: Bytes, layout: &ExactLayout) -> ExactIndex {
        let count = layout.slot_count as usize;
        ExactIndex {
            data,
            slot_count: layout.slot_count,
            entries: layout.entries,
            longest: layout.longest,
            keys_at: count.saturating_mul(SLOT_LEN),
            mask: count.saturating_sub(1),
        }
    }

    /// The buffer as a `.corsb` stores it, and its record for the metadata (`offset`
    /// is filled in by the writer).
    pub(crate) fn layout(&self) -> (&[u8], ExactLayout) {
        let layout = ExactLayout {
            offset: 0,
            len: self.data.len() as u64,
            slot_count: self.slot_count,
            entries: self.entries,
            longest: self.longest,
        };
        (&self.data, layout)
    }

    /// The rule of `origin` and the table's own copy of its bytes, if it is indexed.
    ///
    /// Hot path: one hash, usually one slot and one comparison. Every read is
    /// bounds-checked, so a damaged buffer means a miss.
    #[inline(always)]
    pub(crate) fn get(&self, origin: &[u8]) -> Option<(RuleIdx, &[u8])> {
        // No origins (`longest` is 0 exactly then, in a table that was checked): no
        // hash either. Tested once here, so the probe loop below tests its count at
        // the end of a round only.
        let mut left = self.longest;
        if left == 0 {
            return None;
        }
        let (slots, keys) = self.data.split_at_checked(self.keys_at)?;
        let h = hash(origin);
        // A slot's bytes 8..12, the key length and the tag, as one number. (An origin
        // of 64 KiB or more may match a slot here that it does not equal; the bytes
        // are compared anyway.)
        let want = origin.len() as u32 | (h as u32) << 16;
        let mut i = (h >> 32) as usize & self.mask;
        loop {
            let slot: &[u8; SLOT_LEN] = slots.get(i.wrapping_mul(SLOT_LEN)..)?.first_chunk()?;
            let [o0, o1, o2, o3, r0, r1, r2, r3, l0, l1, t0, t1] = *slot;
            let offset = u32::from_le_bytes([o0, o1, o2, o3]);
            if offset == EMPTY {
                return None;
            }
            if u32::from_le_bytes([l0, l1, t0, t1]) == want {
                let start = offset as usize;
                if let Some(key) = keys.get(start..start.wrapping_add(origin.len())) {
                    if eq_inline(key, origin) {
                        return Some((u32::from_le_bytes([r0, r1, r2, r3]), key));
                    }
                }
            }
            left -= 1;
            if left == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Every indexed origin with its rule, in slot order (slots that point outside the
    /// keys are skipped).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], RuleIdx)> + '_ {
        let (slots, keys) = self.data.split_at_checked(self.keys_at).unwrap_or((&[], &[]));
        slots.chunks_exact(SLOT_LEN).map(Slot::read).filter(|s| s.offset != EMPTY).filter_map(
            move |s| {
                let start = s.offset as usize;
                Some((keys.get(start..start + usize::from(s.len))?, s.rule))
            },
        )
    }

    /// The layout checks the loader runs (and the compiler, on what it built): a linear
    /// pass over the slots and the keys, no parsing, no allocation. `rules` is the
    /// number of rules of the policy.
    pub(crate) fn check_layout(&self, rules: u32) -> Result<(), String> {
        let bad = |what: String| Err(format!("exact origin index: {what}"));
        let (count, entries, longest) = (self.slot_count, self.entries, self.longest);
        if count == 0 {
            if entries != 0 || !self.data.is_empty() {
                return bad(format!("{entries} origins in no slots"));
            }
            return Ok(());
        }
        if !count.is_power_of_two() || u64::from(entries) * 2 > u64::from(count) {
            return bad(format!("{entries} origins in {count} slots"));
        }
        if longest == 0 || longest > MAX_PROBE.min(count) {
            return bad(format!("probe length {longest} (at most {MAX_PROBE})"));
        }
        let Some((slots, keys)) = self.data.split_at_checked(self.keys_at) else {
            return bad(format!("{} bytes cannot hold {count} slots", self.data.len()));
        };
        // Branch-free folds over 4 KiB at a time, so they run at memory speed (a
        // million origins are 60 MB); the failure, if any, is then found and named.
        if !keys.chunks(4096).all(|c| c.iter().fold(true, |ok, &b| ok & is_origin_byte(b))) {
            let at = keys.iter().position(|&b| !is_origin_byte(b)).unwrap_or(0);
            let key = self.iter().find(|(k, _)| {
                let start = k.as_ptr() as usize - keys.as_ptr() as usize;
                (start..start + k.len()).contains(&at)
            });
            let shown = key.map_or_else(
                || format!("the key bytes hold 0x{:02x}", keys.get(at).copied().unwrap_or(0)),
                |(k, _)| super::super::table::quoted(k),
            );
            return Err(format!("exact origin {shown} is not a normalised origin"));
        }
        let keys_len = keys.len() as u64;
        let slot_ok = |slot: &Slot| {
            let end = u64::from(slot.offset) + u64::from(slot.len);
            (slot.offset == EMPTY) | ((slot.len > 0) & (end <= keys_len) & (slot.rule < rules))
        };
        let (mut ok, mut used) = (true, 0u32);
        for slot in slots.chunks_exact(SLOT_LEN).map(Slot::read) {
            ok &= slot_ok(&slot);
            used = used.wrapping_add(u32::from(slot.offset != EMPTY));
        }
        if !ok {
            let Some(slot) = slots.chunks_exact(SLOT_LEN).map(Slot::read).find(|s| !slot_ok(s))
            else {
                return bad("a slot out of range".into());
            };
            if slot.rule >= rules {
                return Err(format!(
                    "an origin points at a rule that does not exist ({rules} rules)"
                ));
            }
            let end = u64::from(slot.offset) + u64::from(slot.len);
            return bad(format!("a key at {}..{end} of {} bytes", slot.offset, keys.len()));
        }
        if used != entries {
            return bad(format!("{used} slots in use, {entries} recorded"));
        }
        Ok(())
    }

    /// The compiler's full check (and the fuzz tests'): every key is what
    /// `parse_origin` makes of an exact origin, and a lookup finds it with its rule.
    pub(crate) fn check_keys(&self) -> Result<(), String> {
        use super::{parse_origin, OriginPattern};
        for (key, rule) in self.iter() {
            let normal = std::str::from_utf8(key)
                .is_ok_and(|k| matches!(parse_origin(k), Ok(OriginPattern::Exact(e)) if e == k));
            if !normal {
                return Err(format!(
                    "exact origin {} is not a normalised origin",
                    super::super::table::quoted(key)
                ));
            }
            if self.get(key).map(|(r, _)| r) != Some(rule) {
                return Err(format!(
                    "exact origin {} is not where a lookup finds it",
                    super::super::table::quoted(key)
                ));
            }
        }
        Ok(())
    }
}

/// Same origins with the same rules, however laid out.
impl PartialEq for ExactIndex {
    fn eq(&self, other: &Self) -> bool {
        let same_layout = self.data == other.data
            && (self.slot_count, self.longest) == (other.slot_count, other.longest);
        self.entries == other.entries
            && (same_layout
                || self.iter().all(|(key, rule)| other.get(key).map(|(r, _)| r) == Some(rule)))
    }
}

impl std::fmt::Debug for ExactIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExactIndex({} origins in {} slots)", self.entries, self.slot_count)
    }
}

/// One slot, decoded.
struct Slot {
    offset: u32,
    rule: RuleIdx,
    len: u16,
    tag: u16,
}

impl Slot {
    /// `b` is `SLOT_LEN` bytes (shorter reads as empty).
    #[inline]
    fn read(b: &[u8]) -> Slot {
        let Some(b): Option<&[u8; SLOT_LEN]> = b.try_into().ok() else {
            return Slot { offset: EMPTY, rule: 0, len: 0, tag: 0 };
        };
        Slot {
            offset: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            rule: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            len: u16::from_le_bytes([b[8], b[9]]),
            tag: u16::from_le_bytes([b[10], b[11]]),
        }
    }

    fn write(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.offset.to_le_bytes());
        b[4..8].copy_from_slice(&self.rule.to_le_bytes());
        b[8..10].copy_from_slice(&self.len.to_le_bytes());
        b[10..12].copy_from_slice(&self.tag.to_le_bytes());
    }
}

/// Bytes a serialised origin can hold: lower-case letters, digits and `+-._:/[]`.
/// Never a control byte, a space, a comma or upper case: whatever a damaged table
/// holds, an answer that reflects a key cannot carry a line break or NUL.
/// Written with `&` and `|` on ranges, not branches, so a scan of it vectorises.
#[inline]
fn is_origin_byte(b: u8) -> bool {
    // `+` to `:` is `+,-./0123456789:`: all but the comma.
    (b.wrapping_sub(b'a') < 26)
        | ((b.wrapping_sub(b'+') < 16) & (b != b','))
        | (b == b'_')
        | (b == b'[')
        | (b == b']')
}

/// The index's hash, fixed by `.corsb` format 4 (a file built with another would be
/// all misses). A folded multiply over 16 bytes at a time, after wyhash: an origin of
/// 17 to 32 bytes is three 64×64→128-bit multiplies, and no byte is copied (the last
/// words overlap the earlier ones instead of being padded). The high half picks the
/// home slot, the low 16 bits are the tag.
#[inline(always)]
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    const K0: u64 = 0xa076_1d64_78bd_642f;
    const K1: u64 = 0xe703_7ed1_a0b4_28db;
    let n = bytes.len();
    let mut h = K0 ^ n as u64;
    let (a, b) = if n <= 16 {
        if n >= 8 {
            (le64(bytes.first_chunk()), le64(bytes.last_chunk()))
        } else if n >= 4 {
            (le32(bytes.first_chunk()), le32(bytes.last_chunk()))
        } else if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
            let middle = bytes.get(n / 2).copied().unwrap_or(0);
            (u64::from(first) << 16 | u64::from(middle) << 8 | u64::from(last), 0)
        } else {
            (0, 0)
        }
    } else if let (Some(words), true) = (bytes.first_chunk::<16>(), n <= 32) {
        // The loop below, written out for its one round at 17 to 32 bytes (most
        // origins): the same value, without the loop's bookkeeping.
        h = fold(le64(words.first_chunk()) ^ K1, le64(words.last_chunk()) ^ h);
        let last: Option<&[u8; 16]> = bytes.last_chunk();
        (le64(last.and_then(|l| l.first_chunk())), le64(bytes.last_chunk()))
    } else {
        let mut rest = bytes;
        while let Some((words, tail)) = rest.split_first_chunk::<16>() {
            if tail.is_empty() {
                break;
            }
            h = fold(le64(words.first_chunk()) ^ K1, le64(words.last_chunk()) ^ h);
            rest = tail;
        }
        let last: Option<&[u8; 16]> = bytes.last_chunk();
        (le64(last.and_then(|l| l.first_chunk())), le64(bytes.last_chunk()))
    };
    fold(fold(a ^ K1, b ^ h) ^ K0, K1 ^ n as u64)
}

/// The low and high halves of the 128-bit product, folded.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    p as u64 ^ (p >> 64) as u64
}

#[inline]
fn le64(word: Option<&[u8; 8]>) -> u64 {
    word.map_or(0, |w| u64::from_le_bytes(*w))
}

#[inline]
fn le32(word: Option<&[u8; 4]>) -> u64 {
    word.map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("https://t{i}.customers.example.net")).collect()
    }

    #[test]
    fn the_hash_is_the_format_s() {
        // Part of `.corsb` format 4: changing it makes every stored table a miss. The
        // values were computed by an independent implementation (Python, from the
        // description in `hash`'s body).
        assert_eq!(hash(b"https://app.example.com"), 0x7103_3d63_a467_878e);
        assert_eq!(hash(b"https://t1.customers.example.net"), 0x39d6_90d5_cacb_81c3);
        assert_eq!(hash(b"null"), 0xd64c_902c_935d_d086);
        assert_eq!(hash(b"https://a.b"), 0xbfce_0dbf_01a9_e1f1);
    }

    /// The hash as the format describes it, one way of writing it: a round per 16
    /// bytes while more than 16 remain, then the last 16 (overlapping).
    fn reference_hash(bytes: &[u8]) -> u64 {
        const K0: u64 = 0xa076_1d64_78bd_642f;
        const K1: u64 = 0xe703_7ed1_a0b4_28db;
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let n = bytes.len();
        let mut h = K0 ^ n as u64;
        let (a, b) = match n {
            0 => (0, 0),
            1..=3 => {
                let abc = [bytes[0], bytes[n / 2], bytes[n - 1]];
                (u64::from(abc[0]) << 16 | u64::from(abc[1]) << 8 | u64::from(abc[2]), 0)
            }
            4..=7 => {
                let w = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
                (u64::from(w(0)), u64::from(w(n - 4)))
            }
            8..=16 => (word(0), word(n - 8)),
            _ => {
                let mut at = 0;
                while n - at > 16 {
                    h = fold(word(at) ^ K1, word(at + 8) ^ h);
                    at += 16;
                }
                (word(n - 16), word(n - 8))
            }
        };
        fold(fold(a ^ K1, b ^ h) ^ K0, K1 ^ n as u64)
    }

    #[test]
    fn the_hash_is_the_same_at_every_length() {
        let bytes: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        for n in 0..=bytes.len() {
            assert_eq!(hash(&bytes[..n]), reference_hash(&bytes[..n]), "length {n}");
        }
    }

    #[test]
    fn every_key_is_found_and_others_are_not() {
        let owned = keys(10_000);
        let entries: Vec<(&[u8], u32)> =
            owned.iter().enumerate().map(|(i, k)| (k.as_bytes(), (i % 3) as u32)).collect();
        let index = ExactIndex::build(&entries).expect("builds");
        assert_eq!(index.iter().count(), 10_000);
        // The hash spreads the tenants' keys: no doubling beyond load 1/2 was needed,
        // and the longest probe is short.
        assert_eq!(index.slot_count, 32_768);
        assert!(index.longest <= 16, "longest probe {}", index.longest);
        assert_eq!(index.check_layout(3), Ok(()));
        assert_eq!(index.check_keys(), Ok(()));
        for (i, k) in owned.iter().enumerate() {
            let (rule, key) = index.get(k.as_bytes()).expect("found");
            assert_eq!((rule, key), ((i % 3) as u32, k.as_bytes()));
        }
        assert_eq!(index.get(b"https://t10000.customers.example.net"), None);
        assert_eq!(index.get(b"https://t1.customers.example.ne"), None);
        assert_eq!(index.get(b""), None);
        assert_eq!(index.check_layout(2).map_err(|e| e.contains("rule")), Err(true));
    }

    #[test]
    fn keys_sit_robin_hood_and_no_farther_than_linear_insertion_puts_them() {
        let owned = keys(10_000);
        let entries: Vec<(&[u8], u32)> = owned.iter().map(|k| (k.as_bytes(), 0)).collect();
        let index = ExactIndex::build(&entries).expect("builds");
        let mask = index.mask;
        let home = |k: &[u8]| (hash(k) >> 32) as usize & mask;
        // Each slot's resident (if any) and its distance from home.
        let (slots, keys) = index.data.split_at(index.keys_at);
        let dist: Vec<Option<usize>> = slots
            .chunks_exact(SLOT_LEN)
            .enumerate()
            .map(|(i, b)| {
                let s = Slot::read(b);
                let start = s.offset as usize;
                (s.offset != EMPTY)
                    .then(|| i.wrapping_sub(home(&keys[start..start + usize::from(s.len)])) & mask)
            })
            .collect();
        // In a run, homes do not decrease: a key is at most one slot farther from home
        // than the key before it.
        for i in 0..dist.len() {
            if let (Some(before), Some(d)) = (dist[(i + mask) & mask], dist[i]) {
                assert!(d <= before + 1, "slot {i}: {d} after {before}");
            }
        }
        let farthest = dist.iter().flatten().max().copied().expect("keys");
        assert_eq!(index.longest as usize, farthest + 1);
        // The same keys inserted plainly (first free slot from home, in order).
        let mut full = vec![false; mask + 1];
        let mut linear = 0;
        for k in &owned {
            let (mut i, mut d) = (home(k.as_bytes()), 0);
            while full[i] {
                (i, d) = ((i + 1) & mask, d + 1);
            }
            full[i] = true;
            linear = linear.max(d);
        }
        assert!(farthest <= linear, "Robin Hood {farthest}, linear {linear}");
        assert!(farthest < linear, "no gain on 10,000 keys: {farthest}");
    }

    #[test]
    fn repeated_keys_keep_their_first_rule_among_many() {
        let owned = keys(3000);
        // Every key three times, with rules 0, 1, 2 in a different order per key.
        let mut entries: Vec<(&[u8], u32)> = Vec::new();
        for round in 0..3u32 {
            for (i, k) in owned.iter().enumerate() {
                entries.push((k.as_bytes(), (i as u32 + round) % 3));
            }
        }
        let index = ExactIndex::build(&entries).expect("builds");
        assert_eq!(index.iter().count(), owned.len());
        assert_eq!(index.entries as usize, owned.len());
        assert_eq!(index.check_layout(3), Ok(()));
        for (i, k) in owned.iter().enumerate() {
            assert_eq!(index.get(k.as_bytes()).map(|(r, _)| r), Some(i as u32 % 3), "{k}");
        }
    }

    #[test]
    fn origin_bytes_are_exactly_the_documented_set() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'+' | b'-' | b'.' | b'_' | b':' | b'/' | b'[' | b']');
            assert_eq!(is_origin_byte(b), expected, "byte 0x{b:02x}");
        }
    }

    #[test]
    fn the_first_rule_of_a_repeated_key_wins() {
        let entries: &[(&[u8], u32)] = &[(b"https://a.test", 1), (b"https://a.test", 0)];
        let index = ExactIndex::build(entries).expect("builds");
        assert_eq!(index.iter().count(), 1);
        assert_eq!(index.get(b"https://a.test").map(|(r, _)| r), Some(1));
    }

    #[test]
    fn damaged_buffers_are_refused_or_miss() {
        let owned = keys(100);
        let entries: Vec<(&[u8], u32)> = owned.iter().map(|k| (k.as_bytes(), 0)).collect();
        let good = ExactIndex::build(&entries).expect("builds");
        let (data, layout) = good.layout();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for case in 0..2000 {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut bytes = data.to_vec();
            let mut l = layout;
            match case % 4 {
                0 => bytes.truncate((rng >> 33) as usize % bytes.len()),
                1 => {
                    let at = (rng >> 33) as usize % bytes.len();
                    bytes[at] = (rng >> 8) as u8;
                }
                2 => l.longest = (rng >> 40) as u32 % 200,
                _ => l.slot_count = (rng >> 40) as u32 % 1024,
            }
            let index = ExactIndex::from_layout(bytes.into(), &l);
            let _ = index.check_layout(1);
            for k in &owned {
                if let Some((_, key)) = index.get(k.as_bytes()) {
                    assert_eq!(key, k.as_bytes());
                }
            }
            let _ = index.iter().count();
        }
    }
}
