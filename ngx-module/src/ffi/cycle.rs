//! The cycle (a loaded configuration) as module-level hooks see it: `init_module` gets
//! one, with the error log the configuration set up.

use ngx::ffi::{ngx_cycle_t, ngx_log_error_core, ngx_uint_t, NGX_LOG_INFO};

/// The cycle nginx passed to `init_module`.
pub struct Cycle(*mut ngx_cycle_t);

impl Cycle {
    /// Wraps the cycle of an `init_module` call.
    ///
    /// # Safety
    /// `cycle` must be null or the live cycle nginx passed to `init_module`, and the
    /// wrapper must not outlive that call.
    pub unsafe fn new(cycle: *mut ngx_cycle_t) -> Option<Cycle> {
        (!cycle.is_null()).then_some(Cycle(cycle))
    }

    /// Writes `msg` to the cycle's error log at `info` (if the log's level lets it through).
    pub fn log_info(&self, msg: &[u8]) {
        // SAFETY: `Cycle::new` requires a live cycle; its `log` is null or live.
        let Some(log) = (unsafe { (*self.0).log.as_mut() }) else { return };
        if log.log_level < NGX_LOG_INFO as ngx_uint_t {
            return;
        }
        // SAFETY: `log` is live; `%*s` reads a `size_t` length and that many bytes from
        // the pointer, which `msg` provides.
        unsafe {
            ngx_log_error_core(
                NGX_LOG_INFO as ngx_uint_t,
                log,
                0,
                c"%*s".as_ptr(),
                msg.len(),
                msg.as_ptr(),
            );
        }
    }
}
