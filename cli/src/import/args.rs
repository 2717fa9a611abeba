//! `corsc import`'s flags (kept here so `args.rs` only names the subcommand).

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Shown after `corsc import nginx --help`.
const NGINX_EXAMPLES: &str = "\
Examples:
  corsc import nginx /etc/nginx/nginx.conf -o /etc/nginx/cors/imported.cors --diff
  corsc import nginx /etc/nginx/nginx.conf -o imported.cors --verify \\
      --nginx /usr/sbin/nginx --module /usr/lib/nginx/modules/ngx_http_cors_module.so

--verify starts the original configuration and the converted one in that nginx, on
127.0.0.1 ports of their own behind a stub upstream, in a temporary directory (kept
with --keep), and reports every request where a browser would conclude differently.
The faithful policy runs there with its lint errors suppressed, so that what the
recipe does today can be compared.";

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
    #[command(after_help = NGINX_EXAMPLES)]
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
    /// Prove the import in real nginx: start the original configuration and the
    /// converted one (policy written, module loaded) on 127.0.0.1 ports of their own,
    /// behind a stub upstream, send both the same generated requests (every origin
    /// pattern's witnesses and look-alikes, each method and header, with and without
    /// credentials, preflights, upstream errors) and report every request where a
    /// browser would conclude differently, the recipe's own bugs marked as such.
    /// Needs `--module` (or `CORSC_MODULE`).
    #[arg(long)]
    pub verify: bool,
    /// The nginx binary `--verify` runs [default: `CORSC_NGINX`, else `nginx` from PATH].
    #[arg(long, value_name = "PATH", requires = "verify")]
    pub nginx: Option<PathBuf>,
    /// The module (`ngx_http_cors_module.so`) built for that nginx [default:
    /// `CORSC_MODULE`].
    #[arg(long, value_name = "PATH", requires = "verify")]
    pub module: Option<PathBuf>,
    /// Keep `--verify`'s temporary directory (both configurations as they ran, their
    /// error logs) and print where it is.
    #[arg(long, requires = "verify")]
    pub keep: bool,
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
