//! Facts of the Fetch standard and of HTTP that every layer shares: the CORS response
//! header names, tokens, comma-separated lists, and the safelisted and forbidden sets.
//!
//! They live in one place so the checker, the linter, `decide()`, the browser model
//! and the nginx module cannot disagree about them. Nothing here knows about policies.
//!
//! References: <https://fetch.spec.whatwg.org/>, <https://www.rfc-editor.org/rfc/rfc9110>.

/// The name of a CORS response header. [`HeaderName::lowercase`] gives the lower-case
/// form nginx keeps beside every header, so the module never lower-cases at request
/// time. Dereferences to the canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HeaderName {
    /// `Access-Control-Allow-Origin`.
    AllowOrigin,
    /// `Access-Control-Allow-Credentials`.
    AllowCredentials,
    /// `Access-Control-Allow-Methods`.
    AllowMethods,
    /// `Access-Control-Allow-Headers`.
    AllowHeaders,
    /// `Access-Control-Max-Age`.
    MaxAge,
    /// `Access-Control-Expose-Headers`.
    ExposeHeaders,
    /// `Access-Control-Allow-Private-Network`.
    AllowPrivateNetwork,
}

/// `(canonical, lower-case)` spellings, indexed by [`HeaderName`]'s discriminant: one
/// load per header on the request path instead of a `match`.
const HEADER_NAMES: [(&str, &str); 7] = [
    ("Access-Control-Allow-Origin", "access-control-allow-origin"),
    ("Access-Control-Allow-Credentials", "access-control-allow-credentials"),
    ("Access-Control-Allow-Methods", "access-control-allow-methods"),
    ("Access-Control-Allow-Headers", "access-control-allow-headers"),
    ("Access-Control-Max-Age", "access-control-max-age"),
    ("Access-Control-Expose-Headers", "access-control-expose-headers"),
    ("Access-Control-Allow-Private-Network", "access-control-allow-private-network"),
];

impl HeaderName {
    /// The canonical spelling.
    pub const fn as_str(self) -> &'static str {
        HEADER_NAMES[self as usize].0
    }

    /// The same name in lower case.
    pub const fn lowercase(self) -> &'static str {
        HEADER_NAMES[self as usize].1
    }
}

impl std::ops::Deref for HeaderName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Methods a browser never preflights
/// (<https://fetch.spec.whatwg.org/#cors-safelisted-method>).
pub const SAFELISTED_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// Whether `method` is a CORS-safelisted method. Methods are case-sensitive. A slice
/// pattern compiles to a length switch and inline byte compares (request path).
pub fn is_safelisted_method(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"POST")
}

/// Methods the Fetch standard forbids scripts to use
/// (<https://fetch.spec.whatwg.org/#forbidden-method>), compared case-insensitively.
pub const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Whether `method` is a forbidden method (any case).
pub fn is_forbidden_method(method: &[u8]) -> bool {
    FORBIDDEN_METHODS.iter().any(|m| m.as_bytes().eq_ignore_ascii_case(method))
}

/// Request-header names whose values never need a preflight when their value is
/// acceptable (<https://fetch.spec.whatwg.org/#cors-safelisted-request-header>), lower
/// case. `content-type` is safelisted only with a form or `text/plain` value.
pub const SAFELISTED_REQUEST_HEADERS: [&str; 4] =
    ["accept", "accept-language", "content-language", "content-type"];

