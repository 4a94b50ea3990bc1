//! The sandbox's doors, over real HTTP against started emulators: what a web page (cross-site requests, DNS
//! rebinding, framing) or a careless number can do to the emulator, and that each attempt is refused and leaves
//! the state as it was. One test runs every case, counts them, and prints `security: sandbox_attacks_refused=N/N`.

use std::collections::BTreeSet;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use wix_emulator::test_support::{AdminClient, Fault, FaultKind, browser};
use wix_emulator::wix_apps::{SEEDED_INSTANCE_ID, SEEDED_WIX_APP_ID};
use wix_emulator::{ADMIN_ROUTES, AdminToken, EmulatorConfig, RunningEmulator, SEEDED_APP_IDS};

const CLIENT: &str = SEEDED_APP_IDS[0];
/// Registered on `CLIENT` (an http URL, so it also has an origin).
const ALLOWED: &str = "http://127.0.0.1:5173/callback";
const FOREIGN: &str = "https://evil.example/steal";
const EVIL_ORIGIN: &str = "https://evil.example";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Every case's outcome: the test fails if any case failed, after printing them all.
#[derive(Default)]
struct Tally {
    total: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, case: impl Into<String>, ok: bool, detail: impl std::fmt::Display) {
        self.total += 1;
        if !ok {
            self.failures.push(format!("{}: {detail}", case.into()));
        }
    }

    fn status(&mut self, case: impl Into<String>, got: &Answer, want: u16) {
        let ok = got.status == want;
        self.check(
            case,
            ok,
            format_args!("want {want}, got {}: {}", got.status, shown(&got.body)),
        );
    }
}

/// A body for a failure message: short, and withheld when it may carry a secret (tokens, client secrets, state).
fn shown(body: &str) -> String {
    const SECRET_MARKS: [&str; 6] = [
        "token",
        "secret",
        "EMU.",
        "emu-",
        "passwordHash",
        "password_hash",
    ];
    if SECRET_MARKS.iter().any(|m| body.contains(m)) {
        return format!("<{} bytes withheld: may hold secrets>", body.len());
    }
    body.chars().take(200).collect()
}

/// The top-level parts of two state exports that differ (names only: the values hold secrets).
fn differing_parts(before: &Value, after: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (b, a) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    b.keys()
        .chain(a.keys())
        .filter(|k| b.get(*k) != a.get(*k))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// One request, exactly as given: `headers` in order, a body with its content type (or none).
async fn raw(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Option<(&str, String)>,
) -> Answer {
    let mut request = http.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    if let Some((content_type, body)) = body {
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        request = request.body(body);
    }
    let response = request.send().await.expect("the emulator answers");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap_or_default(),
    }
}

struct Site {
    emulator: RunningEmulator,
    admin: AdminClient,
    http: reqwest::Client,
    port: u16,
}

impl Site {
    async fn start(config: EmulatorConfig) -> Self {
        let emulator = wix_emulator::start(config).await.unwrap();
        let port = emulator.base_url().port().unwrap();
        Self {
            admin: AdminClient::of(&emulator),
            http: browser(),
            port,
            emulator,
        }
    }

    fn url(&self, path: &str) -> String {
        self.emulator.base_url().join(path).unwrap().to_string()
    }

    fn bearer(&self) -> (&'static str, String) {
        (
            "authorization",
            format!("Bearer {}", self.emulator.admin_token()),
        )
    }

    async fn visitor(&self) -> Answer {
        raw(
            &self.http,
            Method::POST,
            &self.url("oauth2/token"),
            &[],
            Some((
                "application/json",
                json!({"clientId": CLIENT, "grantType": "anonymous"}).to_string(),
            )),
        )
        .await
    }

