//! One side of `corsc diff`: a policy file on disk, or `REV:PATH`, the file as it is
//! in a git revision (read with `git show`, run in the current directory, like every
//! git command the user would type).
//!
//! A file in a revision may `include` others. They are read from the same revision
//! when the path stays inside the repository (relative, no escape through `..`); the
//! files are then laid out in a private temporary directory and loaded from there, so
//! the one loader resolves them exactly as it does on disk. Anything else (an
//! absolute path, a file the revision does not have) is reported as not followed:
//! comparing without it would compare the wrong policy.

use crate::commands::input::{self, Input};
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{Loaded, SourceMap};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Where one side comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// A file in a git revision: `rev` may be empty (`:PATH`, the index).
    Revision {
        /// As given (`main`, `HEAD~1`, a hash).
        rev: String,
        /// As given, after the first `:`.
        path: String,
    },
}

impl Origin {
    /// A path that exists is a file; otherwise `REV:PATH` (anything with a `:` and
    /// a path after it) is a revision.
    pub fn parse(arg: &str) -> Origin {
        if Path::new(arg).exists() {
            return Origin::File(arg.into());
        }
        match arg.split_once(':') {
            Some((rev, path)) if !path.is_empty() => {
                Origin::Revision { rev: rev.into(), path: path.into() }
            }
            _ => Origin::File(arg.into()),
        }
    }

    /// How the side is named in output.
    pub fn label(&self) -> String {
        match self {
            Origin::File(p) => p.display().to_string(),
            Origin::Revision { rev, path } => format!("{rev}:{path}"),
        }
    }
}

/// Why a side cannot be read (exit 2); one line.
#[derive(Debug)]
pub struct Unreadable(pub String);

/// Reads and loads one side. The loaded sources are named as the user would name them
/// (`main:policies.cors`), never after a temporary directory.
pub fn load(origin: &Origin) -> Result<Loaded, Unreadable> {
    match origin {
        Origin::File(path) => {
            let input = Input::File { path: path.clone(), found: false };
            let text = input::read_source(&input).map_err(|e| Unreadable(e.message))?;
            Ok(cors_dsl::load_str_with(path, &text, input::source_limit()))
        }
        Origin::Revision { rev, path } => load_revision(rev, path),
    }
}

fn load_revision(rev: &str, path: &str) -> Result<Loaded, Unreadable> {
    let root = repo_path(path)?;
    let label = |p: &str| format!("{rev}:{p}");
    let text = git_show(rev, &root)?;
    let mut files = vec![(root.clone(), text)];
    // Every file the root includes, transitively, read from the same revision.
    let mut next = 0;
    while let Some((file, text)) = files.get(next).cloned() {
        next += 1;
        for include in includes(&file, &text) {
            let target = resolve(&file, &include).ok_or_else(|| {
                Unreadable(format!(
                    "`{}` includes `{include}`, which is not followed in a revision (only \
                     relative paths inside the repository are); compare files on disk instead",
                    label(&file)
                ))
            })?;
            if files.iter().any(|(f, _)| *f == target) {
                continue;
            }
            let text = git_show(rev, &target).map_err(|Unreadable(why)| {
                Unreadable(format!(
                    "`{}` includes `{include}`, which is not followed: {why}",
                    label(&file)
                ))
            })?;
            files.push((target, text));
        }
    }
    if files.len() == 1 {
        return Ok(cors_dsl::load_str_with(
            Path::new(&label(path)),
            &files[0].1,
            input::source_limit(),
        ));
    }
    let dir = TempDir::new().map_err(|e| Unreadable(format!("cannot lay out `{rev}`: {e}")))?;
    for (file, text) in &files {
        let at = dir.0.join(file);
        let written = at
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&at, text));
        written.map_err(|e| Unreadable(format!("cannot lay out `{rev}`: {e}")))?;
    }
    let loaded = cors_dsl::load_file_with(&dir.0.join(&root), input::source_limit());
    let rename = |p: &Path| match p.strip_prefix(&dir.0) {
        Ok(inside) if inside == Path::new(&root) => label(path),
        Ok(inside) => label(&inside.to_string_lossy()),
        Err(_) => p.display().to_string(),
    };
    Ok(Loaded { sources: renamed(&loaded.sources, rename), ..loaded })
}

