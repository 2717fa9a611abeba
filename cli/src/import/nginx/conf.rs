//! nginx configuration files → a tree of directives, `include`s spliced in.
//!
//! Every directive keeps the file and byte range it came from, so the report can name
//! `nginx.conf:12` and the rewrite can remove exactly its lines. Relative `include`
//! paths are resolved like nginx does: against the directory of the main file (nginx's
//! configuration prefix), and, when nothing is there, against the including file's
//! own directory (what people who run `nginx -c` from elsewhere usually mean). Globs
//! (`*`, `?`) in the last path component are expanded in sorted order, as glob(3) does.

use super::lex::{lex, Tok, Token};
use std::path::{Path, PathBuf};

/// Larger files are refused (a mistaken include of a log file must not eat memory).
const MAX_FILE_SIZE: u64 = 16 << 20;
/// Includes nested deeper than this are a cycle in practice.
const MAX_INCLUDE_DEPTH: usize = 32;
/// Blocks nested deeper than this are refused (bounded recursion).
const MAX_BLOCK_DEPTH: usize = 64;

/// One file read.
#[derive(Debug, Clone)]
pub struct File {
    /// As given or resolved.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Where something is: file index, 1-based line and column, byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    /// Index into [`Conf::files`].
    pub file: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// First byte.
    pub start: usize,
    /// One past the last byte (the `;` or the closing `}` included).
    pub end: usize,
}

/// A directive argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Escapes resolved.
    pub text: String,
    /// Written between quotes.
    pub quoted: bool,
}

/// One directive, with its block when it has one.
#[derive(Debug, Clone)]
pub struct Directive {
    /// `add_header`, `location`, …
    pub name: String,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// `{ … }`, when written.
    pub block: Option<Vec<Directive>>,
    /// The whole directive, name to `;` or `}`.
    pub loc: Loc,
}

impl Directive {
    /// The `n`th argument's text, or `""`.
    pub fn arg(&self, n: usize) -> &str {
        self.args.get(n).map_or("", |a| a.text.as_str())
    }
}

/// A problem reading the configuration.
#[derive(Debug, Clone)]
pub struct ConfError {
    /// Where (the file's start when the file itself is the problem).
    pub loc: Loc,
    /// What.
    pub message: String,
}

/// Everything read: the files, the tree, the problems.
#[derive(Debug, Default)]
pub struct Conf {
    /// Every file, the main one first.
    pub files: Vec<File>,
    /// The main file's directives, includes spliced in.
    pub root: Vec<Directive>,
    /// Syntax errors and unreadable includes.
    pub errors: Vec<ConfError>,
}

impl Conf {
    /// `path:line` of a location.
    pub fn at(&self, loc: Loc) -> String {
        let path =
            self.files.get(loc.file).map_or_else(|| "?".into(), |f| f.path.display().to_string());
        format!("{path}:{}", loc.line)
    }
}

/// Reads `path` and what it includes.
pub fn read(path: &Path) -> Result<Conf, String> {
    let text = read_file(path)?;
    Ok(parse_root(path, text))
}

/// Parses `text` as if read from `path` (includes are read from disk).
pub fn parse_root(path: &Path, text: String) -> Conf {
    let mut conf = Conf::default();
    let prefix = path.parent().map(Path::to_path_buf).unwrap_or_default();
    conf.files.push(File { path: path.to_path_buf(), text });
    let mut reader = Reader { conf, prefix, stack: vec![canonical(path)] };
    let root = reader.parse_file(0, 0);
    reader.conf.root = root;
    reader.conf
}