/// Whether a request header `name: value` is CORS-safelisted, so that a browser sends it
/// without a preflight (<https://fetch.spec.whatwg.org/#cors-safelisted-request-header>):
/// a value of at most 128 bytes, and per name: `Accept` without a CORS-unsafe byte;
/// `Accept-Language` and `Content-Language` of letters, digits and ` *,-.;=` only;
/// `Content-Type` without an unsafe byte and with a form or `text/plain` essence;
/// `Range` a single `bytes=N-[M]` range. The 1,024-byte total over all of a request's
/// safelisted values is the caller's ([`crate::browser::PageRequest::with_script_headers`]).
pub fn is_safelisted_request_header(name: &str, value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() > 128 {
        return false;
    }
    let no_unsafe_byte = || !bytes.iter().any(|&b| is_cors_unsafe_request_header_byte(b));
    match name.to_ascii_lowercase().as_str() {
        "accept" => no_unsafe_byte(),
        "accept-language" | "content-language" => {
            bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b))
        }
        "content-type" => {
            let essence = value.split(';').next().unwrap_or("");
            let essence = essence.trim_matches([' ', '\t', '\n', '\r']).to_ascii_lowercase();
            no_unsafe_byte()
                && matches!(
                    essence.as_str(),
                    "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                )
        }
        "range" => is_simple_range(value),
        _ => false,
    }
}

/// A CORS-unsafe request-header byte: a control byte but tab, DEL, or one of
/// `"():<>?@[\]{}`.
fn is_cors_unsafe_request_header_byte(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f || b"\"():<>?@[\\]{}".contains(&b)
}

/// Fetch's "parse a single range header value" without whitespace, with a start:
/// `bytes=N-` or `bytes=N-M` with `N <= M` (a suffix range `bytes=-M` needs a
/// preflight).
fn is_simple_range(value: &str) -> bool {
    let Some(range) = value.strip_prefix("bytes=") else { return false };
    let Some((start, end)) = range.split_once('-') else { return false };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start) || !(end.is_empty() || digits(end)) {
        return false;
    }
    // Compared as numbers of any length: leading zeros are allowed.
    let number = |s: &str| {
        let s = s.trim_start_matches('0');
        (s.len(), s.to_string())
    };
    end.is_empty() || number(start) <= number(end)
}

/// The forbidden request-header names of the Fetch standard, lower case
/// (<https://fetch.spec.whatwg.org/#forbidden-request-header>); names starting with
/// [`FORBIDDEN_REQUEST_HEADER_PREFIXES`] are forbidden too.
pub const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Prefixes of forbidden request-header names.
pub const FORBIDDEN_REQUEST_HEADER_PREFIXES: [&str; 3] =
    ["proxy-", "sec-", "access-control-request-"];

/// Whether browsers refuse to let a script set request header `name` (any case).
pub fn is_forbidden_request_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    FORBIDDEN_REQUEST_HEADERS.contains(&lower.as_str())
        || FORBIDDEN_REQUEST_HEADER_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Response headers a script can always read
/// (<https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name>), lower case.
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Response headers a script can never read, exposed or not
/// (<https://fetch.spec.whatwg.org/#forbidden-response-header-name>), lower case.
pub const FORBIDDEN_RESPONSE_HEADERS: [&str; 2] = ["set-cookie", "set-cookie2"];

/// Request header names that never appear on a response, lower case: request context
/// (RFC 9110 sections 10.1 and 12.5, `Cookie` from RFC 6265), conditionals (section
/// 13.1), and Fetch's `Origin`, `Sec-Fetch-*` and `Access-Control-Request-*`. Listing
/// one in `Access-Control-Expose-Headers` exposes nothing. Names used on both sides
/// (`Date`, `Via`, `Connection`, `Content-*`) are not here.
pub const REQUEST_ONLY_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "authorization",
    "cookie",
    "cookie2",
    "dnt",
    "expect",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "proxy-authorization",
    "range",
    "referer",
    "te",
    "upgrade-insecure-requests",
    "user-agent",
];

/// Prefixes of request-only header names: fetch metadata and client hints.
pub const REQUEST_ONLY_HEADER_PREFIXES: [&str; 2] = ["sec-fetch-", "sec-ch-"];