/// `sources` with every path renamed (file ids unchanged).
fn renamed(sources: &SourceMap, rename: impl Fn(&Path) -> String) -> SourceMap {
    let mut out = SourceMap::new();
    for (_, file) in sources.files() {
        out.add(SourceFile::new(rename(&file.path), file.text.clone()));
    }
    out
}

/// The path git's `REV:PATH` names, relative to the repository's top: as given, or,
/// when it starts with `./` or `../` (relative to the current directory, as git reads
/// it), joined to the current directory's place in the repository.
fn repo_path(path: &str) -> Result<String, Unreadable> {
    if !(path.starts_with("./") || path.starts_with("../")) {
        return normalise(Path::new(path))
            .ok_or_else(|| Unreadable(format!("`{path}` leaves the repository")));
    }
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    normalise(&Path::new(prefix.trim()).join(path))
        .ok_or_else(|| Unreadable(format!("`{path}` leaves the repository")))
}

/// `include`d path `include` of repository file `file`, inside the repository.
fn resolve(file: &str, include: &str) -> Option<String> {
    let include = Path::new(include);
    if include.is_absolute() {
        return None;
    }
    normalise(&Path::new(file).parent().unwrap_or(Path::new("")).join(include))
}

/// `a/./b/../c` → `a/c`; `None` when `..` climbs above the start.
fn normalise(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The paths `include`d by a file's text, at any depth (syntax errors are reported
/// when the file is loaded).
fn includes(file: &str, text: &str) -> Vec<String> {
    fn walk(directives: &[cors_dsl::ast::Directive], out: &mut Vec<String>) {
        for d in directives {
            if d.name() == "include" {
                out.extend(d.args.first().map(|a| a.value.clone()));
            }
            if let Some(block) = &d.block {
                walk(&block.directives, out);
            }
        }
    }
    let source = SourceFile::new(file, text);
    let (doc, _) = cors_dsl::syntax::parse(&source, FileId(0));
    let mut out = Vec::new();
    walk(&doc.directives, &mut out);
    out
}

/// The text of `path` in `rev`, read as policy source.
fn git_show(rev: &str, path: &str) -> Result<String, Unreadable> {
    let spec = format!("{rev}:{path}");
    let bytes = git_bytes(&["show", &spec])?;
    // The same checks as a file on disk (binary, empty, not UTF-8, a `.corsb`).
    input::classify(Path::new(&spec), bytes).map_err(Unreadable)
}

/// Runs git in the current directory; its stdout, or its complaint as the reason.
fn git(args: &[&str]) -> Result<String, Unreadable> {
    git_bytes(args).map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn git_bytes(args: &[&str]) -> Result<Vec<u8>, Unreadable> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| Unreadable(format!("cannot run git: {e}")))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let why = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("git failed")
        .trim_start_matches("fatal: ")
        .to_string();
    Err(Unreadable(format!("`git {}`: {why}", args.join(" "))))
}

/// A private directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("corsc-diff-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_files_or_revisions() {
        let rev = |r: &str, p: &str| Origin::Revision { rev: r.into(), path: p.into() };
        assert_eq!(Origin::parse("main:policies.cors"), rev("main", "policies.cors"));
        assert_eq!(Origin::parse("HEAD~1:conf/a.cors"), rev("HEAD~1", "conf/a.cors"));
        assert_eq!(Origin::parse(":a.cors"), rev("", "a.cors"));
        assert_eq!(Origin::parse("no/such/file.cors"), Origin::File("no/such/file.cors".into()));
        assert_eq!(Origin::parse("origin/main:a.cors"), rev("origin/main", "a.cors"));
        assert_eq!(Origin::parse("Cargo.toml"), Origin::File("Cargo.toml".into()));
    }

    #[test]
    fn includes_stay_inside_the_repository() {
        assert_eq!(resolve("conf/a.cors", "b.cors").as_deref(), Some("conf/b.cors"));
        assert_eq!(resolve("conf/a.cors", "../b.cors").as_deref(), Some("b.cors"));
        assert_eq!(resolve("conf/a.cors", "./x/../b.cors").as_deref(), Some("conf/b.cors"));
        assert_eq!(resolve("a.cors", "../b.cors"), None);
        assert_eq!(resolve("a.cors", "/etc/b.cors"), None);
    }
}
