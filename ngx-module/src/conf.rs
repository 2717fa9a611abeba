//! The directives `cors_policy_file` and `cors`, and the configuration they build.
//!
//! Tables are loaded while nginx parses its configuration and stored in the http main
//! conf, which nginx allocates from the cycle pool: they are dropped with the cycle (the
//! default `create_main_conf` registers a pool cleanup), so a reload loads fresh ones and
//! a failed reload leaves the running cycle, and its tables, untouched. Nothing is kept
//! in statics, which would survive reloads in the master.
//!
//! `cors NAME` is resolved when it is parsed, so an unknown name is reported with the
//! nginx.conf line; this is why `cors_policy_file` must come before the `cors` lines
//! that use its policies.

use core::ffi::{c_char, c_void};
use std::path::Path;

use cors_dsl::{Diagnostic, OpenError, Opened, PolicyId, RuleTable, Severity};
use ngx::core::NGX_CONF_ERROR;
use ngx::ffi::{ngx_command_t, ngx_conf_t};
use ngx::http::{Merge, MergeConfigError};

use crate::ext;

/// One loaded policy file.
pub struct LoadedTable {
    /// The resolved path, for messages.
    pub path: String,
    /// The compiled policies.
    pub table: RuleTable,
}

/// http main conf: every table loaded by `cors_policy_file`, in order.
#[derive(Default)]
pub struct MainConf {
    /// The tables; `Setting::Policy::table` indexes into this.
    pub tables: Vec<LoadedTable>,
}

impl MainConf {
    /// The table and policy of a resolved setting.
    pub fn policy(&self, table: u32, id: PolicyId) -> Option<(&RuleTable, &str)> {
        let t = &self.tables.get(table as usize)?.table;
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
    /// `cors NAME;`, resolved to a table and a policy in it.
    Policy {
        /// Index into [`MainConf::tables`].
        table: u32,
        /// The policy in that table.
        id: PolicyId,
    },
}

/// http / server / location conf.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocConf {
    /// The effective setting after merging.
    pub setting: Setting,
}

impl Merge for LocConf {
    fn merge(&mut self, prev: &LocConf) -> Result<(), MergeConfigError> {
        // A child's `cors` (a policy or `off`) replaces the parent's, like every nginx
        // directive; an unset child inherits.
        if self.setting == Setting::Unset {
            self.setting = prev.setting;
        }
        Ok(())
    }
}

/// `cors_policy_file PATH;`
pub unsafe extern "C" fn cmd_policy_file(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    _conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: called by nginx as a directive handler with its live `cf`.
    let args = unsafe { ext::conf_args(cf) };
    let Some(raw) = args.get(1) else { return NGX_CONF_ERROR };
    let Some(main) = ext::main_conf_from_cf(cf) else { return NGX_CONF_ERROR };
    let Some(full) = ext::full_name(cf, raw) else { return NGX_CONF_ERROR };
    let path = String::from_utf8_lossy(&full).into_owned();
    // A bug in the policy compiler must not take the master down with a reload.
    let (loaded, messages) = std::panic::catch_unwind(|| load(Path::new(&path)))
        .unwrap_or_else(|_| (None, vec![Message { warn: false, text: "internal error".into() }]));
    for m in &messages {
        ext::conf_log(cf, m.warn, &format!("cors_policy_file \"{path}\": {}", m.text));
    }
    let Some(table) = loaded else { return NGX_CONF_ERROR };
    if let Some(msg) = duplicate_policy(&main.tables, &table, &path) {
        ext::conf_log(cf, false, &msg);
        return NGX_CONF_ERROR;
    }
    main.tables.push(LoadedTable { path, table });
    core::ptr::null_mut()
}

