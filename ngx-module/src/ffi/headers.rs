//! Header lists: reading the CORS request headers from `headers_in`, and editing
//! `headers_out` (deleting `Access-Control-*`, adding ours, rewriting `Vary`).
//!
//! Both walk nginx's `ngx_list_t` of `ngx_table_elt_t` part by part, as nginx's own
//! modules do; a deleted element has `hash == 0`.

use core::ptr;

use ngx::ffi::{ngx_list_push, ngx_list_t, ngx_pnalloc, ngx_str_t, ngx_table_elt_t, ngx_uint_t};

use cors_dsl::decide::{MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_LINES};
use cors_dsl::{OriginHeader, Request, RequestHeaders};

use super::{bytes, ngx_str, Req};

/// nginx's header-name hash (`ngx_hash_key`) of a lower-case name, at compile time.
const fn ngx_hash_key(name: &[u8]) -> ngx_uint_t {
    let mut hash: ngx_uint_t = 0;
    let mut rest = name;
    while let [c, tail @ ..] = rest {
        hash = hash.wrapping_mul(31).wrapping_add(*c as ngx_uint_t);
        rest = tail;
    }
    hash
}

const HASH_ORIGIN: ngx_uint_t = ngx_hash_key(b"origin");
const HASH_REQUEST_METHOD: ngx_uint_t = ngx_hash_key(b"access-control-request-method");
const HASH_REQUEST_HEADERS: ngx_uint_t = ngx_hash_key(b"access-control-request-headers");
const HASH_REQUEST_PRIVATE_NETWORK: ngx_uint_t =
    ngx_hash_key(b"access-control-request-private-network");

/// Whether a request header's lower-case name is `name`. A fixed-size comparison,
/// which the compiler turns into a few word loads instead of a `memcmp` call.
fn has_lowcase_name<const N: usize>(h: &ngx_table_elt_t, name: &[u8; N]) -> bool {
    if h.key.len != N || h.lowcase_key.is_null() {
        return false;
    }
    // SAFETY: `lowcase_key` holds `key.len` (here `N`) bytes for every stored request
    // header; all three protocol versions set it.
    let key = unsafe { &*h.lowcase_key.cast::<[u8; N]>() };
    key == name
}

/// Calls `f` on every element of an nginx list of `ngx_table_elt_t` (deleted ones, with
/// `hash == 0`, included): a plain loop per part, like nginx's own
/// `for (i = 0; /* void */; i++)` over `part->elts`.
///
/// # Safety
/// `list` must be a valid (possibly zeroed) header list whose elements live for `'a`.
#[inline(always)]
unsafe fn for_each_elt<'a>(list: *mut ngx_list_t, mut f: impl FnMut(&'a mut ngx_table_elt_t)) {
    // SAFETY: the caller guarantees `list` is valid; each part's `elts` holds `nelts`
    // elements (a zeroed list has null `elts` and `nelts == 0`), and `next` is null or
    // another live part.
    unsafe {
        let mut part = ptr::addr_of_mut!((*list).part);
        while !part.is_null() {
            let elts = (*part).elts.cast::<ngx_table_elt_t>();
            if !elts.is_null() {
                for h in core::slice::from_raw_parts_mut(elts, (*part).nelts) {
                    f(h);
                }
            }
            part = (*part).next;
        }
    }
}

/// A live output header, as found by [`Req::scan_output_headers`]: a handle to replace
/// its value, and the value it had.
#[derive(Clone, Copy)]
pub struct OutputHeader {
    elt: *mut ngx_table_elt_t,
    /// The value when it was found (request memory).
    pub value: &'static [u8],
}

impl Req {
    /// Fills `req` with the CORS request headers (`Origin`, `Access-Control-Request-*`).
    /// An out-parameter so the ~190-byte `Request` is written once in its caller's frame
    /// rather than returned and copied.
    pub fn read_cors_headers(&self, req: &mut Request<'static>) {
        // SAFETY: `headers_in.headers` is initialised (or zeroed, for requests that
        // failed before their headers were read) and lives as long as the request.
        let list = unsafe { ptr::addr_of_mut!((*self.0).headers_in.headers) };
        // nginx stores each request header's hash over its lower-cased name (HTTP/1.x
        // while parsing, HTTP/2 and HTTP/3 from their lower-case names): one integer
        // comparison dismisses an unrelated header, and the lower-case name confirms a
        // hash hit. Values live as long as the request.
        // `Access-Control-Request-Headers` lines seen, and their total length.
        let (mut lines, mut len) = (0usize, 0usize);
        // SAFETY: see above.
        unsafe {
            for_each_elt(list, |h| match h.hash {
                HASH_ORIGIN if has_lowcase_name(h, b"origin") => {
                    // A second `Origin` line makes the request malformed.
                    req.origin = match req.origin {
                        OriginHeader::Absent => OriginHeader::One(bytes(&h.value)),
                        _ => OriginHeader::Many,
                    };
                }
                HASH_REQUEST_METHOD if has_lowcase_name(h, b"access-control-request-method") => {
                    req.request_method.get_or_insert_with(|| bytes(&h.value));
                }
                HASH_REQUEST_HEADERS if has_lowcase_name(h, b"access-control-request-headers") => {
                    lines += 1;
                    len += h.value.len;
                    req.request_headers.push(bytes(&h.value));
                }
                HASH_REQUEST_PRIVATE_NETWORK
                    if has_lowcase_name(h, b"access-control-request-private-network") =>
                {
                    req.request_private_network |= bytes(&h.value).eq_ignore_ascii_case(b"true");
                }
                _ => {}
            })
        };
        if lines > MAX_REQUEST_HEADER_LINES {
            self.combine_request_headers(req, lines, len);
        }
    }

