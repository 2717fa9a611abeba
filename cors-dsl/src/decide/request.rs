//! What `decide()` needs to know about a request, borrowed from the request as
//! received: the method, `Origin`, and the preflight's `Access-Control-Request-*`
//! headers. Built by the nginx module from its header list, by `corsc explain` from
//! the command line, and by tests.

/// Longest `Access-Control-Request-Headers` value (all lines combined, in bytes) we
/// read. Browsers send a few hundred bytes; a longer value is refused without being
/// parsed.
pub const MAX_REQUEST_HEADERS_LEN: usize = 8 * 1024;
/// Most header names one preflight may ask for.
pub const MAX_REQUEST_HEADER_NAMES: usize = 64;
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

/// `Access-Control-Request-Headers` as received: its combined value, the way Fetch
/// reads a header sent on several lines (the lines joined with `,`, in order). The
/// caller combines the lines (the nginx module in the request pool), so any number of
/// lines works and the request stays a few words long.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestHeaders<'a> {
    /// Not sent.
    #[default]
    Absent,
    /// The combined value.
    Value(&'a [u8]),
    /// Sent, but longer than [`MAX_REQUEST_HEADERS_LEN`] in all (the caller need not
    /// combine what will be refused anyway).
    TooLong,
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
    /// `Access-Control-Request-Headers`, all lines combined.
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
            request_headers: RequestHeaders::Absent,
            request_private_network: false,
        }
    }

    /// A preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn preflight(origin: &'a [u8], method: &'a [u8]) -> Self {
        Request {
            method: b"OPTIONS",
            origin: OriginHeader::One(origin),
            request_method: Some(method),
            request_headers: RequestHeaders::Absent,
            request_private_network: false,
        }
    }

    /// Sets `Access-Control-Request-Headers` to `value` (several lines combined with
    /// `,`, as [`RequestHeaders`] says).
    pub fn with_request_headers(mut self, value: &'a [u8]) -> Self {
        self.request_headers = RequestHeaders::Value(value);
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
