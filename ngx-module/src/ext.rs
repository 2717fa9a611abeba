//! All pointer work of the module, in one place.
//!
//! nginx hands us raw `ngx_conf_t`, `ngx_http_request_t` and list pointers; everything
//! that dereferences them, casts them or builds slices from them lives here, so the rest
//! of the module (`conf.rs`, `filter.rs`) is ordinary safe Rust over the small safe
//! wrappers below. Every `unsafe` block states why it holds.
//!
//! Lifetimes: slices built from request memory (header values, the method) are handed out
//! as `'static` because they are only ever stored in the request ctx, which is allocated
//! from the same request pool and so never outlives them. Table memory lives in the http
//! main conf, owned by the cycle, which outlives every request it serves.

use core::ffi::{c_char, c_uint, c_void};
use core::ptr;

use ngx::ffi::{
    ngx_array_push, ngx_conf_full_name, ngx_conf_log_error, ngx_conf_t, ngx_err_t,
    ngx_http_add_variable, ngx_http_discard_request_body, ngx_http_finalize_request,
    ngx_http_handler_pt, ngx_http_phases_NGX_HTTP_PREACCESS_PHASE, ngx_http_request_t,
    ngx_http_send_header, ngx_http_state_e_NGX_HTTP_READING_REQUEST_STATE,
    ngx_http_top_header_filter, ngx_int_t, ngx_list_push, ngx_list_t, ngx_palloc, ngx_pnalloc,
    ngx_str_t, ngx_table_elt_t, ngx_uint_t, ngx_variable_value_t, NGX_DONE, NGX_ERROR,
    NGX_HTTP_OPTIONS, NGX_HTTP_VAR_NOCACHEABLE, NGX_LOG_EMERG, NGX_LOG_WARN,
};
use ngx::http::{HttpModule, HttpModuleMainConf, NgxHttpCoreModule};

use cors_dsl::{OriginHeader, Request};

use crate::conf::{LocConf, MainConf};
use crate::Module;
#[allow(unused_imports)]
use ngx::http::HttpModuleLocationConf as _;

/// The bytes of an `ngx_str_t` (empty for a null pointer).
///
/// # Safety
/// `s.data` must be null or point to `s.len` readable bytes that live for `'a`.
unsafe fn bytes<'a>(s: &ngx_str_t) -> &'a [u8] {
    if s.data.is_null() || s.len == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees `data` points to `len` live bytes.
    unsafe { core::slice::from_raw_parts(s.data, s.len) }
}

/// An `ngx_str_t` that points at `b`; nginx never writes through output header values
/// or variable values, so handing it a `*mut` to shared bytes is sound.
fn ngx_str(b: &[u8]) -> ngx_str_t {
    ngx_str_t { len: b.len(), data: b.as_ptr().cast_mut() }
}

// ---------------------------------------------------------------------------------------
// Configuration time
// ---------------------------------------------------------------------------------------

/// A directive's arguments (the first is the directive name).
///
/// # Safety
/// `cf` must be the `ngx_conf_t` nginx passed to a directive handler.
pub unsafe fn conf_args<'a>(cf: *mut ngx_conf_t) -> Vec<&'a [u8]> {
    // SAFETY: in a directive handler `cf` and `cf->args` are valid, and `args` is an
    // array of `nelts` `ngx_str_t` allocated from the conf pool for the whole parse.
    unsafe {
        let args = (*cf).args;
        if args.is_null() || (*args).elts.is_null() {
            return Vec::new();
        }
        let elts = core::slice::from_raw_parts((*args).elts.cast::<ngx_str_t>(), (*args).nelts);
        elts.iter().map(|s| bytes(s)).collect()
    }
}

/// Logs `msg` against the current configuration line, as nginx's own modules do
/// (`nginx: [emerg] MSG in /etc/nginx/nginx.conf:12`).
pub fn conf_log(cf: *mut ngx_conf_t, warn: bool, msg: &str) {
    let level = if warn { NGX_LOG_WARN } else { NGX_LOG_EMERG } as ngx_uint_t;
    // SAFETY: `cf` is the live conf of the directive being handled; the format `%*s`
    // reads exactly `msg.len()` bytes from `msg.as_ptr()`, which outlive the call.
    unsafe {
        ngx_conf_log_error(
            level,
            cf,
            0 as ngx_err_t,
            c"%*s".as_ptr(),
            msg.len(),
            msg.as_ptr().cast::<c_char>(),
        )
    };
}