    async fn visitor_token(&self) -> String {
        let answer = self.visitor().await;
        assert_eq!(answer.status, 200, "{}", shown(&answer.body));
        serde_json::from_str::<Value>(&answer.body).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A JSON call as the SDK makes it, with the visitor token.
    async fn sdk(&self, path: &str, visitor: &str, body: Value) -> Answer {
        raw(
            &self.http,
            Method::POST,
            &self.url(path),
            &[("authorization", visitor.to_owned())],
            Some(("application/json", body.to_string())),
        )
        .await
    }

    /// Everything the emulator holds, as JSON (map order does not matter when comparing).
    async fn snapshot(&self) -> Value {
        serde_json::to_value(self.admin.export_state().await.unwrap()).unwrap()
    }
}

/// The concrete request for an admin route: its path (parameters filled in) and a valid body, if it takes one.
fn fixture(
    method: &str,
    path: &str,
    member_id: &str,
    state: &Value,
) -> Option<(String, Option<Value>)> {
    let concrete = path
        .replace("{id}", member_id)
        .replace("{app_id}", SEEDED_WIX_APP_ID)
        .replace("{instance_id}", SEEDED_INSTANCE_ID);
    let body = match (method, path) {
        ("GET", "/health")
        | ("POST", "/reset")
        | ("GET", "/state")
        | ("GET", "/oauth-apps")
        | ("DELETE", "/oauth-apps")
        | ("GET", "/settings")
        | ("GET", "/members")
        | ("DELETE", "/members")
        | ("POST", "/members/{id}/approve")
        | ("POST", "/members/{id}/require-password-reset")
        | ("GET", "/outbox")
        | ("DELETE", "/outbox")
        | ("GET", "/faults")
        | ("DELETE", "/faults")
        | ("GET", "/wix-apps")
        | ("POST", "/instances/{instance_id}/revoke") => None,
        ("PUT", "/state") => Some(state.clone()),
        ("PATCH", "/settings") => Some(json!({"requireCaptcha": true, "sitePublished": false})),
        ("POST", "/faults") => {
            Some(json!({"path": "/oauth2/token", "times": 1, "fault": {"kind": "drop"}}))
        }
        ("POST", "/wix-apps") => Some(json!({"name": "Evil app", "appUrl": FOREIGN})),
        ("PATCH", "/wix-apps/{app_id}") => Some(json!({"appUrl": FOREIGN, "redirectUrl": FOREIGN})),
        ("POST", "/clock") => Some(json!({"advanceSeconds": 3600})),
        _ => return None,
    };
    Some((concrete, body))
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

/// (a)–(e) on every admin route, the state unchanged afterwards, then each route still works with the token.
async fn admin_routes(t: &mut Tally) {
    let site = Site::start(EmulatorConfig::default()).await;
    let visitor = site.visitor_token().await;
    let registered = site
        .sdk(
            "_api/iam/authentication/v2/register",
            &visitor,
            json!({"loginId": {"email": "ann@example.com"}, "password": "pa55word"}),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", shown(&registered.body));
    let member_id = site.admin.members().await.unwrap()[0].id.clone();
    site.admin
        .inject_fault(&Fault::next("/apps/v1/bi-event", FaultKind::status(503)).times(5))
        .await
        .unwrap();
    let before = site.snapshot().await;
    let faults_before = serde_json::to_value(site.admin.faults().await.unwrap()).unwrap();

    // Every admin route is covered here: a new one fails this until it gets a fixture.
    let listed: BTreeSet<(&str, &str)> = ADMIN_ROUTES.iter().copied().collect();
    t.check(
        "admin routes: listed once each",
        listed.len() == ADMIN_ROUTES.len(),
        "ADMIN_ROUTES has duplicates",
    );
    for (m, path) in ADMIN_ROUTES {
        t.check(
            format!("admin route {m} {path} has a fixture"),
            fixture(m, path, &member_id, &before).is_some(),
            "not covered by tests/security.rs: add it to `fixture`",
        );
    }

    let host = format!("evil.example:{}", site.port);
    let wrong_port = format!("127.0.0.1:{}", site.port.wrapping_add(1).max(1));
    for (m, path) in ADMIN_ROUTES {
        let Some((concrete, body)) = fixture(m, path, &member_id, &before) else {
            continue;
        };
        let url = site.url(&format!("_emulator/v1{concrete}"));
        let json_body = body.as_ref().map(|b| ("application/json", b.to_string()));
        let name = format!("{m} /_emulator/v1{path}");
        let no_token = raw(&site.http, method(m), &url, &[], json_body.clone()).await;
        t.status(format!("{name}: (a) no token"), &no_token, 401);
        t.check(
            format!("{name}: (a) the 401 says how to authenticate"),
            no_token.body.contains("authorization: Bearer")
                && no_token.header("www-authenticate").starts_with("Bearer"),
            shown(&no_token.body),
        );
        let wrong = raw(
            &site.http,
            method(m),
            &url,
            &[("authorization", "Bearer not-the-admin-token".to_owned())],
            json_body.clone(),
        )
        .await;
        t.status(format!("{name}: (b) wrong token"), &wrong, 401);
        let api_key = raw(
            &site.http,
            method(m),
            &url,
            &[("authorization", site.emulator.admin().api_key.clone())],
            json_body.clone(),
        )
        .await;
        t.status(
            format!("{name}: (b) the Wix API key is no admin token"),
            &api_key,
            401,
        );
        for (label, h) in [
            ("(c) rebinding Host", &host),
            ("(c) another port in Host", &wrong_port),
        ] {
            let rebound = raw(
                &site.http,
                method(m),
                &url,
                &[site.bearer(), ("host", h.clone())],
                json_body.clone(),
            )
            .await;
            t.status(format!("{name}: {label}"), &rebound, 421);
        }
        for origin in [EVIL_ORIGIN, "null", "http://127.0.0.1:5173"] {
            let foreign = raw(
                &site.http,
                method(m),
                &url,
                &[site.bearer(), ("origin", origin.to_owned())],
                json_body.clone(),
            )
            .await;
            t.status(
                format!("{name}: (d) Origin {origin} with the right token"),
                &foreign,
                403,
            );
        }
        let cross_site = raw(
            &site.http,
            method(m),
            &url,
            &[site.bearer(), ("sec-fetch-site", "cross-site".to_owned())],
            json_body.clone(),
        )
        .await;
        t.status(
            format!("{name}: (d) Sec-Fetch-Site cross-site"),
            &cross_site,
            403,
        );
        let text = body
            .as_ref()
            .map_or_else(|| "{}".to_owned(), Value::to_string);
        let plain = raw(
            &site.http,
            method(m),
            &url,
            &[site.bearer()],
            Some(("text/plain", text.clone())),
        )
        .await;
        t.status(
            format!("{name}: (e) text/plain body with the right token"),
            &plain,
            415,
        );
        if body.is_some() {
            let untyped = raw(
                &site.http,
                method(m),
                &url,
                &[site.bearer()],
                Some(("", text)),
            )
            .await;
            t.status(
                format!("{name}: (e) untyped body with the right token"),
                &untyped,
                415,
            );
        }
    }

    let after = site.snapshot().await;
    t.check(
        "admin attacks: the state is unchanged (members, settings, apps, tokens, outbox)",
        before == after,
        format_args!("changed: {:?}", differing_parts(&before, &after)),
    );
    let faults_after = serde_json::to_value(site.admin.faults().await.unwrap()).unwrap();
    t.check(
        "admin attacks: the armed faults are unchanged",
        faults_before == faults_after,
        format_args!("{faults_before} then {faults_after}"),
    );
    let now = site.admin.advance_clock(0).await.unwrap();
    t.check(
        "admin attacks: the clock did not move",
        (now - chrono::Utc::now()).num_seconds().abs() < 60,
        now,
    );
    t.check(
        "admin attacks: no extra Wix app",
        site.admin.wix_apps().await.unwrap().wix_apps.len() == 1,
        "a Wix app was created",
    );

    // Methods not listed for a path are not served (405), so nothing slips in beside the list.
    let paths: BTreeSet<&str> = ADMIN_ROUTES.iter().map(|(_, p)| *p).collect();
    for path in paths {
        let Some((concrete, _)) = fixture("GET", path, &member_id, &before)
            .or_else(|| fixture("POST", path, &member_id, &before))
            .or_else(|| fixture("PATCH", path, &member_id, &before))
            .or_else(|| fixture("PUT", path, &member_id, &before))
            .or_else(|| fixture("DELETE", path, &member_id, &before))
        else {
            continue;
        };
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if listed.contains(&(m, path)) {
                continue;
            }
            let url = site.url(&format!("_emulator/v1{concrete}"));
            let answer = raw(&site.http, method(m), &url, &[site.bearer()], None).await;
            t.status(format!("{m} /_emulator/v1{path}: not served"), &answer, 405);
        }
    }

    // With the token and nothing else wrong, every route works (destructive ones last).
    let rank = |(m, path): &(&str, &str)| match (*m, *path) {
        ("POST", "/reset") => 3,
        ("DELETE", _) => 2,
        ("PUT", "/state") => 1,
        _ => 0,
    };
    let mut ordered: Vec<(&str, &str)> = ADMIN_ROUTES.to_vec();
    ordered.sort_by_key(rank);
    for (m, path) in ordered {
        let Some((concrete, body)) = fixture(m, path, &member_id, &before) else {
            continue;
        };
        let url = site.url(&format!("_emulator/v1{concrete}"));
        let json_body = body.map(|b| ("application/json", b.to_string()));
        let origin = format!("http://127.0.0.1:{}", site.port);
        let answer = raw(
            &site.http,
            method(m),
            &url,
            &[site.bearer(), ("origin", origin)],
            json_body,
        )
        .await;
        t.check(
            format!("{m} /_emulator/v1{path}: works with the token and its own Origin"),
            (200..300).contains(&answer.status),
            format_args!("{}: {}", answer.status, shown(&answer.body)),
        );
    }
    t.status(
        "after everything: a token is still minted",
        &site.visitor().await,
        200,
    );
    site.emulator.shutdown().await;
}

/// The public (Wix) routes: Host on every route, Origin on what changes things, JSON typed as JSON.
async fn public_routes(t: &mut Tally) {
    let site = Site::start(EmulatorConfig::default()).await;
    let visitor = site.visitor_token().await;
    let host = ("host", format!("evil.example:{}", site.port));
    let token_body = json!({"clientId": CLIENT, "grantType": "anonymous"}).to_string();
    let auth_url = site.url(&format!(
        "oauth2/authorize?client_id={CLIENT}&redirect_uri=oauthdesk%3A%2F%2Fcallback&response_type=code\
         &code_challenge={CHALLENGE}&code_challenge_method=S256&state=s"
    ));
    let get_pages = [
        auth_url.clone(),
        site.url(&format!("oauth2/logout?client_id={CLIENT}")),
        site.url(&format!("installer/add-app/{SEEDED_WIX_APP_ID}")),
        site.url("oauth-app/v1/oauth-apps/x"),
    ];
    for url in &get_pages {
        let rebound = raw(
            &site.http,
            Method::GET,
            url,
            std::slice::from_ref(&host),
            None,
        )
        .await;
        t.status(format!("GET {url}: rebinding Host"), &rebound, 421);
    }
    let rebound = raw(
        &site.http,
        Method::POST,
        &site.url("oauth2/token"),
        std::slice::from_ref(&host),
        Some(("application/json", token_body.clone())),
    )
    .await;
    t.status("POST /oauth2/token: rebinding Host", &rebound, 421);
    for name in ["localhost", "LOCALHOST", "127.0.0.1"] {
        let ok = raw(
            &site.http,
            Method::POST,
            &site.url("oauth2/token"),
            &[("host", format!("{name}:{}", site.port))],
            Some(("application/json", token_body.clone())),
        )
        .await;
        t.status(format!("POST /oauth2/token: Host {name} is fine"), &ok, 200);
    }

    // A foreign Origin on what changes things.
    for origin in [EVIL_ORIGIN, "null", "http://localhost:5173"] {
        let o = ("origin", origin.to_owned());
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("oauth2/token"),
            std::slice::from_ref(&o),
            Some(("application/json", token_body.clone())),
        )
        .await;
        t.status(format!("POST /oauth2/token: Origin {origin}"), &answer, 403);
        let form = format!(
            "client_id={CLIENT}&redirect_uri=oauthdesk%3A%2F%2Fcallback&response_type=code&code_challenge={CHALLENGE}\
             &code_challenge_method=S256&action=register&email=mallory%40example.com&password=pa55word"
        );
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("oauth2/authorize"),
            std::slice::from_ref(&o),
            Some(("application/x-www-form-urlencoded", form)),
        )
        .await;
        t.status(
            format!("POST /oauth2/authorize form: Origin {origin}"),
            &answer,
            403,
        );
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("installer/install"),
            std::slice::from_ref(&o),
            Some((
                "application/x-www-form-urlencoded",
                "decision=agree".to_owned(),
            )),
        )
        .await;
        t.status(
            format!("POST /installer/install form: Origin {origin}"),
            &answer,
            403,
        );
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("reset-password/anything"),
            std::slice::from_ref(&o),
            Some((
                "application/x-www-form-urlencoded",
                "password=owned".to_owned(),
            )),
        )
        .await;
        t.status(
            format!("POST /reset-password form: Origin {origin}"),
            &answer,
            403,
        );
        // Even with the right credentials, a page's script spends nothing: no sign-on, no once-only secret.
        let admin = site.emulator.admin();
        let vouched = ("authorization", format!("{visitor},{}", admin.api_key));
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("_api/iam/authentication/v2/sign-on"),
            &[o.clone(), vouched],
            Some((
                "application/json",
                json!({"loginId": {"email": "mallory@example.com"}}).to_string(),
            )),
        )
        .await;
        t.status(format!("POST sign-on: Origin {origin}"), &answer, 403);
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url(&format!("oauth-app/v1/oauth-apps/{CLIENT}/generate-secret")),
            &[
                o.clone(),
                ("authorization", admin.api_key.clone()),
                ("wix-site-id", admin.site_id.clone()),
            ],
            Some((
                "application/json",
                json!({"oAuthAppId": CLIENT}).to_string(),
            )),
        )
        .await;
        t.status(
            format!("POST generate-secret: Origin {origin}"),
            &answer,
            403,
        );
    }
    t.check(
        "foreign-Origin form posts: no member was registered",
        site.admin.members().await.unwrap().is_empty(),
        "a member exists",
    );
    t.check(
        "foreign-Origin posts: the once-only secret generation is still unspent",
        site.admin
            .oauth_apps()
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == CLIENT && a.allow_secret_generation),
        "generation was spent",
    );
    // The hosted page's own form posts to its own origin: that works.
    for (i, own) in [
        format!("http://127.0.0.1:{}", site.port),
        format!("http://localhost:{}", site.port),
    ]
    .into_iter()
    .enumerate()
    {
        let form = format!(
            "client_id={CLIENT}&redirect_uri=oauthdesk%3A%2F%2Fcallback&response_type=code&code_challenge={CHALLENGE}\
             &code_challenge_method=S256&action=register&email=own{i}%40example.com&password=pa55word"
        );
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("oauth2/authorize"),
            &[("origin", own.clone())],
            Some(("application/x-www-form-urlencoded", form)),
        )
        .await;
        t.check(
            format!("POST /oauth2/authorize form from its own origin {own}"),
            answer.status == 303
                && answer
                    .header("location")
                    .starts_with("oauthdesk://callback#code="),
            format_args!("{} {}", answer.status, answer.header("location")),
        );
    }

    // JSON routes want JSON.
    for (path, auth) in [
        ("oauth2/token", None),
        ("_api/iam/authentication/v2/register", Some(visitor.clone())),
        (
            "_api/redirects-api/v1/redirect-session",
            Some(visitor.clone()),
        ),
        ("oauth-app/v1/oauth-apps/query", None),
    ] {
        let headers: Vec<(&str, String)> = auth.into_iter().map(|v| ("authorization", v)).collect();
        for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
            let answer = raw(
                &site.http,
                Method::POST,
                &site.url(path),
                &headers,
                Some((content_type, token_body.clone())),
            )
            .await;
            t.status(
                format!("POST /{path} with content type {content_type:?}"),
                &answer,
                415,
            );
        }
    }
    site.emulator.shutdown().await;
}

