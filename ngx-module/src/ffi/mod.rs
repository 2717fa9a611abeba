//! The module's FFI layer: every raw pointer nginx hands us is dereferenced, cast or
//! turned into a slice here, and nowhere else.
//!
//! A leaf: it knows nginx (through `ngx::ffi`) and the shape of a CORS request
//! (`cors_dsl::Request`), but not the module's own types. The module's conf and ctx
//! types are reached through ngx's typed accessors (`HttpModuleMainConf::main_conf`,
//! `HttpModuleLocationConf::location_conf`, implemented here for [`Cf`] and [`Req`]) and
//! through [`HttpModuleRequestCtx`], its request-ctx counterpart, so the code that owns
//! a type names it and this layer stays generic. Every `unsafe` block states why it
//! holds.
//!
//! - `conf.rs`: configuration time — a directive's arguments, logging against its line,
//!   path resolution, releasing the heap after a load.
//! - `cycle.rs`: a loaded configuration, as `init_module` sees it (its error log).
//! - `map.rs`: policy files mapped read-only (open, `fstat`, `mmap`; `munmap` when the
//!   cycle's pool drops the table that keeps the mapping).
//! - `register.rs`: declaring variables and phase handlers.
//! - `request.rs`: a request — its method and state, the module's ctx slot, answering a
//!   preflight, filling a variable.
//! - `slot.rs`: per-request values that survive internal redirects, without allocating.
//! - `headers.rs`: header lists — reading the CORS request headers, editing output
//!   headers.
//!
//! Lifetimes: slices built from request memory (header values, the method) are handed
//! out as `'static` because they are only ever stored in the request pool (the stored
//! decision) or in the request's slots, so never outlive the request. Table memory lives
//! in the http main conf, owned by the cycle, which outlives every request it serves;
//! a mapped `.corsb` is unmapped only when that main conf is dropped.

mod conf;
mod cycle;
mod headers;
mod map;
mod register;
mod request;
mod slot;

pub use conf::{conf_error, release_freed_heap, Cf};
pub use cycle::Cycle;
pub use headers::OutputHeader;
pub use map::{map_file, MapError};
pub use register::{add_preaccess_handler, add_rewrite_handler, add_variable};
pub use request::{cached_seconds, set_variable, HttpModuleRequestCtx, Req};
pub use slot::{RequestSlot, SlotFlags};

use ngx::ffi::ngx_str_t;

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

/// An `ngx_str_t` that points at `b`; nginx never writes through output header values,
/// variable names or variable values, so handing it a `*mut` to shared bytes is sound.
fn ngx_str(b: &[u8]) -> ngx_str_t {
    ngx_str_t { len: b.len(), data: b.as_ptr().cast_mut() }
}
