//! Configuration time: what a directive handler reads from and writes to nginx.
//!
//! [`Cf`] wraps the `ngx_conf_t` nginx passes to a directive handler or a configuration
//! hook: a directive's arguments, a log in nginx's `… in nginx.conf:LINE` form, paths
//! resolved and globs expanded the way `include` does it, and ngx's typed conf
//! accessors (`Module::main_conf_mut(&cf)`).

use core::ffi::{c_char, CStr};
use core::ptr::NonNull;
use std::ffi::CString;

use ngx::ffi::{
    ngx_close_glob, ngx_conf_full_name, ngx_conf_log_error, ngx_conf_t, ngx_err_t, ngx_glob_t,
    ngx_int_t, ngx_module_t, ngx_open_glob, ngx_read_glob, ngx_str_t, ngx_uint_t, NGX_LOG_EMERG,
    NGX_LOG_WARN, NGX_OK,
};
use ngx::http::HttpModuleConfExt;

use super::{bytes, ngx_str};

/// The configuration being parsed, as nginx passed it to a directive handler or a
/// configuration hook.
pub struct Cf(pub(super) *mut ngx_conf_t);

impl Cf {
    /// Wraps the `cf` of a directive handler or of a pre- or postconfiguration hook.
    ///
    /// # Safety
    /// `cf` must be null or the live `ngx_conf_t` nginx passed to such a function of an
    /// http module, and the wrapper must not outlive that call.
    pub unsafe fn new(cf: *mut ngx_conf_t) -> Option<Cf> {
        (!cf.is_null()).then_some(Cf(cf))
    }

    fn cf(&self) -> &ngx_conf_t {
        // SAFETY: `Cf::new` requires a live conf for the wrapper's whole use.
        unsafe { &*self.0 }
    }

    /// The directive's arguments (the first is the directive name).
    pub fn args(&self) -> Vec<&[u8]> {
        // SAFETY: `cf->args` is null or an array of `nelts` `ngx_str_t`
        // allocated from the conf pool for the whole parse.
        unsafe {
            let args = self.cf().args;
            if args.is_null() || (*args).elts.is_null() {
                return Vec::new();
            }
            let elts = core::slice::from_raw_parts((*args).elts.cast::<ngx_str_t>(), (*args).nelts);
            elts.iter().map(|s| bytes(s)).collect()
        }
    }

    /// Logs `msg` against the current configuration line, as nginx's own modules do
    /// (`nginx: [emerg] MSG in /etc/nginx/nginx.conf:12`).
    pub fn log(&self, warn: bool, msg: &str) {
        let level = if warn { NGX_LOG_WARN } else { NGX_LOG_EMERG } as ngx_uint_t;
        // SAFETY: `cf` is the live conf of the directive being handled; the format `%*s`
        // reads exactly `msg.len()` bytes from `msg.as_ptr()`, which outlive the call.
        unsafe {
            ngx_conf_log_error(
                level,
                self.0,
                0 as ngx_err_t,
                c"%*s".as_ptr(),
                msg.len(),
                msg.as_ptr().cast::<c_char>(),
            )
        };
    }

    /// Resolves `name` against the configuration prefix (the directory of the file
    /// given by `-c`), like `include` and `ssl_certificate`; absolute names are kept.
    pub fn full_name(&self, name: &[u8]) -> Option<Vec<u8>> {
        // `ngx_conf_full_name` replaces the string with one allocated from the cycle pool;
        // work on a copy so the argument array is left alone.
        let mut s = ngx_str(name);
        // SAFETY: `cycle` is valid during configuration and the function only reads `s`
        // and writes a new pool-allocated string into it.
        let rc = unsafe { ngx_conf_full_name(self.cf().cycle, &mut s, 1) };
        if rc != 0 {
            return None;
        }
        // SAFETY: on success `s` points at `len` bytes in the cycle pool.
        Some(unsafe { bytes(&s) }.to_vec())
    }

    /// The paths matching the glob `pattern`, expanded exactly as `include` expands it:
    /// nginx's `ngx_open_glob` (glob(3) with no flags: sorted, a leading `.` only matched
    /// by a literal one), where no match is an empty list rather than an error. `None`
    /// when glob(3) itself fails or the pattern holds a NUL byte.
    pub fn glob(&self, pattern: &[u8]) -> Option<Vec<Vec<u8>>> {
        let pattern = CString::new(pattern).ok()?;
        // SAFETY: `ngx_glob_t` holds integers, raw pointers and nullable function
        // pointers, for which all-zero bytes are valid; nginx's `include` zeroes it too.
        let mut gl: ngx_glob_t = unsafe { core::mem::zeroed() };
        gl.pattern = pattern.as_ptr().cast_mut().cast();
        gl.log = self.cf().log;
        gl.test = 1;
        // SAFETY: `gl` is set up as `include` sets it up; glob(3) only reads the
        // NUL-terminated pattern, which outlives `gl`.
        if unsafe { ngx_open_glob(&mut gl) } != NGX_OK as ngx_int_t {
            return None;
        }
        let mut paths = Vec::new();
        loop {
            let mut name = ngx_str(b"");
            // SAFETY: `gl` was opened above and not closed; `name` is set to a path in
            // glob(3)'s result, which lives until `ngx_close_glob`.
            if unsafe { ngx_read_glob(&mut gl, &mut name) } != NGX_OK as ngx_int_t {
                break;
            }
            // SAFETY: `name` points at `len` bytes of that result, copied before closing.
            paths.push(unsafe { bytes(&name) }.to_vec());
        }
        // SAFETY: opened above, closed once; `include` closes after a no-match as well.
        unsafe { ngx_close_glob(&mut gl) };
        Some(paths)
    }
}

/// `Module::main_conf_mut(&cf)` and `Module::location_conf_mut(&cf)`: the conf ctx of
/// the block being parsed (the http, server or location level of the directive).
impl HttpModuleConfExt for Cf {
    unsafe fn http_main_conf_unchecked<T>(&self, module: &ngx_module_t) -> Option<NonNull<T>> {
        // SAFETY: the caller guarantees `T` is the module's main conf type; `cf->ctx` is
        // an http conf ctx for directives of an http module.
        unsafe { self.cf().http_main_conf_unchecked(module) }
    }

    unsafe fn http_location_conf_unchecked<T>(&self, module: &ngx_module_t) -> Option<NonNull<T>> {
        // SAFETY: as above, for the location conf type.
        unsafe { self.cf().http_location_conf_unchecked(module) }
    }
}

/// What a directive handler returns to fail with `msg`: nginx prints
/// `"<directive>" directive <msg> in FILE:LINE` and only reads the text.
pub const fn conf_error(msg: &'static CStr) -> *mut c_char {
    msg.as_ptr().cast_mut()
}

/// Returns the free pages of the process heap to the system (`malloc_trim(0)`: glibc
/// `madvise`s whole free pages away, inside the heap as well as at its top). A no-op
/// with other C libraries. Called once a configuration is loaded, before workers fork.
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
