//! `max-age` durations: `600`, `90s`, `10m`, `2h`, `1d`.
//!
//! A pure function with its own table of tests, apart from the checker that reports
//! its errors (`CORS014`).

/// How to write a duration, for diagnostics.
pub(super) const DURATION_HELP: &str =
    "write seconds (`600`) or a number with a unit: `90s`, `10m`, `2h`, `1d`";

/// `90s`, `10m`, `2h`, `1d` or plain seconds, as seconds that fit a `u32`.
pub fn parse_duration(text: &str) -> Result<u32, String> {
    if text.starts_with('-') {
        return Err("negative".into());
    }
    let digits_end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err("expected a number".into());
    }
    let factor: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        other => return Err(format!("unknown unit `{other}`")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| "too large".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(&str, Result<u32, &str>)] = &[
            ("0", Ok(0)),
            ("600", Ok(600)),
            ("90s", Ok(90)),
            ("10m", Ok(600)),
            ("2h", Ok(7200)),
            ("1d", Ok(86400)),
            ("4294967295", Ok(u32::MAX)),
            ("4294967296", Err("too large")),
            ("49711d", Err("too large")),
            ("99999999999999999999999", Err("too large")),
            ("-1", Err("negative")),
            ("1.5h", Err("unknown unit")),
            ("1w", Err("unknown unit")),
            ("h", Err("expected a number")),
            ("", Err("expected a number")),
            ("10 m", Err("unknown unit")),
            ("1H", Err("unknown unit")),
        ];
        for (input, want) in cases {
            let got = parse_duration(input);
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(w, g, "input {input:?}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "input {input:?}: {g}"),
                _ => panic!("input {input:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
