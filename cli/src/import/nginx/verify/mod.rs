//! `--verify`: the import proves itself against real nginx.
//!
//! The original configuration and the converted one (the `--diff` edit applied, the
//! written policy beside it, the module loaded) are copied into a temporary directory,
//! made runnable on loopback the same way ([`runnable`]), checked with `nginx -t` and
//! started, behind one stub upstream ([`http::Stub`]). Every location with a policy is
//! sent [`super::plan`]'s requests, the same to both, and each pair of answers is
//! judged by the browser model ([`super::judge`], shared with `--compare`): every
//! request where a browser concludes differently is a note, the recipe's own bugs
//! marked as such.

mod http;
pub mod runnable;

use super::conf::{Conf, Directive, Loc};
use super::judge::{self, Seen, Tally};
use super::plan::{Case, Kind};
use super::recipe::{at, Analysis, Site};
use crate::import::draft::{At, Level, Mode, Note};
use http::{Stub, STATUS_HEADER};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which nginx and module to verify with.
#[derive(Debug, Clone)]
pub struct Options {
    /// The nginx binary.
    pub nginx: PathBuf,
    /// `ngx_http_cors_module.so` built for it.
    pub module: PathBuf,
    /// Keep the temporary directory (to look at what ran).
    pub keep: bool,
}

/// What a verification found: notes for the report and one summary line.
#[derive(Debug, Default)]
pub struct Verified {
    /// Differences, and anything that kept the check from running.
    pub notes: Vec<Note>,
    /// `PATH: --verify with nginx/1.28.3: …`.
    pub summary: String,
}

/// Verifies one imported configuration.
pub fn verify(
    conf: &Conf,
    analysis: &Analysis,
    policy: &str,
    mode: Mode,
    opts: &Options,
) -> Verified {
    let main = conf.files.first().map(|f| f.path.display().to_string()).unwrap_or_default();
    let mut out = Verified::default();
    let fail = |out: &mut Verified, why: String| {
        out.notes.push(
            Note::new(Level::Unknown, top(conf), format!("not verified: {why}"))
                .help("fix this and run `--verify` again, or check the configuration by hand"),
        );
        out.summary = format!("{main}: --verify did not run (see above)");
    };
    let version = match nginx_version(&opts.nginx) {
        Ok(v) => v,
        Err(e) => {
            fail(&mut out, format!("cannot run {}: {e}", opts.nginx.display()));
            return out;
        }
    };
    let work = match Scratch::new(opts.keep) {
        Ok(w) => w,
        Err(e) => {
            fail(&mut out, format!("temporary directory: {e}"));
            return out;
        }
    };
    match run(conf, analysis, policy, mode, opts, &work.0, &mut out.notes) {
        Ok(t) if t.requests == 0 => {
            out.summary = format!(
                "{main}: --verify with {version}: no location with a policy to send requests to"
            );
        }
        Ok(t) => {
            out.summary = format!(
                "{main}: --verify with {version}: {} requests sent to each configuration, {} where a browser concludes differently, {} of them the recipe's own bugs{}",
                t.requests,
                t.differences,
                t.recipe_bugs,
                if opts.keep { format!(" (kept in {})", work.0.display()) } else { String::new() }
            );
        }
        Err(why) => fail(&mut out, why),
    }
    out
}