    /// More `Access-Control-Request-Headers` lines than `RequestHeaders` holds: joins
    /// them all, in order, into one value (`,` between lines, which is what HTTP's
    /// combining of repeated list fields means) in the request pool. A value longer
    /// than `MAX_REQUEST_HEADERS_LEN` is left as it is, overflowing, for `decide()` to
    /// refuse as too long.
    fn combine_request_headers(&self, req: &mut Request<'static>, lines: usize, len: usize) {
        let total = len.saturating_add(lines - 1);
        if total > MAX_REQUEST_HEADERS_LEN {
            return;
        }
        // SAFETY: the pool is the request's; exactly `total` bytes are written into the
        // `total`-byte allocation (the second walk sees the same `lines` values, whose
        // lengths sum to `len`, with `lines - 1` separators; `at` is checked anyway), and
        // the value lives as long as the request.
        unsafe {
            let p = ngx_pnalloc(self.r().pool, total).cast::<u8>();
            if p.is_null() {
                return;
            }
            let list = ptr::addr_of_mut!((*self.0).headers_in.headers);
            let mut at = 0usize;
            for_each_elt(list, |h| {
                if h.hash == HASH_REQUEST_HEADERS
                    && has_lowcase_name(h, b"access-control-request-headers")
                {
                    let v = bytes(&h.value);
                    let sep = usize::from(at > 0);
                    if at + sep + v.len() > total {
                        return;
                    }
                    if sep == 1 {
                        p.add(at).write(b',');
                    }
                    ptr::copy_nonoverlapping(v.as_ptr(), p.add(at + sep), v.len());
                    at += sep + v.len();
                }
            });
            req.request_headers = RequestHeaders::new();
            req.request_headers.push(core::slice::from_raw_parts(p, at));
        }
    }

    /// Walks the output headers once: when `strip_cors`, marks every
    /// `Access-Control-*` header deleted (`hash = 0`); returns the first live `Vary`
    /// header.
    pub fn scan_output_headers(&self, strip_cors: bool) -> Option<OutputHeader> {
        const PREFIX: &[u8] = b"access-control-";
        let mut first_vary = None;
        // SAFETY: `headers_out.headers` is the request's live output list; keys and
        // values live as long as the request, and clearing `hash` is how nginx deletes
        // a header.
        unsafe {
            let list = ptr::addr_of_mut!((*self.0).headers_out.headers);
            for_each_elt(list, |h| {
                if h.hash == 0 {
                    return;
                }
                let key = bytes(&h.key);
                // The first byte dismisses almost every other header cheaply.
                match key.first().map(u8::to_ascii_lowercase) {
                    Some(b'a')
                        if strip_cors
                            && key
                                .get(..PREFIX.len())
                                .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX)) =>
                    {
                        h.hash = 0;
                    }
                    Some(b'v') if first_vary.is_none() && key.eq_ignore_ascii_case(b"vary") => {
                        first_vary =
                            Some(OutputHeader { elt: ptr::from_mut(h), value: bytes(&h.value) });
                    }
                    _ => {}
                }
            });
        }
        first_vary
    }

    /// Adds an output header whose name and value outlive the request.
    pub fn push_header(&self, name: &'static str, lowcase: &'static str, value: &[u8]) -> bool {
        // SAFETY: the output list is live; `ngx_list_push` returns uninitialised memory
        // (or null), which is zeroed before any field is set so fields this build does
        // not know about (`next` on nginx >= 1.23) are null.
        unsafe {
            let list = ptr::addr_of_mut!((*self.0).headers_out.headers);
            let h = ngx_list_push(list).cast::<ngx_table_elt_t>();
            if h.is_null() {
                return false;
            }
            ptr::write_bytes(h, 0, 1);
            (*h).hash = 1;
            (*h).key = ngx_str(name.as_bytes());
            (*h).lowcase_key = lowcase.as_ptr().cast_mut();
            (*h).value = ngx_str(value);
        }
        true
    }

    /// Calls `f` with the value of every live `Vary` output header.
    pub fn for_each_vary_value(&self, mut f: impl FnMut(&'static [u8])) {
        // SAFETY: `headers_out.headers` is the request's live output list; values live
        // at least as long as the request.
        unsafe {
            let list = ptr::addr_of_mut!((*self.0).headers_out.headers);
            for_each_elt(list, |h| {
                if h.hash != 0 && bytes(&h.key).eq_ignore_ascii_case(b"vary") {
                    f(bytes(&h.value));
                }
            });
        }
    }

    /// Replaces the value of `header` with the concatenation of the slices `parts()`
    /// yields (called twice: to size the value, then to copy it), built in the request
    /// pool (the only per-request memory the module uses).
    pub fn set_header_value<'a, I: Iterator<Item = &'a [u8]>>(
        &self,
        header: OutputHeader,
        parts: impl Fn() -> I,
    ) -> bool {
        let len: usize = parts().map(<[u8]>::len).sum();
        // SAFETY: the pool is the request's; `header` came from `scan_output_headers` on
        // this request and so is a live element of its output list; exactly `len` bytes
        // are written into the `len`-byte allocation.
        unsafe {
            let p = ngx_pnalloc(self.r().pool, len).cast::<u8>();
            if p.is_null() {
                return false;
            }
            let mut at = 0;
            for part in parts() {
                ptr::copy_nonoverlapping(part.as_ptr(), p.add(at), part.len());
                at += part.len();
            }
            (*header.elt).value = ngx_str_t { len, data: p };
        }
        true
    }
}