/// Client-supplied numbers: refused when out of range, and the emulator keeps working.
async fn numbers(t: &mut Tally) {
    let site = Site::start(EmulatorConfig::default()).await;
    let clock = site.admin.url("clock").to_string();
    for value in [
        json!(9_000_000_000_000_000_i64),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(-1),
        json!(1e300),
        json!(u64::MAX),
        json!(10 * 366 * 24 * 3600 + 1),
        json!("60"),
    ] {
        let answer = raw(
            &site.http,
            Method::POST,
            &clock,
            &[site.bearer()],
            Some((
                "application/json",
                json!({"advanceSeconds": value}).to_string(),
            )),
        )
        .await;
        t.status(format!("clock advanceSeconds {value}"), &answer, 400);
        t.status(
            format!("after clock {value}: a token is still minted"),
            &site.visitor().await,
            200,
        );
    }
    // Ten years at a time, eleven times: the total is capped too (100 years), and tokens still come.
    let mut refused_at = None;
    for i in 0..11 {
        if site
            .admin
            .advance_clock(10 * 366 * 24 * 3600)
            .await
            .is_err()
        {
            refused_at = Some(i);
            break;
        }
    }
    t.check(
        "clock: the total offset is capped",
        refused_at == Some(10),
        format_args!("refused at step {refused_at:?}"),
    );
    t.status(
        "after the capped clock: a token is still minted",
        &site.visitor().await,
        200,
    );

    let faults = site.admin.url("faults").to_string();
    for (label, fault) in [
        (
            "times 0",
            json!({"path": "/oauth2/token", "times": 0, "fault": {"kind": "drop"}}),
        ),
        (
            "times 1001",
            json!({"path": "/oauth2/token", "times": 1001, "fault": {"kind": "drop"}}),
        ),
        (
            "times 2^40",
            json!({"path": "/oauth2/token", "times": 1_u64 << 40, "fault": {"kind": "drop"}}),
        ),
        (
            "times -1",
            json!({"path": "/oauth2/token", "times": -1, "fault": {"kind": "drop"}}),
        ),
        (
            "latency 60001 ms",
            json!({"path": "/oauth2/token", "fault": {"kind": "latency", "ms": 60_001}}),
        ),
        (
            "latency u64::MAX",
            json!({"path": "/oauth2/token", "fault": {"kind": "latency", "ms": u64::MAX}}),
        ),
        (
            "latency -5",
            json!({"path": "/oauth2/token", "fault": {"kind": "latency", "ms": -5}}),
        ),
        (
            "status 200",
            json!({"path": "/oauth2/token", "fault": {"kind": "status", "status": 200}}),
        ),
        (
            "status 99",
            json!({"path": "/oauth2/token", "fault": {"kind": "status", "status": 99}}),
        ),
        (
            "status 70000",
            json!({"path": "/oauth2/token", "fault": {"kind": "status", "status": 70_000}}),
        ),
        (
            "retryAfter 10^9",
            json!({"path": "/oauth2/token", "fault": {"kind": "status", "status": 429, "retryAfter": 1_000_000_000}}),
        ),
        (
            "an emulator path",
            json!({"path": "/_emulator/v1/health", "fault": {"kind": "drop"}}),
        ),
        (
            "a 3000-char path",
            json!({"path": format!("/{}", "a".repeat(3000)), "fault": {"kind": "drop"}}),
        ),
    ] {
        let answer = raw(
            &site.http,
            Method::POST,
            &faults,
            &[site.bearer()],
            Some(("application/json", fault.to_string())),
        )
        .await;
        t.status(format!("fault {label}"), &answer, 400);
    }
    t.check(
        "refused faults: none armed",
        site.admin.faults().await.unwrap().is_empty(),
        "a fault was armed",
    );
    // At most 100 armed at once.
    let mut armed = 0;
    for _ in 0..101 {
        if site
            .admin
            .inject_fault(&Fault::next("/apps/v1/bi-event", FaultKind::status(503)))
            .await
            .is_ok()
        {
            armed += 1;
        }
    }
    t.check("faults: at most 100 armed", armed == 100, armed);
    site.admin.clear_faults().await.unwrap();
    t.status(
        "after the faults: a token is still minted",
        &site.visitor().await,
        200,
    );

    // The OAuth Apps query's paging.
    let admin = site.emulator.admin().clone();
    for (label, paging, want) in [
        ("limit 0", json!({"limit": 0}), 400),
        ("limit 101", json!({"limit": 101}), 400),
        ("limit -1", json!({"limit": -1}), 400),
        ("limit 2^40", json!({"limit": 1_u64 << 40}), 400),
        ("offset -1", json!({"offset": -1}), 400),
        ("offset 2^40", json!({"offset": 1_u64 << 40}), 400),
        ("offset u32::MAX", json!({"offset": u32::MAX}), 200),
    ] {
        let answer = raw(
            &site.http,
            Method::POST,
            &site.url("oauth-app/v1/oauth-apps/query"),
            &[
                ("authorization", admin.api_key.clone()),
                ("wix-site-id", admin.site_id.clone()),
            ],
            Some((
                "application/json",
                json!({"query": {"paging": paging}}).to_string(),
            )),
        )
        .await;
        t.status(format!("query paging {label}"), &answer, want);
    }
    t.status(
        "after the queries: a token is still minted",
        &site.visitor().await,
        200,
    );
    site.emulator.shutdown().await;
}

