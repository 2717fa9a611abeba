//! Finds the CORS recipe of every `server`/`location` and says what it does.
//!
//! For each place a request can end up (a location, or a server without locations)
//! whose configuration levels mention an `Access-Control-*` header, the recipe is
//! probed ([`super::eval`]) with the origins it names (map keys, `if` regexes, literal
//! values; regexes through sample origins of each branch) and with a stranger's
//! origin, as actual requests (answered 200 and 500 by the upstream), preflights and
//! a plain `OPTIONS`. What comes back decides the policy's rules; how it comes back
//! (missing on errors, twice, `*` with credentials, every `OPTIONS` answered, no
//! `Vary`) becomes [`Note`]s at the line responsible.

use super::conf::{Conf, Directive, Loc};
use super::eval::{if_condition, Answer, Chain, Evaluator, Map, Probe};
use super::judge::Tally;
use super::plan::Plan;
use super::regex::{samples, whole_match};
use crate::import::draft::{At, Draft, DraftOrigin, DraftRule, Level, Note, Preflight};
use std::collections::HashMap;

/// An origin no recipe names: whether it is let in says "reflects anything".
pub const STRANGER: &str = "https://corsc-import-probe.example";
/// The response headers the import turns into policy statements.
const KNOWN: [&str; 7] = [
    "access-control-allow-private-network",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
];
/// The header name preflight probes ask for.
const PROBE_HEADER: &str = "x-corsc-probe";

/// One place a request can end up, and where its recipe lives.
#[derive(Debug, Clone)]
pub struct Site {
    /// `server_name`s, for naming and reports.
    pub server: String,
    /// The location's arguments (`/api/`, `= /x`), empty for the server itself.
    pub path: String,
    /// The `location` (or `server`) directive.
    pub owner: Loc,
    /// The block holding the recipe's `Access-Control-Allow-Origin`, when one answered.
    pub home: Option<Loc>,
    /// The policy it gets (index into [`Analysis::drafts`]).
    pub policy: Option<usize>,
    /// The requests `--compare` and `--verify` send it (when asked for).
    pub plan: Option<Plan>,
}

/// The analysis of one configuration.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Distinct policies.
    pub drafts: Vec<Draft>,
    /// Every site with a recipe.
    pub sites: Vec<Site>,
    /// Findings.
    pub notes: Vec<Note>,
    /// The `http` block, for `cors_policy_file`.
    pub http: Option<Loc>,
    /// `--compare`'s tally, when asked for.
    pub compared: Option<Tally>,
}

/// A candidate origin named by the recipe.
#[derive(Debug, Clone)]
struct Candidate {
    origin: DraftOrigin,
    samples: Vec<String>,
    at: Loc,
}

/// What [`analyse`] does beyond reading the recipe.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks {
    /// Plan the requests for every site with a policy ([`Site::plan`]).
    pub plan: bool,
    /// Run them through the models (`--compare`); implies `plan`.
    pub compare: bool,
}

