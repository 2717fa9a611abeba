//! Makes a copy of a configuration runnable on loopback, the same way for the
//! original and the converted one, so that the only difference left between the two
//! is the recipe and its replacement:
//!
//! - each `server` listens on a port of its own on 127.0.0.1 (its `listen`s replaced:
//!   no TLS, no other addresses), so requests reach it whatever its `server_name`;
//! - every `proxy_pass`/`fastcgi_pass`/`uwsgi_pass`/`scgi_pass` goes to the stub
//!   upstream, and a location without one gets one (static files would answer 404 and
//!   `OPTIONS` 405, which says nothing about CORS); `return`s stay and answer first;
//!   a server without locations gets `location /` (a server-level `if`'s headers never
//!   reach a request anyway: nginx replaces its configuration once a location is
//!   found, or not found);
//! - `upstream` blocks go (their hosts may not resolve here), and so do `pid`,
//!   `user`, `daemon`, `master_process`, `worker_processes` and every `error_log` and
//!   `access_log`: the run puts its own in the main file, logs under its prefix;
//! - a file without `http` (a `conf.d` snippet of servers) is included from an `http`
//!   block of a generated main file; a missing `events` block is added.

use super::super::conf::{self, Conf, Directive};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `nginx -g`: one process in the foreground, whatever the files say (a file that
/// says otherwise fails `nginx -t` with "is duplicate", never daemonizes).
pub const GLOBALS: &str = "daemon off; master_process off;";

/// Content handlers sent to the stub instead.
const PASSES: [&str; 4] = ["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass"];
/// Main-context directives the run sets itself.
const RUN_OWNS: [&str; 6] =
    ["pid", "user", "daemon", "master_process", "worker_processes", "error_log"];

/// A configuration ready to start.
#[derive(Debug)]
pub struct Runnable {
    /// The file to pass to `nginx -c`.
    pub main: PathBuf,
    /// The port of each `server`, in [`servers`] order.
    pub ports: Vec<u16>,
}

/// Every `server` block of the `http` context (or of a file of bare servers), in order.
pub fn servers(root: &[Directive]) -> Vec<&Directive> {
    let http: Vec<&Directive> = root.iter().filter(|d| d.name == "http").collect();
    let bodies: Vec<&[Directive]> = if http.is_empty() {
        vec![root]
    } else {
        http.iter().map(|h| h.block.as_deref().unwrap_or(&[])).collect()
    };
    bodies
        .into_iter()
        .flat_map(|b| b.iter().filter(|d| d.name == "server" && d.block.is_some()))
        .collect()
}

/// Rewrites the configuration whose main file is `dir/main` (already written there,
/// with its includes) in place, loading `module` when given; `port` hands out loopback
/// ports.
pub fn prepare(
    dir: &Path,
    main: &Path,
    module: Option<&Path>,
    stub_port: u16,
    port: &mut dyn FnMut() -> std::io::Result<u16>,
) -> Result<Runnable, String> {
    let first = conf::read(&dir.join(main)).map_err(|e| format!("{}: {e}", main.display()))?;
    let bare = !first.root.iter().any(|d| d.name == "http");
    let main = if bare {
        let wrapper = dir.join("corsc-verify-main.conf");
        let text = format!("http {{\n    include {};\n}}\n", dir.join(main).display());
        std::fs::write(&wrapper, text).map_err(|e| e.to_string())?;
        wrapper
    } else {
        dir.join(main)
    };
    let conf = conf::read(&main).map_err(|e| format!("{}: {e}", main.display()))?;
    if let Some(e) = conf.errors.first() {
        return Err(format!("{}: {}", conf.at(e.loc), e.message));
    }
    let mut edits = Edits::default();
    let stub = format!("proxy_pass http://127.0.0.1:{stub_port};");
    let mut header = module.map(|m| format!("load_module {};\n", m.display())).unwrap_or_default();
    // `daemon off` and `master_process off` come from the command line ([`GLOBALS`]),
    // which nothing in a file can override.
    header += &format!(
        "worker_processes 1;\npid {0}/nginx.pid;\nerror_log {0}/error.log info;\n",
        dir.display()
    );
    if !conf.root.iter().any(|d| d.name == "events") {
        header.push_str("events {}\n");
    }
    edits.insert(&conf, 0, 0, &header);
    for d in conf.root.iter().filter(|d| {
        RUN_OWNS.contains(&d.name.as_str())
            || (d.name == "load_module" && d.arg(0).contains("ngx_http_cors_module"))
    }) {
        edits.remove(d);
    }
    for http in conf.root.iter().filter(|d| d.name == "http") {
        let body = http.block.as_deref().unwrap_or(&[]);
        let mut add = String::from("access_log off;\n");
        for t in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            let name = format!("{t}_temp_path");
            if !body.iter().any(|d| d.name == name) {
                add.push_str(&format!("{name} {}/tmp/{t};\n", dir.display()));
            }
        }
        edits.after_open(&conf, http, &add);
        for d in body.iter().filter(|d| d.name == "upstream") {
            edits.remove(d);
        }
    }
    let mut ports = Vec::new();
    for server in servers(&conf.root) {
        let p = port().map_err(|e| e.to_string())?;
        ports.push(p);
        let body = server.block.as_deref().unwrap_or(&[]);
        let mut add = format!("listen 127.0.0.1:{p};\n");
        if !body.iter().any(|d| d.name == "location") {
            add.push_str(&format!("location / {{ {stub} }}\n"));
        }
        edits.after_open(&conf, server, &add);
        for d in body.iter().filter(|d| d.name == "listen") {
            edits.remove(d);
        }
        handlers(&conf, body, &stub, &mut edits);
    }
    everywhere(&conf.root, &mut |d| {
        if matches!(d.name.as_str(), "access_log" | "error_log") {
            edits.remove(d);
        }
    });
    std::fs::create_dir_all(dir.join("tmp")).map_err(|e| e.to_string())?;
    edits.apply(&conf, dir)?;
    Ok(Runnable { main, ports })
}

