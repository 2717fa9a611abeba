//! A minimal FastCGI responder on loopback, so that tests can put `fastcgi_pass` behind
//! a policy without a PHP-FPM: it answers every request with fixed response headers
//! (foreign `Access-Control-*` ones included) and a status taken from the request URI.
//!
//! Only what nginx's `ngx_http_fastcgi_module` sends and reads (FastCGI 1.0, one request
//! per connection, `fastcgi_keep_conn off`): `BEGIN_REQUEST`, `PARAMS` and `STDIN`
//! records in, `STDOUT` and `END_REQUEST` out.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

const BEGIN_REQUEST: u8 = 1;
const END_REQUEST: u8 = 3;
const PARAMS: u8 = 4;
const STDIN: u8 = 5;
const STDOUT: u8 = 6;

/// At most this many connections are served, so the thread cannot outlive a runaway
/// test by much.
const MAX_CONNECTIONS: usize = 1000;

/// A running responder; the thread ends with the test process (or after
/// [`MAX_CONNECTIONS`]).
pub struct FastCgi {
    /// Its loopback port.
    pub port: u16,
}

impl FastCgi {
    /// Starts the responder on a free loopback port.
    ///
    /// Each response carries `Access-Control-Allow-Origin: *` and
    /// `Access-Control-Allow-Credentials: true` (what a module owning the location's
    /// CORS headers must remove), and status 404 when the `REQUEST_URI` param contains
    /// `404`, else 200.
    pub fn start() -> FastCgi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind FastCGI responder");
        let port = listener.local_addr().expect("local addr").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(MAX_CONNECTIONS).flatten() {
                // A broken connection is nginx's to report (502); keep serving.
                let _ = serve(stream);
            }
        });
        FastCgi { port }
    }
}

/// One record: its type, request id and content.
struct Record {
    kind: u8,
    id: u16,
    content: Vec<u8>,
}

fn read_record(s: &mut TcpStream) -> io::Result<Record> {
    let mut h = [0u8; 8];
    s.read_exact(&mut h)?;
    let len = usize::from(u16::from_be_bytes([h[4], h[5]]));
    let mut content = vec![0u8; len + usize::from(h[6])];
    s.read_exact(&mut content)?;
    content.truncate(len);
    Ok(Record { kind: h[1], id: u16::from_be_bytes([h[2], h[3]]), content })
}

fn write_record(s: &mut TcpStream, kind: u8, id: u16, content: &[u8]) -> io::Result<()> {
    let len = u16::try_from(content.len()).expect("record under 64 KiB");
    let [l0, l1] = len.to_be_bytes();
    let [i0, i1] = id.to_be_bytes();
    s.write_all(&[1, kind, i0, i1, l0, l1, 0, 0])?;
    s.write_all(content)
}

/// A FastCGI name-value pair length: one byte, or four with the high bit set.
fn pair_len(b: &[u8], at: &mut usize) -> Option<usize> {
    let first = *b.get(*at)?;
    if first & 0x80 == 0 {
        *at += 1;
        return Some(usize::from(first));
    }
    let four = b.get(*at..*at + 4)?;
    *at += 4;
    Some((u32::from_be_bytes([four[0] & 0x7f, four[1], four[2], four[3]])) as usize)
}

/// The value of param `name` in a `PARAMS` stream.
fn param<'a>(params: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at < params.len() {
        let n = pair_len(params, &mut at)?;
        let v = pair_len(params, &mut at)?;
        let key = params.get(at..at + n)?;
        let value = params.get(at + n..at + n + v)?;
        at += n + v;
        if key == name {
            return Some(value);
        }
    }
    None
}

fn serve(mut s: TcpStream) -> io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let (mut params, mut id) = (Vec::new(), 1);
    // Read until the empty STDIN record that ends the request body.
    loop {
        let r = read_record(&mut s)?;
        match r.kind {
            BEGIN_REQUEST => id = r.id,
            PARAMS => params.extend_from_slice(&r.content),
            STDIN if r.content.is_empty() => break,
            _ => {}
        }
    }
    let uri = param(&params, b"REQUEST_URI").unwrap_or_default();
    let status = if uri.windows(3).any(|w| w == b"404") { "404 Not Found" } else { "200 OK" };
    let body = format!(
        "Status: {status}\r\nContent-Type: text/plain\r\n\
         Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n\r\n\
         fastcgi\n"
    );
    write_record(&mut s, STDOUT, id, body.as_bytes())?;
    write_record(&mut s, STDOUT, id, b"")?;
    // appStatus 0, FCGI_REQUEST_COMPLETE.
    write_record(&mut s, END_REQUEST, id, &[0, 0, 0, 0, 0, 0, 0, 0])?;
    s.flush()
}