/// Returns the free pages of the process heap to the system (`malloc_trim(0)`: glibc
/// `madvise`s whole free pages away, inside the heap as well as at its top). A no-op
/// with other C libraries.
pub fn release_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> core::ffi::c_int;
        }
        // SAFETY: glibc's `malloc_trim` takes the arena locks itself and only releases
        // pages no allocation uses; any thread may call it at any time.
        unsafe { malloc_trim(0) };
    }
}

/// Resolves `name` against nginx's prefix (`-p`), like nginx's own file directives.
pub fn full_name(cf: *mut ngx_conf_t, name: &[u8]) -> Option<Vec<u8>> {
    // `ngx_conf_full_name` replaces the string with one allocated from the cycle pool;
    // work on a copy so the argument array is left alone.
    let mut s = ngx_str(name);
    // SAFETY: `cf` is the live conf; `cycle` is valid during configuration and the
    // function only reads `s` and writes a new pool-allocated string into it.
    let rc = unsafe { ngx_conf_full_name((*cf).cycle, &mut s, 0) };
    if rc != 0 {
        return None;
    }
    // SAFETY: on success `s` points at `len` bytes in the cycle pool.
    Some(unsafe { bytes(&s) }.to_vec())
}

/// The module's http main conf as seen from a directive handler at any level.
pub fn main_conf_from_cf(cf: *mut ngx_conf_t) -> Option<&'static mut MainConf> {
    // SAFETY: `cf` is valid in a directive handler and its `ctx` is an http conf ctx for
    // directives of an http module.
    let cf = unsafe { cf.as_ref()? };
    Module::main_conf_mut(cf)
}

// ---------------------------------------------------------------------------------------
// Request time
// ---------------------------------------------------------------------------------------

/// A request as the module sees it: a non-null pointer nginx gave to a handler.
#[derive(Clone, Copy)]
pub struct Req(*mut ngx_http_request_t);

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

impl Req {
    /// Wraps the pointer nginx passed to a handler or filter.
    ///
    /// # Safety
    /// `r` must be a live request.
    pub unsafe fn new(r: *mut ngx_http_request_t) -> Option<Req> {
        (!r.is_null()).then_some(Req(r))
    }

    fn r(&self) -> &ngx_http_request_t {
        // SAFETY: `Req::new` requires a live request for the wrapper's whole use.
        unsafe { &*self.0 }
    }

    /// Whether this is the main request (not a subrequest).
    pub fn is_main(&self) -> bool {
        ptr::eq(self.r().main, self.0)
    }

    /// Whether the method is `OPTIONS` (nginx's parser recognises methods in upper case
    /// only, so this is exactly `method_name == "OPTIONS"`).
    pub fn is_options(&self) -> bool {
        self.r().method & NGX_HTTP_OPTIONS as ngx_uint_t != 0
    }

