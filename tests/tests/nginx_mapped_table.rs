//! Issue #13: nginx maps a `.corsb` read-only and looks its exact origins up in place.
//! A format-4 table of many exact origins answers in a master/worker nginx (the
//! workers use the mapping they inherited), a file replaced by a rename is the one a
//! reload loads, and what cannot be mapped as a table is refused at `nginx -t` with a
//! clear message: a truncated table, a directory, a FIFO.

use cors_tests::cases::get;
use cors_tests::{require_nginx, wait_for, Nginx, Prefix, Setup};
use std::path::Path;

/// Origins in the test table: enough for a real index (8,192 slots), few enough to
/// compile in a moment.
const TENANTS: usize = 3_000;

fn tenant(i: usize) -> String {
    format!("https://t{i}.customers.example.net")
}

/// A tenants policy of `origins`, credentials on, compiled as `corsc compile` does.
fn table(origins: impl Iterator<Item = String>) -> Vec<u8> {
    let mut source = String::from("policy tenants {\n");
    for o in origins {
        source.push_str(&format!("    origin {o};\n"));
    }
    source.push_str("    methods PUT;\n    credentials on;\n}\n");
    let (table, _) = cors_dsl::build(Path::new("tenants.cors"), &source)
        .unwrap_or_else(|l| panic!("{:?}", l.diagnostics));
    let bytes = table.to_bytes();
    assert_eq!(
        bytes.get(8..10),
        Some(&cors_dsl::corsb::FORMAT_VERSION.to_le_bytes()[..]),
        "a current-format table"
    );
    bytes
}

const HTTP: &str = "cors_policy_file tenants.corsb;
server {
    listen 127.0.0.1:{PORT};
    root html;
    cors tenants;
    location / { }
}";

fn allowed(nginx: &Nginx, origin: &str) -> bool {
    let r = nginx.send(&get("/data.txt", origin));
    assert_eq!(r.status, 200, "{r:?}");
    r.all("Access-Control-Allow-Origin") == [origin]
        && r.all("Access-Control-Allow-Credentials") == ["true"]
}

#[test]
fn a_mapped_table_answers_in_the_workers_and_a_renamed_one_is_reloaded() {
    let env = require_nginx!();
    let setup = Setup::new(HTTP).file("html/data.txt", "data\n").master();
    let prefix = Prefix::new(&env, &setup);
    let path = prefix.dir.path().join("tenants.corsb");
    std::fs::write(&path, table((0..TENANTS).map(tenant))).expect("write table");
    let nginx = prefix.start();
    for i in [0, 1, 1_234, TENANTS - 1] {
        assert!(allowed(&nginx, &tenant(i)), "{}", tenant(i));
    }
    for other in [tenant(TENANTS), "https://t1.customers.example.ne".into(), "null".into()] {
        assert!(!allowed(&nginx, &other), "{other}");
    }

    // Replaced the documented way (write a new file, rename it over the old one), then
    // reloaded: the new cycle maps the new file, the old one kept its own to the end.
    let new = prefix_path(&nginx, "tenants.corsb.new");
    std::fs::write(&new, table((TENANTS..2 * TENANTS).map(tenant))).expect("write new table");
    std::fs::rename(&new, &path).expect("rename");
    nginx.reload();
    let moved = tenant(TENANTS + 7);
    assert!(wait_for(|| allowed(&nginx, &moved)), "the renamed table is loaded");
    assert!(wait_for(|| !allowed(&nginx, &tenant(7))), "the old table is gone");
    let log = nginx.prefix.error_log();
    assert!(!log.contains("[emerg]") && !log.contains("[alert]"), "{log}");
}

fn prefix_path(nginx: &Nginx, name: &str) -> std::path::PathBuf {
    nginx.prefix.dir.path().join(name)
}

#[test]
fn what_cannot_be_mapped_as_a_table_is_refused_with_a_clear_message() {
    let env = require_nginx!();
    let http = "cors_policy_file tenants.corsb;";
    let bytes = table((0..100).map(tenant));
    // Cut inside the exact-origin index: the header says how long the file was.
    let prefix = Prefix::new(&env, &Setup::new(http));
    let path = prefix.dir.path().join("tenants.corsb");
    std::fs::write(&path, &bytes[..bytes.len() - 100]).expect("write table");
    let (ok, out) = prefix.check();
    assert!(!ok, "{out}");
    let expected = format!(
        "cors_policy_file \"[PREFIX]/tenants.corsb\": truncated rule table: {} bytes, expected {}",
        bytes.len() - 100,
        bytes.len()
    );
    assert!(out.contains(&expected), "expected {expected:?} in:\n{out}");

    // The whole file loads (the cut is what is refused).
    std::fs::write(&path, &bytes).expect("write table");
    let (ok, out) = prefix.check();
    assert!(ok, "{out}");

    // A directory and a FIFO where the table should be: refused before reading (a
    // FIFO would block the master).
    for kind in ["directory", "fifo"] {
        let prefix = Prefix::new(&env, &Setup::new(http));
        let path = prefix.dir.path().join("tenants.corsb");
        if kind == "directory" {
            std::fs::create_dir(&path).expect("mkdir");
        } else {
            let made = std::process::Command::new("mkfifo").arg(&path).status();
            assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        }
        let (ok, out) = prefix.check();
        assert!(!ok, "{kind}: {out}");
        let expected = "cors_policy_file \"[PREFIX]/tenants.corsb\": not a regular file";
        assert!(out.contains(expected), "{kind}: expected {expected:?} in:\n{out}");
    }
}
