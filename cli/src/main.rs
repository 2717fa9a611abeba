//! `corsc`: the command line of ngx-cors.
//!
//! This file only wires things together: parse the flags (`args`), decide about
//! colours, run one command (`commands`), and turn the outcome into the documented exit
//! code (0 clean, 1 findings, 2 usage or I/O error). All CORS logic lives in `cors-dsl`.

mod args;
mod commands;

use anyhow::Context as _;
use args::{Cli, ColorChoice, Command};
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
    let mut term = Term {
        color_out: use_color(cli.color, stdout.is_terminal(), std::env::var_os("NO_COLOR")),
        color_err: use_color(cli.color, stderr.is_terminal(), std::env::var_os("NO_COLOR")),
        out: &mut stdout.lock(),
        err: &mut stderr.lock(),
    };
    let outcome = match cli.command {
        Command::Check(a) => commands::check::run(&a, &mut term),
        Command::Lint(a) => commands::lint::run(&a, &mut term),
        Command::Compile(a) => commands::compile::run(&a, &mut term),
        Command::Explain(a) => commands::explain::run(&a, &mut term),
        Command::Fmt(a) => commands::fmt::run(&a, &mut term),
        Command::Test(a) => commands::test::run(&a, &mut term),
        Command::Rules(a) => commands::rules::run(&a, &mut term),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "corsc", term.out);
            Ok(Outcome::Clean)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(term.out)
            .map(|()| Outcome::Clean)
            .map_err(CliError::Write),
    };
    let outcome = outcome.map_err(anyhow::Error::new)?;
    term.out.flush().context("cannot write to stdout")?;
    Ok(outcome)
}

/// `auto` follows the NO_COLOR convention (<https://no-color.org>): set and non-empty
/// disables colours.
fn use_color(choice: ColorChoice, is_tty: bool, no_color: Option<std::ffi::OsString>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && no_color.is_none_or(|v| v.is_empty()),
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
        let set = || Some("1".into());
        let empty = || Some("".into());
        // (choice, is a terminal, NO_COLOR, expected)
        let cases = [
            (ColorChoice::Auto, true, None, true),
            (ColorChoice::Auto, false, None, false),
            (ColorChoice::Auto, true, set(), false),
            (ColorChoice::Auto, true, empty(), true),
            (ColorChoice::Always, false, set(), true),
            (ColorChoice::Never, true, None, false),
        ];
        for (choice, tty, no_color, expected) in cases {
            let case = format!("{choice:?} tty={tty} NO_COLOR={no_color:?}");
            assert_eq!(use_color(choice, tty, no_color), expected, "{case}");
        }
    }
}