/// Whether `name` (any case) is a header only requests carry ([`REQUEST_ONLY_HEADERS`]).
pub fn is_request_only_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    REQUEST_ONLY_HEADERS.contains(&lower.as_str())
        || REQUEST_ONLY_HEADER_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// RFC 9110 `tchar`s as a lookup table: one load per byte on the request path.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        c += 1;
    }
    t
};

/// RFC 9110 `token` (method and header names): one or more tchars.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| TCHAR[c as usize])
}

/// Optional whitespace (RFC 9110 `OWS`: spaces and tabs) removed from both ends.
pub fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Whether `value` may be written as a header field value as it is: no control byte
/// but HTAB, and no DEL (RFC 9110 `field-value`; `obs-text` is let through). Above all
/// no CR, LF or NUL, the bytes that end a header line (or a C string) and would let a
/// value add headers of its own (response splitting). The table loader refuses any
/// stored value with a control byte (`table::validate`); the module checks, where it
/// writes them, the values it reflects from the request
/// ([`ResponseHeaders::checked_lines`](crate::ResponseHeaders::checked_lines)). nginx's
/// parsers refuse CR, LF and NUL in request headers but pass other control bytes on.
///
/// Eight bytes at a time (the last word overlapping the one before), with two exact
/// SWAR tests per word: "a byte below 0x20" and "a byte equal to 0x7F". A word that fails
/// them (a tab, usually) sends the value to the byte loop. A byte loop or a search
/// routine alone costs several times more on these short values.
pub fn is_safe_field_value(value: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    const DELS: u64 = u64::from_ne_bytes([0x7f; 8]);
    // Non-zero exactly when some byte of `w` is below 0x20 (exact for any bound up to
    // 0x80), or equal to 0x7F.
    let suspect = |w: u64| {
        let below_space = w.wrapping_sub(SPACES) & !w;
        let del = (w ^ DELS).wrapping_sub(ONES) & !(w ^ DELS);
        (below_space | del) & HIGHS != 0
    };
    let word = |chunk: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        u64::from_ne_bytes(w)
    };
    let exact = || value.iter().all(|&b| b == b'\t' || (b >= b' ' && b != 0x7f));
    if value.len() < 8 {
        // 4 to 7 bytes (methods, short names) as one word of two overlapping halves.
        let half = |at: usize| -> Option<u64> {
            Some(u64::from(u32::from_ne_bytes(value.get(at..at + 4)?.try_into().ok()?)))
        };
        return match (half(0), value.len().checked_sub(4).and_then(half)) {
            (Some(lo), Some(hi)) => !suspect(lo | hi << 32) || exact(),
            _ => exact(),
        };
    }
    let mut chunks = value.chunks_exact(8);
    let clean = chunks.by_ref().all(|c| !suspect(word(c)))
        && (chunks.remainder().is_empty()
            || value.get(value.len() - 8..).is_some_and(|last| !suspect(word(last))));
    clean || exact()
}

/// The non-empty elements of one comma-separated header line, optional whitespace
/// trimmed (RFC 9110 `#rule`). Linear in the line; allocates nothing.
pub fn list_elements(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = line;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = find_comma(rest).unwrap_or(rest.len());
            let (element, tail) = rest.split_at_checked(end)?;
            rest = tail.get(1..).unwrap_or(&[]);
            let element = trim_ows(element);
            if !element.is_empty() {
                return Some(element);
            }
        }
        None
    })
}

