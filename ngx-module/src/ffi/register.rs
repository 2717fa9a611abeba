//! Registration at configuration time: the module's variables (preconfiguration) and
//! its phase handlers (postconfiguration). The header filter links itself in
//! (`filter::init`), as nginx's own filters do.

use ngx::ffi::{
    ngx_array_push, ngx_http_add_variable, ngx_http_handler_pt, ngx_http_phases,
    ngx_http_phases_NGX_HTTP_PREACCESS_PHASE, ngx_http_phases_NGX_HTTP_REWRITE_PHASE,
    ngx_http_request_t, ngx_int_t, ngx_uint_t, ngx_variable_value_t, NGX_HTTP_VAR_NOCACHEABLE,
};
use ngx::http::{HttpModuleMainConf, NgxHttpCoreModule};

use super::{ngx_str, Cf};

/// The signature of a variable get handler.
pub type VariableGetter =
    unsafe extern "C" fn(*mut ngx_http_request_t, *mut ngx_variable_value_t, usize) -> ngx_int_t;

/// Declares a non-cacheable variable `$name` served by `get` with `data`.
pub fn add_variable(cf: &Cf, name: &'static str, get: VariableGetter, data: usize) -> bool {
    let mut n = ngx_str(name.as_bytes());
    // SAFETY: `cf` is the live conf (preconfiguration); nginx copies the name into the
    // conf pool and returns a variable we may fill in, or null.
    unsafe {
        let v = ngx_http_add_variable(cf.0, &mut n, NGX_HTTP_VAR_NOCACHEABLE as ngx_uint_t);
        let Some(v) = v.as_mut() else { return false };
        v.get_handler = Some(get);
        v.data = data;
    }
    true
}

/// A phase handler.
pub type PhaseHandler = unsafe extern "C" fn(*mut ngx_http_request_t) -> ngx_int_t;

/// Appends `handler` to the location-level REWRITE phase: it runs after the location is
/// found (again after `rewrite … last`) and, because the module comes after
/// `ngx_http_rewrite_module` in the module list and nginx runs a phase's handlers in
/// reverse order of registration, before the location's `rewrite`, `return`, `set` and
/// `if`.
pub fn add_rewrite_handler(cf: &Cf, handler: PhaseHandler) -> bool {
    add_phase_handler(cf, ngx_http_phases_NGX_HTTP_REWRITE_PHASE, handler)
}

/// Appends `handler` to the PREACCESS phase.
pub fn add_preaccess_handler(cf: &Cf, handler: PhaseHandler) -> bool {
    add_phase_handler(cf, ngx_http_phases_NGX_HTTP_PREACCESS_PHASE, handler)
}

fn add_phase_handler(cf: &Cf, phase: ngx_http_phases, handler: PhaseHandler) -> bool {
    // SAFETY: `cf` is the live conf (postconfiguration), whose http ctx holds the core
    // module's main conf; the phase array was initialised by the core module.
    unsafe {
        let Some(cmcf) = NgxHttpCoreModule::main_conf_mut(cf) else { return false };
        let Some(phase) = cmcf.phases.get_mut(phase as usize) else {
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
