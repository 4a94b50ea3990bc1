//! Members, redirect sessions, the hosted login page and the code grant, over real HTTP, as a browser and the SDK
//! would use them. Redirects are never followed: each test reads the `Location` the emulator answers with.

use serde_json::{Value, json};
use wix_emulator::test_support::{AdminClient, Fault, FaultKind, SettingsPatch, browser};
use wix_emulator::{EmulatorConfig, RunningEmulator, SEEDED_APP_IDS};

const CLIENT: &str = SEEDED_APP_IDS[0];
/// Registered on the seeded app `CLIENT`.
const REDIRECT: &str = "oauthdesk://callback";
/// Also registered on `CLIENT`: where its hosted logout and reset pages may send the browser.
const ALLOWED_RETURN: &str = "http://127.0.0.1:5173/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// `S256(VERIFIER)` (RFC 7636 appendix B).
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Site {
    emulator: RunningEmulator,
    admin: AdminClient,
    http: reqwest::Client,
    visitor: String,
}

impl Site {
    async fn start() -> Self {
        let emulator = wix_emulator::start(EmulatorConfig::default())
            .await
            .unwrap();
        let http = browser();
        let mut site = Site {
            admin: AdminClient::of(&emulator),
            emulator,
            http,
            visitor: String::new(),
        };
        let (status, body) = site
            .post(
                "oauth2/token",
                json!({"clientId": CLIENT, "grantType": "anonymous"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        site.visitor = body["access_token"].as_str().unwrap().to_owned();
        site
    }

    fn url(&self, path: &str) -> url::Url {
        self.emulator.base_url().join(path).unwrap()
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A call as the SDK makes it: JSON, with the visitor token as `authorization`.
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(
            self.http
                .post(self.url(path))
                .header("authorization", &self.visitor)
                .json(&body),
        )
        .await
    }

    async fn register(&self, email: &str, password: &str) -> (u16, Value) {
        self.post(
            "_api/iam/authentication/v2/register",
            json!({"loginId": {"email": email}, "password": password}),
        )
        .await
    }

    async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        self.post(
            "_api/iam/authentication/v2/login",
            json!({"loginId": {"email": email}, "password": password}),
        )
        .await
    }

    /// A login redirect session's `fullUrl`.
    async fn auth_url(&self, mode: &str, prompt: &str, session_token: Option<&str>) -> String {
        let mut request = json!({
            "redirectUri": REDIRECT, "clientId": CLIENT, "codeChallenge": CHALLENGE,
            "codeChallengeMethod": "S256", "responseMode": mode, "responseType": "code",
            "scope": "offline_access", "state": "st4te",
        });
        if let Some(token) = session_token {
            request["sessionToken"] = json!(token);
        }
        let (status, body) = self
            .post(
                "_api/redirects-api/v1/redirect-session",
                json!({"auth": {"authRequest": request, "prompt": prompt}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["redirectSession"]["fullUrl"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Follow a URL one step and return the `Location` it redirects to.
    async fn location(&self, response: reqwest::Response) -> url::Url {
        assert!(
            response.status().is_redirection(),
            "expected a redirect, got {}: {}",
            response.status(),
            response.text().await.unwrap()
        );
        url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
    }

    async fn exchange(&self, code: &str, verifier: &str, redirect: &str) -> (u16, Value) {
        self.post(
            "oauth2/token",
            json!({"clientId": CLIENT, "grantType": "authorization_code", "redirectUri": redirect,
                   "code": code, "codeVerifier": verifier}),
        )
        .await
    }

    /// Register, turn the session token into a code with `prompt=none`, and return the code.
    async fn member_code(&self, email: &str) -> String {
        let (status, body) = self.register(email, "s3cret-pass").await;
        assert_eq!(status, 200, "{body}");
        let url = self
            .auth_url("query", "none", body["sessionToken"].as_str())
            .await;
        let location = self
            .location(self.http.get(url).send().await.unwrap())
            .await;
        param(&location, "code", false).expect("a code in the query")
    }
}

fn param(url: &url::Url, name: &str, fragment: bool) -> Option<String> {
    let pairs: Vec<(String, String)> = if fragment {
        url::form_urlencoded::parse(url.fragment().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    } else {
        url.query_pairs().into_owned().collect()
    };
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn app_code(body: &Value) -> &str {
    body["details"]["applicationError"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn register_login_and_session_token_become_member_tokens_once() {
    let site = Site::start().await;
    let code = site.member_code("ada@example.com").await;
    let (status, body) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].as_str().unwrap().starts_with("EMU."));
    // The member's token opens the member APIs, as a visitor's does.
    let (status, _) = site.login("ada@example.com", "s3cret-pass").await;
    assert_eq!(status, 200);
    // The code is spent.
    let (status, body) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!((status, app_code(&body)), (400, "invalid_grant"), "{body}");

    // Login answers the SDK's state machine, and a session token works once.
    let (status, body) = site.login("ada@example.com", "s3cret-pass").await;
    assert_eq!((status, body["state"].as_str()), (200, Some("SUCCESS")));
    let token = body["sessionToken"].as_str().unwrap().to_owned();
    let url = site.auth_url("fragment", "none", Some(&token)).await;
    let first = site
        .location(site.http.get(&url).send().await.unwrap())
        .await;
    assert!(param(&first, "code", true).is_some(), "{first}");
    assert_eq!(param(&first, "state", true).as_deref(), Some("st4te"));
    let again = site
        .location(site.http.get(&url).send().await.unwrap())
        .await;
    assert_eq!(
        param(&again, "error", true).as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn the_code_grant_refuses_wrong_verifier_redirect_uri_and_expired_or_deleted() {
    let site = Site::start().await;
    let code = site.member_code("bob@example.com").await;
    let (status, body) = site
        .exchange(
            &code,
            "wrong-verifier-wrong-verifier-wrong-verifier",
            REDIRECT,
        )
        .await;
    assert_eq!((status, app_code(&body)), (400, "invalid_grant"));
    assert!(body["message"].as_str().unwrap().contains("codeVerifier"));
    // A failed attempt spent the code too.
    let (status, _) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 400);

    let code = site.member_code("bob2@example.com").await;
    let (status, body) = site
        .exchange(&code, VERIFIER, "http://127.0.0.1:5173/callback")
        .await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("redirectUri"));

    let code = site.member_code("bob3@example.com").await;
    site.admin.advance_clock(601).await.unwrap();
    let (status, body) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("expired"));

    // Missing fields and bad JSON are Wix-shaped 400s.
    let (status, body) = site
        .post(
            "oauth2/token",
            json!({"clientId": CLIENT, "grantType": "authorization_code"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["validationError"]["fieldViolations"][0]["field"],
        "code"
    );
    let (status, body) = site
        .send(
            site.http
                .post(site.url("_api/iam/authentication/v2/login"))
                .header("authorization", &site.visitor)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!((status, app_code(&body)), (400, "INVALID_ARGUMENT"));

    // A deleted OAuth app's client ID stops working, with its codes.
    let code = site.member_code("bob4@example.com").await;
    let admin = site.emulator.admin().clone();
    let deleted = site
        .http
        .delete(site.url(&format!("oauth-app/v1/oauth-apps/{CLIENT}")))
        .header("authorization", &admin.api_key)
        .header("wix-site-id", &admin.site_id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let (status, body) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!((status, app_code(&body)), (400, "invalid_client"), "{body}");
}

#[tokio::test]
async fn the_hosted_login_page_signs_up_logs_in_and_redirects_with_code_and_state() {
    let site = Site::start().await;
    let url = site.auth_url("query", "login", None).await;
    assert!(
        url.starts_with(site.url("oauth2/authorize").as_str()),
        "{url}"
    );
    let page = site.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="password""#) && html.contains("Sign up"));

    let form = |action: &str, email: &str, password: &str| {
        let mut fields: Vec<(String, String)> = url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        fields.push(("action".into(), action.into()));
        fields.push(("email".into(), email.into()));
        fields.push(("password".into(), password.into()));
        site.http
            .post(site.url("oauth2/authorize"))
            .form(&fields)
            .send()
    };
    let wrong = form("login", "cy@example.com", "nope").await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("No member has this email")
    );

    let signed_up = site
        .location(
            form("register", "cy@example.com", "pa55word")
                .await
                .unwrap(),
        )
        .await;
    assert!(signed_up.as_str().starts_with("oauthdesk://callback?"));
    assert_eq!(param(&signed_up, "state", false).as_deref(), Some("st4te"));
    let code = param(&signed_up, "code", false).unwrap();
    let (status, body) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200, "{body}");

    let bad_password = form("login", "cy@example.com", "wrong-one").await.unwrap();
    assert!(
        bad_password
            .text()
            .await
            .unwrap()
            .contains("Wrong email or password")
    );
    let cancelled = site.location(form("cancel", "", "").await.unwrap()).await;
    assert_eq!(
        param(&cancelled, "error", false).as_deref(),
        Some("access_denied")
    );
    assert!(param(&cancelled, "error_description", false).is_some());
}

#[tokio::test]
async fn redirect_sessions_refuse_unknown_redirect_uris_and_unpublished_sites() {
    let site = Site::start().await;
    let request = |uri: &str| {
        json!({"auth": {"authRequest": {"redirectUri": uri, "clientId": CLIENT, "codeChallenge": CHALLENGE,
            "codeChallengeMethod": "S256", "responseMode": "fragment", "responseType": "code", "state": "s"},
            "prompt": "login"}})
    };
    let path = "_api/redirects-api/v1/redirect-session";
    let (status, body) = site.post(path, request("oauthdesk://other")).await;
    assert_eq!(status, 400);
    let violation = &body["details"]["validationError"]["fieldViolations"][0];
    assert_eq!(violation["field"], "auth.authRequest.redirectUri");
    assert!(
        violation["description"]
            .as_str()
            .unwrap()
            .contains("oauthdesk://other")
    );
    // The page refuses it too, without redirecting anywhere.
    let page = site
        .http
        .get(site.url(&format!(
            "oauth2/authorize?client_id={CLIENT}&redirect_uri=https://evil.example/&response_type=code&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);

    let (status, body) = site
        .send(site.http.post(site.url(path)).json(&request(REDIRECT)))
        .await;
    assert_eq!(status, 401, "needs a visitor token: {body}");

    site.admin
        .patch_settings(&SettingsPatch::default().site_published(false))
        .await
        .unwrap();
    let (status, body) = site.post(path, request(REDIRECT)).await;
    assert_eq!((status, app_code(&body)), (400, "SITE_NOT_PUBLISHED"));

    // Logout sessions point at a page that returns to postFlowUrl (one the OAuth app allows).
    let (status, body) = site
        .post(
            path,
            json!({"logout": {"clientId": CLIENT}, "callbacks": {"postFlowUrl": ALLOWED_RETURN}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let logout = body["redirectSession"]["fullUrl"].as_str().unwrap();
    let back = site
        .location(site.http.get(logout).send().await.unwrap())
        .await;
    assert_eq!(back.as_str(), ALLOWED_RETURN);
}

#[tokio::test]
async fn verification_approval_captcha_and_the_sdk_error_codes() {
    let site = Site::start().await;
    let (status, body) = site.register("not-an-email", "pa55word").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["validationError"]["fieldViolations"][0]["data"]["type"],
        "EMAIL"
    );
    assert_eq!(site.register("dee@example.com", "pa55word").await.0, 200);
    let (status, body) = site.register("DEE@example.com", "pa55word").await;
    assert_eq!((status, app_code(&body)), (409, "-19995"));
    let (_, body) = site.login("dee@example.com", "wrong-pass").await;
    assert_eq!(app_code(&body), "-19976");

    site.admin
        .patch_settings(
            &SettingsPatch::default()
                .require_email_verification(true)
                .require_owner_approval(true),
        )
        .await
        .unwrap();
    let (status, body) = site.register("eve@example.com", "pa55word").await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "REQUIRE_EMAIL_VERIFICATION");
    let state_token = body["stateToken"].as_str().unwrap();
    let outbox = site.admin.outbox().await.unwrap();
    let email = outbox.last().unwrap().clone();
    assert_eq!(email.to, "eve@example.com");
    let (status, body) = site
        .post(
            "_api/iam/verification/v1/auth/verify",
            json!({"code": "000000x", "stateToken": state_token}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = site
        .post(
            "_api/iam/verification/v1/auth/verify",
            json!({"code": email.code, "stateToken": state_token}),
        )
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("REQUIRE_OWNER_APPROVAL"))
    );
    let members = site.admin.members().await.unwrap();
    let eve = members
        .iter()
        .find(|m| m.email == "eve@example.com")
        .unwrap();
    assert!(eve.password_hash.is_none(), "listings never show hashes");
    site.admin.approve_member(&eve.id).await.unwrap();
    let (_, body) = site.login("eve@example.com", "pa55word").await;
    assert_eq!(body["state"], "SUCCESS");

    site.admin
        .patch_settings(&SettingsPatch::default().require_captcha(true))
        .await
        .unwrap();
    let (_, body) = site.login("eve@example.com", "pa55word").await;
    assert_eq!(app_code(&body), "-19971");
    let (_, body) = site
        .post(
            "_api/iam/authentication/v2/login",
            json!({"loginId": {"email": "eve@example.com"}, "password": "pa55word",
                   "captchaTokens": [{"Recaptcha": "forged"}]}),
        )
        .await;
    assert_eq!(app_code(&body), "-19970");
}

#[tokio::test]
async fn password_reset_and_external_login() {
    let site = Site::start().await;
    let (_, registered) = site.register("fay@example.com", "old-pass").await;
    let (status, _) = site
        .post(
            "_api/iam/recovery/v1/send-email",
            json!({"email": "fay@example.com", "redirect": {"url": ALLOWED_RETURN, "clientId": CLIENT}}),
        )
        .await;
    assert_eq!(status, 200);
    // An unknown email answers the same, and sends nothing.
    let (status, _) = site
        .post(
            "_api/iam/recovery/v1/send-email",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(status, 200);
    let emails = site.admin.outbox().await.unwrap();
    assert_eq!(emails.len(), 1);
    let link = emails[0].link.as_deref().unwrap();
    assert!(
        site.http
            .get(link)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let done = site
        .http
        .post(link)
        .form(&[("password", "new-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(site.location(done).await.as_str(), ALLOWED_RETURN);
    assert_eq!(
        site.login("fay@example.com", "old-pass").await.1["details"]["applicationError"]["code"],
        "-19976"
    );
    assert_eq!(
        site.login("fay@example.com", "new-pass").await.1["state"],
        "SUCCESS"
    );
    assert_eq!(
        site.http.get(link).send().await.unwrap().status(),
        404,
        "links work once"
    );

    // External login: visitor token + API key, snake_case body.
    let member_id = registered["identity"]["id"].as_str().unwrap();
    let external = |key: &str| {
        site.send(
            site.http
                .post(site.url("oauth2/token"))
                .header("authorization", format!("{},{key}", site.visitor))
                .json(&json!({"grant_type": "authorized_client", "scope": "offline_access", "member_id": member_id})),
        )
    };
    let (status, _) = external("wrong-key").await;
    assert_eq!(status, 401);
    let (status, body) = external(&site.emulator.admin().api_key.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn injected_faults_hit_the_next_requests_then_stop() {
    let site = Site::start().await;
    let admin = &site.admin;
    let arm = |fault: FaultKind| {
        let fault = Fault::next("/oauth2/token", fault);
        async move { admin.inject_fault(&fault).await.unwrap() }
    };
    site.admin
        .inject_fault(&Fault::next("/oauth2/token", FaultKind::status(503)).times(2))
        .await
        .unwrap();
    let token = json!({"clientId": CLIENT, "grantType": "anonymous"});
    assert_eq!(site.post("oauth2/token", token.clone()).await.0, 503);
    assert_eq!(site.post("oauth2/token", token.clone()).await.0, 503);
    assert_eq!(site.post("oauth2/token", token.clone()).await.0, 200);

    arm(FaultKind::Status {
        status: 429,
        retry_after: Some(3),
    })
    .await;
    let limited = site
        .http
        .post(site.url("oauth2/token"))
        .json(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "3");

    arm(FaultKind::MalformedJson).await;
    let malformed = site
        .http
        .post(site.url("oauth2/token"))
        .json(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 200);
    assert!(malformed.json::<Value>().await.is_err());

    arm(FaultKind::Drop).await;
    let dropped = site
        .http
        .post(site.url("oauth2/token"))
        .json(&token)
        .send()
        .await;
    let broken = match dropped {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(broken, "a dropped connection is an error for the client");

    arm(FaultKind::Latency { ms: 300 }).await;
    let started = std::time::Instant::now();
    assert_eq!(site.post("oauth2/token", token.clone()).await.0, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    let armed = site.admin.faults().await.unwrap();
    assert_eq!(armed.len(), 0);
    let refused = site
        .admin
        .call_json(
            reqwest::Method::POST,
            "faults",
            &json!({"path": "/oauth2/token", "fault": {"kind": "explode"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status, Some(400), "{refused}");
}

#[tokio::test]
async fn with_authorize_with_page_a_session_token_login_answers_a_page_that_spends_nothing_until_submitted()
 {
    let site = Site::start().await;
    site.admin
        .patch_settings(&SettingsPatch::default().authorize_with_page(true))
        .await
        .unwrap();
    let (_, body) = site.register("pat@example.com", "s3cret-pass").await;
    let url = site
        .auth_url("query", "none", body["sessionToken"].as_str())
        .await;
    // Loading the page (twice: a client that reads redirects itself, then a browser) spends nothing.
    for _ in 0..2 {
        let page = site.http.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(csp, "frame-ancestors 'none'");
        let html = page.text().await.unwrap();
        assert!(
            html.contains(r#"data-testid="authorize-page-form""#),
            "{html}"
        );
        assert!(
            html.contains("script-src 'sha256-"),
            "only its own script runs"
        );
        assert!(
            !html.contains("EMU.code."),
            "no code before the form is submitted"
        );
    }
    let callback = wix_emulator::test_support::play_authorize_page(&url).await;
    let callback = url::Url::parse(&callback).unwrap();
    assert!(
        callback.as_str().starts_with("oauthdesk://callback?"),
        "{callback}"
    );
    assert_eq!(param(&callback, "state", false).as_deref(), Some("st4te"));
    let code = param(&callback, "code", false).expect("a code");
    let (status, tokens) = site.exchange(&code, VERIFIER, REDIRECT).await;
    assert_eq!(status, 200, "{tokens}");
    // The form counts once: the session token is spent.
    let again =
        url::Url::parse(&wix_emulator::test_support::play_authorize_page(&url).await).unwrap();
    assert_eq!(
        param(&again, "error", false).as_deref(),
        Some("login_required")
    );
    // The setting off again: the 303 with the code, as before.
    site.admin
        .patch_settings(&SettingsPatch::default().authorize_with_page(false))
        .await
        .unwrap();
    let (_, body) = site.login("pat@example.com", "s3cret-pass").await;
    let url = site
        .auth_url("query", "none", body["sessionToken"].as_str())
        .await;
    let location = site
        .location(site.http.get(url).send().await.unwrap())
        .await;
    assert!(param(&location, "code", false).is_some());
}

#[tokio::test]
async fn sign_on_gives_a_session_token_that_external_login_redeems_once() {
    let site = Site::start().await;
    let key = site.emulator.admin().api_key.clone();
    let vouched = format!("{},{key}", site.visitor);
    let sign_on = |authorization: String, body: Value| {
        let request = site
            .http
            .post(site.url("_api/iam/authentication/v2/sign-on"))
            .header("authorization", authorization)
            .json(&body);
        site.send(request)
    };
    let (status, body) = sign_on(
        vouched.clone(),
        json!({"loginId": {"email": "Sid@Example.com"}, "profile": {"nickname": "Sid"}, "verifyEmail": true}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let member_id = body["identity"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["identity"]["email"]["address"], "sid@example.com");
    assert_eq!(body["identity"]["email"]["isVerified"], true);
    let session_token = body["sessionToken"].as_str().unwrap().to_owned();
    let members = site.admin.members().await.unwrap();
    assert!(
        members
            .iter()
            .any(|m| m.id == member_id && m.email_verified)
    );

    let grant = |session: &str, member: &str| {
        let request = site
            .http
            .post(site.url("oauth2/token"))
            .header("authorization", vouched.clone())
            .json(&json!({"grant_type": "authorized_client", "member_id": member, "session_token": session}));
        site.send(request)
    };
    let (status, body) = grant(&session_token, "another-member").await;
    assert_eq!((status, app_code(&body)), (400, "invalid_grant"), "{body}");
    // That attempt spent it: sign on again for a fresh one.
    let (_, body) = sign_on(
        vouched.clone(),
        json!({"loginId": {"email": "sid@example.com"}}),
    )
    .await;
    assert_eq!(
        body["identity"]["id"],
        member_id.as_str(),
        "the same member"
    );
    let session_token = body["sessionToken"].as_str().unwrap().to_owned();
    let (status, body) = grant(&session_token, &member_id).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].as_str().is_some());
    let (status, _) = grant(&session_token, &member_id).await;
    assert_eq!(status, 400, "a session token counts once");

    // A wrong key, a missing visitor token and a bad email are refused.
    let (status, _) = sign_on(
        format!("{},wrong", site.visitor),
        json!({"loginId": {"email": "x@example.com"}}),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = sign_on(key.clone(), json!({"loginId": {"email": "x@example.com"}})).await;
    assert_eq!(status, 401);
    let (status, _) = sign_on(vouched.clone(), json!({"loginId": {"email": "nope"}})).await;
    assert_eq!(status, 400);
    assert_eq!(site.admin.members().await.unwrap().len(), 1);
}
