//! `corsc`: the command line of ngx-cors.
//!
//! This file only wires things together: parse the flags (`args`), decide about
//! colours, run one command (`commands`), and turn the outcome into the documented exit
//! code (0 clean, 1 findings, 2 usage or I/O error). All CORS logic lives in `cors-dsl`.

mod args;
mod commands;
mod import;

use anyhow::Context as _;
use args::{Cli, ColorChoice, Command, ManArgs};
use clap::{CommandFactory, Parser};
use commands::{CliError, Outcome, Term};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help/--version, as documented.
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Ok(Outcome::InputFailed) => ExitCode::from(2),
        Err(err) => {
            // A closed pipe (`corsc rules | head`) is the reader's choice, not a failure.
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let env = ColorEnv::from_env();
    commands::input::set_source_limit(cli.max_source_size);
    let mut term = Term {
        color_out: use_color(cli.color, stdout.is_terminal(), &env),
        color_err: use_color(cli.color, stderr.is_terminal(), &env),
        out: &mut stdout.lock(),
        err: &mut stderr.lock(),
    };
    let outcome = match cli.command {
        Command::Check(a) => commands::check::run(&a, &mut term),
        Command::Lint(a) => commands::lint::run(&a, &mut term),
        Command::Compile(a) => commands::compile::run(&a, &mut term),
        Command::Explain(a) => commands::explain::run(&a, &mut term),
        Command::Fmt(a) => commands::fmt::run(&a, &mut term),
        Command::Diff(a) => commands::diff::run(&a, &mut term),
        Command::Test(a) => commands::test::run(&a, &mut term),
        Command::Rules(a) => commands::rules::run(&a, &mut term),
        Command::Import(a) => import::run(&a, &mut term),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "corsc", term.out);
            Ok(Outcome::Clean)
        }
        Command::Man(a) => man(&a, &mut term),
    };
    let outcome = outcome.map_err(anyhow::Error::new)?;
    term.out.flush().context("cannot write to stdout")?;
    Ok(outcome)
}

/// `corsc man`: the page of the whole tool or of one subcommand (`corsc-lint(1)`), or
/// every page into a directory, all generated from the same clap definitions as `--help`.
fn man(args: &ManArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building names each subcommand `corsc-NAME`, the page's title and file name.
    cmd.build();
    if let Some(dir) = &args.dir {
        let io = |source| CliError::Io { action: "write", path: dir.clone(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        clap_mangen::generate_to(cmd, dir).map_err(io)?;
        return Ok(Outcome::Clean);
    }
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                let msg = format!("no command `{name}` (one of {})", names.join(", "));
                return Err(CliError::Usage(msg));
            }
        },
    };
    clap_mangen::Man::new(page).render(term.out).map_err(CliError::Write)?;
    Ok(Outcome::Clean)
}

/// The environment variables that decide colours under `--color auto`.
#[derive(Debug, Default, Clone)]
struct ColorEnv {
    /// `NO_COLOR` set and non-empty (<https://no-color.org>).
    no_color: bool,
    /// `FORCE_COLOR` or `CLICOLOR_FORCE` set, non-empty and not `0` (or `false`).
    force: bool,
    /// `TERM=dumb`: a terminal that cannot show escape sequences.
    dumb: bool,
}

impl ColorEnv {
    fn from_env() -> ColorEnv {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let forcing = |name: &str| var(name).is_some_and(|v| v != "0" && v != "false");
        ColorEnv {
            no_color: var("NO_COLOR").is_some(),
            force: forcing("FORCE_COLOR") || forcing("CLICOLOR_FORCE"),
            dumb: var("TERM").is_some_and(|t| t == "dumb"),
        }
    }
}

/// `--color always|never` decide; `auto` follows the conventions in this order:
/// `NO_COLOR` turns colours off, `FORCE_COLOR`/`CLICOLOR_FORCE` on (even into a pipe),
/// `TERM=dumb` off, and otherwise a terminal gets them.
fn use_color(choice: ColorChoice, is_tty: bool, env: &ColorEnv) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto if env.force => true,
        ColorChoice::Auto => is_tty && !env.dumb,
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || matches!(e.downcast_ref::<CliError>(), Some(CliError::Write(io)) if io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_choice() {
        let plain = ColorEnv::default();
        let no_color = ColorEnv { no_color: true, ..ColorEnv::default() };
        let force = ColorEnv { force: true, ..ColorEnv::default() };
        let dumb = ColorEnv { dumb: true, ..ColorEnv::default() };
        let force_dumb = ColorEnv { force: true, dumb: true, ..ColorEnv::default() };
        let force_no = ColorEnv { force: true, no_color: true, ..ColorEnv::default() };
        // (choice, is a terminal, environment, expected)
        let cases = [
            (ColorChoice::Auto, true, &plain, true),
            (ColorChoice::Auto, false, &plain, false),
            (ColorChoice::Auto, true, &no_color, false),
            (ColorChoice::Auto, false, &force, true),
            (ColorChoice::Auto, true, &dumb, false),
            (ColorChoice::Auto, false, &force_dumb, true),
            (ColorChoice::Auto, true, &force_no, false),
            (ColorChoice::Always, false, &no_color, true),
            (ColorChoice::Never, true, &force, false),
        ];
        for (choice, tty, env, expected) in cases {
            let case = format!("{choice:?} tty={tty} {env:?}");
            assert_eq!(use_color(choice, tty, env), expected, "{case}");
        }
    }
}