/// Analyses the whole configuration.
pub fn analyse(conf: &Conf, checks: Checks) -> Analysis {
    let mut analysis =
        Analysis { compared: checks.compare.then(Default::default), ..Analysis::default() };
    for e in &conf.errors {
        analysis.notes.push(Note::new(
            Level::Unknown,
            at(conf, e.loc),
            format!("nginx syntax: {}", e.message),
        ));
    }
    let (http_body, http_loc): (&[Directive], Option<Loc>) =
        match conf.root.iter().find(|d| d.name == "http") {
            Some(h) => (h.block.as_deref().unwrap_or(&[]), Some(h.loc)),
            None => (&conf.root, None),
        };
    analysis.http = http_loc;
    let mut maps = HashMap::new();
    for d in http_body.iter().filter(|d| d.name == "map") {
        match Map::read(d) {
            Some((name, map)) => {
                maps.insert(name, map);
            }
            None => analysis.notes.push(Note::new(
                Level::Unknown,
                at(conf, d.loc),
                "a `map` the import cannot read",
            )),
        }
    }
    let candidates = candidates(conf, http_body, &maps, &mut analysis.notes);
    let mut eval = Evaluator::new(&maps);
    walk_all(&conf.root, &mut |d| {
        if d.name == "set" {
            if let Some(v) = d.arg(0).strip_prefix('$') {
                eval.declared.insert(v.to_string());
            }
        }
        if d.name == "if" {
            if let [_, op, re] = if_condition(d).as_slice() {
                if op.contains('~') {
                    eval.declare_captures(re);
                }
            }
        }
    });
    for map in maps.values() {
        for (re, ..) in &map.regexes {
            eval.declare_captures(re);
        }
    }
    let servers: Vec<&Directive> = if http_loc.is_some() {
        http_body.iter().filter(|d| d.name == "server").collect()
    } else {
        conf.root.iter().filter(|d| d.name == "server").collect()
    };
    // A snippet of bare locations (no server): analyse them under an empty server.
    let mut sites = Vec::new();
    for server in &servers {
        let body = server.block.as_deref().unwrap_or(&[]);
        let name = server.args_named("server_name");
        let levels = vec![http_body, body];
        let owners = vec![http_loc.unwrap_or_default(), server.loc];
        collect_sites(&levels, &owners, &name, body, &mut sites);
    }
    if servers.is_empty() && http_body.iter().any(|d| d.name == "location") {
        let levels = vec![&[][..], http_body];
        let owners = vec![Loc::default(), Loc::default()];
        collect_sites(&levels, &owners, "", http_body, &mut sites);
    }
    for (levels, owners, server, path) in sites {
        if !mentions_cors(&levels) {
            continue;
        }
        let site = analyse_site(
            conf,
            checks.plan || checks.compare,
            &mut eval,
            &levels,
            &owners,
            &candidates,
            &server,
            &path,
            &mut analysis,
        );
        analysis.sites.push(site);
    }
    for (loc, message) in std::mem::take(&mut eval.unknown) {
        analysis.notes.push(
            Note::new(Level::Unknown, at(conf, loc), message)
                .help("rewrite the condition, or check this part of the recipe by hand"),
        );
    }
    for var in &eval.unknown_vars {
        if let Some(loc) = cors_use_of(http_body, var) {
            analysis.notes.push(
                Note::new(Level::Unknown, at(conf, loc), format!("`${var}` is not a variable the import can evaluate; taken as empty"))
                    .help("the import knows `$http_origin`, `$request_method`, `$http_access_control_request_*`, `map` and `set` variables"),
            );
        }
    }
    analysis.notes.sort_by(|a, b| (&a.at.place, a.level).cmp(&(&b.at.place, b.level)));
    analysis.notes.dedup();
    analysis
}

type SiteChain<'a> = (Vec<&'a [Directive]>, Vec<Loc>, String, String);

fn collect_sites<'a>(
    levels: &[&'a [Directive]],
    owners: &[Loc],
    server: &str,
    body: &'a [Directive],
    out: &mut Vec<SiteChain<'a>>,
) {
    let locations: Vec<&Directive> = body.iter().filter(|d| d.name == "location").collect();
    if locations.is_empty() && levels.len() == 2 {
        out.push((levels.to_vec(), owners.to_vec(), server.to_string(), String::new()));
    }
    for l in locations {
        let inner = l.block.as_deref().unwrap_or(&[]);
        let mut lv = levels.to_vec();
        lv.push(inner);
        let mut ow = owners.to_vec();
        ow.push(l.loc);
        let path = l.args.iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join(" ");
        out.push((lv.clone(), ow.clone(), server.to_string(), path));
        // Nested locations are places of their own.
        let mut nested = Vec::new();
        collect_sites(&lv, &ow, server, inner, &mut nested);
        out.extend(nested.into_iter().filter(|(l, ..)| l.len() > lv.len()));
    }
}

trait Named {
    fn args_named(&self, name: &str) -> String;
}

