//! `ngx_http_cors_module`: enforces ngx-cors policies inside nginx.
//!
//! A thin translation layer: every CORS decision comes from
//! [`cors_dsl::RuleTable::decide`]. This file holds what nginx needs to find the module
//! (the `ngx_module_t`, its directive table, the exported module lists), the
//! configuration hooks, and the types of its conf and ctx slots. `conf.rs` handles the
//! directives, `policy.rs` loads policy files, `filter.rs` the requests, and `ffi/`
//! every raw pointer.
//!
//! Directives: `cors_policy_file PATH | GLOB;` (http, repeatable) and
//! `cors NAME [report-only] | off;` (http, server, location). Variables:
//! `$cors_decision`, `$cors_reason`, `$cors_policy`, `$cors_report`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod conf;
mod ffi;
mod filter;
mod log;
mod policy;
mod version;

use core::ptr::{addr_of, addr_of_mut};

use ngx::ffi::{
    ngx_command_t, ngx_conf_t, ngx_http_module_t, ngx_int_t, ngx_module_t, ngx_str_t, ngx_uint_t,
    NGX_CONF_TAKE1, NGX_CONF_TAKE12, NGX_ERROR, NGX_HTTP_LOC_CONF, NGX_HTTP_LOC_CONF_OFFSET,
    NGX_HTTP_MAIN_CONF, NGX_HTTP_MAIN_CONF_OFFSET, NGX_HTTP_MODULE, NGX_HTTP_SRV_CONF, NGX_OK,
};
use ngx::http::{HttpModule, HttpModuleLocationConf, HttpModuleMainConf};

use crate::ffi::{Cf, HttpModuleRequestCtx};

/// The module, as the `ngx` crate's traits see it.
pub struct Module;

impl HttpModule for Module {
    fn module() -> &'static ngx_module_t {
        // SAFETY: nginx writes the module's indices once, while loading configuration,
        // in the single-threaded master; afterwards the static is only read.
        unsafe { &*addr_of!(ngx_http_cors_module) }
    }

    unsafe extern "C" fn preconfiguration(cf: *mut ngx_conf_t) -> ngx_int_t {
        // SAFETY: nginx calls configuration hooks with its live `cf`.
        let Some(cf) = (unsafe { Cf::new(cf) }) else { return NGX_ERROR as ngx_int_t };
        let vars = [
            ("cors_decision", filter::VAR_DECISION),
            ("cors_reason", filter::VAR_REASON),
            ("cors_policy", filter::VAR_POLICY),
            ("cors_report", filter::VAR_REPORT),
        ];
        for (name, data) in vars {
            if !ffi::add_variable(&cf, name, filter::variable, data) {
                return NGX_ERROR as ngx_int_t;
            }
        }
        let (Some(main), Some(slots)) = (Module::main_conf_mut(&cf), filter::Slots::declare(&cf))
        else {
            return NGX_ERROR as ngx_int_t;
        };
        main.slots = slots;
        NGX_OK as ngx_int_t
    }

    unsafe extern "C" fn postconfiguration(cf: *mut ngx_conf_t) -> ngx_int_t {
        // SAFETY: nginx calls configuration hooks with its live `cf`.
        let Some(cf) = (unsafe { Cf::new(cf) }) else { return NGX_ERROR as ngx_int_t };
        if !ffi::add_rewrite_handler(&cf, filter::rewrite_handler)
            || !ffi::add_preaccess_handler(&cf, filter::preaccess_handler)
        {
            return NGX_ERROR as ngx_int_t;
        }
        filter::init();
        NGX_OK as ngx_int_t
    }
}

// SAFETY: slot types match what `create_main_conf`/`create_loc_conf` allocate.
unsafe impl HttpModuleMainConf for Module {
    type MainConf = conf::MainConf;
}

// SAFETY: slot types match what `create_main_conf`/`create_loc_conf` allocate.
unsafe impl HttpModuleLocationConf for Module {
    type LocationConf = conf::LocConf;
}

// SAFETY: the module writes its request ctx slot only through `Req::set_ctx::<Module>`.
// It points at the location conf the request was settled at in its current pass
// (`filter::settle`).
unsafe impl HttpModuleRequestCtx for Module {
    type Ctx = conf::LocConf;
}