/// The position of the first `,` in `s`: eight bytes at a time (the last word
/// overlapping the one before), with the exact SWAR zero-byte test on the word XORed
/// with commas, whose lowest flagged byte is the first comma. Header names between
/// commas are 5 to 20 bytes long: a byte loop costs several times more.
fn find_comma(s: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const COMMAS: u64 = u64::from_le_bytes([b','; 8]);
    // The byte offset of the first comma in the 8 bytes at `at`, if any.
    let in_word = |at: usize| {
        let w = u64::from_le_bytes(s.get(at..at + 8)?.try_into().ok()?) ^ COMMAS;
        let zero = w.wrapping_sub(ONES) & !w & HIGHS;
        (zero != 0).then(|| at + (zero.trailing_zeros() / 8) as usize)
    };
    if s.len() < 8 {
        return s.iter().position(|&b| b == b',');
    }
    let mut at = 0;
    while at + 8 <= s.len() {
        if let Some(i) = in_word(at) {
            return Some(i);
        }
        at += 8;
    }
    // The tail, as the last eight bytes: those before `at` hold no comma.
    if at < s.len() {
        return in_word(s.len() - 8);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_field_values_are_found_anywhere() {
        assert!(is_safe_field_value(b"https://app.example.com"));
        assert!(is_safe_field_value(b""));
        assert!(is_safe_field_value(b"content-type,\tx-request-id"));
        for bad in [&b"GET\r\nSet-Cookie: x"[..], b"\n", b"a\0", b"x\ry", b"a\x01b", b"\x7f"] {
            assert!(!is_safe_field_value(bad), "{bad:?}");
        }
        // Every length and position, against the obvious byte loop.
        let naive = |v: &[u8]| v.iter().all(|&b| b == b'\t' || !(b < 0x20 || b == 0x7f));
        for len in 0..40 {
            for at in 0..len {
                for bad in [b'\r', b'\n', 0, b'\t', 0x8d, 0x0c, 0xff, b'x', 0x1f, b' ', 0x7f, 0x80]
                {
                    let mut v = vec![b'a'; len];
                    v[at] = bad;
                    assert_eq!(is_safe_field_value(&v), naive(&v), "{v:?}");
                    // Next to a tab, which sends the word to the byte loop.
                    if at > 0 {
                        v[at - 1] = b'\t';
                        assert_eq!(is_safe_field_value(&v), naive(&v), "{v:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn find_comma_finds_the_first_comma_at_every_position() {
        for len in 0..40 {
            let none: Vec<u8> = (0..len).map(|i| [b'a', b'-', b'+', 0xac, 0x01][i % 5]).collect();
            assert_eq!(find_comma(&none), None, "{none:?}");
            for at in 0..len {
                // Before the comma, bytes one bit or one borrow away from one.
                let mut v: Vec<u8> =
                    (0..len).map(|i| [b'a', b'-', b'+', 0xac, 0x01][i % 5]).collect();
                v[at] = b',';
                // After it, bytes that differ from a comma by one bit, or borrow in the SWAR test.
                for (i, b) in v.iter_mut().enumerate().skip(at + 1) {
                    *b = [b',', b'-', b'+', 0x00, 0xac, b'l'][i % 6];
                }
                assert_eq!(find_comma(&v), Some(at), "{v:?}");
            }
        }
    }

    #[test]
    fn list_elements_skip_empty_items_and_whitespace() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            (" , ,\t,", &[]),
            ("a", &["a"]),
            (" a ,b\t, , c ", &["a", "b", "c"]),
            ("x-a,,x-b", &["x-a", "x-b"]),
        ];
        for (line, want) in cases {
            let got: Vec<&[u8]> = list_elements(line.as_bytes()).collect();
            let want: Vec<&[u8]> = want.iter().map(|s| s.as_bytes()).collect();
            assert_eq!(got, want, "line {line:?}");
        }
    }

    #[test]
    fn tokens_and_forbidden_names() {
        for (s, token) in [("X-Request-ID", true), ("", false), ("a b", false), ("a,b", false)] {
            assert_eq!(is_token(s.as_bytes()), token, "{s:?}");
        }
        for (name, forbidden) in
            [("Cookie", true), ("Sec-Fetch-Mode", true), ("Proxy-X", true), ("X-Cookie", false)]
        {
            assert_eq!(is_forbidden_request_header(name), forbidden, "{name:?}");
        }
        assert!(is_forbidden_method(b"trace") && !is_forbidden_method(b"PATCH"));
    }
}