/// `cors NAME | off;`
pub unsafe extern "C" fn cmd_cors(
    cf: *mut ngx_conf_t,
    _cmd: *mut ngx_command_t,
    conf: *mut c_void,
) -> *mut c_char {
    // SAFETY: nginx passes this module's loc conf for the current level as `conf`.
    let Some(lc) = (unsafe { conf.cast::<LocConf>().as_mut() }) else { return NGX_CONF_ERROR };
    if lc.setting != Setting::Unset {
        return c"is duplicate".as_ptr().cast_mut();
    }
    // SAFETY: called by nginx as a directive handler with its live `cf`.
    let args = unsafe { ext::conf_args(cf) };
    let Some(name) = args.get(1) else { return NGX_CONF_ERROR };
    if *name == b"off" {
        lc.setting = Setting::Off;
        return core::ptr::null_mut();
    }
    let tables = ext::main_conf_from_cf(cf).map_or(&[][..], |m| &m.tables[..]);
    match resolve(tables, name) {
        Ok(setting) => {
            lc.setting = setting;
            core::ptr::null_mut()
        }
        Err(msg) => {
            ext::conf_log(cf, false, &msg);
            NGX_CONF_ERROR
        }
    }
}

/// Finds the policy `name` in the loaded tables.
fn resolve(tables: &[LoadedTable], name: &[u8]) -> Result<Setting, String> {
    let text = String::from_utf8_lossy(name);
    for (i, t) in tables.iter().enumerate() {
        if let Some(id) = t.table.policy_id(&text) {
            let table = u32::try_from(i).map_err(|_| "too many policy files".to_string())?;
            return Ok(Setting::Policy { table, id });
        }
    }
    if tables.is_empty() {
        return Err(format!(
            "unknown cors policy \"{text}\" (no cors_policy_file before this line; \
             it must come first in the http block)"
        ));
    }
    Err(format!("unknown cors policy \"{text}\""))
}

/// A policy name of `new` already defined by an earlier file.
fn duplicate_policy(tables: &[LoadedTable], new: &RuleTable, path: &str) -> Option<String> {
    new.policy_names().find_map(|name| {
        let earlier = tables.iter().find(|t| t.table.policy_id(name).is_some())?;
        Some(format!(
            "cors_policy_file \"{path}\": policy \"{name}\" is already defined in \"{}\"",
            earlier.path
        ))
    })
}

/// One line to log at configuration time.
struct Message {
    warn: bool,
    text: String,
}

/// Loads a compiled `.corsb` table or a policy source; returns the table (if usable)
/// and what to log.
fn load(path: &Path) -> (Option<RuleTable>, Vec<Message>) {
    let built = match cors_dsl::open(path) {
        Ok(Opened::Table(t)) => return (Some(t), Vec::new()),
        Ok(Opened::Source(built)) => built,
        Err(e) => {
            let text = match e {
                OpenError::Io(e) => format!("cannot read: {e}"),
                e => e.to_string(),
            };
            return (None, vec![Message { warn: false, text }]);
        }
    };
    match built {
        Ok((table, loaded)) => {
            // The table compiled: every remaining finding is a lint finding. Warnings and
            // errors show as `[warn]` (so `nginx -t` never fails on lint); infos are advice
            // for `corsc lint` and would only be noise in nginx's log.
            let msgs = loaded
                .diagnostics
                .iter()
                .filter(|d| d.severity != Severity::Info)
                .map(|d| Message { warn: true, text: render(d, &loaded.sources) })
                .collect();
            (Some(table), msgs)
        }
        Err(loaded) => {
            let mut msgs: Vec<Message> = loaded
                .diagnostics
                .iter()
                .map(|d| Message { warn: !d.is_error(), text: render(d, &loaded.sources) })
                .collect();
            if !msgs.iter().any(|m| !m.warn) {
                msgs.push(Message { warn: false, text: "policy could not be loaded".into() });
            }
            (None, msgs)
        }
    }
}

/// A diagnostic in nginx's wording: `file:line:col: CODE message (hint: …)`, values in
/// double quotes as nginx prints them.
fn render(d: &Diagnostic, sources: &cors_dsl::SourceMap) -> String {
    let mut s = format!("{}: {} {}", sources.location(d.span), d.code, d.message);
    if let Some(help) = &d.help {
        s.push_str(&format!(" (hint: {help})"));
    }
    s.replace('`', "\"")
}
