//! What `decide()` needs to know about a request, borrowed from the request as
//! received: the method, `Origin`, and the preflight's `Access-Control-Request-*`
//! headers. Built by the nginx module from its header list, by `corsc explain` from
//! the command line, and by tests.

/// Longest `Access-Control-Request-Headers` (all lines together, in bytes) we read.
/// Browsers send a few hundred bytes; a longer value is refused without being parsed.
pub const MAX_REQUEST_HEADERS_LEN: usize = 8 * 1024;
/// Most header names one preflight may ask for.
pub const MAX_REQUEST_HEADER_NAMES: usize = 64;
/// Most `Access-Control-Request-Headers` lines [`RequestHeaders`] holds.
pub const MAX_REQUEST_HEADER_LINES: usize = 8;
/// Longest `Origin` we try to match; a longer one matches nothing.
pub const MAX_ORIGIN_LEN: usize = 2048;

/// The `Origin` request header as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginHeader<'a> {
    /// No `Origin`: not a CORS request.
    Absent,
    /// Exactly one `Origin` line, raw bytes.
    One(&'a [u8]),
    /// Several `Origin` lines: malformed, never matched.
    Many,
}

/// The `Access-Control-Request-Headers` lines of a request, in order, without copying.
///
/// Holds up to [`MAX_REQUEST_HEADER_LINES`] lines; a request with more is marked
/// overflowing and refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestHeaders<'a> {
    lines: [&'a [u8]; MAX_REQUEST_HEADER_LINES],
    len: usize,
    pub(super) overflow: bool,
}

impl PartialEq for RequestHeaders<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.lines() == other.lines() && self.overflow == other.overflow
    }
}

impl Eq for RequestHeaders<'_> {}

impl<'a> RequestHeaders<'a> {
    /// No lines.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one header line's value.
    pub fn push(&mut self, value: &'a [u8]) {
        match self.lines.get_mut(self.len) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    /// The lines pushed so far.
    pub fn lines(&self) -> &[&'a [u8]] {
        self.lines.get(..self.len).unwrap_or(&[])
    }

    /// Whether any line was pushed.
    pub fn is_present(&self) -> bool {
        self.len > 0 || self.overflow
    }
}

/// What `decide` needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The request method, exactly as received (methods are case-sensitive).
    pub method: &'a [u8],
    /// The `Origin` header.
    pub origin: OriginHeader<'a>,
    /// `Access-Control-Request-Method`, if present (first line).
    pub request_method: Option<&'a [u8]>,
    /// Every `Access-Control-Request-Headers` line.
    pub request_headers: RequestHeaders<'a>,
    /// `Access-Control-Request-Private-Network: true` was sent.
    pub request_private_network: bool,
}

impl<'a> Request<'a> {
    /// An actual (non-preflight) request with the given method and origin.
    pub fn actual(method: &'a [u8], origin: Option<&'a [u8]>) -> Self {
        Request {
            method,
            origin: origin.map_or(OriginHeader::Absent, OriginHeader::One),
            request_method: None,
            request_headers: RequestHeaders::new(),
            request_private_network: false,
        }
    }

    /// A preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn preflight(origin: &'a [u8], method: &'a [u8]) -> Self {
        Request {
            method: b"OPTIONS",
            origin: OriginHeader::One(origin),
            request_method: Some(method),
            request_headers: RequestHeaders::new(),
            request_private_network: false,
        }
    }

    /// Adds an `Access-Control-Request-Headers` line.
    pub fn with_request_headers(mut self, line: &'a [u8]) -> Self {
        self.request_headers.push(line);
        self
    }

    /// Whether this is a CORS preflight: `OPTIONS` + `Origin` +
    /// `Access-Control-Request-Method`, nothing less
    /// (<https://fetch.spec.whatwg.org/#cors-preflight-request>).
    pub fn is_preflight(&self) -> bool {
        self.method == b"OPTIONS"
            && !matches!(self.origin, OriginHeader::Absent)
            && self.request_method.is_some()
    }
}
