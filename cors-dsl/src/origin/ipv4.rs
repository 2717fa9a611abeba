//! The URL Standard's rules for hosts that end in a number (WHATWG URL, "host
//! parsing": *ends in a number checker*, *IPv4 parser*, *IPv4 number parser*).
//!
//! For the special schemes (`http`, `https`, `ws`, `wss`, `ftp`) a browser reads a host
//! whose last label is a number as an IPv4 address, in any of the old C forms:
//! `http://127.1`, `http://0x7f.0.0.1` and `http://2130706433` are all sent as
//! `Origin: http://127.0.0.1`, and `http://a.1.2.3.4` is no URL at all. A policy that
//! lists such a host byte for byte would never match what a browser sends, so
//! [`crate::origin::parse_origin`] asks these questions and refuses the host.

/// The schemes whose hosts the URL parser reads as domains or IP addresses (the
/// "special" schemes; `file` has no host in an origin). Other schemes' hosts are
/// opaque: `chrome-extension://123` is not an address.
pub fn is_special_scheme(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp")
}

/// What the URL parser makes of an ASCII host that ends in a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumericHost {
    /// An IPv4 address, serialised the one way browsers send it (`127.0.0.1`).
    Address(String),
    /// Not an address, so not a host: the URL fails to parse.
    Invalid,
}

/// `None` when `host` (lower-case ASCII, after IDNA) does not end in a number and is
/// a domain; otherwise the address it is, or that it is none.
pub fn numeric_host(host: &str) -> Option<NumericHost> {
    if !ends_in_a_number(host) {
        return None;
    }
    Some(match parse_ipv4(host) {
        Some(address) => NumericHost::Address(std::net::Ipv4Addr::from(address).to_string()),
        None => NumericHost::Invalid,
    })
}

/// `host` without the one final dot the URL Standard allows (`127.0.0.1.`).
fn without_final_dot(host: &str) -> &str {
    match host.strip_suffix('.') {
        Some(body) if !body.is_empty() => body,
        _ => host,
    }
}

/// The *ends in a number checker*: the last part is all digits, or parses as an IPv4
/// number (`0x7f`, `0x`). Asked of every host in a policy, so it does not allocate.
fn ends_in_a_number(host: &str) -> bool {
    let last = without_final_dot(host).rsplit('.').next().unwrap_or_default();
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    ipv4_number(last).is_some()
}

/// The *IPv4 parser*: up to four numbers, the last filling the bytes left.
fn parse_ipv4(host: &str) -> Option<u32> {
    let parts: Vec<&str> = without_final_dot(host).split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().map(|p| ipv4_number(p)).collect::<Option<_>>()?;
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let high = init.iter().enumerate().map(|(i, &n)| n << (8 * (3 - i))).sum::<u64>();
    u32::try_from(high + last).ok()
}

/// The *IPv4 number parser*: decimal, `0x` hexadecimal or `0` octal; `0x` alone is 0.
/// `None` for an empty part or a digit outside the radix. Values too large for any
/// address are capped (they are refused by the caller either way).
fn ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    digits.chars().try_fold(0u64, |n, c| {
        let d = c.to_digit(radix)?;
        Some(n.saturating_mul(u64::from(radix)).saturating_add(u64::from(d)).min(1 << 40))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_that_end_in_a_number_are_addresses_or_nothing() {
        let address = |s: &str| Some(NumericHost::Address(s.to_string()));
        let cases: &[(&str, Option<NumericHost>)] = &[
            ("example.com", None),
            ("localhost", None),
            ("1.example", None),
            ("0xg", None),
            ("127.0.0.1", address("127.0.0.1")),
            ("127.0.0.1.", address("127.0.0.1")),
            ("127.1", address("127.0.0.1")),
            ("0x7f.1", address("127.0.0.1")),
            ("0177.0.0.1", address("127.0.0.1")),
            ("2130706433", address("127.0.0.1")),
            ("1.2.3.04", address("1.2.3.4")),
            ("0x", address("0.0.0.0")),
            ("1.0x", address("1.0.0.0")),
            ("a.1.2.3.4", Some(NumericHost::Invalid)),
            ("1.2.3.4.5", Some(NumericHost::Invalid)),
            ("example.123", Some(NumericHost::Invalid)),
            ("x.0x7f", Some(NumericHost::Invalid)),
            ("256.0.0.1", Some(NumericHost::Invalid)),
            ("1.2.3.256", Some(NumericHost::Invalid)),
            ("4294967296", Some(NumericHost::Invalid)),
            ("09.1", Some(NumericHost::Invalid)),
            ("1..1", Some(NumericHost::Invalid)),
        ];
        for (host, want) in cases {
            assert_eq!(numeric_host(host).as_ref(), want.as_ref(), "{host}");
        }
    }
}
