//! A harness for testing `ngx_http_cors_module` inside a real nginx.
//!
//! Claims about nginx behaviour (filter order, error pages, upstream headers, reloads)
//! are only worth something when a real nginx makes them, so every test here starts
//! one: a temporary prefix, a generated `nginx.conf` that loads the module, a free
//! loopback port. Requests go over a raw [`TcpStream`] through a deliberately tiny
//! HTTP/1.x client, so tests can send repeated header lines, HTTP/1.0, `HEAD` and
//! several requests on one keep-alive connection, and see every response header line,
//! duplicates included.
//!
//! Which nginx and module: `CORS_TEST_NGINX` and `CORS_TEST_MODULE`, defaulting to the
//! vendored build that `scripts/build-module.sh` leaves in `target/nginx/`. When they
//! are missing, tests fail under `CI=true` and are skipped loudly otherwise.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The nginx binary and module under test.
#[derive(Debug, Clone)]
pub struct Env {
    /// The nginx executable.
    pub nginx: PathBuf,
    /// `ngx_http_cors_module.so` built for that nginx.
    pub module: PathBuf,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Finds nginx and the module; `None` (after a loud message) when they are missing and
/// this is not CI. Under `CI=true` a missing nginx is a failure, never a silent pass.
pub fn env() -> Option<Env> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    let nginx = std::env::var_os("CORS_TEST_NGINX")
        .map_or_else(|| target.join("nginx/nginx"), PathBuf::from);
    let module = std::env::var_os("CORS_TEST_MODULE")
        .map_or_else(|| target.join("nginx/ngx_http_cors_module.so"), PathBuf::from);
    if nginx.is_file() && module.is_file() {
        return Some(Env { nginx, module });
    }
    let msg = format!(
        "nginx or the module not found (nginx: {}, module: {}); run scripts/build-module.sh \
         or set CORS_TEST_NGINX and CORS_TEST_MODULE",
        nginx.display(),
        module.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    None
}

/// `let env = require_nginx!();` at the top of a test: skips (loudly) or fails (CI).
#[macro_export]
macro_rules! require_nginx {
    () => {
        match $crate::env() {
            Some(env) => env,
            None => return,
        }
    };
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates it.
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("cors-tests-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(dir.join("logs")).expect("create temp prefix");
        TempDir(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("CORS_TEST_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A loopback port that is free now and that no other caller in this process has had.
///
/// "Bind port 0, read it, release it" is not enough when tests run in parallel: the
/// kernel may hand the same port to the next caller, and a test whose nginx then fails
/// to bind talks to another test's server instead (CI saw exactly that). So ports come
/// from a process-wide counter, starting at a pid-derived offset so two test binaries
/// run at once start apart, and from below the kernel's ephemeral range (32768–60999 by
/// default) so no outgoing connection takes one between this check and nginx's bind.
pub fn free_port() -> u16 {
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(7919) % COUNT;
    for _ in 0..COUNT {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (start + n) % COUNT) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {FIRST}..{}", FIRST + COUNT);
}

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

/// A request to send.
#[derive(Debug, Clone)]
pub struct Req {
    /// `GET`, `OPTIONS`, …
    pub method: String,
    /// The request target.
    pub path: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: &'static str,
    /// Header lines in order (repeats allowed).
    pub headers: Vec<(String, String)>,
    /// Keep the connection open after this request (`false` adds `Connection: close`
    /// on HTTP/1.1).
    pub keep_alive: bool,
}

impl Req {
    /// A request with `Host: localhost`.
    pub fn new(method: &str, path: &str) -> Req {
        Req {
            method: method.to_string(),
            path: path.to_string(),
            version: "HTTP/1.1",
            headers: vec![("Host".into(), "localhost".into())],
            keep_alive: false,
        }
    }

    /// `GET path`.
    pub fn get(path: &str) -> Req {
        Req::new("GET", path)
    }

    /// A preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn preflight(path: &str, origin: &str, method: &str) -> Req {
        Req::new("OPTIONS", path).origin(origin).header("Access-Control-Request-Method", method)
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds `Origin`.
    pub fn origin(self, origin: &str) -> Req {
        self.header("Origin", origin)
    }

    /// Uses HTTP/1.0.
    pub fn http10(mut self) -> Req {
        self.version = "HTTP/1.0";
        self
    }

    /// Keeps the connection open.
    pub fn keep_alive(mut self) -> Req {
        self.keep_alive = true;
        self
    }

    /// The request as sent on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = format!("{} {} {}\r\n", self.method, self.path, self.version);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        if !self.keep_alive && self.version == "HTTP/1.1" {
            s.push_str("Connection: close\r\n");
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

/// A response as received: every header line, in order.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `(name, value)` for every header line, duplicates included.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of header `name`; fails the test when it appears more than once.
    pub fn get(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(all.len() <= 1, "header {name} sent {} times: {:?}", all.len(), self.headers);
        all.first().copied()
    }

    /// Every `Access-Control-*` header line.
    pub fn cors_headers(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .filter(|(k, _)| k.to_ascii_lowercase().starts_with("access-control-"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The `Vary` tokens from every `Vary` line, lower-cased.
    pub fn vary_tokens(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `bytes` as they are on a fresh connection to `127.0.0.1:port`, closes the
/// sending side, and returns whatever the server sent back before it closed the
/// connection or 5 s passed. For malformed requests the tiny client cannot express;
/// a reset or timeout simply ends the answer.
pub fn send_raw(port: u16, bytes: &[u8]) -> Vec<u8> {
    let mut answer = Vec::new();
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return answer };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // nginx may answer (and close) before reading everything, e.g. on a header that is
    // too large: a failed write is part of the behaviour under test, not an error.
    if stream.write_all(bytes).is_ok() {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let _ = stream.read_to_end(&mut answer);
    answer
}

/// The status codes of every HTTP/1.x status line in a raw answer, in order (several
/// for pipelined requests). Bodies are not parsed, so a body that itself contains a
/// status line would be miscounted; nginx's error pages do not.
pub fn statuses(raw: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(raw);
    // `lines` splits on `\n` too: a body ending in a bare newline ends right before
    // the next status line.
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("HTTP/1.")?;
            rest.get(2..5)?.parse().ok()
        })
        .collect()
}

/// One client connection (several requests when kept alive).
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    /// Connects to `127.0.0.1:port`.
    pub fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        Conn { reader: BufReader::new(stream) }
    }

    /// Sends `req` and reads its response.
    pub fn send(&mut self, req: &Req) -> Response {
        self.reader.get_mut().write_all(&req.to_bytes()).expect("write request");
        self.read_response(req.method == "HEAD")
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read line");
        line.trim_end_matches(['\r', '\n']).to_string()
    }

    fn read_response(&mut self, head: bool) -> Response {
        let status_line = self.line();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let line = self.line();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap_or_else(|| panic!("bad header line {line:?}"));
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        let mut resp = Response { status, headers, body: Vec::new() };
        if head || status == 204 || status == 304 || (100..200).contains(&status) {
            return resp;
        }
        if resp.all("transfer-encoding").iter().any(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let size = usize::from_str_radix(self.line().trim(), 16).expect("chunk size");
                if size == 0 {
                    self.line();
                    break;
                }
                let mut chunk = vec![0; size];
                self.reader.read_exact(&mut chunk).expect("chunk");
                resp.body.extend_from_slice(&chunk);
                self.line();
            }
        } else if let Some(len) = resp.all("content-length").first().and_then(|v| v.parse().ok()) {
            let mut body = vec![0; len];
            self.reader.read_exact(&mut body).expect("body");
            resp.body = body;
        } else {
            self.reader.read_to_end(&mut resp.body).expect("body to close");
        }
        resp
    }
}
