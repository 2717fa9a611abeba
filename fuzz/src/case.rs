//! A generated policy and the requests to decide under it, built by `arbitrary` from
//! libFuzzer's bytes. The policy is kept as its parts (what the reference decider
//! reads) and written out as policy text (what `cors-dsl` compiles), so the two sides
//! share nothing but this description.

use arbitrary::{Arbitrary, Result, Unstructured};

/// At most this many rules, requests, list entries: small cases shrink well and
/// every part is still reached.
const MAX_RULES: usize = 4;
const MAX_ORIGINS: usize = 4;
const MAX_ITEMS: usize = 4;
const MAX_REQUESTS: usize = 8;

/// One policy and the requests to decide under it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The policy.
    pub policy: Policy,
    /// The requests, each decided by both sides.
    pub requests: Vec<Req>,
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let policy = Policy::arbitrary(u)?;
        // One request at least, then as many as the input holds.
        let mut requests = vec![Req::arbitrary(u)?];
        while !u.is_empty() && requests.len() < MAX_REQUESTS {
            requests.push(Req::arbitrary(u)?);
        }
        Ok(Case { policy, requests })
    }
}

/// `policy p { … }`: the policy-level settings (the defaults of every rule), the
/// `allow` blocks, the policy's own origins (the implicit last rule) and how
/// preflights are handled.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Policy-level settings.
    pub defaults: Settings,
    /// `allow { … }` blocks, in source order.
    pub allows: Vec<Allow>,
    /// Policy-level `origin` statements.
    pub origins: Vec<Origin>,
    /// `preflight pass;`
    pub preflight_pass: bool,
    /// `preflight-status 200;` (else 204).
    pub status_200: bool,
    /// `preflight-refused`: `None` for `pass`, else a status.
    pub refused: Option<u16>,
}

impl<'a> Arbitrary<'a> for Policy {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let allows: Vec<Allow> = (0..u.int_in_range(0..=MAX_RULES)?)
            .map(|_| Ok(Allow { origins: origins(u)?, settings: Settings::arbitrary(u)? }))
            .collect::<Result<_>>()?;
        // Some rule has origins, or nothing is ever allowed: an implicit rule then.
        let has_origins = allows.iter().any(|a: &Allow| !a.origins.is_empty());
        let mut own = origins(u)?;
        if own.is_empty() && !has_origins {
            own.push(Origin::arbitrary(u)?);
        }
        Ok(Policy {
            defaults: Settings::arbitrary(u)?,
            allows,
            origins: own,
            preflight_pass: u.ratio(1, 8)?,
            status_200: u.arbitrary()?,
            refused: match u.int_in_range(0..=3)? {
                0 => None,
                1 => Some(404),
                2 => Some(499),
                _ => Some(403),
            },
        })
    }
}

fn origins(u: &mut Unstructured<'_>) -> Result<Vec<Origin>> {
    (0..u.int_in_range(0..=MAX_ORIGINS)?).map(|_| Origin::arbitrary(u)).collect()
}

/// An `allow { … }` block.
#[derive(Debug, Clone)]
pub struct Allow {
    /// Its `origin` statements.
    pub origins: Vec<Origin>,
    /// What it sets itself (the rest is inherited from the policy level).
    pub settings: Settings,
}

/// The settings of a block; `None` is "not written here".
#[derive(Debug, Clone, Arbitrary)]
pub struct Settings {
    /// `methods …;`
    pub methods: Option<List<Method>>,
    /// `headers …;`
    pub headers: Option<List<Header>>,
    /// `expose …;`
    pub expose: Option<List<Header>>,
    /// `credentials on|off;`
    pub credentials: Option<bool>,
    /// `private-network on|off;`
    pub private_network: Option<bool>,
    /// `max-age …;`
    pub max_age: Option<MaxAge>,
}

/// A list argument: `*` and names. An empty list with no `*` is not written.
#[derive(Debug, Clone)]
pub struct List<T> {
    /// `*` is in the list.
    pub star: bool,
    /// The names, in the order written.
    pub items: Vec<T>,
}

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for List<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let star = u.ratio(1, 4)?;
        let items =
            (0..u.int_in_range(0..=MAX_ITEMS)?).map(|_| T::arbitrary(u)).collect::<Result<_>>()?;
        Ok(List { star, items })
    }
}

impl<T> List<T> {
    /// Whether the directive is written at all.
    pub fn written(&self) -> bool {
        self.star || !self.items.is_empty()
    }
}

/// Method names a policy may list (`put`: methods are case-sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `put`
    LowerPut,
    /// `X-CUSTOM`
    Custom,
}

impl Method {
    /// As written in the policy and sent by a client.
    pub fn text(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::LowerPut => "put",
            Method::Custom => "X-CUSTOM",
        }
    }
}

