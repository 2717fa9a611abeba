//! The directives `cors_policy_file` and `cors`, and the configuration they build.
//!
//! Policy files are loaded while nginx parses its configuration (`policy.rs` does the
//! loading and the wording) and stored in the http main conf, which nginx allocates from
//! the cycle pool: they are dropped with the cycle (the default `create_main_conf`
//! registers a pool cleanup), so a reload loads fresh ones and a failed reload leaves the
//! running cycle, and its tables, untouched. Nothing is kept in statics, which would
//! survive reloads in the master.
//!
//! `cors NAME` is resolved when it is parsed, so an unknown name is reported with the
//! nginx.conf line; this is why `cors_policy_file` must come before the `cors` lines
//! that use its policies.

use core::ffi::{c_char, c_void};

use cors_dsl::{PolicyId, RuleTable, SourceLimit};
use ngx::core::{NGX_CONF_ERROR, NGX_CONF_OK};
use ngx::ffi::{ngx_command_t, ngx_conf_t};
use ngx::http::{HttpModuleLocationConf, HttpModuleMainConf, Merge, MergeConfigError};

use crate::ffi::{conf_error, Cf};
use crate::filter::Slots;
use crate::policy::{self, Message, PolicyFile};
use crate::Module;

/// http main conf: every file loaded by `cors_policy_file`, in order.
#[derive(Default)]
pub struct MainConf {
    /// The files; `Setting::Policy::table` indexes into this.
    pub files: Vec<PolicyFile>,
    /// Globs that matched no file (accepted, as by `include`), for the message of a
    /// `cors NAME` that then finds nothing.
    pub unmatched: Vec<String>,
    /// Where requests keep their state (declared in preconfiguration).
    pub slots: Slots,
    /// `cors_policy_max_size`, when written: the largest policy source file read.
    pub source_limit: Option<SourceLimit>,
}

impl MainConf {
    /// The table and policy name of a resolved setting.
    pub fn policy(&self, table: u32, id: PolicyId) -> Option<(&RuleTable, &str)> {
        let t = &self.files.get(table as usize)?.table;
        Some((t, t.policy_name(id)?))
    }
}

/// What `cors` says for a location.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Setting {
    /// Not written here: inherit.
    #[default]
    Unset,
    /// `cors off;`
    Off,
    /// `cors NAME [report-only];`, resolved to a table and a policy in it.
    Policy {
        /// Index into [`MainConf::files`].
        table: u32,
        /// The policy in that table.
        id: PolicyId,
        /// `report-only`: decide and report (`$cors_report`), change nothing.
        report_only: bool,
    },
}

/// http / server / location conf.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocConf {
    /// The effective setting after merging.
    pub setting: Setting,
    /// Whether this block wrote `cors` itself (a policy or `off`) rather than
    /// inheriting it: after an internal redirect (`error_page`, `try_files`), only such
    /// a location decides anew; any other keeps the decision made before the redirect.
    pub own: bool,
}

impl Merge for LocConf {
    fn merge(&mut self, prev: &LocConf) -> Result<(), MergeConfigError> {
        // A child's `cors` (a policy or `off`) replaces the parent's, like every nginx
        // directive; an unset child inherits.
        self.own = self.setting != Setting::Unset;
        if self.setting == Setting::Unset {
            self.setting = prev.setting;
        }
        Ok(())
    }
}

