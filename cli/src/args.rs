//! Every command-line flag of `corsc`, declared once with clap's derive API.
//!
//! This one definition drives parsing, `--help`, the shell completions
//! (`corsc completions`) and the man page (`corsc man`), so they can never disagree.

use clap::{Args, Parser, Subcommand, ValueEnum};
use cors_dsl::SourceLimit;
use std::path::PathBuf;

/// Shown under every `--help`: the contract scripts and CI rely on.
const EXIT_CODES: &str = "\
Exit codes:
  0  clean: no errors (and no warnings with --deny warnings); explain: the browser accepts
  1  findings or errors at the failing level; test: an expectation fails, or none was found;
     fmt --check: files would change;
     explain: the request is refused or the browser would block the response
  2  usage error, unreadable or unwritable file";

/// Check, lint, test, compile, explain and format ngx-cors policies.
#[derive(Debug, Parser)]
#[command(name = "corsc", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// When to use colours. `auto`: on a terminal, unless `NO_COLOR` is set or
    /// `TERM=dumb`; `FORCE_COLOR` or `CLICOLOR_FORCE` turn them on anywhere.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// The largest policy source file read, each file on its own (the root, every
    /// `include` and `include-origins`): bytes, or with k, m or g as in nginx.conf
    /// (`64m`). A bound against reading a wrong file whole; raise it for generated
    /// tenant lists (a million origins is about 50 MB). nginx: `cors_policy_max_size`.
    #[arg(long, value_name = "SIZE", default_value = "16m", value_parser = SourceLimit::parse, global = true)]
    pub max_source_size: SourceLimit,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate policy files; print every language error rustc-style.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Check policy files and run the linter on them.
    #[command(after_help = EXIT_CODES)]
    Lint(LintArgs),
    /// Compile a policy file into a rule table (`.corsb`) for the nginx module.
    #[command(after_help = EXIT_CODES)]
    Compile(CompileArgs),
    /// Show what a policy answers to one request, and why.
    #[command(after_help = EXPLAIN_EXIT_CODES)]
    Explain(ExplainArgs),
    /// Run the policy tests (`expect` statements) of policy files and `*.cors-test` files.
    #[command(after_help = EXIT_CODES)]
    Test(TestArgs),
    /// Print policy files in canonical form, in place.
    #[command(after_help = EXIT_CODES)]
    Fmt(FmtArgs),
    /// Show what a change to a policy file grants and takes away, per policy.
    #[command(after_help = DIFF_EXIT_CODES)]
    Diff(DiffArgs),
    /// List every diagnostic code, or show the documentation of one.
    Rules(RulesArgs),
    /// Read the CORS setup people already have (nginx recipes, ingress-nginx
    /// annotations, Gateway API HTTPRoutes) and write the policies that replace it.
    #[command(after_help = IMPORT_EXIT_CODES)]
    Import(crate::import::args::ImportArgs),
    /// Print a shell completion script to stdout.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff) to stdout, or write every page to a directory.
    Man(ManArgs),
}

/// `corsc man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (`lint` prints `corsc-lint(1)`); `corsc(1)`
    /// when left out.
    pub command: Option<String>,
    /// Write `corsc.1` and one `corsc-COMMAND.1` per subcommand into this directory.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

/// `explain` answers a different question, so its codes read differently.
const EXPLAIN_EXIT_CODES: &str = "\
Exit codes:
  0  a browser would accept the answer (allowed, or passed on to the upstream)
  1  refused by the policy, blocked by the browser (see --credentials), or the policy has errors
  2  usage error (e.g. unknown policy), unreadable file";

/// The inputs of `check`, `lint` and `fmt`.
#[derive(Debug, Args)]
pub struct Inputs {
    /// Policy files; a directory means every `*.cors` file under it, `-` reads
    /// standard input. Files given together are checked as nginx loads them together
    /// (a policy name defined in two files is an error).
    #[arg(required = true, value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// The file name standard input stands for: shown in findings, and `include`s are
    /// resolved relative to it.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
}
/// `import` fails on what it found, not on a policy.
const IMPORT_EXIT_CODES: &str = "\
Exit codes:
  0  imported, and the recipe has no holes (differences the module fixes are listed)
  1  imported, with holes or parts not imported (see the report);
     with --fix: the tightened policy still has errors;
     with --verify: a difference the import does not explain, or the check could
     not run (both listed as `not imported`)
  2  usage error, unreadable or unwritable file";

/// `corsc check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// What to check.
    #[command(flatten)]
    pub inputs: Inputs,
}