fn run(
    conf: &Conf,
    analysis: &Analysis,
    policy: &str,
    mode: Mode,
    opts: &Options,
    work: &Path,
    notes: &mut Vec<Note>,
) -> Result<Tally, String> {
    let module = std::fs::canonicalize(&opts.module)
        .map_err(|e| format!("the module {}: {e}", opts.module.display()))?;
    let (original, converted) = (work.join("original"), work.join("converted"));
    let policy_path = converted.join("corsc-verify.cors");
    // `load_module` goes into the main file the run writes (a file of bare servers is
    // included from one).
    let changed = super::rewrite::rewrite(conf, analysis, &policy_path.display().to_string(), None);
    let (policy, suppressed) = runnable_policy(policy);
    if !suppressed.is_empty() {
        notes.push(Note::new(
            Level::Info,
            top(conf),
            format!(
                "--verify ran the policy with its lint errors suppressed ({}), so that nginx loads what the recipe does today",
                suppressed.join(", ")
            ),
        ));
    }
    let stub = Stub::start().map_err(|e| format!("stub upstream: {e}"))?;
    // Another process may take a port between the check and nginx's bind: start
    // again on fresh ports (a few times) rather than talk to someone else's server.
    let mut attempt = 0;
    let (a, b) = loop {
        attempt += 1;
        let started = (|| {
            for dir in [&original, &converted] {
                let _ = std::fs::remove_dir_all(dir);
            }
            let main_rel = copy(conf, &original, &[])?;
            copy(conf, &converted, &changed)?;
            std::fs::write(&policy_path, &policy).map_err(|e| e.to_string())?;
            let mut ports = http::free_port;
            let a = runnable::prepare(&original, &main_rel, None, stub.port, &mut ports)
                .map_err(|e| format!("the original configuration: {e}"))?;
            let b = runnable::prepare(&converted, &main_rel, Some(&module), stub.port, &mut ports)
                .map_err(|e| format!("the converted configuration: {e}"))?;
            let a = Running::start(&opts.nginx, &original, &a.main, a.ports, "original")?;
            let b = Running::start(&opts.nginx, &converted, &b.main, b.ports, "converted")?;
            Ok::<_, String>((a, b))
        })();
        match started {
            Err(e) if e.contains(PORT_TAKEN) && attempt < 4 => continue,
            other => break other?,
        }
    };
    let servers = runnable::servers(&conf.root);
    let mut total = Tally::default();
    for site in &analysis.sites {
        let Some(plan) = &site.plan else { continue };
        let here = at(conf, site.owner);
        let ports = servers
            .iter()
            .position(|s| holds(s, site.owner))
            .and_then(|i| Some((*a.ports.get(i)?, *b.ports.get(i)?)));
        let Some((pa, pb)) = ports else {
            notes.push(Note::new(
                Level::Info,
                here,
                format!(
                    "location {}: not verified (not inside a `server` of the `http` block)",
                    site.path
                ),
            ));
            continue;
        };
        let Some(path) = request_path(&site.path) else {
            notes.push(Note::new(
                Level::Info,
                here,
                format!(
                    "location {}: not verified (no request path can be derived from it)",
                    site.path
                ),
            ));
            continue;
        };
        let host = host_of(site);
        let mut cache: HashMap<(bool, String, Kind), (Seen, Seen)> = HashMap::new();
        let mut failure = None;
        let t = judge::run(&plan.cases(), mode, &here, "nginx", notes, |case| {
            // Preflights carry no credentials: one request serves both verdicts.
            let cookie = case.credentials && !matches!(case.kind, Kind::Preflight { .. });
            let key = (cookie, case.origin.clone(), case.kind.clone());
            if let Some(hit) = cache.get(&key) {
                return Some(hit.clone());
            }
            let pair =
                (request(pa, &path, &host, case, cookie), request(pb, &path, &host, case, cookie));
            match pair {
                (Ok(x), Ok(y)) => {
                    cache.insert(key, (x.clone(), y.clone()));
                    Some((x, y))
                }
                (Err(e), _) | (_, Err(e)) => {
                    failure = Some(format!("{}: {e}", case.describe()));
                    None
                }
            }
        });
        total.add(t);
        if let Some(f) = failure {
            notes.push(Note::new(
                Level::Unknown,
                at(conf, site.owner),
                format!("not verified: a request failed: {f}"),
            ));
        }
    }
    for r in [&a, &b] {
        for line in r.alerts() {
            notes.push(Note::new(
                Level::Unknown,
                At { place: format!("{} nginx", r.side), text: String::new() },
                format!("error log: {line}"),
            ));
        }
    }
    drop(stub);
    Ok(total)
}

/// The main file's first line, for notes about the whole run.
fn top(conf: &Conf) -> At {
    let main = conf.files.first().map(|f| f.path.display().to_string()).unwrap_or_default();
    At { place: format!("{main}:1"), text: String::new() }
}

