//! A request, as a phase handler, a header filter or a variable handler receives it.
//!
//! [`Req`] wraps the pointer nginx passes and answers what the module asks of a request:
//! main or subrequest, method, whether its header section was read, the module's ctx
//! slot (typed through [`HttpModuleRequestCtx`]), ngx's typed conf accessors
//! (`Module::location_conf(&r)`), and answering with a bare status. Header lists are in
//! `headers.rs`.

use core::ffi::{c_uint, c_void};
use core::ptr::{self, NonNull};

use ngx::ffi::{
    ngx_http_discard_request_body, ngx_http_finalize_request, ngx_http_request_t,
    ngx_http_send_header, ngx_http_state_e_NGX_HTTP_READING_REQUEST_STATE, ngx_int_t,
    ngx_log_error_core, ngx_module_t, ngx_palloc, ngx_str_t, ngx_table_elt_t, ngx_uint_t,
    ngx_variable_value_t, NGX_DONE, NGX_ERROR, NGX_HTTP_OPTIONS,
};
use ngx::http::{HttpModule, HttpModuleConfExt};

use super::bytes;

/// The request ctx of a module: the type its slot in `r->ctx` points at, the
/// request-time counterpart of ngx's `HttpModuleLocationConf`. nginx zeroes the slot on
/// internal redirects; what must survive them goes in a [`RequestSlot`](super::RequestSlot).
///
/// # Safety
/// Nothing but [`Req::set_ctx`] may write the module's ctx slot, so that a non-null slot
/// always points at a `Ctx` that outlives the request.
pub unsafe trait HttpModuleRequestCtx: HttpModule {
    /// What the slot points at.
    type Ctx: 'static;
}

/// A request as the module sees it: a non-null pointer nginx gave to a handler.
#[derive(Clone, Copy)]
pub struct Req(pub(super) *mut ngx_http_request_t);

impl Req {
    /// Wraps the pointer nginx passed to a handler or filter.
    ///
    /// # Safety
    /// `r` must be null or a live request, for the wrapper's whole use.
    pub unsafe fn new(r: *mut ngx_http_request_t) -> Option<Req> {
        (!r.is_null()).then_some(Req(r))
    }

    pub(super) fn r(&self) -> &ngx_http_request_t {
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

    /// Module `M`'s request ctx, if its slot points at one (nginx zeroes the slots on
    /// an internal redirect and in `ngx_http_filter_finalize_request`).
    #[inline]
    pub fn ctx<M: HttpModuleRequestCtx>(&self) -> Option<&'static M::Ctx> {
        // SAFETY: `ctx` is the request's module ctx array, indexed by ctx_index.
        let p = unsafe { *self.r().ctx.add(M::module().ctx_index) };
        // SAFETY: the slot is null or was written by `set_ctx` with a `&'static M::Ctx`
        // (the trait's contract).
        unsafe { p.cast::<M::Ctx>().cast_const().as_ref() }
    }

    /// Points module `M`'s ctx slot at `ctx`.
    #[inline]
    pub fn set_ctx<M: HttpModuleRequestCtx>(&self, ctx: &'static M::Ctx) {
        // SAFETY: the slot array is the request's, indexed by ctx_index; `ctx` outlives
        // the request.
        unsafe {
            *self.r().ctx.add(M::module().ctx_index) =
                ptr::from_ref(ctx).cast::<c_void>().cast_mut();
        }
    }

    /// Writes `value()` into the request pool (built in place where the compiler can),
    /// for as long as the request lives.
    #[inline(always)]
    pub fn store_with<T: Copy>(&self, value: impl FnOnce() -> T) -> Option<&'static T> {
        const { assert!(core::mem::align_of::<T>() <= 8) };
        // SAFETY: the pool is the request's; `ngx_palloc` returns memory aligned to the
        // platform word (8, asserted above), fully written before a reference to it is
        // made; `T: Copy` needs no cleanup.
        unsafe {
            let p = ngx_palloc(self.r().pool, core::mem::size_of::<T>()).cast::<T>();
            if p.is_null() {
                return None;
            }
            p.write(value());
            p.as_ref()
        }
    }

    /// Sends a response header with `status` and no body (the header filter adds the
    /// CORS headers); returns what `ngx_http_send_header` returned, for
    /// [`Req::finalize`].
    pub fn send_header_only(&self, status: u16) -> ngx_int_t {
        // SAFETY: the request is live and no response was sent yet (PREACCESS phase).
        unsafe {
            if ngx_http_discard_request_body(self.0) != 0 {
                return NGX_ERROR as ngx_int_t;
            }
            let r = &mut *self.0;
            r.headers_out.status = ngx_uint_t::from(status);
            r.headers_out.content_length_n = 0;
            r.set_header_only(1);
            ngx_http_send_header(self.0)
        }
    }

    /// Finalizes the request with `rc` (what [`Req::send_header_only`] returned) and
    /// returns what the phase handler must return. The request may be freed by the
    /// call: nothing may touch it afterwards.
    pub fn finalize(self, rc: ngx_int_t) -> ngx_int_t {
        // `NGX_OK` from a generic phase handler would mean "next phase": finalize here,
        // as the phase checker does for status codes, and stop the phases.
        // SAFETY: the request is live; the caller uses it no more.
        unsafe { ngx_http_finalize_request(self.0, rc) };
        NGX_DONE as ngx_int_t
    }
}