impl Named for Directive {
    fn args_named(&self, name: &str) -> String {
        let body = self.block.as_deref().unwrap_or(&[]);
        body.iter()
            .filter(|d| d.name == name)
            .flat_map(|d| d.args.iter().map(|a| a.text.clone()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_cors_header(name: &str) -> bool {
    name.len() > 15 && name[..15].eq_ignore_ascii_case("access-control-")
}

/// Whether a directive sets an `Access-Control-*` response header.
pub fn sets_cors_header(d: &Directive) -> bool {
    match d.name.as_str() {
        "add_header" => is_cors_header(d.arg(0)),
        "more_set_headers" => d
            .args
            .iter()
            .any(|a| a.text.split(':').next().is_some_and(|n| is_cors_header(n.trim()))),
        _ => false,
    }
}

fn walk<'a>(body: &'a [Directive], f: &mut dyn FnMut(&'a Directive)) {
    for d in body {
        f(d);
        if d.name == "if" {
            walk(d.block.as_deref().unwrap_or(&[]), f);
        }
    }
}

fn walk_all<'a>(body: &'a [Directive], f: &mut dyn FnMut(&'a Directive)) {
    for d in body {
        f(d);
        walk_all(d.block.as_deref().unwrap_or(&[]), f);
    }
}

fn mentions_cors(levels: &[&[Directive]]) -> bool {
    let mut found = false;
    for l in levels {
        walk(l, &mut |d| found |= sets_cors_header(d));
    }
    found
}

fn cors_use_of(body: &[Directive], var: &str) -> Option<Loc> {
    let mut found = None;
    fn all<'a>(body: &'a [Directive], f: &mut dyn FnMut(&'a Directive)) {
        for d in body {
            f(d);
            all(d.block.as_deref().unwrap_or(&[]), f);
        }
    }
    all(body, &mut |d| {
        // A CORS header built from it, or an `if` on it that decides CORS headers.
        let decides = sets_cors_header(d)
            || (d.name == "if" && d.block.as_deref().unwrap_or(&[]).iter().any(sets_cors_header));
        if found.is_none()
            && decides
            && d.args.iter().any(|a| {
                a.text.contains(&format!("${var}")) || a.text.contains(&format!("${{{var}}}"))
            })
        {
            found = Some(d.loc);
        }
    });
    found
}

/// Where `loc` is, for notes.
pub fn at(conf: &Conf, loc: Loc) -> At {
    let text = conf
        .files
        .get(loc.file)
        .and_then(|f| f.text.lines().nth(loc.line.saturating_sub(1) as usize))
        .unwrap_or("")
        .trim()
        .to_string();
    At { place: conf.at(loc), text }
}

/// Every origin the recipe names anywhere: `map $http_origin` keys, `if
/// ($http_origin …)` operands, literal `Access-Control-Allow-Origin` values.
fn candidates(
    conf: &Conf,
    http: &[Directive],
    maps: &HashMap<String, Map>,
    notes: &mut Vec<Note>,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let regex = |re: &str, ci: bool, loc: Loc, out: &mut Vec<Candidate>, notes: &mut Vec<Note>| {
        if regex::Regex::new(re).is_err() {
            notes.push(
                Note::new(Level::Unknown, at(conf, loc), format!("regex `{re}` uses PCRE syntax the policy language has no equivalent for"))
                    .help("rewrite it without look-around or backreferences (the policy language's regexes run in linear time)"),
            );
            return;
        }
        let (whole, tight) = whole_match(re, ci);
        let s = samples(re, 8);
        if s.is_empty() {
            notes.push(Note::new(
                Level::Unknown,
                at(conf, loc),
                format!("no origin could be derived from regex `{re}`"),
            ));
        }
        out.push(Candidate { origin: DraftOrigin::Regex { whole, tight }, samples: s, at: loc });
    };
    for map in maps.values() {
        if !map.source.contains("$http_origin") {
            continue;
        }
        for (key, _, loc) in &map.exact {
            out.push(Candidate {
                origin: DraftOrigin::Exact(key.clone()),
                samples: vec![key.clone()],
                at: *loc,
            });
        }
        for (re, ci, _, loc) in &map.regexes {
            regex(re, *ci, *loc, &mut out, notes);
        }
    }
    let mut all = Vec::new();
    fn rec<'a>(body: &'a [Directive], out: &mut Vec<&'a Directive>) {
        for d in body {
            out.push(d);
            rec(d.block.as_deref().unwrap_or(&[]), out);
        }
    }
    rec(http, &mut all);
    for d in all {
        if d.name == "if" {
            let cond = if_condition(d);
            if let [lhs, op, rhs] = cond.as_slice() {
                if lhs.contains("$http_origin") {
                    match op.as_str() {
                        "~" | "!~" => regex(rhs, false, d.loc, &mut out, notes),
                        "~*" | "!~*" => regex(rhs, true, d.loc, &mut out, notes),
                        "=" | "!=" => out.push(Candidate {
                            origin: DraftOrigin::Exact(rhs.clone()),
                            samples: vec![rhs.clone()],
                            at: d.loc,
                        }),
                        _ => {}
                    }
                }
            }
        }
        let literal = match d.name.as_str() {
            "add_header" if d.arg(0).eq_ignore_ascii_case("access-control-allow-origin") => {
                Some(d.arg(1).to_string())
            }
            "more_set_headers" => d.args.iter().find_map(|a| {
                let (n, v) = a.text.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case("access-control-allow-origin")
                    .then(|| v.trim().to_string())
            }),
            _ => None,
        };
        if let Some(v) = literal {
            let v = v.as_str();
            if v != "*" && !v.contains('$') && !v.is_empty() {
                out.push(Candidate {
                    origin: DraftOrigin::Exact(v.to_string()),
                    samples: vec![v.to_string()],
                    at: d.loc,
                });
            }
        }
    }
    out
}

/// The three answers that tell what a recipe does for one origin.
struct Probed {
    actual: Answer,
    error: Answer,
    preflight: Answer,
}

fn probe(eval: &mut Evaluator<'_>, chain: Chain<'_>, origin: &str) -> Probed {
    let get = |status| Probe {
        origin: Some(origin.to_string()),
        method: "GET".into(),
        request_method: None,
        request_headers: None,
        upstream_status: status,
    };
    let preflight = Probe {
        origin: Some(origin.to_string()),
        method: "OPTIONS".into(),
        request_method: Some("PUT".into()),
        request_headers: Some(PROBE_HEADER.into()),
        upstream_status: 200,
    };
    Probed {
        actual: eval.answer(chain, &get(200)),
        error: eval.answer(chain, &get(500)),
        preflight: eval.answer(chain, &preflight),
    }
}

/// Whether the recipe means to let `origin` in: its first `Access-Control-Allow-Origin`
/// is that origin or `*`. (Sent twice, browsers refuse it anyway: reported apart.)
fn allowed(a: &Answer, origin: &str) -> bool {
    let acao = a.all("access-control-allow-origin");
    acao.first().is_some_and(|h| h.value == origin || h.value == "*")
}

fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn analyse_site(
    conf: &Conf,
    plan: bool,
    eval: &mut Evaluator<'_>,
    levels: &[&[Directive]],
    owners: &[Loc],
    candidates: &[Candidate],
    server: &str,
    path: &str,
    analysis: &mut Analysis,
) -> Site {
    let chain = Chain { levels };
    let owner = owners.last().copied().unwrap_or_default();
    let place = if path.is_empty() {
        format!("server {server}")
    } else {
        format!("location {path} (server {server})")
    };
    let notes = &mut analysis.notes;
    let stranger = probe(eval, chain, STRANGER);
    let mut rules: Vec<DraftRule> = Vec::new();
    let mut home = None;
    let mut any_answer = false;
    let mut add = |origin: DraftOrigin,
                   origin_at: Loc,
                   probed: &Probed,
                   sample: &str,
                   notes: &mut Vec<Note>,
                   rules: &mut Vec<DraftRule>| {
        let a = &probed.actual;
        let acao = a.all("access-control-allow-origin");
        let Some(first) = acao.first() else { return };
        home.get_or_insert(first.loc);
        let star = first.value == "*";
        let mut credentials = a.get("access-control-allow-credentials") == Some("true");
        if star && credentials {
            notes.push(
                Note::new(Level::Hole, at(conf, first.loc), "`Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: browsers refuse every credentialed request")
                    .help("imported without credentials (what browsers do today); list the origins that need cookies in an `allow` block with `credentials on`"),
            );
            credentials = false;
        }
        let pf = &probed.preflight;
        let pick = |name: &str| pf.get(name).or_else(|| a.get(name)).map(str::to_string);
        let mut headers = list(pick("access-control-allow-headers").as_deref());
        if headers.iter().any(|h| h.eq_ignore_ascii_case(PROBE_HEADER)) {
            // The recipe reflects what the preflight asks for, `Authorization` too,
            // which `*` never covers (found by `--verify`).
            headers = vec!["*".into(), "Authorization".into()];
        }
        let max_age = pick("access-control-max-age").and_then(|v| v.trim().parse::<u64>().ok());
        let rights_at = pf
            .get("access-control-allow-methods")
            .and_then(|_| pf.all("access-control-allow-methods").first().map(|s| s.loc))
            .unwrap_or(first.loc);
        let origin = if star && matches!(origin, DraftOrigin::ReflectAny) {
            DraftOrigin::Any
        } else {
            origin
        };
        let origin = match origin {
            DraftOrigin::Exact(o) => match cors_dsl::origin::parse_origin(&o) {
                Ok(cors_dsl::origin::OriginPattern::Exact(norm)) => DraftOrigin::Exact(norm),
                Ok(_) => DraftOrigin::Exact(o),
                Err(e) => {
                    notes.push(
                        Note::new(
                            Level::Hole,
                            at(conf, origin_at),
                            format!("origin `{o}` can never match: {}", e.message),
                        )
                        .help("browsers send `scheme://host[:port]` only; fix or remove it"),
                    );
                    return;
                }
            },
            o => o,
        };
        let _ = sample;
        let rule = DraftRule {
            origins: vec![(origin, at(conf, origin_at))],
            methods: list(pick("access-control-allow-methods").as_deref()),
            headers,
            expose: list(a.get("access-control-expose-headers")),
            credentials,
            max_age,
            private_network: pick("access-control-allow-private-network").as_deref()
                == Some("true"),
            lists_at: [None, None, None],
            at: at(conf, rights_at),
        };
        match rules.iter_mut().find(|r| {
            (&r.methods, &r.headers, &r.expose, r.credentials, r.max_age)
                == (&rule.methods, &rule.headers, &rule.expose, rule.credentials, rule.max_age)
        }) {
            Some(r) => {
                if !r.origins.iter().any(|(o, _)| *o == rule.origins[0].0) {
                    r.origins.extend(rule.origins)
                }
            }
            None => rules.push(rule),
        }
    };
    let mut probes: Vec<(String, Probed)> = Vec::new();
    if allowed(&stranger.actual, STRANGER) {
        let loc =
            stranger.actual.all("access-control-allow-origin").first().map_or(owner, |s| s.loc);
        add(DraftOrigin::ReflectAny, loc, &stranger, STRANGER, notes, &mut rules);
        any_answer = true;
    } else {
        for c in candidates {
            for s in &c.samples {
                let p = probe(eval, chain, s);
                if allowed(&p.actual, s) {
                    if let DraftOrigin::Regex { whole, .. } = &c.origin {
                        if whole.contains(".*") {
                            notes.push(
                                Note::new(Level::Hole, at(conf, c.at), format!("the regex is not anchored at both ends: nginx searches, so it is imported as `{whole}`"))
                                    .help("anchor it (`^…$`) and escape every `.`; `--fix` writes the anchored form"),
                            );
                        }
                    }
                    add(c.origin.clone(), c.at, &p, s, notes, &mut rules);
                    any_answer = true;
                    probes.push((s.clone(), p));
                    break;
                }
            }
        }
    }
    // How the answers come: what the module will do differently.
    let mut all_probes = vec![(STRANGER.to_string(), stranger)];
    all_probes.extend(probes);
    for (origin, p) in &all_probes {
        if !allowed(&p.actual, origin) {
            continue;
        }
        for a in [&p.actual, &p.preflight] {
            // An `Access-Control-*` header the policy has no statement for is reported,
            // never dropped silently (the migration removes its line).
            for h in a.headers.iter().filter(|h| {
                is_cors_header(&h.name) && !KNOWN.contains(&h.name.to_ascii_lowercase().as_str())
            }) {
                notes.push(
                    Note::new(Level::Unknown, at(conf, h.loc), format!("`{}` is not imported", h.name))
                        .help("the policy language has no statement for it: check whether you still need it"),
                );
            }
            let mut names: Vec<String> = a
                .headers
                .iter()
                .map(|h| h.name.to_ascii_lowercase())
                .filter(|n| is_cors_header(n))
                .collect();
            names.sort();
            for w in names.windows(2) {
                if w[0] == w[1] {
                    let loc = a.all(&w[0]).get(1).map_or(owner, |s| s.loc);
                    notes.push(
                        Note::new(
                            Level::Hole,
                            at(conf, loc),
                            format!("`{}` is sent twice: browsers refuse the response", w[0]),
                        )
                        .help("the module sends each header once"),
                    );
                }
            }
        }
        if p.error.get("access-control-allow-origin").is_none() {
            if let Some(h) = p.actual.all("access-control-allow-origin").first() {
                notes.push(
                    Note::new(Level::Differs, at(conf, h.loc), "without `always`, CORS headers are missing on error responses (4xx, 5xx): scripts cannot read the error")
                        .help("the module adds them to every response, error pages included"),
                );
            }
        }
        let reflected = p.actual.get("access-control-allow-origin").is_some_and(|v| v != "*");
        let vary =
            p.actual.all("vary").iter().any(|v| v.value.to_ascii_lowercase().contains("origin"));
        if reflected && !vary {
            if let Some(h) = p.actual.all("access-control-allow-origin").first() {
                notes.push(
                    Note::new(Level::Hole, at(conf, h.loc), "the allowed origin is reflected without `Vary: Origin`: a cache can serve one origin's answer to another")
                        .help("the module always sends `Vary: Origin`"),
                );
            }
        }
    }
    // Preflights.
    let plain_options = eval.answer(
        chain,
        &Probe {
            origin: None,
            method: "OPTIONS".into(),
            request_method: None,
            request_headers: None,
            upstream_status: 200,
        },
    );
    // A recipe that does not answer `OPTIONS` still works when the application
    // answers them 2xx (nginx adds the headers). `preflight pass` would leave the
    // application's answer untouched, headers and all, so the faithful import lets the
    // module answer instead: what the browser concludes stays the same.
    let mut preflight = Preflight::Answer;
    if let Some((_, p)) = all_probes.iter().find(|(o, p)| allowed(&p.actual, o)) {
        if p.preflight.returned.is_some() {
            preflight =
                if p.preflight.status == 200 { Preflight::Answer200 } else { Preflight::Answer };
            if !matches!(p.preflight.status, 200 | 204) {
                notes.push(Note::new(
                    Level::Differs,
                    at(conf, p.preflight.returned.unwrap_or(owner)),
                    format!(
                        "preflights are answered with status {}; the module answers 204 (or 200)",
                        p.preflight.status
                    ),
                ));
            }
        } else {
            notes.push(
                Note::new(Level::Differs, at(conf, owner), format!("{place}: preflights reach the application, which must answer them 2xx for the recipe's headers to count"))
                    .help("the module answers them itself (the application no longer sees preflights)"),
            );
        }
    }
    if let Some(loc) = plain_options.returned {
        notes.push(
            Note::new(Level::Differs, at(conf, loc), "every `OPTIONS` request is answered here, CORS preflight or not, allowed origin or not")
                .help("the module answers only CORS preflights and passes other `OPTIONS` requests on to the application"),
        );
    }
    if !any_answer {
        notes.push(
            Note::new(Level::Hole, at(conf, owner), format!("{place}: the recipe's CORS headers never reach this location (a level with its own `add_header` drops the inherited ones, or no origin is allowed)"))
                .help("`cors` set at the server applies to this location too; check that this is what you want"),
        );
    }
    let policy = (!rules.is_empty()).then(|| {
        let draft = Draft {
            name: String::new(),
            comment: vec![format!("imported from {} ({place})", conf.at(owner))],
            rules,
            preflight,
        };
        intern(analysis, draft, server, path)
    });
    let plan = policy.filter(|_| plan).map(|p| {
        let samples: Vec<String> =
            candidates.iter().flat_map(|c| c.samples.iter().cloned()).collect();
        Plan::new(&analysis.drafts[p], &samples, STRANGER)
    });
    if let (Some(p), Some(plan), Some(total)) = (policy, &plan, analysis.compared.as_mut()) {
        let draft = &analysis.drafts[p];
        let t = super::compare::compare(
            eval,
            chain,
            draft,
            plan,
            &at(conf, owner),
            &mut analysis.notes,
        );
        total.add(t);
    }
    let home = home.map(|h| home_block(levels, owners, h));
    Site { server: server.to_string(), path: path.to_string(), owner, home, policy, plan }
}

/// The innermost level (server or location) whose directives, `if` blocks included,
/// hold `loc`.
fn home_block(levels: &[&[Directive]], owners: &[Loc], loc: Loc) -> Loc {
    for (i, l) in levels.iter().enumerate().rev() {
        let mut found = false;
        walk(l, &mut |d| found |= d.loc == loc);
        if found {
            return owners[i.max(1).min(owners.len() - 1)];
        }
    }
    owners.last().copied().unwrap_or_default()
}

/// The same policy for several sites is written once.
fn intern(analysis: &mut Analysis, mut draft: Draft, server: &str, path: &str) -> usize {
    if let Some(i) = analysis
        .drafts
        .iter()
        .position(|d| d.rules == draft.rules && d.preflight == draft.preflight)
    {
        return i;
    }
    let first = server.split_whitespace().next().unwrap_or("");
    let mut base: String = format!("{first} {path}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base = format!("imported_{base}").trim_end_matches('_').to_string();
    }
    let mut name = base.clone();
    let mut n = 2;
    while analysis.drafts.iter().any(|d| d.name == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    draft.name = name;
    analysis.drafts.push(draft);
    analysis.drafts.len() - 1
}
