//! One nginx under test: a [`Setup`] written into a [`Prefix`] (`nginx.conf` loading
//! the module, policy files, content), `nginx -t` on it, or a running [`Nginx`] that is
//! stopped on drop.
//!
//! nginx runs with `-p <prefix> -c <conf> -e <log>`, `daemon off`, temp paths under the
//! prefix, and listens on free 127.0.0.1 ports only.

use crate::http::{Conn, Req, Response};
use crate::tmp::{free_port, TempDir};
use crate::Env;
use std::io::Read;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A test setup: files to write under the prefix and the `http {}` block's body.
///
/// In `http` and in file contents, `{PORT}` and `{PORT2}` are replaced by two free
/// ports (the server under test and, say, an upstream) and `{PREFIX}` by the prefix.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// `(relative path, contents)` written before nginx starts.
    pub files: Vec<(String, String)>,
    /// The body of the `http {}` block.
    pub http: String,
    /// Run with a master process (for reload tests, and so that a crashed worker is
    /// logged and replaced instead of taking the test's only process with it).
    pub master: bool,
    /// Where `nginx.conf` goes, relative to the prefix; empty means `nginx.conf`.
    pub conf_path: String,
}

impl Setup {
    /// A setup with the given `http {}` body.
    pub fn new(http: &str) -> Setup {
        Setup { http: http.to_string(), ..Setup::default() }
    }

    /// Adds a file under the prefix.
    pub fn file(mut self, path: &str, contents: &str) -> Setup {
        self.files.push((path.to_string(), contents.to_string()));
        self
    }

    /// Runs nginx with a master process.
    pub fn master(mut self) -> Setup {
        self.master = true;
        self
    }

    /// Puts `nginx.conf` at `path` (relative to the prefix), so that nginx's
    /// configuration prefix differs from its prefix.
    pub fn conf_at(mut self, path: &str) -> Setup {
        self.conf_path = path.to_string();
        self
    }
}

/// A prepared prefix: configuration written, nginx not necessarily running.
#[derive(Debug)]
pub struct Prefix {
    /// The temporary prefix directory.
    pub dir: TempDir,
    /// The port of the server under test.
    pub port: u16,
    /// A second free port (upstreams).
    pub port2: u16,
    /// `nginx.conf`'s path relative to the prefix.
    conf_path: String,
    env: Env,
}

impl Prefix {
    /// Writes `setup` into a fresh prefix.
    pub fn new(env: &Env, setup: &Setup) -> Prefix {
        let conf_path = match setup.conf_path.as_str() {
            "" => "nginx.conf".to_string(),
            path => path.to_string(),
        };
        let p = Prefix {
            dir: TempDir::new(),
            port: free_port(),
            port2: free_port(),
            conf_path,
            env: env.clone(),
        };
        for (path, contents) in &setup.files {
            p.write(path, contents);
        }
        p.write_conf(setup);
        p
    }

    /// Replaces `{PORT}`, `{PORT2}` and `{PREFIX}`.
    pub fn subst(&self, s: &str) -> String {
        s.replace("{PORT2}", &self.port2.to_string())
            .replace("{PORT}", &self.port.to_string())
            .replace("{PREFIX}", &self.dir.path().display().to_string())
    }