    /// The module's location conf for the request's current location.
    pub fn loc_conf(&self) -> Option<&'static LocConf> {
        // SAFETY: `loc_conf` points at the location's conf array, indexed by ctx_index.
        let conf = unsafe { *self.r().loc_conf.add(Module::module().ctx_index) };
        // SAFETY: our slot holds a `LocConf` created by `create_loc_conf`.
        unsafe { conf.cast::<LocConf>().as_ref() }
    }

    /// The module's http main conf (the loaded tables).
    pub fn main_conf(&self) -> Option<&'static MainConf> {
        // SAFETY: `main_conf` points at the http main conf array, indexed by ctx_index.
        let conf = unsafe { *self.r().main_conf.add(Module::module().ctx_index) };
        // SAFETY: our slot holds a `MainConf` created by `create_main_conf`.
        unsafe { conf.cast::<MainConf>().as_ref() }
    }

    /// Whether nginx finished reading the request's header lines.
    ///
    /// A request refused while they were being read (400 for a malformed line, 494
    /// "Request Header Or Cookie Too Large", sent as 400) reaches the header filter with
    /// only the lines before the bad one. A decision on those would be a guess: a
    /// preflight whose oversized `Access-Control-Request-Headers` was never stored would
    /// look like one that requested no headers, and be allowed. HTTP/1.x and HTTP/2 leave
    /// `READING_REQUEST_STATE` once the header section is complete; HTTP/0.9 has no
    /// header section, and HTTP/3 never sets the state, so both count as complete.
    pub fn headers_complete(&self) -> bool {
        // Literal versions: nginx 1.22's headers have no NGX_HTTP_VERSION_30.
        const HTTP_09: ngx_uint_t = 9;
        const HTTP_30: ngx_uint_t = 3000;
        let r = self.r();
        r.http_state() != ngx_http_state_e_NGX_HTTP_READING_REQUEST_STATE as c_uint
            || r.http_version == HTTP_09
            || r.http_version == HTTP_30
    }

    /// The request method as received.
    pub fn method(&self) -> &'static [u8] {
        // SAFETY: the method name lives in the request's buffers for the request's whole
        // life; see the module doc for why `'static` is never observed past that.
        unsafe { bytes(&self.r().method_name) }
    }

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
    }

    /// The module's request ctx, if one was stored (and not zeroed by a redirect).
    pub fn ctx(&self) -> Option<&'static crate::filter::Ctx> {
        // SAFETY: `ctx` is the request's module ctx array, indexed by ctx_index.
        let p = unsafe { *self.r().ctx.add(Module::module().ctx_index) };
        // SAFETY: our slot is null or holds a `Ctx` written by `set_ctx` from this
        // request's pool, never written again.
        unsafe { p.cast::<crate::filter::Ctx>().as_ref() }
    }

    /// Stores `ctx` in the request pool and in the request's ctx slot.
    pub fn set_ctx(&self, ctx: crate::filter::Ctx) -> Option<&'static crate::filter::Ctx> {
        const _: () = assert!(core::mem::align_of::<crate::filter::Ctx>() <= 8);
        // SAFETY: the pool is the request's; `ngx_palloc` returns memory aligned to the
        // platform word (8), which the assertion above shows is enough, and the whole
        // `Ctx` is written before the slot points at it (so no zeroing is needed). `Ctx`
        // has no `Drop`, so no cleanup handler is needed.
        unsafe {
            let p = ngx_palloc(self.r().pool, core::mem::size_of::<crate::filter::Ctx>())
                .cast::<crate::filter::Ctx>();
            if p.is_null() {
                return None;
            }
            p.write(ctx);
            *self.r().ctx.add(Module::module().ctx_index) = p.cast::<c_void>();
            p.as_ref()
        }
    }

    /// Walks the output headers once: when `strip_cors`, marks every
    /// `Access-Control-*` header deleted (`hash = 0`); returns the first live `Vary`
    /// header, with a handle to replace its value.
    pub fn scan_output_headers(
        &self,
        strip_cors: bool,
    ) -> Option<(*mut ngx_table_elt_t, &'static [u8])> {
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
                        first_vary = Some((ptr::from_mut(h), bytes(&h.value)));
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

    /// Replaces a header's value with the concatenation of `parts`, built in the request
    /// pool (the only per-request memory the module uses).
    pub fn set_header_value<'a>(
        &self,
        elt: *mut ngx_table_elt_t,
        parts: impl Iterator<Item = &'a [u8]> + Clone,
    ) -> bool {
        let len: usize = parts.clone().map(<[u8]>::len).sum();
        // SAFETY: the pool is the request's; `elt` came from `scan_output_headers` on this
        // request and so is a live element of its output list; exactly `len` bytes are
        // written into the `len`-byte allocation.
        unsafe {
            let p = ngx_pnalloc(self.r().pool, len).cast::<u8>();
            if p.is_null() {
                return false;
            }
            let mut at = 0;
            for part in parts {
                ptr::copy_nonoverlapping(part.as_ptr(), p.add(at), part.len());
                at += part.len();
            }
            (*elt).value = ngx_str_t { len, data: p };
        }
        true
    }

    /// Answers the request with `status` and no body; the header filter adds the CORS
    /// headers. Returns what the phase handler must return.
    pub fn answer_header_only(&self, status: u16) -> ngx_int_t {
        // SAFETY: the request is live and no response was sent yet (PREACCESS phase).
        unsafe {
            if ngx_http_discard_request_body(self.0) != 0 {
                return NGX_ERROR as ngx_int_t;
            }
            let r = &mut *self.0;
            r.headers_out.status = ngx_uint_t::from(status);
            r.headers_out.content_length_n = 0;
            r.set_header_only(1);
            let rc = ngx_http_send_header(self.0);
            // `NGX_OK` from a generic phase handler would mean "next phase": finalize
            // here, as the phase checker does for status codes, and stop the phases.
            ngx_http_finalize_request(self.0, rc);
        }
        NGX_DONE as ngx_int_t
    }
}