/// `corsc lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// What to lint.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output format; machine formats are written to stdout, `human` to stderr.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to this file instead (any format; written even when an input
    /// cannot be read).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// `warnings`: warnings fail the run too. A code or name (`CORS104`,
    /// `insecure-origin`): report that lint as an error. Repeat the flag or separate
    /// values with commas.
    #[arg(long, value_name = "warnings|CODE", value_delimiter = ',')]
    pub deny: Vec<String>,
    /// Report these lints (code or name) as warnings.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub warn: Vec<String>,
    /// Drop findings of these lints (code or name). Language errors cannot be allowed.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub allow: Vec<String>,
    /// Apply the machine-applicable fixes in place (repeatedly, until none is left),
    /// then report what remains. With `-`, the fixed text goes to stdout.
    #[arg(long)]
    pub fix: bool,
    /// Exit 0 even when findings fail the run (unreadable inputs still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the findings only: no summary line, no count of fixes.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `corsc test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Policy files (`.cors`), test files (`.cors-test`), or directories (every
    /// `*.cors-test` file under them).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format; machine formats are written to stdout, `human` to stderr.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// `corsc compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The root policy file.
    pub file: PathBuf,
    /// Where to write the table (written atomically). Required unless `--emit json`.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Write a JSON dump of the table instead (to stdout, or to `-o`).
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
}

/// `corsc explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A policy file (`.cors`) or a compiled table (`.corsb`).
    pub file: PathBuf,
    /// The policy to ask (as in `cors NAME;`); may be left out when the file has one.
    #[arg(long, short)]
    pub policy: Option<String>,
    /// The request's `Origin`, exactly as the browser sends it.
    #[arg(long, short)]
    pub origin: String,
    /// The request method; with `--preflight`, the `Access-Control-Request-Method`.
    #[arg(long, short, default_value = "GET")]
    pub method: String,
    /// A header the page sets with a value that is not CORS-safelisted (with
    /// `--preflight`, one `Access-Control-Request-Headers` line each). Repeat for
    /// several. Without `--preflight`, a header or method that makes a browser send a
    /// preflight first is asked as that preflight first.
    #[arg(long = "header", short = 'H', value_name = "NAME")]
    pub headers: Vec<String>,
    /// Ask the preflight (`OPTIONS`) instead of the actual request.
    #[arg(long)]
    pub preflight: bool,
    /// The page sends cookies or other credentials (`credentials: "include"`).
    #[arg(long)]
    pub credentials: bool,
    /// The preflight carries `Access-Control-Request-Private-Network: true`.
    #[arg(long, requires = "preflight")]
    pub private_network: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// `corsc fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// What to format, in place (`-`: standard input to standard output).
    #[command(flatten)]
    pub inputs: Inputs,
    /// Write nothing; exit 1 and list the files that would change.
    #[arg(long)]
    pub check: bool,
    /// Write nothing; print a unified diff of the changes and exit 1 if there are any.
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
}

/// `diff` fails on what a change does, with `--fail-on`.
const DIFF_EXIT_CODES: &str = "\
Exit codes:
  0  compared (whatever changed, unless --fail-on says otherwise)
  1  --fail-on widen: some access widens, or a change cannot be judged;
     --fail-on any: anything changes for browsers
  2  usage error, a side that cannot be read (file, git revision, include) or has errors";

/// `corsc diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version: a policy file, or `REV:PATH` for the file in a git revision
    /// (`main:policies.cors`; read with `git show` in the current directory).
    pub old: String,
    /// The new version, the same way.
    pub new: String,
    /// Output format (to stdout).
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Exit 1 when a change of this kind is found: `widen` (some access widens, or a
    /// change cannot be judged), `any` (anything changes for browsers).
    #[arg(long, value_enum, value_name = "KIND")]
    pub fail_on: Option<FailOn>,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Aligned text.
    Human,
    /// A Markdown section, for a pull-request comment.
    Markdown,
    /// One JSON document.
    Json,
}

/// `diff --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A change that widens access, or one that cannot be judged.
    Widen,
    /// Any change for browsers.
    Any,
}

/// `corsc rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Show this code's documentation (e.g. `CORS007`) instead of the list.
    pub code: Option<String>,
}

/// How diagnostics are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// rustc-style text with source snippets (stderr).
    Human,
    /// One JSON document (stdout).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards (stdout).
    Sarif,
    /// GitHub Actions workflow commands, shown as annotations (stdout).
    Github,
}

/// Alternative outputs of `compile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// A readable JSON dump of the table.
    Json,
}

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Aligned text.
    Human,
    /// One JSON object.
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `docs/cli.md` names every subcommand and every long flag it takes.
    #[test]
    fn docs_name_every_command_and_flag() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cli.md");
        let docs = std::fs::read_to_string(path).unwrap_or_default();
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            assert!(docs.contains(&format!("`corsc {name}")), "docs/cli.md: no `corsc {name}`");
            for arg in sub.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                if ["help", "version", "color"].contains(&long) {
                    continue;
                }
                assert!(docs.contains(&format!("--{long}")), "docs/cli.md: no --{long} ({name})");
            }
        }
    }
}