/// The policy as `--verify` runs it: every lint error (a hole the faithful import
/// reproduces on purpose) suppressed with a reasoned comment, so that nginx loads it;
/// the codes suppressed. Language and compile errors stay (nginx -t reports them).
fn runnable_policy(policy: &str) -> (String, Vec<&'static str>) {
    let loaded = cors_dsl::load_str(Path::new("verify.cors"), policy);
    let Some(set) = loaded.set.as_ref() else { return (policy.to_string(), Vec::new()) };
    let mut found: Vec<(u32, &'static str)> = cors_dsl::lint::lint(set, &loaded.sources)
        .iter()
        .filter(|d| d.severity == cors_dsl::Severity::Error)
        .map(|d| (d.span.line, d.code.code))
        .collect();
    found.sort();
    found.dedup();
    let mut lines: Vec<String> = policy.lines().map(str::to_string).collect();
    for (line, code) in found.iter().rev() {
        let i = (*line as usize).saturating_sub(1).min(lines.len());
        let indent: String = lines
            .get(i)
            .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
            .unwrap_or_default();
        lines.insert(
            i,
            format!("{indent}# corsc: allow {code} -- corsc import --verify runs what the recipe does today"),
        );
    }
    let mut codes: Vec<&'static str> = found.iter().map(|f| f.1).collect();
    codes.sort_unstable();
    codes.dedup();
    (lines.join("\n") + "\n", codes)
}

fn request(port: u16, path: &str, host: &str, case: &Case, cookie: bool) -> std::io::Result<Seen> {
    let mut headers = vec![("Origin", case.origin.clone())];
    let method = match &case.kind {
        Kind::Preflight { method, headers: h } => {
            headers.push(("Access-Control-Request-Method", method.clone()));
            if !h.is_empty() {
                headers.push(("Access-Control-Request-Headers", h.join(",")));
            }
            "OPTIONS"
        }
        Kind::Read => "GET",
        Kind::ReadError => {
            headers.push((STATUS_HEADER, "500".into()));
            "GET"
        }
    };
    if cookie {
        headers.push(("Cookie", "corsc-verify=1".into()));
    }
    http::send(port, method, path, host, &headers)
}

/// Whether `server`'s block holds the directive at `loc` (or is it).
fn holds(server: &Directive, loc: Loc) -> bool {
    fn inside(body: &[Directive], loc: Loc) -> bool {
        body.iter().any(|d| d.loc == loc || inside(d.block.as_deref().unwrap_or(&[]), loc))
    }
    server.loc == loc || inside(server.block.as_deref().unwrap_or(&[]), loc)
}

/// A path a location matches: `/api/` for `/api/`, `= /x` and `^~ /x`; a regex
/// location's simplest match when it starts with `/`; none for named locations.
fn request_path(location: &str) -> Option<String> {
    let words: Vec<&str> = location.split_whitespace().collect();
    let path = match words.as_slice() {
        [] => "/".to_string(),
        [p] if p.starts_with('@') => return None,
        [p] => (*p).to_string(),
        ["=" | "^~", p] => (*p).to_string(),
        ["~" | "~*", re] => {
            let re = re.strip_prefix('^').unwrap_or(re);
            super::regex::samples(re, 1).into_iter().next()?
        }
        _ => return None,
    };
    (path.starts_with('/') && !path.contains(|c: char| c.is_control() || c == ' ')).then_some(path)
}

/// The `Host` to send: the first plain `server_name`.
fn host_of(site: &Site) -> String {
    site.server
        .split_whitespace()
        .find(|n| !n.starts_with('~') && !n.contains('*') && *n != "_")
        .unwrap_or("localhost")
        .to_string()
}

/// Copies the configuration's files under `dir`, keeping their places relative to the
/// main file's directory (so relative `include`s resolve the same); `changed` holds
/// new texts by file index. Returns the main file's path relative to `dir`. Files
/// outside that directory stay where they are (absolute `include`s read them there),
/// unless the conversion changed them.
fn copy(conf: &Conf, dir: &Path, changed: &[(usize, String)]) -> Result<PathBuf, String> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let main = conf.files.first().ok_or("no configuration file")?;
    let main_path = canon(&main.path);
    let base = main_path.parent().map(Path::to_path_buf).unwrap_or_default();
    for (i, f) in conf.files.iter().enumerate() {
        let text =
            changed.iter().find(|(j, _)| *j == i).map_or(f.text.as_str(), |(_, t)| t.as_str());
        let Ok(rel) = canon(&f.path).strip_prefix(&base).map(Path::to_path_buf) else {
            if changed.iter().any(|(j, _)| *j == i) {
                return Err(format!(
                    "{} is outside {}: --verify copies that directory and cannot run the converted configuration",
                    f.path.display(),
                    base.display()
                ));
            }
            continue;
        };
        let target = dir.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    main_path.strip_prefix(&base).map(Path::to_path_buf).map_err(|e| e.to_string())
}

/// `nginx/1.28.3`, from `nginx -v`.
fn nginx_version(nginx: &Path) -> Result<String, String> {
    let out = Command::new(nginx).arg("-v").output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stderr);
    Ok(text.trim().strip_prefix("nginx version: ").unwrap_or(text.trim()).to_string())
}