/// Hosted pages: redirects only where the OAuth app allows, no framing, the Add-app page out of the admin routes.
async fn hosted_pages(t: &mut Tally) {
    let site = Site::start(EmulatorConfig::default()).await;
    let visitor = site.visitor_token().await;
    let session =
        |url: &str| json!({"logout": {"clientId": CLIENT}, "callbacks": {"postFlowUrl": url}});

    // Logout: a foreign postFlowUrl is not followed; an allowed one is.
    for (url, allowed) in [
        (FOREIGN, false),
        ("https://127.0.0.1:5173.evil.example/", false),
        ("javascript:alert(1)", false),
        (ALLOWED, true),
    ] {
        let created = site
            .sdk(
                "_api/redirects-api/v1/redirect-session",
                &visitor,
                session(url),
            )
            .await;
        let full = serde_json::from_str::<Value>(&created.body).unwrap_or_default()["redirectSession"]
            ["fullUrl"]
            .as_str()
            .map(str::to_owned);
        let Some(full) = full else {
            // Refused at creation (not an absolute URL): nothing to follow either.
            t.check(
                format!("logout to {url}: refused"),
                !allowed && created.status == 400,
                shown(&created.body),
            );
            continue;
        };
        let page = raw(&site.http, Method::GET, &full, &[], None).await;
        if allowed {
            t.check(
                format!("logout to allowed {url}: redirects"),
                page.status == 303 && page.header("location") == url,
                format_args!("{} {}", page.status, page.header("location")),
            );
        } else {
            t.check(
                format!("logout to foreign {url}: no redirect, an error page"),
                page.status == 400
                    && page.header("location").is_empty()
                    && page.body.contains("allowed"),
                format_args!("{} {}", page.status, page.header("location")),
            );
        }
    }

    // Password reset: a foreign redirect is not followed (the password still changes); the token is not stored raw.
    let registered = site
        .sdk(
            "_api/iam/authentication/v2/register",
            &visitor,
            json!({"loginId": {"email": "bo@example.com"}, "password": "pa55word"}),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", shown(&registered.body));
    for (url, allowed) in [(FOREIGN, false), (ALLOWED, true)] {
        site.admin.clear_outbox().await.unwrap();
        let sent = site
            .sdk(
                "_api/iam/recovery/v1/send-email",
                &visitor,
                json!({"email": "bo@example.com", "redirect": {"url": url, "clientId": CLIENT}}),
            )
            .await;
        assert_eq!(sent.status, 200, "{}", shown(&sent.body));
        let link = site.admin.outbox().await.unwrap()[0].link.clone().unwrap();
        let reset_token = link.rsplit('/').next().unwrap().to_owned();
        let state = site.snapshot().await.to_string();
        t.check(
            "reset tokens: not stored raw",
            !state.replace(&link, "").contains(&reset_token),
            "the raw reset token is in the state",
        );
        let page = raw(&site.http, Method::GET, &link, &[], None).await;
        t.check(
            format!("reset page {url}: opens without a token, not framable"),
            page.status == 200
                && page.header("content-security-policy") == "frame-ancestors 'none'",
            format_args!("{} {}", page.status, page.header("content-security-policy")),
        );
        let done = raw(
            &site.http,
            Method::POST,
            &link,
            &[("origin", format!("http://127.0.0.1:{}", site.port))],
            Some((
                "application/x-www-form-urlencoded",
                "password=n3w-pass".to_owned(),
            )),
        )
        .await;
        if allowed {
            t.check(
                "reset to an allowed URL: redirects",
                done.status == 303 && done.header("location") == url,
                format_args!("{} {}", done.status, done.header("location")),
            );
        } else {
            t.check(
                "reset to a foreign URL: no redirect, an error page",
                done.status == 400
                    && done.header("location").is_empty()
                    && done.body.contains("allowed"),
                format_args!("{} {}", done.status, done.header("location")),
            );
        }
    }

    // web_message: only an allowed http(s) redirect URI, and the answer posts to its origin only.
    let web_message = |redirect: &str| {
        json!({"auth": {"authRequest": {"clientId": CLIENT, "redirectUri": redirect, "codeChallenge": CHALLENGE,
            "codeChallengeMethod": "S256", "responseMode": "web_message", "responseType": "code"}, "prompt": "login"}})
    };
    let custom = site
        .sdk(
            "_api/redirects-api/v1/redirect-session",
            &visitor,
            web_message("oauthdesk://callback"),
        )
        .await;
    t.status("web_message to a custom-scheme URI: refused", &custom, 400);
    let created = site
        .sdk(
            "_api/redirects-api/v1/redirect-session",
            &visitor,
            web_message(ALLOWED),
        )
        .await;
    let full = serde_json::from_str::<Value>(&created.body).unwrap()["redirectSession"]["fullUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let query: Vec<(String, String)> = url::Url::parse(&full)
        .unwrap()
        .query_pairs()
        .into_owned()
        .chain([
            ("action".to_owned(), "login".to_owned()),
            ("email".to_owned(), "bo@example.com".to_owned()),
            ("password".to_owned(), "n3w-pass".to_owned()),
        ])
        .collect();
    let answer = site
        .http
        .post(site.url("oauth2/authorize"))
        .form(&query)
        .send()
        .await
        .unwrap();
    let csp = answer
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = answer.text().await.unwrap();
    t.check(
        "web_message: posts to the allowed origin only, never *",
        body.contains("postMessage(")
            && body.contains("\"http://127.0.0.1:5173\"")
            && !body.contains("\"*\""),
        shown(&body),
    );
    t.check(
        "web_message: only that origin may frame it",
        csp == "frame-ancestors http://127.0.0.1:5173",
        &csp,
    );

    // Every HTML page refuses framing.
    let auth_url = site.url(&format!(
        "oauth2/authorize?client_id={CLIENT}&redirect_uri=oauthdesk%3A%2F%2Fcallback&response_type=code\
         &code_challenge={CHALLENGE}&code_challenge_method=S256&state=s"
    ));
    for url in [
        auth_url,
        site.url(&format!("oauth2/logout?client_id={CLIENT}")),
        site.url("oauth2/logout?client_id=unknown"),
        site.url("installer/install?appId=x"),
        site.url("installer/close-window"),
        site.url("installer/add-app/unknown-app"),
        site.url("reset-password/unknown"),
    ] {
        let page = raw(&site.http, Method::GET, &url, &[], None).await;
        t.check(
            format!("GET {url}: frame-ancestors 'none' and X-Frame-Options DENY"),
            page.header("content-type").starts_with("text/html")
                && page.header("content-security-policy") == "frame-ancestors 'none'"
                && page.header("x-frame-options") == "DENY",
            format_args!(
                "{} {:?} {:?}",
                page.status,
                page.header("content-type"),
                page.header("content-security-policy")
            ),
        );
    }

    // "Add app" lives at /installer/add-app/{appId}: a browser opens it without a token; the old admin path is gone.
    site.admin
        .update_wix_app(
            SEEDED_WIX_APP_ID,
            &wix_emulator::test_support::WixAppPatch {
                app_url: Some("http://127.0.0.1:9/app".to_owned()),
                redirect_url: Some("http://127.0.0.1:9/redirect".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let add = site.emulator.add_app_url(SEEDED_WIX_APP_ID);
    t.check(
        "the Add app page's path",
        add.path() == format!("/installer/add-app/{SEEDED_WIX_APP_ID}"),
        &add,
    );
    let added = raw(&site.http, Method::GET, add.as_str(), &[], None).await;
    t.check(
        "Add app: no token needed, off to the App URL with an install token",
        added.status == 303
            && added
                .header("location")
                .starts_with("http://127.0.0.1:9/app?token=EMU.install."),
        format_args!("{} {}", added.status, added.header("location")),
    );
    let old = raw(
        &site.http,
        Method::GET,
        &site.url(&format!("_emulator/v1/wix-apps/{SEEDED_WIX_APP_ID}/add")),
        &[site.bearer()],
        None,
    )
    .await;
    t.status("the old admin Add app path", &old, 404);
    site.emulator.shutdown().await;
}

/// The state file: 0600 in a 0700 folder the emulator made, even over an older, wider file.
#[cfg(unix)]
async fn state_file(t: &mut Tally) {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("wix-emulator-security-{}", uuid::Uuid::new_v4()));
    let dir = root.join("made-by-the-emulator");
    let path = dir.join("state.json");
    let site = Site::start(EmulatorConfig {
        data_path: Some(path.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let visitor = site.visitor_token().await;
    let registered = site
        .sdk(
            "_api/iam/authentication/v2/register",
            &visitor,
            json!({"loginId": {"email": "cy@example.com"}, "password": "pa55word"}),
        )
        .await;
    assert_eq!(registered.status, 200);
    let sent = site
        .sdk(
            "_api/iam/recovery/v1/send-email",
            &visitor,
            json!({"email": "cy@example.com", "redirect": {"url": ALLOWED, "clientId": CLIENT}}),
        )
        .await;
    assert_eq!(sent.status, 200);
    let link = site.admin.outbox().await.unwrap()[0].link.clone().unwrap();
    let reset_token = link.rsplit('/').next().unwrap().to_owned();
    // Shutting down writes the last changes (the file follows the state within a second otherwise).
    site.emulator.shutdown().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    t.check(
        "state file mode",
        mode(&path) == 0o600,
        format_args!("{:o}", mode(&path)),
    );
    t.check(
        "state folder mode",
        mode(&dir) == 0o700,
        format_args!("{:o}", mode(&dir)),
    );
    let file = std::fs::read_to_string(&path).unwrap();
    t.check(
        "state file: holds the member and the pending reset",
        file.contains("cy@example.com") && file.contains("\"resets\":{\""),
        "not written",
    );
    t.check(
        "state file: no raw reset token",
        !file.contains(&reset_token),
        "found it",
    );
    t.check(
        "state file: no raw visitor token",
        !file.contains(&visitor),
        "found it",
    );

    // An existing file with a wide mode is replaced by a 0600 one at the next save.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let again = Site::start(EmulatorConfig {
        data_path: Some(path.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let visitor = again.visitor_token().await;
    let registered = again
        .sdk(
            "_api/iam/authentication/v2/register",
            &visitor,
            json!({"loginId": {"email": "cy2@example.com"}, "password": "pa55word"}),
        )
        .await;
    assert_eq!(registered.status, 200);
    again.emulator.shutdown().await;
    t.check(
        "state file: the change after the restart was written",
        std::fs::read_to_string(&path).is_ok_and(|f| f.contains("cy2@example.com")),
        "not written",
    );
    t.check(
        "state file mode after a save over a 0644 file",
        mode(&path) == 0o600,
        format_args!("{:o}", mode(&path)),
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// `open_admin` drops the token, not the Host and Origin checks; a fixed token is used as given and never shown.
async fn configurations(t: &mut Tally) {
    let open = Site::start(EmulatorConfig {
        open_admin: true,
        ..EmulatorConfig::default()
    })
    .await;
    let health = open.admin.url("health").to_string();
    t.status(
        "open admin: no token needed",
        &raw(&open.http, Method::GET, &health, &[], None).await,
        200,
    );
    t.status(
        "open admin: a rebinding Host is still refused",
        &raw(
            &open.http,
            Method::GET,
            &health,
            &[("host", format!("evil.example:{}", open.port))],
            None,
        )
        .await,
        421,
    );
    t.status(
        "open admin: a foreign Origin is still refused",
        &raw(
            &open.http,
            Method::POST,
            open.admin.url("reset").as_str(),
            &[("origin", EVIL_ORIGIN.to_owned())],
            None,
        )
        .await,
        403,
    );
    open.emulator.shutdown().await;

    let fixed = "a-fixed-admin-token-for-ci-0123456789";
    let config = EmulatorConfig {
        admin_token: Some(AdminToken::new(fixed).unwrap()),
        ..EmulatorConfig::default()
    };
    t.check(
        "a fixed token is not in the config's Debug",
        !format!("{config:?}").contains(fixed),
        "shown",
    );
    let site = Site::start(config).await;
    t.check(
        "a fixed token is used",
        site.emulator.admin_token() == fixed,
        "another",
    );
    t.check(
        "AdminClient::of carries it",
        site.admin.health().await.is_ok(),
        "refused",
    );
    let bare = AdminClient::new(site.emulator.base_url());
    t.check(
        "AdminClient::new without with_token is refused",
        bare.health().await.is_err_and(|e| e.status == Some(401)),
        "not a 401",
    );
    t.check(
        "AdminClient::new with_token works",
        bare.with_token(fixed).health().await.is_ok(),
        "refused",
    );
    site.emulator.shutdown().await;
    t.check(
        "short fixed tokens are refused",
        AdminToken::new("short").is_err(),
        "accepted",
    );
    t.check(
        "tokens with spaces are refused",
        AdminToken::new("a token with spaces in it").is_err(),
        "accepted",
    );
    let one = Site::start(EmulatorConfig::default()).await;
    let two = Site::start(EmulatorConfig::default()).await;
    t.check(
        "generated tokens differ per run and are 43 characters (32 bytes)",
        one.emulator.admin_token() != two.emulator.admin_token()
            && one.emulator.admin_token().len() == 43,
        "same or short",
    );
    let other = raw(
        &one.http,
        Method::GET,
        one.admin.url("health").as_str(),
        &[(
            "authorization",
            format!("Bearer {}", two.emulator.admin_token()),
        )],
        None,
    )
    .await;
    t.status("another run's token is refused", &other, 401);
    one.emulator.shutdown().await;
    two.emulator.shutdown().await;
}

#[tokio::test]
async fn sandbox_attacks_are_refused() {
    let mut t = Tally::default();
    admin_routes(&mut t).await;
    public_routes(&mut t).await;
    numbers(&mut t).await;
    hosted_pages(&mut t).await;
    #[cfg(unix)]
    state_file(&mut t).await;
    configurations(&mut t).await;
    let refused = t.total - t.failures.len();
    println!("security: sandbox_attacks_refused={refused}/{}", t.total);
    wix_emulator::test_support::record_security_tally(
        env!("CARGO_TARGET_TMPDIR"),
        "sandbox_attacks_refused",
        refused,
        t.total,
    );
    assert!(
        t.failures.is_empty(),
        "{} of {} security checks failed:\n{}",
        t.failures.len(),
        t.total,
        t.failures.join("\n")
    );
}
