//! `corsc import`'s flags (kept here so `args.rs` only names the subcommand).

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `corsc import SOURCE …`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Where the configuration comes from.
    #[command(subcommand)]
    pub source: Source,
}

/// The three sources.
#[derive(Debug, Subcommand)]
pub enum Source {
    /// nginx configuration files (`add_header`/`map`/`if` recipes); includes followed.
    Nginx(NginxArgs),
    /// Kubernetes Ingress objects with ingress-nginx `cors-*` annotations.
    Ingress(YamlArgs),
    /// Gateway API HTTPRoute objects with the CORS filter.
    Gateway(YamlArgs),
}

/// What every source shares.
#[derive(Debug, Args)]
pub struct Common {
    /// Write the policy file here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the tightened policy (holes closed where that is mechanical) instead of
    /// the faithful one.
    #[arg(long)]
    pub fix: bool,
}

/// `corsc import nginx`.
#[derive(Debug, Args)]
pub struct NginxArgs {
    /// Main nginx configuration files (each read with its includes).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output and mode.
    #[command(flatten)]
    pub common: Common,
    /// Print the unified diff of the nginx changes to stdout (needs `-o`).
    #[arg(long, requires = "output")]
    pub diff: bool,
    /// Apply the nginx changes in place (needs `-o`).
    #[arg(long, requires = "output", conflicts_with = "diff")]
    pub write: bool,
    /// The path `cors_policy_file` names (default: the `-o` path as given).
    #[arg(long, value_name = "PATH")]
    pub policy_path: Option<String>,
    /// Send the recipe and the imported policy the same generated requests (through
    /// the import's model of nginx and the module's `decide`) and report every one
    /// where a browser would conclude differently.
    #[arg(long)]
    pub compare: bool,
    /// Also add `load_module PATH;` at the top of the main file.
    #[arg(long, value_name = "PATH")]
    pub load_module: Option<String>,
}

/// `corsc import ingress|gateway`.
#[derive(Debug, Args)]
pub struct YamlArgs {
    /// YAML files (several documents each is fine).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output and mode.
    #[command(flatten)]
    pub common: Common,
}