/// Header names a policy may list or a request ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Header {
    /// `Content-Type`
    ContentType,
    /// `X-Request-ID`
    RequestId,
    /// `x-request-id` (the same name, other case)
    RequestIdLower,
    /// `Authorization` (never covered by `*`)
    Authorization,
    /// `X-A`
    XA,
    /// `X-B`
    XB,
}

impl Header {
    /// As written.
    pub fn text(self) -> &'static str {
        match self {
            Header::ContentType => "Content-Type",
            Header::RequestId => "X-Request-ID",
            Header::RequestIdLower => "x-request-id",
            Header::Authorization => "Authorization",
            Header::XA => "X-A",
            Header::XB => "X-B",
        }
    }
}

/// `max-age` values: how written, and the seconds they mean.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum MaxAge {
    /// `0`
    Zero,
    /// `90s`
    Seconds,
    /// `10m`
    Minutes,
    /// `2h`
    Hours,
    /// `1d`
    Day,
    /// `4294967295` (the largest that fits 32 bits)
    Largest,
}

impl MaxAge {
    /// As written in the policy.
    pub fn text(self) -> &'static str {
        match self {
            MaxAge::Zero => "0",
            MaxAge::Seconds => "90s",
            MaxAge::Minutes => "10m",
            MaxAge::Hours => "2h",
            MaxAge::Day => "1d",
            MaxAge::Largest => "4294967295",
        }
    }
}

/// Schemes of written origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Scheme {
    /// `https`
    Https,
    /// `http`
    Http,
}

impl Scheme {
    /// Lower case, as serialised.
    pub fn text(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
    /// The default port, which an origin never carries.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Hosts of written origins: how written, and how a browser serialises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Host {
    /// `app.example.com`
    App,
    /// `example.com`
    Example,
    /// `a.b.example.com`
    Deep,
    /// `Example.ORG` (upper case, serialised lower)
    Upper,
    /// `localhost`
    Localhost,
    /// `127.0.0.1`
    Loopback4,
    /// `[0:0:0:0:0:0:0:1]` (serialised `[::1]`)
    Loopback6,
    /// `bücher.example` (serialised as punycode)
    Idn,
}

impl Host {
    /// As written in the policy.
    pub fn written(self) -> &'static str {
        match self {
            Host::App => "app.example.com",
            Host::Example => "example.com",
            Host::Deep => "a.b.example.com",
            Host::Upper => "Example.ORG",
            Host::Localhost => "localhost",
            Host::Loopback4 => "127.0.0.1",
            Host::Loopback6 => "[0:0:0:0:0:0:0:1]",
            Host::Idn => "bücher.example",
        }
    }
    /// As a browser serialises it in `Origin` (URL standard: lower case, IPv6
    /// compressed, IDNA to ASCII).
    pub fn serialised(self) -> &'static str {
        match self {
            Host::App => "app.example.com",
            Host::Example => "example.com",
            Host::Deep => "a.b.example.com",
            Host::Upper => "example.org",
            Host::Localhost => "localhost",
            Host::Loopback4 => "127.0.0.1",
            Host::Loopback6 => "[::1]",
            Host::Idn => "xn--bcher-kva.example",
        }
    }
    /// Whether `*.host` is a pattern the language has (a domain name, not an IP).
    pub fn is_domain(self) -> bool {
        !matches!(self, Host::Loopback4 | Host::Loopback6)
    }
}

/// A written port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Port {
    /// None.
    None,
    /// The scheme's default, written (`:443`): dropped by normalisation.
    Default,
    /// `:8443`
    P8443,
    /// `:3000`
    P3000,
    /// `:1`
    P1,
    /// `:65535`
    P65535,
}

impl Port {
    /// The port number written, if any.
    pub fn number(self, scheme: Scheme) -> Option<u16> {
        match self {
            Port::None => None,
            Port::Default => Some(scheme.default_port()),
            Port::P8443 => Some(8443),
            Port::P3000 => Some(3000),
            Port::P1 => Some(1),
            Port::P65535 => Some(65535),
        }
    }
}

/// Regexes for `~` origins, each with a matcher written by hand in
/// [`crate::reference`] (no regex engine on the reference side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Regex {
    /// `^https://pr-[0-9]+\.preview\.example\.dev$`
    Preview,
    /// `https://[a-z]+\.example\.net` (no anchors: matched whole all the same)
    Unanchored,
    /// `^http://localhost:[0-9]{4}$`
    LocalPort,
    /// `(?i)^https://app\.example\.com$`
    CaseInsensitive,
    /// `https://(a|b)\.example\.org|http://c\.example\.org` (an alternation at the top)
    Alternation,
}

