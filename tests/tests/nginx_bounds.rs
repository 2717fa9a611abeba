//! Config-time input is bounded in nginx too (issue #17, point 0): `nginx -t` on a
//! policy file of thousands of mistakes logs the first `MAX_DIAGNOSTICS` and one line
//! for the rest, and a device given as `cors_policy_file` is refused without being read.

use cors_tests::nginx_t;

const HTTP: &str = "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; cors api; }";

#[test]
fn nginx_t_caps_the_diagnostics_it_logs() {
    let n = 5_000;
    let broken = "orign x;\n".repeat(n);
    let Some((ok, out)) = nginx_t(HTTP, &[("policies.cors", &broken)]) else { return };
    assert!(!ok, "{out}");
    let ours: Vec<&str> = out.lines().filter(|l| l.contains("cors_policy_file")).collect();
    let cap = cors_dsl::MAX_DIAGNOSTICS;
    assert_eq!(ours.len(), cap + 1, "the first {cap}, then one line for the rest:\n{out:.2000}");
    assert!(ours.iter().all(|l| l.contains("[emerg]")), "{out:.2000}");
    assert!(ours[0].contains("policies.cors:1:1: CORS002"), "{}", ours[0]);
    let last = ours[cap];
    assert!(last.contains(&format!("… and {} more", n - cap)), "{last}");
}

#[test]
fn nginx_t_refuses_a_device_as_policy_file() {
    let http = "cors_policy_file /dev/zero;\nserver { listen 127.0.0.1:{PORT}; }";
    let Some((ok, out)) = nginx_t(http, &[]) else { return };
    assert!(!ok, "{out}");
    assert!(out.contains("cors_policy_file \"/dev/zero\": not a regular file"), "{out}");
}