static NGX_HTTP_CORS_MODULE_CTX: ngx_http_module_t = ngx_http_module_t {
    preconfiguration: Some(Module::preconfiguration),
    postconfiguration: Some(Module::postconfiguration),
    create_main_conf: Some(Module::create_main_conf),
    init_main_conf: None,
    create_srv_conf: None,
    merge_srv_conf: None,
    create_loc_conf: Some(Module::create_loc_conf),
    merge_loc_conf: Some(Module::merge_loc_conf),
};

/// A directive name: nginx compares names with `strcmp`, so the bytes must be
/// NUL-terminated even though `len` excludes the NUL.
const fn name(s: &'static core::ffi::CStr) -> ngx_str_t {
    ngx_str_t { len: s.count_bytes(), data: s.as_ptr().cast_mut().cast() }
}

static mut NGX_HTTP_CORS_COMMANDS: [ngx_command_t; 4] = [
    ngx_command_t {
        name: name(c"cors_policy_file"),
        type_: (NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1) as ngx_uint_t,
        set: Some(conf::cmd_policy_file),
        conf: NGX_HTTP_MAIN_CONF_OFFSET,
        offset: 0,
        post: core::ptr::null_mut(),
    },
    ngx_command_t {
        name: name(c"cors_policy_max_size"),
        type_: (NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1) as ngx_uint_t,
        set: Some(conf::cmd_policy_max_size),
        conf: NGX_HTTP_MAIN_CONF_OFFSET,
        offset: 0,
        post: core::ptr::null_mut(),
    },
    ngx_command_t {
        name: name(c"cors"),
        type_: (NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE12)
            as ngx_uint_t,
        set: Some(conf::cmd_cors),
        conf: NGX_HTTP_LOC_CONF_OFFSET,
        offset: 0,
        post: core::ptr::null_mut(),
    },
    ngx_command_t::empty(),
];

/// The module nginx loads (`load_module …/ngx_http_cors_module.so`).
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static mut ngx_http_cors_module: ngx_module_t = ngx_module_t {
    ctx: addr_of!(NGX_HTTP_CORS_MODULE_CTX).cast_mut().cast(),
    commands: addr_of_mut!(NGX_HTTP_CORS_COMMANDS).cast(),
    type_: NGX_HTTP_MODULE as ngx_uint_t,
    init_module: Some(init_module),
    ..ngx_module_t::default()
};

/// Runs in the master (or the single process) after every configuration load, before
/// workers are forked: compiling policy sources leaves the parser's, checker's and
/// compiler's freed heap behind — megabytes for a 10,000-origin policy — which glibc
/// keeps and every worker would inherit. Hand it back to the system. Also says which
/// build of the module is running (`version.rs`).
unsafe extern "C" fn init_module(cycle: *mut ngx::ffi::ngx_cycle_t) -> ngx_int_t {
    ffi::release_freed_heap();
    // SAFETY: nginx passes `init_module` the live cycle it has just loaded.
    if let Some(cycle) = unsafe { ffi::Cycle::new(cycle) } {
        version::announce(&cycle);
    }
    NGX_OK as ngx_int_t
}

// The module lists nginx reads from a dynamic module. Written by hand instead of with
// `ngx::ngx_modules!` because that macro exports an empty `ngx_module_order`, which puts
// our header filter on top of the chain, before `add_header` (so `add_header
// Access-Control-Allow-Origin … always` would duplicate ours) and before
// `not_modified`. Naming `ngx_http_headers_filter_module` after us inserts the module
// before it in the module list, so its filter runs after `add_header` and can replace
// what `add_header` and upstreams set. nginx's own build (`config`) generates the same
// three lists in C from `ngx_module_order`, so they are left out there.
#[cfg(not(feature = "nginx-build-system"))]
mod exports {
    use core::ffi::c_char;
    use core::ptr::{addr_of, null};

    use ngx::ffi::ngx_module_t;

    use super::ngx_http_cors_module;

    /// Modules in this object.
    #[no_mangle]
    #[allow(non_upper_case_globals)]
    pub static mut ngx_modules: [*const ngx_module_t; 2] = [addr_of!(ngx_http_cors_module), null()];

    /// Their names.
    #[no_mangle]
    #[allow(non_upper_case_globals)]
    pub static mut ngx_module_names: [*const c_char; 2] =
        [c"ngx_http_cors_module".as_ptr(), null()];

    /// Filter order: ours, then the module it must come before in the list.
    #[no_mangle]
    #[allow(non_upper_case_globals)]
    pub static mut ngx_module_order: [*const c_char; 3] =
        [c"ngx_http_cors_module".as_ptr(), c"ngx_http_headers_filter_module".as_ptr(), null()];
}
