//! `corsc import`: read the CORS configuration people already have and write the
//! policies that replace it, with a report of what the old setup does (holes
//! included) at the line responsible.
//!
//! Each source has its own reader (`nginx/`, `ingress.rs`, `gateway.rs`) that produces
//! [`draft::Draft`]s and [`draft::Note`]s; `draft.rs` writes them and asks the
//! project's linter about the result. Nothing here changes what a policy means: the
//! policy language and its checks stay in `cors-dsl`.

pub mod args;
pub mod draft;
pub mod gateway;
pub mod ingress;
pub mod nginx;
mod yaml;

use crate::commands::{write_atomic, write_block, CliError, Outcome, Term};
use args::{Common, ImportArgs, NginxArgs, Source, YamlArgs};
use draft::{Draft, Level, Mode, Note};
use std::path::{Path, PathBuf};

/// Runs `corsc import`.
pub fn run(args: &ImportArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    match &args.source {
        Source::Nginx(a) => run_nginx(a, term),
        Source::Ingress(a) => run_yaml(a, term, "ingress", ingress::import),
        Source::Gateway(a) => run_yaml(a, term, "gateway", gateway::import),
    }
}

/// What an import produced, whatever the source.
#[derive(Debug, Default)]
pub struct Imported {
    /// The policies.
    pub drafts: Vec<Draft>,
    /// The findings.
    pub notes: Vec<Note>,
    /// Extra lines for the report (location mappings).
    pub mapping: Vec<String>,
    /// `--verify` found a difference the import does not explain, or could not run.
    pub unverified: bool,
}

/// Writes the policy text and lints it (the lint findings join the notes); `loads`
/// says whether it would load.
fn policy(imported: &mut Imported, common: &Common, source: &str) -> (draft::Written, bool) {
    let mode = mode(common);
    let header = format!(
        "Imported by `corsc import {source}`{}.\nThe report (stderr) lists what the original did, holes included.",
        if common.fix { " --fix: holes closed where that is mechanical" } else { ": what browsers experience today" }
    );
    let name = common.output.clone().unwrap_or_else(|| "imported.cors".into());
    let mut written = draft::render(&imported.drafts, mode, &header);
    if mode == Mode::Fix {
        written = draft::apply_lint_fixes(written, &name);
    }
    let (lint_notes, loads) = draft::lint(&written, &name);
    imported.notes.extend(lint_notes);
    (written, loads)
}

fn mode(common: &Common) -> Mode {
    if common.fix {
        Mode::Fix
    } else {
        Mode::Faithful
    }
}

/// Writes the policy, prints the report; the outcome says whether anything needs a
/// person.
fn finish(
    imported: &mut Imported,
    common: &Common,
    written: &draft::Written,
    loads: bool,
    term: &mut Term<'_>,
) -> Result<Outcome, CliError> {
    imported.notes.sort_by_key(|n| n.at.sort_key());
    imported.notes.dedup();
    match &common.output {
        Some(path) => write_atomic(path, written.text.as_bytes())?,
        None => write_block(term.out, &written.text)?,
    }
    let mut report = draft::report(&imported.notes);
    for m in &imported.mapping {
        report.push_str(m);
        report.push('\n');
    }
    let holes = imported.notes.iter().filter(|n| n.level >= Level::Hole).count();
    let differs = imported.notes.iter().filter(|n| n.level == Level::Differs).count();
    report.push_str(&format!(
        "{} {}, {} with holes or parts not imported, {} where the module behaves differently{}\n",
        imported.drafts.len(),
        if imported.drafts.len() == 1 { "policy" } else { "policies" },
        holes,
        differs,
        if loads { "" } else { "; the policy as written does not load (see the errors above)" },
    ));
    write_block(term.err, &report)?;
    let failed = imported.unverified || if common.fix { !loads } else { holes > 0 || !loads };
    Ok(Outcome::from_failed(failed))
}

fn run_nginx(args: &NginxArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut imported = Imported::default();
    let mut edits = Vec::new();
    for path in &args.files {
        let conf = nginx::conf::read(path).map_err(|why| CliError::Io {
            action: "read",
            path: path.clone(),
            source: std::io::Error::other(why),
        })?;
        let checks = nginx::recipe::Checks { compare: args.compare, plan: args.verify };
        let mut analysis = nginx::recipe::analyse(&conf, checks);
        if let Some(t) = analysis.compared {
            imported.mapping.push(format!(
                "{}: compared {} requests: {} where a browser concludes differently, {} of them the recipe's own bugs",
                path.display(),
                t.requests,
                t.differences,
                t.recipe_bugs
            ));
        }
        // Policy names are unique across every file imported together.
        for d in &mut analysis.drafts {
            let base = d.name.clone();
            let mut n = 2;
            while imported.drafts.iter().any(|o| o.name == d.name) {
                d.name = format!("{base}_{n}");
                n += 1;
            }
        }
        for site in &analysis.sites {
            let policy = site
                .policy
                .and_then(|p| analysis.drafts.get(p))
                .map_or("(none)", |d| d.name.as_str());
            let place = if site.path.is_empty() {
                String::new()
            } else {
                format!(" location {}", site.path)
            };
            imported.mapping.push(format!(
                "{}: server {}{place} -> cors {policy};",
                conf.at(site.owner),
                site.server
            ));
        }
        let policy_path = args
            .policy_path
            .clone()
            .or_else(|| args.common.output.as_ref().map(|p| p.display().to_string()))
            .unwrap_or_else(|| "imported.cors".into());
        let changed =
            nginx::rewrite::rewrite(&conf, &analysis, &policy_path, args.load_module.as_deref());
        imported.notes.append(&mut analysis.notes);
        imported.drafts.extend(analysis.drafts.iter().cloned());
        edits.push((conf, changed, analysis));
    }
    let (written, loads) = policy(&mut imported, &args.common, "nginx");
    if args.verify {
        let opts = verify_options(args)?;
        for (conf, _, analysis) in &edits {
            let v = nginx::verify::verify(conf, analysis, &written.text, mode(&args.common), &opts);
            imported.unverified |= v.notes.iter().any(|n| n.level == Level::Unknown);
            imported.notes.extend(v.notes);
            imported.mapping.push(v.summary);
        }
    }
    let outcome = finish(&mut imported, &args.common, &written, loads, term)?;
    if args.diff {
        for (conf, changed, _) in &edits {
            write_block(term.out, &nginx::rewrite::diff(conf, changed))?;
        }
    }
    if args.write {
        for (conf, changed, _) in &edits {
            for (f, text) in changed {
                write_atomic(&conf.files[*f].path, text.as_bytes())?;
            }
        }
    }
    Ok(outcome)
}