    /// Writes a file under the prefix (with substitutions).
    pub fn write(&self, path: &str, contents: &str) {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&full, self.subst(contents)).expect("write file");
    }

    /// Writes `nginx.conf` for `setup`.
    pub fn write_conf(&self, setup: &Setup) {
        let master = if setup.master { "on" } else { "off" };
        let conf = format!(
            "load_module {module};\n\
             daemon off;\nmaster_process {master};\nworker_processes 1;\n\
             pid logs/nginx.pid;\nerror_log logs/error.log info;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
             access_log off;\n\
             client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;\n\
             fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\n\
             {http}\n}}\n",
            module = self.env.module.display(),
            http = setup.http,
        );
        std::fs::create_dir_all(self.dir.path().join("tmp")).expect("create tmp");
        self.write(&self.conf_path, &conf);
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.env.nginx);
        c.arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(&self.conf_path)
            .arg("-e")
            .arg("logs/error.log");
        c
    }

    /// Runs `nginx -t` and returns (success, stderr with the prefix replaced by `PREFIX`).
    pub fn check(&self) -> (bool, String) {
        let out = self.command().arg("-t").output().expect("run nginx -t");
        let text = String::from_utf8_lossy(&out.stderr)
            .replace(&self.dir.path().display().to_string(), "[PREFIX]");
        (out.status.success(), text)
    }

    /// The error log so far. Lossy: nginx logs request bytes as received, and a log
    /// that failed UTF-8 decoding must not read as an empty one.
    pub fn error_log(&self) -> String {
        std::fs::read(self.dir.path().join("logs/error.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Starts nginx and waits until it accepts connections.
    pub fn start(self) -> Nginx {
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nginx");
        let mut n = Nginx { prefix: self, child: Some(child) };
        n.wait_ready();
        n
    }
}

/// A running nginx, killed on drop.
#[derive(Debug)]
pub struct Nginx {
    /// Its prefix, configuration and ports.
    pub prefix: Prefix,
    child: Option<Child>,
}

impl Nginx {
    /// Writes `setup` into a fresh prefix and starts nginx there.
    pub fn start(env: &Env, setup: &Setup) -> Nginx {
        Prefix::new(env, setup).start()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut err);
                    }
                    panic!(
                        "nginx exited with {status} before serving:\n{err}\n{}",
                        self.prefix.error_log()
                    );
                }
            }
            if TcpStream::connect(("127.0.0.1", self.prefix.port)).is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "nginx did not start:\n{}", self.prefix.error_log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The port of the server under test.
    pub fn port(&self) -> u16 {
        self.prefix.port
    }

    /// Opens a connection to the server under test.
    pub fn connect(&self) -> Conn {
        Conn::open(self.port())
    }

    /// Sends one request on a fresh connection.
    pub fn send(&self, req: &Req) -> Response {
        self.connect().send(req)
    }

    /// The master's (or single process's) pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Sends SIGHUP (reload) to the master.
    pub fn reload(&self) {
        let ok = Command::new("kill")
            .args(["-HUP", &self.pid().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -HUP failed");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM would let a master wait for its workers; SIGKILL on the master
            // leaves orphaned workers, so ask nicely first and then insist.
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `f` every 50 ms for up to 10 s; whether it came true. For what nginx does
/// asynchronously: log lines written after the response, reloads, old workers leaving.
pub fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Fails when a worker died: a panic aborts the worker, and the master logs it.
pub fn assert_no_crash(nginx: &Nginx) {
    let log = nginx.prefix.error_log();
    for bad in ["exited on signal", "panicked", "core dumped"] {
        assert!(!log.contains(bad), "{bad:?} in error.log:\n{log}");
    }
}

/// `(path, contents)` of the files a case writes under the prefix.
pub type Files<'a> = &'a [(&'a str, &'a str)];

/// `nginx -t` on an `http {}` body and files: (success, output with the temporary
/// prefix redacted to `[PREFIX]`). `None` when nginx is unavailable (see [`crate::env`]).
pub fn nginx_t(http: &str, files: Files) -> Option<(bool, String)> {
    let env = crate::env()?;
    let mut setup = Setup::new(http);
    for (p, c) in files {
        setup = setup.file(p, c);
    }
    let prefix = Prefix::new(&env, &setup);
    Some(prefix.check())
}

/// Keeps only our lines and the verdict of `nginx -t` output: nginx versions differ in
/// the rest.
pub fn our_lines(out: &str) -> String {
    out.lines()
        .filter(|l| l.contains("[emerg]") || l.contains("[warn]") || l.contains("test failed"))
        .collect::<Vec<_>>()
        .join("\n")
}
