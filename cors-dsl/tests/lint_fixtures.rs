//! One file pair per lint code (`tests/fixtures/lint/CORS1NN.cors` and
//! `CORS1NN.ok.cors`): the first must report its code, the near misses of the second
//! must not, and what the first reports is pinned by a snapshot.

use cors_dsl::render::human;
use cors_dsl::{lint, load_file, Diagnostic};
use std::path::{Path, PathBuf};

/// `(code, fires, quiet)` for every pair, sorted.
fn pairs() -> Vec<(String, PathBuf, PathBuf)> {
    let dir = Path::new("tests/fixtures/lint");
    let mut out: Vec<(String, PathBuf, PathBuf)> = std::fs::read_dir(dir)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let code = name.strip_suffix(".cors").filter(|c| c.starts_with("CORS1"))?;
            (!code.contains('.'))
                .then(|| (code.to_string(), p.clone(), dir.join(format!("{code}.ok.cors"))))
        })
        .collect();
    out.sort();
    out
}

fn lint_file(path: &Path) -> (cors_dsl::Loaded, Vec<Diagnostic>) {
    let loaded = load_file(path);
    let set = loaded
        .set
        .as_ref()
        .unwrap_or_else(|| panic!("{} must load: {:#?}", path.display(), loaded.diagnostics));
    let found = lint::lint(set, &loaded.sources);
    (loaded, found)
}

#[test]
fn each_lint_fixture_fires_and_its_near_misses_do_not() {
    let pairs = pairs();
    assert!(pairs.len() >= 20, "expected a fixture pair per lint, found {}", pairs.len());
    for (code, fires, quiet) in pairs {
        let (loaded, found) = lint_file(&fires);
        let mine: Vec<&Diagnostic> = found.iter().filter(|d| d.code == code.as_str()).collect();
        // Every policy of the fixture is one case: each must report the code.
        let set = loaded.set.as_ref().expect("loaded");
        for policy in &set.policies {
            assert!(
                mine.iter()
                    .any(|d| d.span.start >= policy.span.start && d.span.end <= policy.span.end),
                "{}: policy `{}` does not report {code}",
                fires.display(),
                policy.name.node
            );
        }
        let (_, near) = lint_file(&quiet);
        let wrong: Vec<_> = near.iter().filter(|d| d.code == code.as_str()).collect();
        assert!(wrong.is_empty(), "{}: {code} must not fire: {wrong:#?}", quiet.display());
        let rendered =
            human::render(&loaded.sources, &mine.into_iter().cloned().collect::<Vec<_>>(), false);
        insta::assert_snapshot!(format!("lint_fixture_{code}"), rendered);
    }
}