impl Regex {
    /// As written in the policy (inside double quotes).
    pub fn text(self) -> &'static str {
        match self {
            Regex::Preview => r"^https://pr-[0-9]+\.preview\.example\.dev$",
            Regex::Unanchored => r"https://[a-z]+\.example\.net",
            Regex::LocalPort => r"^http://localhost:[0-9]{4}$",
            Regex::CaseInsensitive => r"(?i)^https://app\.example\.com$",
            Regex::Alternation => r"https://(a|b)\.example\.org|http://c\.example\.org",
        }
    }
}

/// An origin pattern as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
pub enum Origin {
    /// `scheme://host[:port]`, upper-cased when `upper`.
    Exact { scheme: Scheme, host: Host, port: Port, upper: bool },
    /// `*`
    Any,
    /// `null`
    Null,
    /// `file://`
    File,
    /// `chrome-extension://abcdefgh`
    Extension,
    /// `scheme://*.host[:port]`
    Subdomain { scheme: Scheme, host: Host, port: Port },
    /// `scheme://*.host:*`
    SubdomainAnyPort { scheme: Scheme, host: Host },
    /// `scheme://host:*`
    AnyPort { scheme: Scheme, host: Host },
    /// `~ "regex"`
    Regex(Regex),
}

impl Origin {
    /// As written in the policy.
    pub fn text(self) -> String {
        let port =
            |scheme, port: Port| port.number(scheme).map_or(String::new(), |p| format!(":{p}"));
        match self {
            Origin::Any => "*".into(),
            Origin::Null => "null".into(),
            Origin::File => "file://".into(),
            Origin::Extension => "chrome-extension://abcdefgh".into(),
            Origin::Exact { scheme, host, port: p, upper } => {
                let s = format!("{}://{}{}", scheme.text(), host.written(), port(scheme, p));
                if upper {
                    s.to_uppercase()
                } else {
                    s
                }
            }
            Origin::Subdomain { scheme, host, port: p } => {
                format!("{}://*.{}{}", scheme.text(), host.written(), port(scheme, p))
            }
            Origin::SubdomainAnyPort { scheme, host } => {
                format!("{}://*.{}:*", scheme.text(), host.written())
            }
            Origin::AnyPort { scheme, host } => format!("{}://{}:*", scheme.text(), host.written()),
            Origin::Regex(r) => format!("~ \"{}\"", r.text()),
        }
    }
}

/// A request, built around the policy's origins or from raw bytes.
#[derive(Debug, Clone, Arbitrary)]
pub struct Req {
    /// The request method.
    pub method: ReqMethod,
    /// `Origin`.
    pub origin: ReqOrigin,
    /// `Access-Control-Request-Method`.
    pub request_method: Option<ReqMethod>,
    /// `Access-Control-Request-Headers`.
    pub request_headers: ReqHeaders,
    /// `Access-Control-Request-Private-Network: true`.
    pub private_network: bool,
}

/// A method on the wire.
#[derive(Debug, Clone, Arbitrary)]
pub enum ReqMethod {
    /// A method the policy may list.
    Named(Method),
    /// `OPTIONS` (so a preflight, with `Origin` and a requested method).
    Options,
    /// `TRACE` or `trace` (forbidden, any case).
    Forbidden(bool),
    /// Any bytes (empty, lower case, spaces, control bytes).
    Raw(Vec<u8>),
}

impl ReqMethod {
    /// The bytes sent.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            ReqMethod::Options => b"OPTIONS".to_vec(),
            ReqMethod::Named(m) => m.text().as_bytes().to_vec(),
            ReqMethod::Forbidden(upper) => if *upper { b"TRACE" } else { b"trace" }.to_vec(),
            ReqMethod::Raw(b) => b.clone(),
        }
    }
}

/// `Origin` on the wire.
#[derive(Debug, Clone, Arbitrary)]
pub enum ReqOrigin {
    /// An origin made from one of the policy's patterns (see
    /// [`crate::probe::probe_origin`]), index taken modulo their number.
    Probe { pattern: u8, variant: u8, labels: u8 },
    /// Not sent.
    Absent,
    /// Sent on several lines.
    Many,
    /// Any bytes.
    Raw(Vec<u8>),
    /// A long origin: `https://` then `n * 64` bytes of `a`, then `.example.com`.
    Long(u8),
}

/// `Access-Control-Request-Headers` on the wire.
#[derive(Debug, Clone, Arbitrary)]
pub enum ReqHeaders {
    /// Not sent.
    Absent,
    /// Too long for the caller to combine (the module's `TooLong`).
    TooLong,
    /// A list of names joined with the given separator spellings.
    List(Vec<(ReqHeaderName, Sep)>),
    /// Any bytes.
    Raw(Vec<u8>),
    /// `n` copies of `x-a` (past the 64-name bound), then an extra name.
    Repeated(u8, ReqHeaderName),
}