fn run_yaml(
    args: &YamlArgs,
    term: &mut Term<'_>,
    source: &str,
    import: fn(&Path, &str, &mut Imported),
) -> Result<Outcome, CliError> {
    let mut imported = Imported::default();
    for path in &args.files {
        let text = read_text(path)?;
        import(path, &text, &mut imported);
    }
    let (written, loads) = policy(&mut imported, &args.common, source);
    finish(&mut imported, &args.common, &written, loads, term)
}

/// `--nginx`/`--module`, or `CORSC_NGINX`/`CORSC_MODULE`; nginx defaults to the one on
/// `PATH`.
fn verify_options(args: &NginxArgs) -> Result<nginx::verify::Options, CliError> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let nginx =
        args.nginx.clone().or_else(|| from_env("CORSC_NGINX")).unwrap_or_else(|| "nginx".into());
    let module = args.module.clone().or_else(|| from_env("CORSC_MODULE")).ok_or_else(|| {
        CliError::Usage("--verify needs the module: --module PATH or CORSC_MODULE".into())
    })?;
    Ok(nginx::verify::Options { nginx, module, keep: args.keep })
}

/// A YAML file's text (UTF-8, as YAML 1.2 streams are in practice).
fn read_text(path: &Path) -> Result<String, CliError> {
    let io = |source| CliError::Io { action: "read", path: path.into(), source };
    let bytes = std::fs::read(path).map_err(io)?;
    String::from_utf8(bytes)
        .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces nginx configurations and recipes are made of, so generated input reaches
    /// deep into the reader and the interpreter instead of failing at the first byte.
    const PIECES: &[&str] = &[
        "http",
        "server",
        "location",
        "/",
        "{",
        "}",
        ";",
        " ",
        "\n",
        "if",
        "(",
        ")",
        "($http_origin",
        "~*",
        "~",
        "!~",
        "=",
        "\"^https://a\\.example\\.com$\"",
        "'x'",
        "\"",
        "'",
        "\\",
        "map",
        "$http_origin",
        "$cors",
        "${cors}x",
        "default",
        "\"\"",
        "set",
        "return",
        "204",
        "add_header",
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "true",
        "always",
        "more_set_headers",
        "\"Access-Control-Allow-Origin: *\"",
        "include",
        "x.conf",
        "#",
        "OPTIONS",
        "$request_method",
        "~^https://(a|b)\\.x$",
        "(?!x)",
        "[",
        "*",
        "null",
        "https://a.example.com",
        "proxy_pass",
        "\u{e9}",
        "\r",
    ];

    fn run_all(text: &str) {
        run_with(text, true)
    }

    /// `compare`: also plan the requests and run them through the models (the slow
    /// part: milliseconds per location).
    fn run_with(text: &str, compare: bool) {
        let conf = nginx::conf::parse_root(Path::new("/nonexistent/fuzz.conf"), text.to_string());
        let checks = nginx::recipe::Checks { compare, plan: compare };
        let analysis = nginx::recipe::analyse(&conf, checks);
        let edits = nginx::rewrite::rewrite(&conf, &analysis, "p.cors", Some("m.so"));
        let _ = nginx::rewrite::diff(&conf, &edits);
        for mode in [Mode::Faithful, Mode::Fix] {
            let w = draft::render(&analysis.drafts, mode, "h");
            let _ = draft::lint(&w, Path::new("p.cors"));
        }
        let mut imported = Imported::default();
        ingress::import(Path::new("i.yaml"), text, &mut imported);
        gateway::import(Path::new("g.yaml"), text, &mut imported);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn import_never_panics_on_recipe_like_input(pieces in proptest::collection::vec(0..PIECES.len(), 0..80)) {
            let text: String = pieces.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
            run_all(&text);
        }

        #[test]
        fn import_never_panics_on_any_text(text in "\\PC{0,200}") {
            run_all(&text);
        }
    }

    #[test]
    fn corpus_recipes_survive_every_truncation() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/nginx");
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            // Every seventh cut; the request plan and `--compare` on every third of
            // those (they dominate the time, and cuts a few bytes apart plan alike).
            let cuts = (0..text.len()).filter(|&i| text.is_char_boundary(i)).step_by(7);
            for (n, cut) in cuts.enumerate() {
                run_with(&text[..cut], n % 3 == 0);
            }
        }
    }
}
