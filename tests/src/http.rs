//! A deliberately tiny HTTP/1.x client over a raw [`TcpStream`], so tests can send
//! repeated header lines, HTTP/1.0, `HEAD`, several requests on one keep-alive
//! connection, or arbitrary bytes, and see every response header line, duplicates
//! included.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

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