/// One name in `Access-Control-Request-Headers`.
#[derive(Debug, Clone, Arbitrary)]
pub enum ReqHeaderName {
    /// A name the policy may list (any case).
    Named(Header, bool),
    /// `*` (a literal star asked for)
    Star,
    /// Bytes that are not a token (`x y`, `é`, `a:b`, empty).
    Raw(Vec<u8>),
}

impl ReqHeaderName {
    /// The bytes sent.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            ReqHeaderName::Named(h, upper) => {
                let t = h.text();
                if *upper { t.to_ascii_uppercase() } else { t.to_ascii_lowercase() }.into_bytes()
            }
            ReqHeaderName::Star => b"*".to_vec(),
            ReqHeaderName::Raw(b) => b.clone(),
        }
    }
}

/// How list elements are separated.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Sep {
    /// `,`
    Comma,
    /// `, `
    CommaSpace,
    /// ` ,\t`
    Spaced,
    /// `,,` (an empty element)
    Empty,
}

impl Sep {
    /// The separator's bytes.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Sep::Comma => b",",
            Sep::CommaSpace => b", ",
            Sep::Spaced => b" ,\t",
            Sep::Empty => b",,",
        }
    }
}

impl ReqHeaders {
    /// The combined value sent, or `None` when absent or too long.
    pub fn value(&self) -> Option<Vec<u8>> {
        match self {
            ReqHeaders::Absent | ReqHeaders::TooLong => None,
            ReqHeaders::List(items) => {
                let mut v = Vec::new();
                for (i, (name, sep)) in items.iter().enumerate() {
                    if i > 0 {
                        v.extend_from_slice(sep.bytes());
                    }
                    v.extend(name.bytes());
                }
                Some(v)
            }
            ReqHeaders::Raw(b) => Some(b.clone()),
            ReqHeaders::Repeated(n, last) => {
                let mut v = b"x-a,".repeat(usize::from(*n));
                v.extend(last.bytes());
                Some(v)
            }
        }
    }
}

impl Policy {
    /// Every origin pattern, in rule order (for building probe origins).
    pub fn all_origins(&self) -> Vec<Origin> {
        self.allows
            .iter()
            .flat_map(|a| a.origins.iter().copied())
            .chain(self.origins.iter().copied())
            .collect()
    }

    /// The policy as source text, named `p`.
    pub fn text(&self) -> String {
        let mut s = String::from("policy p {\n");
        if self.preflight_pass {
            s += "    preflight pass;\n";
        }
        if self.status_200 {
            s += "    preflight-status 200;\n";
        }
        match self.refused {
            None => s += "    preflight-refused pass;\n",
            Some(403) => {}
            Some(status) => s += &format!("    preflight-refused {status};\n"),
        }
        write_settings(&mut s, &self.defaults, "    ");
        for allow in &self.allows {
            s += "    allow {\n";
            write_origins(&mut s, &allow.origins, "        ");
            write_settings(&mut s, &allow.settings, "        ");
            s += "    }\n";
        }
        write_origins(&mut s, &self.origins, "    ");
        s + "}\n"
    }
}

fn write_origins(s: &mut String, origins: &[Origin], indent: &str) {
    if !origins.is_empty() {
        let list: Vec<String> = origins.iter().map(|o| o.text()).collect();
        *s += &format!("{indent}origin {};\n", list.join(" "));
    }
}

fn write_settings(s: &mut String, set: &Settings, indent: &str) {
    fn list<T: Copy>(l: &List<T>, text: fn(T) -> &'static str) -> String {
        let mut items: Vec<&str> = l.items.iter().map(|&i| text(i)).collect();
        if l.star {
            items.insert(0, "*");
        }
        items.join(" ")
    }
    if let Some(l) = set.methods.as_ref().filter(|l| l.written()) {
        *s += &format!("{indent}methods {};\n", list(l, Method::text));
    }
    if let Some(l) = set.headers.as_ref().filter(|l| l.written()) {
        *s += &format!("{indent}headers {};\n", list(l, Header::text));
    }
    if let Some(l) = set.expose.as_ref().filter(|l| l.written()) {
        *s += &format!("{indent}expose {};\n", list(l, Header::text));
    }
    let on = |b: bool| if b { "on" } else { "off" };
    if let Some(c) = set.credentials {
        *s += &format!("{indent}credentials {};\n", on(c));
    }
    if let Some(p) = set.private_network {
        *s += &format!("{indent}private-network {};\n", on(p));
    }
    if let Some(m) = set.max_age {
        *s += &format!("{indent}max-age {};\n", m.text());
    }
}