/// Points every content handler under `body` at the stub; gives each location without
/// one its own.
fn handlers(conf: &Conf, body: &[Directive], stub: &str, edits: &mut Edits) {
    for d in body {
        if PASSES.contains(&d.name.as_str()) {
            edits.replace(d, stub);
        }
        let inner = d.block.as_deref().unwrap_or(&[]);
        if d.name == "location" {
            if !inner.iter().any(|c| PASSES.contains(&c.name.as_str())) {
                edits.after_open(conf, d, &format!("{stub}\n"));
            }
            handlers(conf, inner, stub, edits);
        } else if d.name == "if" {
            handlers(conf, inner, stub, edits);
        }
    }
}

fn everywhere(body: &[Directive], f: &mut dyn FnMut(&Directive)) {
    for d in body {
        f(d);
        everywhere(d.block.as_deref().unwrap_or(&[]), f);
    }
}

/// Byte-range edits: `(file, start, end) → text`, each at most once (a snippet
/// included twice is edited once).
#[derive(Default)]
struct Edits(BTreeSet<(usize, usize, usize, String)>);

impl Edits {
    fn insert(&mut self, _conf: &Conf, file: usize, at: usize, text: &str) {
        self.0.insert((file, at, at, text.to_string()));
    }

    fn remove(&mut self, d: &Directive) {
        self.0.insert((d.loc.file, d.loc.start, d.loc.end, String::new()));
    }

    fn replace(&mut self, d: &Directive, text: &str) {
        self.0.insert((d.loc.file, d.loc.start, d.loc.end, text.to_string()));
    }

    /// Just after `d`'s `{`.
    fn after_open(&mut self, conf: &Conf, d: &Directive, text: &str) {
        let Some(f) = conf.files.get(d.loc.file) else { return };
        let at = f
            .text
            .get(d.loc.start..d.loc.end)
            .and_then(|s| s.find('{'))
            .map(|i| d.loc.start + i + 1);
        if let Some(at) = at {
            self.0.insert((d.loc.file, at, at, format!("\n{text}")));
        }
    }