impl Req {
    /// Turns the response about to be sent into a bare answer with `status`: no body,
    /// no status line, content type or length, `Location`, `Last-Modified` or `ETag`
    /// of what was going to be sent (the output headers `add_header` and upstreams set
    /// stay; the filter replaces `Access-Control-*`). For a preflight that a `return`,
    /// a rewrite redirect or an error page answered before the module could: every
    /// content handler and nginx's own responses stop after the header when
    /// `header_only` is set.
    pub fn replace_answer(&self, status: u16) {
        /// Deletes a header nginx also points at from `headers_out`.
        ///
        /// # Safety
        /// `h` must be null or a live element of the request's output list.
        unsafe fn delete(h: &mut *mut ngx_table_elt_t) {
            // SAFETY: per the contract; `hash = 0` is how nginx deletes a header.
            if let Some(e) = unsafe { h.as_mut() } {
                e.hash = 0;
            }
            *h = ptr::null_mut();
        }
        // SAFETY: the request is live and its header has not been sent (we are in the
        // header filter, before the next filter); the pointers in `headers_out` are null
        // or live elements of its output list.
        unsafe {
            let r = &mut *self.0;
            let out = &mut r.headers_out;
            out.status = ngx_uint_t::from(status);
            out.status_line = ngx_str_t { len: 0, data: ptr::null_mut() };
            out.content_type = ngx_str_t { len: 0, data: ptr::null_mut() };
            out.content_type_len = 0;
            out.content_type_lowcase = ptr::null_mut();
            out.charset = ngx_str_t { len: 0, data: ptr::null_mut() };
            out.content_length_n = 0;
            out.last_modified_time = -1;
            delete(&mut out.content_length);
            delete(&mut out.location);
            delete(&mut out.last_modified);
            delete(&mut out.etag);
            r.set_header_only(1);
        }
    }

    /// Whether the request's error log records messages of `level` (`NGX_LOG_INFO`,
    /// `NGX_LOG_DEBUG`: `error_log … debug` sets every debug bit, with or without
    /// `--with-debug`).
    pub fn log_enabled(&self, level: u32) -> bool {
        // SAFETY: a live request has a live connection and log.
        unsafe {
            let log = (*self.r().connection).log;
            log.as_ref().is_some_and(|l| l.log_level >= level as ngx_uint_t)
        }
    }

    /// Writes `msg` to the request's error log at `level`; nginx appends the client,
    /// server, request and host, as for its own messages.
    pub fn log(&self, level: u32, msg: &[u8]) {
        if !self.log_enabled(level) {
            return;
        }
        // SAFETY: the log is live (checked above); `%*s` reads a `size_t` length and
        // that many bytes from the pointer, which `msg` provides.
        unsafe {
            let log = (*self.r().connection).log;
            ngx_log_error_core(
                level as ngx_uint_t,
                log,
                0,
                c"%*s".as_ptr(),
                msg.len(),
                msg.as_ptr(),
            );
        }
    }
}

/// `Module::main_conf(&r)` and `Module::location_conf(&r)`: the confs of the request's
/// current location.
impl HttpModuleConfExt for Req {
    #[inline]
    unsafe fn http_main_conf_unchecked<T>(&self, module: &ngx_module_t) -> Option<NonNull<T>> {
        // SAFETY: the caller guarantees `T` is the module's main conf type; the request's
        // `main_conf` array is indexed by ctx_index.
        unsafe { self.r().http_main_conf_unchecked(module) }
    }

    #[inline]
    unsafe fn http_location_conf_unchecked<T>(&self, module: &ngx_module_t) -> Option<NonNull<T>> {
        // SAFETY: as above, for the location conf type and `loc_conf`.
        unsafe { self.r().http_location_conf_unchecked(module) }
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

/// nginx's cached current time, in seconds (`ngx_time()`), as of the event loop's last
/// update.
pub fn cached_seconds() -> ngx::ffi::time_t {
    // SAFETY: `ngx_cached_time` points at a live `ngx_time_t` slot from nginx's start
    // (`ngx_time_init`) on; workers only read it between event-loop updates.
    unsafe { ngx::ffi::ngx_cached_time.as_ref().map_or(0, |t| t.sec) }
}