/// `cors_policy_file PATH | GLOB;`: a relative path resolves against the configuration
/// prefix and a glob loads every match in name order, both as for `include`.
pub unsafe extern "C" fn cmd_policy_file(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    _conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx calls directive handlers with its live `cf`.
    let Some(cf) = (unsafe { Cf::new(cf) }) else { return NGX_CONF_ERROR };
    let args = cf.args();
    let Some(raw) = args.get(1) else { return NGX_CONF_ERROR };
    let Some(main) = Module::main_conf_mut(&cf) else { return NGX_CONF_ERROR };
    let Some(full) = cf.full_name(raw) else { return NGX_CONF_ERROR };
    let paths = if policy::is_glob(&full) { cf.glob(&full) } else { Some(vec![full.clone()]) };
    let Some(paths) = paths else {
        let pattern = String::from_utf8_lossy(&full);
        cf.log(false, &format!("cors_policy_file \"{pattern}\": glob() failed"));
        return NGX_CONF_ERROR;
    };
    if paths.is_empty() {
        main.unmatched.push(String::from_utf8_lossy(&full).into_owned());
    }
    for path in paths {
        if !load_file(&cf, main, String::from_utf8_lossy(&path).into_owned()) {
            return NGX_CONF_ERROR;
        }
    }
    NGX_CONF_OK
}

/// `cors_policy_max_size SIZE;`: the largest policy source file (each `include` on its
/// own) the `cors_policy_file` lines after it read, in nginx's size syntax (`64m`);
/// 16m when not written. A `.corsb` is not bound by it.
pub unsafe extern "C" fn cmd_policy_max_size(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    _conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx calls directive handlers with its live `cf`.
    let Some(cf) = (unsafe { Cf::new(cf) }) else { return NGX_CONF_ERROR };
    let args = cf.args();
    let Some(raw) = args.get(1) else { return NGX_CONF_ERROR };
    let Some(main) = Module::main_conf_mut(&cf) else { return NGX_CONF_ERROR };
    if main.source_limit.is_some() {
        return conf_error(c"is duplicate");
    }
    if !main.files.is_empty() || !main.unmatched.is_empty() {
        cf.log(false, "must come before the cors_policy_file lines it applies to");
        return NGX_CONF_ERROR;
    }
    match SourceLimit::parse(&String::from_utf8_lossy(raw)) {
        Ok(limit) => {
            main.source_limit = Some(limit);
            NGX_CONF_OK
        }
        Err(why) => {
            cf.log(false, &why);
            NGX_CONF_ERROR
        }
    }
}

/// Loads one policy file into `main`, logging what `policy::load` says; whether it loaded.
fn load_file(cf: &Cf, main: &mut MainConf, path: String) -> bool {
    let limit = main.source_limit.unwrap_or_default();
    // A bug in the policy compiler must not take the master down with a reload.
    let (table, messages) = std::panic::catch_unwind(|| policy::load(&path, &main.files, limit))
        .unwrap_or_else(|_| (None, vec![Message::internal_error()]));
    for m in &messages {
        cf.log(m.warn, &format!("cors_policy_file \"{path}\": {}", m.text));
    }
    let Some(table) = table else { return false };
    main.files.push(PolicyFile { path, table });
    true
}

/// `cors NAME [report-only] | off;`
pub unsafe extern "C" fn cmd_cors(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    _conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx calls directive handlers with its live `cf`.
    let Some(cf) = (unsafe { Cf::new(cf) }) else { return NGX_CONF_ERROR };
    let Some(lc) = Module::location_conf_mut(&cf) else { return NGX_CONF_ERROR };
    if lc.setting != Setting::Unset {
        return conf_error(c"is duplicate");
    }
    let args = cf.args();
    let Some(name) = args.get(1) else { return NGX_CONF_ERROR };
    let report_only = match args.get(2).copied() {
        None => false,
        Some(b"report-only") if *name != b"off" => true,
        Some(other) => {
            let other = String::from_utf8_lossy(other);
            cf.log(false, &format!("invalid parameter \"{other}\" (expected \"report-only\")"));
            return NGX_CONF_ERROR;
        }
    };
    if *name == b"off" {
        lc.setting = Setting::Off;
        return NGX_CONF_OK;
    }
    let Some(main) = Module::main_conf(&cf) else { return NGX_CONF_ERROR };
    match policy::resolve(&main.files, &main.unmatched, name) {
        Ok((table, id)) => {
            lc.setting = Setting::Policy { table, id, report_only };
            NGX_CONF_OK
        }
        Err(msg) => {
            cf.log(false, &msg);
            NGX_CONF_ERROR
        }
    }
}