    /// Writes every edited file; a file outside `dir` cannot be edited (it is not a
    /// copy).
    fn apply(&self, conf: &Conf, dir: &Path) -> Result<(), String> {
        let files: BTreeSet<usize> = self.0.iter().map(|e| e.0).collect();
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let dir = canon(dir);
        for f in files {
            let file = &conf.files[f];
            if !canon(&file.path).starts_with(&dir) {
                return Err(format!(
                    "{} is outside the configuration's directory: --verify copies the configuration and cannot run it with this file changed",
                    file.path.display()
                ));
            }
            let mut text = file.text.clone();
            let mine: Vec<&(usize, usize, usize, String)> =
                self.0.iter().filter(|e| e.0 == f).collect();
            // An edit inside a range another edit replaces is moot; an insertion at
            // either end of it is not (the run's header goes before a `user` on the
            // first line).
            let inside = |e: &(usize, usize, usize, String)| {
                let at_edge =
                    |o: &(usize, usize, usize, String)| e.1 == e.2 && (e.1 == o.1 || e.1 == o.2);
                mine.iter().any(|o| {
                    o.1 < o.2 && (o.1, o.2) != (e.1, e.2) && o.1 <= e.1 && e.2 <= o.2 && !at_edge(o)
                })
            };
            // Last first, so earlier offsets stay valid.
            for (_, start, end, new) in mine.iter().copied().filter(|e| !inside(e)).rev() {
                if *end <= text.len() {
                    text.replace_range(*start..*end, new);
                }
            }
            std::fs::write(&file.path, text)
                .map_err(|e| format!("{}: {e}", file.path.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("corsc-runnable-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("conf.d")).expect("scratch dir");
        dir
    }

    #[test]
    fn a_packaged_configuration_runs_on_loopback_behind_the_stub() {
        let dir = scratch("packaged");
        let main = "user www-data;\npid /run/nginx.pid;\nevents {}\nhttp {\n    upstream app { server backend.invalid:80; }\n    access_log /var/log/nginx/access.log;\n    include conf.d/*.conf;\n}\n";
        let site = "server {\n    listen 443 ssl;\n    listen [::]:443 ssl;\n    location /api/ { proxy_pass http://app; }\n    location /static/ { root /srv; }\n}\n";
        std::fs::write(dir.join("nginx.conf"), main).expect("write");
        std::fs::write(dir.join("conf.d/site.conf"), site).expect("write");
        let mut next = 40_000u16;
        let mut port = || {
            next += 1;
            Ok(next)
        };
        let r = prepare(&dir, Path::new("nginx.conf"), Some(Path::new("/m.so")), 39_999, &mut port)
            .expect("prepared");
        assert_eq!(r.ports, [40_001]);
        let main = std::fs::read_to_string(dir.join("nginx.conf")).expect("read");
        let site = std::fs::read_to_string(dir.join("conf.d/site.conf")).expect("read");
        assert!(main.starts_with("load_module /m.so;\n"), "{main}");
        for gone in ["user www-data", "/run/nginx.pid", "upstream app", "/var/log/nginx"] {
            assert!(!main.contains(gone), "`{gone}` left in\n{main}");
        }
        assert!(main.contains("access_log off;"), "{main}");
        assert!(!site.contains("443"), "{site}");
        assert_eq!(site.matches("listen 127.0.0.1:40001;").count(), 1, "{site}");
        // Both locations go to the stub: the proxied one replaced, the static one added.
        assert_eq!(site.matches("proxy_pass http://127.0.0.1:39999;").count(), 2, "{site}");
        assert!(!site.contains("http://app"), "{site}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_of_bare_servers_is_included_from_an_http_block() {
        let dir = scratch("bare");
        std::fs::write(dir.join("site.conf"), "server { location / { return 204; } }\n")
            .expect("write");
        let mut port = || Ok(40_100);
        let r = prepare(&dir, Path::new("site.conf"), None, 39_998, &mut port).expect("prepared");
        assert_eq!(r.main, dir.join("corsc-verify-main.conf"));
        let main = std::fs::read_to_string(&r.main).expect("read");
        assert!(main.contains("events {}") && main.contains("include "), "{main}");
        let site = std::fs::read_to_string(dir.join("site.conf")).expect("read");
        // A server without `listen` gets one; the `return` stays and answers first.
        assert!(site.contains("listen 127.0.0.1:40100;") && site.contains("return 204;"), "{site}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
