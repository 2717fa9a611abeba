//! Byte comparisons for the request path, where a `memcmp` call costs more than the
//! comparison itself: methods, schemes and header names are a few bytes long.

/// Byte equality without a `memcmp` call (and the registers saved around it), in
/// straight-line code up to 32 bytes: 17 to 32 bytes (most origins, in the exact-origin
/// index) compare as two 16-byte words, the second overlapping the first; 8 to 16 as two
/// 64-bit words (header names); 4 to 7 as two 32-bit ones (methods), 2 and 3 as two
/// 16-bit ones, shorter byte by byte; beyond 32, 16-byte words in a loop, the last one
/// overlapping.
#[inline]
pub(crate) fn eq_inline(a: &[u8], b: &[u8]) -> bool {
    fn w128(s: &[u8], at: usize) -> Option<u128> {
        Some(u128::from_ne_bytes(*s.get(at..)?.first_chunk()?))
    }
    fn w64(s: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_ne_bytes(*s.get(at..)?.first_chunk()?))
    }
    fn w32(s: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_ne_bytes(*s.get(at..)?.first_chunk()?))
    }
    fn w16(s: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_ne_bytes(*s.get(at..)?.first_chunk()?))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        33.. => {
            let word = |s: &[u8]| s.first_chunk().map_or(0, |w: &[u8; 16]| u128::from_ne_bytes(*w));
            let mut diff = 0;
            for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
                diff |= word(x) ^ word(y);
            }
            diff == 0 && w128(a, n - 16) == w128(b, n - 16)
        }
        17..=32 => w128(a, 0) == w128(b, 0) && w128(a, n - 16) == w128(b, n - 16),
        8..=16 => w64(a, 0) == w64(b, 0) && w64(a, n - 8) == w64(b, n - 8),
        4..=7 => w32(a, 0) == w32(b, 0) && w32(a, n - 4) == w32(b, n - 4),
        2..=3 => w16(a, 0) == w16(b, 0) && w16(a, n - 2) == w16(b, n - 2),
        _ => a.iter().zip(b).all(|(x, y)| x == y),
    }
}

/// `name` equals `lower` (already lower-case) with ASCII case ignored in `name`. Unlike
/// `eq_ignore_ascii_case`, which folds both sides in chunks, this rejects on length
/// first and folds only when the bytes differ: request header names are short.
pub(crate) fn eq_lowercase(name: &[u8], lower: &[u8]) -> bool {
    // Browsers send lower-case names: a plain comparison settles those.
    name.len() == lower.len()
        && (eq_inline(name, lower)
            || name.iter().zip(lower).all(|(a, &b)| a.to_ascii_lowercase() == b))
}

#[cfg(test)]
mod tests {
    use super::{eq_inline, eq_lowercase};

    #[test]
    fn eq_inline_compares_every_byte_at_every_length() {
        for n in 0..=72u8 {
            let a: Vec<u8> = (b'a'..b'a' + n).collect();
            assert!(eq_inline(&a, &a.clone()), "len {n}");
            for i in 0..usize::from(n) {
                let mut b = a.clone();
                b[i] ^= 0x20;
                assert!(!eq_inline(&a, &b), "len {n}, byte {i}");
            }
            if let Some((_, shorter)) = a.split_last() {
                assert!(!eq_inline(&a, shorter), "len {n} vs {}", n - 1);
            }
        }
    }

    #[test]
    fn eq_lowercase_folds_only_the_request_side() {
        assert!(eq_lowercase(b"X-Request-ID", b"x-request-id"));
        assert!(!eq_lowercase(b"x-request-id", b"X-Request-ID"));
        assert!(!eq_lowercase(b"x-request-i", b"x-request-id"));
    }
}