fn read_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err("larger than 16 MiB".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    // nginx reads bytes; a stray Latin-1 comment must not stop the import.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

struct Reader {
    conf: Conf,
    prefix: PathBuf,
    /// Files being read (include cycle detection).
    stack: Vec<PathBuf>,
}

impl Reader {
    fn parse_file(&mut self, file: usize, depth: usize) -> Vec<Directive> {
        let text = self.conf.files[file].text.clone();
        let (tokens, errors) = lex(&text);
        for e in errors {
            let loc = locate(&text, file, e.at, e.at);
            self.conf.errors.push(ConfError { loc, message: e.message });
        }
        let mut pos = 0;
        let list = self.list(&text, file, &tokens, &mut pos, 0, depth);
        if pos < tokens.len() {
            let loc = locate(&text, file, tokens[pos].start, tokens[pos].end);
            self.conf.errors.push(ConfError { loc, message: "unexpected \"}\"".into() });
        }
        list
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &mut self,
        text: &str,
        file: usize,
        tokens: &[Token],
        pos: &mut usize,
        nesting: usize,
        depth: usize,
    ) -> Vec<Directive> {
        let mut out = Vec::new();
        while let Some(first) = tokens.get(*pos) {
            if first.tok == Tok::Close {
                return out;
            }
            let start = first.start;
            let mut args = Vec::new();
            let mut end_tok = None;
            while let Some(t) = tokens.get(*pos) {
                *pos += 1;
                match &t.tok {
                    Tok::Word { text, quoted } => {
                        args.push(Arg { text: text.clone(), quoted: *quoted })
                    }
                    Tok::Semi | Tok::Open => {
                        end_tok = Some(t.clone());
                        break;
                    }
                    Tok::Close => {
                        *pos -= 1;
                        break;
                    }
                }
            }
            let Some(end) = end_tok else {
                let loc = locate(
                    text,
                    file,
                    start,
                    tokens.get(pos.saturating_sub(1)).map_or(start, |t| t.end),
                );
                let message = if *pos >= tokens.len() {
                    "unexpected end of file, expecting \";\" or \"}\""
                } else {
                    "unexpected \"}\""
                };
                self.conf.errors.push(ConfError { loc, message: message.into() });
                continue;
            };
            if args.is_empty() {
                let loc = locate(text, file, end.start, end.end);
                self.conf
                    .errors
                    .push(ConfError { loc, message: "unexpected \";\" or \"{\"".into() });
                continue;
            }
            let name = args.remove(0).text;
            let block = if end.tok == Tok::Open {
                if nesting >= MAX_BLOCK_DEPTH {
                    let loc = locate(text, file, start, end.end);
                    self.conf
                        .errors
                        .push(ConfError { loc, message: "blocks nested too deep".into() });
                    *pos = tokens.len();
                    return out;
                }
                let inner = self.list(text, file, tokens, pos, nesting + 1, depth);
                if tokens.get(*pos).is_some_and(|t| t.tok == Tok::Close) {
                    *pos += 1;
                } else {
                    let loc = locate(text, file, start, end.end);
                    self.conf.errors.push(ConfError {
                        loc,
                        message: "unexpected end of file, expecting \"}\"".into(),
                    });
                }
                Some(inner)
            } else {
                None
            };
            let stop = tokens.get(pos.saturating_sub(1)).map_or(end.end, |t| t.end);
            let loc = locate(text, file, start, stop.max(end.end));
            if name == "include" && block.is_none() && args.len() == 1 {
                out.extend(self.include(&args[0].text, loc, depth));
                continue;
            }
            out.push(Directive { name, args, block, loc });
        }
        out
    }

    fn include(&mut self, pattern: &str, loc: Loc, depth: usize) -> Vec<Directive> {
        let from_dir =
            self.conf.files[loc.file].path.parent().map(Path::to_path_buf).unwrap_or_default();
        let paths = resolve(pattern, &self.prefix, &from_dir);
        if paths.is_empty() && !pattern.contains(['*', '?']) {
            self.conf
                .errors
                .push(ConfError { loc, message: format!("include \"{pattern}\": no such file") });
        }
        let mut out = Vec::new();
        for path in paths {
            let key = canonical(&path);
            if self.stack.contains(&key) || depth >= MAX_INCLUDE_DEPTH {
                self.conf.errors.push(ConfError {
                    loc,
                    message: format!("include \"{}\" includes itself", path.display()),
                });
                continue;
            }
            match read_file(&path) {
                Ok(text) => {
                    self.conf.files.push(File { path, text });
                    let id = self.conf.files.len() - 1;
                    self.stack.push(key);
                    out.extend(self.parse_file(id, depth + 1));
                    self.stack.pop();
                }
                Err(why) => self.conf.errors.push(ConfError {
                    loc,
                    message: format!("include \"{}\": {why}", path.display()),
                }),
            }
        }
        out
    }
}

/// The files an `include` names: absolute as is; relative against the prefix, then
/// the including file's directory.
fn resolve(pattern: &str, prefix: &Path, from_dir: &Path) -> Vec<PathBuf> {
    let given = Path::new(pattern);
    let bases: Vec<PathBuf> = if given.is_absolute() {
        vec![given.to_path_buf()]
    } else {
        vec![prefix.join(given), from_dir.join(given)]
    };
    for base in bases {
        let found = expand(&base);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A path with `*`/`?` in its last component → the matching files, sorted.
fn expand(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !name.contains(['*', '?']) {
        return if path.is_file() { vec![path.to_path_buf()] } else { Vec::new() };
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| wildcard(name.as_bytes(), e.file_name().to_string_lossy().as_bytes()))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found
}

/// glob(3) for one component: `*` any run, `?` one byte.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            wildcard(&pattern[1..], name) || (!name.is_empty() && wildcard(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => wildcard(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => wildcard(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// Byte range → [`Loc`] with line and column.
pub fn locate(text: &str, file: usize, start: usize, end: usize) -> Loc {
    let start = start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Loc { file, line, col, start, end: end.max(start).min(text.len()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Conf {
        parse_root(Path::new("/nonexistent/nginx.conf"), text.into())
    }

    #[test]
    fn blocks_and_locations() {
        let conf =
            tree("http {\n  server { listen 80; location /a { add_header X y always; } }\n}\n");
        assert!(conf.errors.is_empty(), "{:?}", conf.errors);
        let http = &conf.root[0];
        let server = &http.block.as_ref().map(|b| b[0].clone()).unwrap_or_else(|| unreachable!());
        let loc = &server.block.as_ref().map(|b| b[1].clone()).unwrap_or_else(|| unreachable!());
        assert_eq!((loc.name.as_str(), loc.arg(0), loc.loc.line), ("location", "/a", 2));
    }

    #[test]
    fn errors_are_reported_not_fatal() {
        for text in ["a {", "}", "a b", ";", "a \"x"] {
            let conf = tree(text);
            assert!(!conf.errors.is_empty(), "{text}");
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*.conf", b"a.conf"));
        assert!(!wildcard(b"*.conf", b"a.confx"));
        assert!(wildcard(b"a?c", b"abc"));
    }
}