/// What an nginx that lost a port race logs.
const PORT_TAKEN: &str = "Address already in use";

/// A running nginx, stopped on drop.
struct Running {
    child: Child,
    dir: PathBuf,
    ports: Vec<u16>,
    side: &'static str,
}

impl Running {
    /// `nginx -t`, then nginx started and waited for until every port answers.
    fn start(
        nginx: &Path,
        dir: &Path,
        main: &Path,
        ports: Vec<u16>,
        side: &'static str,
    ) -> Result<Running, String> {
        let command = || {
            let mut c = Command::new(nginx);
            c.arg("-p").arg(dir).arg("-c").arg(main).arg("-e").arg(dir.join("error.log"));
            c.arg("-g").arg(runnable::GLOBALS);
            c
        };
        let t = command().arg("-t").output().map_err(|e| e.to_string())?;
        if !t.status.success() {
            let text =
                String::from_utf8_lossy(&t.stderr).replace(&dir.display().to_string(), "[PREFIX]");
            let first = text.lines().find(|l| l.contains("[emerg]")).unwrap_or(text.trim());
            return Err(format!("the {side} configuration does not pass `nginx -t`: {first}"));
        }
        let child = command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut r = Running { child, dir: dir.to_path_buf(), ports, side };
        let deadline = Instant::now() + Duration::from_secs(10);
        for &p in &r.ports {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                if let Ok(Some(status)) = r.child.try_wait() {
                    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                    let last =
                        log.lines().rev().find(|l| l.contains("[emerg]")).unwrap_or("").to_string();
                    return Err(format!(
                        "the {side} nginx exited ({status}) before serving: {last}"
                    ));
                }
                if Instant::now() > deadline {
                    return Err(format!("the {side} nginx did not listen on port {p} within 10 s"));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // A port that answers may be someone else's: nginx logs a failed bind at once
        // (and keeps retrying), so look; and the nginx that answers must be the one
        // started here, still in the foreground.
        std::thread::sleep(Duration::from_millis(50));
        if let Ok(Some(status)) = r.child.try_wait() {
            return Err(format!("the {side} nginx exited ({status}) while serving"));
        }
        let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
        if let Some(line) = log.lines().find(|l| l.contains("bind()")) {
            return Err(format!("the {side} nginx could not listen: {line}"));
        }
        // `r` is dropped (and nginx stopped) on every early return above.
        Ok(r)
    }

    /// `[alert]`, `[crit]` and `[emerg]` lines of the error log, and workers that died.
    fn alerts(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        log.lines()
            .filter(|l| {
                ["[alert]", "[crit]", "[emerg]"].iter().any(|w| l.contains(w))
                    || l.contains("exited on signal")
            })
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The temporary directory, removed on drop unless kept.
struct Scratch(PathBuf, bool);

impl Scratch {
    fn new(keep: bool) -> std::io::Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("corsc-verify-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir, keep))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
