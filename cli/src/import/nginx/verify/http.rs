//! The little HTTP `--verify` needs: a client that sends one HTTP/1.1 request on its
//! own connection and reads the status and header lines, loopback ports, and a stub
//! upstream that answers whatever it is proxied with the status the request asks for
//! (`X-Corsc-Verify-Status`), so "the application answered 500" is a request like any
//! other. std only: the requests are a few hundred per location, one at a time.

use super::super::judge::Seen;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The request header that tells the stub which status to answer.
pub const STATUS_HEADER: &str = "X-Corsc-Verify-Status";
/// How long a request (or the stub reading one) may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most header bytes read from an answer.
const MAX_HEAD: usize = 64 << 10;

/// A loopback port that is free now and that this process has not handed out before.
/// Ports come from below the kernel's ephemeral range (32768–60999 by default), so no
/// outgoing connection takes one before nginx binds it, starting at a pid-derived
/// offset so two runs at once start apart.
pub fn free_port() -> io::Result<u16> {
    const FIRST: u32 = 12_000;
    const COUNT: u32 = 8_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(7919) % COUNT;
    for _ in 0..COUNT {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(FIRST + (start + n) % COUNT).unwrap_or(0);
        if port != 0 && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(io::Error::other("no free loopback port"))
}

/// One request to `127.0.0.1:port`: the request line, `Host`, the given headers and
/// `Connection: close`; the answer's status and header lines.
pub fn send(
    port: u16,
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, String)],
) -> io::Result<Seen> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(TIMEOUT))?;
    s.set_write_timeout(Some(TIMEOUT))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    s.write_all(req.as_bytes())?;
    read_head(&mut BufReader::new(s))
}

fn read_head(r: &mut impl BufRead) -> io::Result<Seen> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
    let mut line = String::new();
    let mut total = 0;
    let mut next = |line: &mut String| -> io::Result<()> {
        line.clear();
        let n = r.by_ref().take((MAX_HEAD - total.min(MAX_HEAD)) as u64).read_line(line)?;
        total += n;
        if n == 0 {
            return Err(bad("the connection closed before the header ended"));
        }
        Ok(())
    };
    next(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("no status line"))?;
    let mut headers = Vec::new();
    loop {
        next(&mut line)?;
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Seen { status, headers })
}

/// The application behind the configurations: answers every request with the status
/// in [`STATUS_HEADER`] (200 when absent) and a two-byte body, no CORS headers.
pub struct Stub {
    /// Its port.
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Stub {
    /// Starts it on a free loopback port.
    pub fn start() -> io::Result<Stub> {
        let port = free_port()?;
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    std::thread::spawn(move || {
                        let _ = answer(c);
                    });
                }
            }
        });
        Ok(Stub { port, stop, thread: Some(thread) })
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(c: TcpStream) -> io::Result<()> {
    c.set_read_timeout(Some(TIMEOUT))?;
    let mut r = BufReader::new(c.try_clone()?);
    let mut status = 200u16;
    let mut line = String::new();
    let mut total = 0;
    loop {
        line.clear();
        let n = r.by_ref().take(MAX_HEAD as u64).read_line(&mut line)?;
        total += n;
        if n == 0 || total > MAX_HEAD || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case(STATUS_HEADER) {
                status = value.trim().parse().unwrap_or(200);
            }
        }
    }
    let mut w = c;
    write!(w, "HTTP/1.1 {status} Stub\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")?;
    w.flush()?;
    let _ = w.shutdown(Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_answers_the_status_asked_for() {
        let stub = Stub::start().expect("stub");
        for want in [200u16, 500, 404] {
            let seen = send(stub.port, "GET", "/", "x", &[(STATUS_HEADER, want.to_string())])
                .expect("request");
            assert_eq!(seen.status, want);
            assert!(seen.headers.iter().any(|(n, v)| n == "Content-Length" && v == "2"));
        }
        let seen = send(stub.port, "OPTIONS", "/", "x", &[]).expect("request");
        assert_eq!(seen.status, 200);
    }
}
