//! Micro-benchmarks of `RuleTable::decide`, side by side with tower-http's `CorsLayer`
//! configured the same way, plus an allocation count per decision.
//!
//! Run: `cargo bench -p cors-dsl --bench decide`. Smoke mode (CI):
//! `cargo bench -p cors-dsl --bench decide -- --test`.
//!
//! `exact-10` against `exact-1000000` is issue #13's "decisions stay flat": the
//! million-origin table is written to `.corsb` bytes and loaded back
//! (`RuleTable::from_owner`), so its exact origins are looked up in place as nginx
//! looks them up in the mapped file. tower-http is left out of it: its list form
//! compares the origin with every entry.

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use cors_dsl::{PolicyId, Request, RuleTable};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use http::{header, HeaderValue, Method};
use tower::{Service, ServiceBuilder};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Counts every allocation made by this process, to prove `decide` makes none.
struct CountingAlloc;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const METHODS: &str =
    "methods GET POST PUT DELETE;\n    headers Content-Type X-Request-ID;\n    max-age 1h;";

fn exact_origins(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("https://app{i}.example.com")).collect()
}

fn policy_text(origin_lines: &[String]) -> String {
    let mut s = String::from("policy p {\n");
    for line in origin_lines {
        s.push_str("    origin ");
        s.push_str(line);
        s.push_str(";\n");
    }
    s.push_str("    ");
    s.push_str(METHODS);
    s.push_str("\n}\n");
    s
}

fn compile(text: &str) -> (RuleTable, PolicyId) {
    let loaded = cors_dsl::load_str(Path::new("bench.cors"), text);
    let set = loaded.set.expect("bench policy loads");
    let table = cors_dsl::compile(&set, &loaded.sources).expect("bench policy compiles");
    let id = table.policy_id("p").expect("policy p");
    (table, id)
}

/// One scenario: a policy and the origin that a request sends.
struct Scenario {
    name: &'static str,
    origins: Vec<String>,
    policy_lines: Vec<String>,
    allowed_origin: String,
    /// Load the table from its `.corsb` bytes rather than use the compiled one.
    from_corsb: bool,
}

fn scenarios() -> Vec<Scenario> {
    let exact = |name, n| {
        let origins = exact_origins(n);
        Scenario {
            name,
            allowed_origin: origins.last().cloned().unwrap_or_default(),
            policy_lines: origins.clone(),
            // tower-http's list form is a linear scan: not run at a million.
            origins: if n > 10_000 { Vec::new() } else { origins },
            from_corsb: n > 10_000,
        }
    };
    let wildcard = Scenario {
        name: "wildcard-100",
        origins: Vec::new(),
        policy_lines: (0..100).map(|i| format!("https://*.tenant{i}.example.com")).collect(),
        allowed_origin: "https://a.b.tenant99.example.com".into(),
        from_corsb: false,
    };
    let wildcard_any_port = Scenario {
        name: "wildcard-any-port-100",
        origins: Vec::new(),
        policy_lines: (0..100).map(|i| format!("https://*.tenant{i}.example.com:*")).collect(),
        allowed_origin: "https://a.b.tenant99.example.com:8443".into(),
        from_corsb: false,
    };
    let regex = Scenario {
        name: "regex-100",
        origins: Vec::new(),
        policy_lines: (0..100)
            .map(|i| format!(r#"~ "https://pr-[0-9]+\.preview{i}\.example\.dev""#))
            .collect(),
        allowed_origin: "https://pr-42.preview99.example.dev".into(),
        from_corsb: false,
    };
    vec![
        exact("exact-1", 1),
        exact("exact-10", 10),
        exact("exact-1000", 1000),
        exact("exact-10000", 10_000),
        exact("exact-1000000", 1_000_000),
        wildcard,
        wildcard_any_port,
        regex,
    ]
}

fn tower_cors(origins: &[String]) -> CorsLayer {
    let list: Vec<HeaderValue> =
        origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(3600))
}

/// Polls a future that is ready at once (tower-http's CORS service over an
/// always-ready inner service), without an async runtime.
fn ready<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn allocations_per_decision(table: &RuleTable, id: PolicyId, req: &Request<'_>) -> f64 {
    const N: u64 = 10_000;
    // The first search on a thread sets up the regex engine's reusable cache.
    black_box(table.decide(id, req));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..N {
        black_box(table.decide(id, black_box(req)));
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / N as f64
}

fn bench(c: &mut Criterion) {
    let hostile = vec![b'a'; 100 * 1024];
    for s in scenarios() {
        let (mut table, id) = compile(&policy_text(&s.policy_lines));
        if s.from_corsb {
            table = RuleTable::from_owner(table.to_bytes()).expect("the table loads back");
        }
        let allowed = s.allowed_origin.as_bytes();
        let requests: [(&str, Request<'_>); 5] = [
            ("actual-allowed", Request::actual(b"GET", Some(allowed))),
            ("actual-refused", Request::actual(b"GET", Some(b"https://evil.example.net"))),
            (
                "preflight-allowed",
                Request::preflight(allowed, b"PUT")
                    .with_request_headers(b"content-type, x-request-id"),
            ),
            ("preflight-refused", Request::preflight(b"https://evil.example.net", b"PUT")),
            (
                "preflight-hostile-100k",
                Request::preflight(allowed, b"PUT").with_request_headers(&hostile),
            ),
        ];
        for (name, req) in &requests {
            let allocs = allocations_per_decision(&table, id, req);
            println!("allocations per decision [{} / {name}]: {allocs}", s.name);
            assert_eq!(allocs, 0.0, "decide must not allocate ({} / {name})", s.name);
        }
        let mut group = c.benchmark_group(format!("decide/{}", s.name));
        for (name, req) in &requests {
            group.bench_function(*name, |b| b.iter(|| black_box(table.decide(id, black_box(req)))));
        }
        if !s.origins.is_empty() {
            // The same requests through tower-http, exact origins only (its list form).
            // Cloning the service would copy tower-http's origin list; call one instance.
            let mut svc = ServiceBuilder::new()
                .layer(tower_cors(&s.origins))
                .service_fn(|_req| async { Ok::<_, Infallible>(http::Response::new(())) });
            let actual = || {
                http::Request::builder()
                    .method("GET")
                    .header(header::ORIGIN, s.allowed_origin.as_str())
                    .body(())
                    .unwrap_or_default()
            };
            let preflight = || {
                http::Request::builder()
                    .method("OPTIONS")
                    .header(header::ORIGIN, s.allowed_origin.as_str())
                    .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
                    .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type, x-request-id")
                    .body(())
                    .unwrap_or_default()
            };
            // `service_fn` is always ready and `Cors` forwards readiness: poll once.
            let _ = ready(std::future::poll_fn(|cx| svc.poll_ready(cx)));
            group.bench_function("tower-http/actual-allowed", |b| {
                b.iter_batched(actual, |req| ready(svc.call(req)), BatchSize::SmallInput)
            });
            group.bench_function("tower-http/preflight-allowed", |b| {
                b.iter_batched(preflight, |req| ready(svc.call(req)), BatchSize::SmallInput)
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
