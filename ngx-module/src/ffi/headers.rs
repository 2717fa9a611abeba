//! Header lists: reading the CORS request headers from `headers_in`, and editing
//! `headers_out` (deleting `Access-Control-*`, adding ours, rewriting `Vary`).
//!
//! Both walk nginx's `ngx_list_t` of `ngx_table_elt_t` part by part, as nginx's own
//! modules do; a deleted element has `hash == 0`.

use core::ptr;

use ngx::ffi::{ngx_list_push, ngx_list_t, ngx_pnalloc, ngx_str_t, ngx_table_elt_t, ngx_uint_t};

use cors_dsl::browser::ResponseLines;
use cors_dsl::decide::MAX_REQUEST_HEADERS_LEN;
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

/// `ngx_list_push` on a header list, with its usual case inline: room in the last part
/// is the next element (the output list starts with 20 slots), and only a full part
/// calls nginx to allocate another. Null when that allocation fails.
///
/// # Safety
/// `list` must be a live, initialised list of `ngx_table_elt_t` (`ngx_list_init` with
/// their size), as every request's `headers_out.headers` is.
#[inline(always)]
unsafe fn list_push(list: *mut ngx_list_t) -> *mut ngx_table_elt_t {
    // SAFETY: per the contract, `last` is the list's live last part, whose `elts` has
    // room for `nalloc` elements of `size` bytes, `nelts` of them in use; this is
    // `ngx_list_push`'s own arithmetic when the part is not full.
    unsafe {
        let last = (*list).last;
        if !last.is_null() && (*last).nelts < (*list).nalloc {
            let elt = (*last).elts.cast::<u8>().add((*list).size * (*last).nelts);
            (*last).nelts += 1;
            return elt.cast();
        }
        ngx_list_push(list).cast()
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

/// A request header line's value, for the request's lifetime. `bytes`, without its
/// test for an empty value: a non-null pointer makes an empty slice as well, and this
/// runs for each CORS header of every request.
///
/// # Safety
/// `h` must be a live element of the request's header list, whose value lives as long
/// as the request.
#[inline(always)]
unsafe fn value_of(h: &ngx_table_elt_t) -> &'static [u8] {
    if h.value.data.is_null() {
        return &[];
    }
    // SAFETY: per the contract, `data` points to `len` bytes that live as long as the
    // request.
    unsafe { core::slice::from_raw_parts(h.value.data, h.value.len) }
}

/// Reads an `Origin` line into `req`: a second one makes the request malformed.
///
/// # Safety
/// `h` must be a live element of the request's header list, whose value lives as long
/// as the request.
#[inline(always)]
unsafe fn read_origin(h: &ngx_table_elt_t, req: &mut Request<'static>) {
    req.origin = match req.origin {
        // SAFETY: per the contract.
        OriginHeader::Absent => OriginHeader::One(unsafe { value_of(h) }),
        _ => OriginHeader::Many,
    };
}

impl Req {
    /// Fills `req` with the CORS request headers: `Origin`, and when `options` (`req`
    /// is an `OPTIONS` request: its caller knows without comparing the method), the
    /// `Access-Control-Request-*` headers — only a preflight's decision reads those
    /// (`Request::is_preflight`), so an actual request's walk looks for `Origin` alone. An out-parameter so the ~190-byte
    /// `Request` is written once in its caller's frame rather than returned and copied.
    ///
    /// `req` must come as `Request::actual` makes it: what is absent is left as it is.
    pub fn read_cors_headers(&self, req: &mut Request<'static>, options: bool) {
        // SAFETY: `headers_in.headers` is initialised (or zeroed, for requests that
        // failed before their headers were read) and lives as long as the request.
        let list = unsafe { ptr::addr_of_mut!((*self.0).headers_in.headers) };
        // nginx stores each request header's hash over its lower-cased name (HTTP/1.x
        // while parsing, HTTP/2 and HTTP/3 from their lower-case names): one integer
        // comparison dismisses an unrelated header, and the lower-case name confirms a
        // hash hit. Values live as long as the request.
        if !options {
            // SAFETY: see above.
            unsafe {
                for_each_elt(list, |h| {
                    if h.hash == HASH_ORIGIN && has_lowcase_name(h, b"origin") {
                        read_origin(h, req);
                    }
                });
            }
            return;
        }
        // How many `Access-Control-Request-Headers` lines: the first is used in place.
        let mut lines = 0usize;
        // SAFETY: see above.
        unsafe {
            for_each_elt(list, |h| match h.hash {
                HASH_ORIGIN if has_lowcase_name(h, b"origin") => read_origin(h, req),
                HASH_REQUEST_METHOD if has_lowcase_name(h, b"access-control-request-method") => {
                    req.request_method.get_or_insert_with(|| value_of(h));
                }
                HASH_REQUEST_HEADERS if has_lowcase_name(h, b"access-control-request-headers") => {
                    if lines == 0 {
                        req.request_headers = RequestHeaders::Value(value_of(h));
                    }
                    lines += 1;
                }
                HASH_REQUEST_PRIVATE_NETWORK
                    if has_lowcase_name(h, b"access-control-request-private-network") =>
                {
                    req.request_private_network |= value_of(h).eq_ignore_ascii_case(b"true");
                }
                _ => {}
            })
        };
        // Fetch reads a header sent on several lines as one value, the lines joined with
        // `,`: several are joined in the request pool.
        if lines > 1 {
            req.request_headers = self.joined_request_headers(list);
        }
    }

    /// The value of the `Access-Control-Request-Headers` lines of `list` (several),
    /// joined with `,`.
    #[cold]
    #[inline(never)]
    fn joined_request_headers(&self, list: *mut ngx_list_t) -> RequestHeaders<'static> {
        let (mut lines, mut len) = (0usize, 0usize);
        // SAFETY: `list` is the request's live `headers_in.headers` (see
        // `read_cors_headers`).
        unsafe {
            for_each_elt(list, |h| {
                if h.hash == HASH_REQUEST_HEADERS
                    && has_lowcase_name(h, b"access-control-request-headers")
                {
                    lines += 1;
                    len = len.saturating_add(h.value.len);
                }
            });
        }
        let joined = len.saturating_add(lines.saturating_sub(1));
        if joined > MAX_REQUEST_HEADERS_LEN {
            return RequestHeaders::TooLong;
        }
        self.join_request_headers(list, joined)
            .map_or(RequestHeaders::TooLong, RequestHeaders::Value)
    }

    /// Every `Access-Control-Request-Headers` line of `list`, joined with `,` into `len`
    /// bytes of the request pool; `None` when the pool is exhausted (the preflight is
    /// then refused, never allowed).
    fn join_request_headers(&self, list: *mut ngx_list_t, len: usize) -> Option<&'static [u8]> {
        // SAFETY: the pool is the request's; the allocation lives as long as the request
        // (see the module doc for the `'static` convention).
        let p = unsafe { ngx_pnalloc(self.r().pool, len) }.cast::<u8>();
        if p.is_null() {
            return None;
        }
        let mut at = 0;
        // SAFETY: `list` is the request's live `headers_in.headers` (see
        // `read_cors_headers`); at most `len` bytes are written: the lines' bytes and one
        // comma between each two, which is how `len` was counted on the same list.
        unsafe {
            for_each_elt(list, |h| {
                if h.hash == HASH_REQUEST_HEADERS
                    && has_lowcase_name(h, b"access-control-request-headers")
                {
                    let value = bytes(&h.value);
                    if at > 0 && at < len {
                        *p.add(at) = b',';
                        at += 1;
                    }
                    let n = value.len().min(len - at);
                    ptr::copy_nonoverlapping(value.as_ptr(), p.add(at), n);
                    at += n;
                }
            });
            Some(core::slice::from_raw_parts(p, at))
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

    /// Marks every `Access-Control-*` output header deleted: takes back the lines of an
    /// answer that turned out not to be writable ([`Req::scan_output_headers`] removed
    /// the others before). Rare, and kept apart so that the usual walk stays inline.
    #[cold]
    #[inline(never)]
    pub fn strip_cors_headers(&self) {
        // SAFETY: `headers_out.headers` is the request's live output list; clearing
        // `hash` is how nginx deletes a header.
        unsafe {
            let list = ptr::addr_of_mut!((*self.0).headers_out.headers);
            for_each_elt(list, |h| {
                let key = bytes(&h.key);
                if key.get(..15).is_some_and(|p| p.eq_ignore_ascii_case(b"access-control-")) {
                    h.hash = 0;
                }
            });
        }
    }

    /// Adds an output header whose name and value outlive the request.
    #[inline(always)]
    pub fn push_header(&self, name: &'static str, lowcase: &'static str, value: &[u8]) -> bool {
        // SAFETY: the output list is live; `ngx_list_push` returns uninitialised memory
        // (or null), which is zeroed before any field is set so fields this build does
        // not know about (`next` on nginx >= 1.23) are null.
        unsafe {
            let list = ptr::addr_of_mut!((*self.0).headers_out.headers);
            let h = list_push(list);
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

/// The response about to go out, as a browser would read its CORS headers: the status
/// and the live output header lines ([`Req::output`]).
#[derive(Clone, Copy)]
pub struct Output(Req);

impl Req {
    /// The response about to go out, for judging it with the browser model.
    pub fn output(&self) -> Output {
        Output(*self)
    }
}

impl ResponseLines for Output {
    fn status(&self) -> u16 {
        u16::try_from(self.0.r().headers_out.status).unwrap_or(0)
    }

    fn for_each_line(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        // SAFETY: `headers_out.headers` is the request's live output list; keys and
        // values live as long as the request.
        unsafe {
            let list = ptr::addr_of_mut!((*self.0 .0).headers_out.headers);
            for_each_elt(list, |h| {
                if h.hash != 0 && bytes(&h.key).eq_ignore_ascii_case(name.as_bytes()) {
                    f(bytes(&h.value));
                }
            });
        }
    }
}