/// Fills a variable value with bytes that outlive the request (table or static memory).
///
/// # Safety
/// `v` must be the value nginx passed to a variable get handler.
pub unsafe fn set_variable(v: *mut ngx_variable_value_t, value: &'static [u8]) {
    // SAFETY: the caller passes nginx's live value; `value` outlives the request.
    unsafe {
        let v = &mut *v;
        v.data = value.as_ptr().cast_mut();
        v.set_len(u32::try_from(value.len()).unwrap_or(0));
        v.set_valid(1);
        v.set_no_cacheable(1);
        v.set_not_found(0);
    }
}

// ---------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------

/// The signature of a variable get handler.
pub type VariableGetter =
    unsafe extern "C" fn(*mut ngx_http_request_t, *mut ngx_variable_value_t, usize) -> ngx_int_t;

/// Declares a non-cacheable variable `$name` served by `get` with `data`.
pub fn add_variable(
    cf: *mut ngx_conf_t,
    name: &'static str,
    get: VariableGetter,
    data: usize,
) -> bool {
    let mut n = ngx_str(name.as_bytes());
    // SAFETY: `cf` is the live conf in preconfiguration; nginx copies the name into the
    // conf pool and returns a variable we may fill in, or null.
    unsafe {
        let v = ngx_http_add_variable(cf, &mut n, NGX_HTTP_VAR_NOCACHEABLE as ngx_uint_t);
        let Some(v) = v.as_mut() else { return false };
        v.get_handler = Some(get);
        v.data = data;
    }
    true
}

/// Appends `handler` to the PREACCESS phase.
pub fn add_preaccess_handler(
    cf: *mut ngx_conf_t,
    handler: unsafe extern "C" fn(*mut ngx_http_request_t) -> ngx_int_t,
) -> bool {
    // SAFETY: `cf` is the live conf in postconfiguration, whose http ctx holds the core
    // module's main conf; the phase array was initialised by the core module.
    unsafe {
        let Some(cf) = cf.as_ref() else { return false };
        let Some(cmcf) = NgxHttpCoreModule::main_conf_mut(cf) else { return false };
        let Some(phase) = cmcf.phases.get_mut(ngx_http_phases_NGX_HTTP_PREACCESS_PHASE as usize)
        else {
            return false;
        };
        let h = ngx_array_push(&mut phase.handlers).cast::<ngx_http_handler_pt>();
        if h.is_null() {
            return false;
        }
        h.write(Some(handler));
    }
    true
}

/// Puts `filter` on top of the header filter chain, remembering the previous top.
pub fn chain_header_filter(filter: unsafe extern "C" fn(*mut ngx_http_request_t) -> ngx_int_t) {
    // SAFETY: configuration runs single-threaded in the master (or the single process);
    // this is how every nginx filter module links itself in.
    unsafe {
        crate::filter::NEXT_HEADER_FILTER = ngx_http_top_header_filter;
        ngx_http_top_header_filter = Some(filter);
    }
}
