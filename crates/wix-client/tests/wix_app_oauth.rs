//! Wix app OAuth against the emulator: basic tokens, the advanced install handshake (the browser played by an HTTP
//! client), refresh with rotation, and each failure a clear error.

use serde_json::{Value, json};
use vault::Secret;
use wix_client::wix_apps::{WixAppAuth, installer_url};
use wix_client::{ClientConfig, Error};
use wix_emulator::EmulatorConfig;
use wix_emulator::wix_apps::{SEEDED_INSTANCE_ID, SEEDED_WIX_APP_ID, SEEDED_WIX_APP_SECRET};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> url::Url {
    url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn code_of(e: &Error) -> Option<&str> {
    match e {
        Error::Wix(w) => w.code.as_deref(),
        _ => None,
    }
}

#[tokio::test]
async fn basic_oauth_gives_four_hour_tokens_and_refuses_a_wrong_secret_or_instance() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let config = ClientConfig::with_base_url(emulator.base_url().clone());
    let auth = WixAppAuth::new(
        config.clone(),
        SEEDED_WIX_APP_ID,
        Secret::from(SEEDED_WIX_APP_SECRET),
    )
    .unwrap();
    let token = auth.basic_token(SEEDED_INSTANCE_ID).await.unwrap();
    let left = token.expires_at - chrono::Utc::now();
    assert!((left.num_minutes() - 240).abs() <= 1, "{left:?}");
    assert!(token.refresh_token.is_none());

    let wrong = WixAppAuth::new(
        config.clone(),
        SEEDED_WIX_APP_ID,
        Secret::from("bad-s3cret-value"),
    )
    .unwrap();
    let e = wrong.basic_token(SEEDED_INSTANCE_ID).await.unwrap_err();
    assert_eq!(code_of(&e), Some("invalid_client"), "{e}");
    assert!(!e.to_string().contains("bad-s3cret-value"));
    let e = auth.basic_token("not-installed").await.unwrap_err();
    assert_eq!(code_of(&e), Some("invalid_grant"), "{e}");
    assert!(WixAppAuth::new(config, " ", Secret::from("x")).is_err());
}

#[tokio::test]
async fn advanced_oauth_install_handshake_refresh_rotation_and_failures() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url().clone();
    let http = browser();
    // The app's URLs, registered with the emulator's app (as in the Dev Center).
    let (app_url, redirect_url) = ("http://127.0.0.1:9/app", "http://127.0.0.1:9/redirect");
    let registered: Value = http
        .patch(
            base.join(&format!("_emulator/v1/wix-apps/{SEEDED_WIX_APP_ID}"))
                .unwrap(),
        )
        .json(&json!({"appUrl": app_url, "redirectUrl": redirect_url}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["wixApp"]["redirectUrl"], redirect_url);

    // "Add app" → App URL with a token → installer → consent → Redirect URL with code, instanceId, state.
    let install = |state: &'static str, redirect: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let added = http
                .get(
                    base.join(&format!("_emulator/v1/wix-apps/{SEEDED_WIX_APP_ID}/add"))
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
            let at_app = location(&added);
            assert!(at_app.as_str().starts_with(app_url));
            let token = param(&at_app, "token").unwrap();
            let installer = installer_url(&base, &token, SEEDED_WIX_APP_ID, redirect, state);
            let page = http.get(installer.clone()).send().await.unwrap();
            let status = page.status();
            let form: Vec<(String, String)> = installer
                .query_pairs()
                .into_owned()
                .chain([("decision".to_owned(), "agree".to_owned())])
                .collect();
            let done = http
                .post(base.join("installer/install").unwrap())
                .form(&form)
                .send()
                .await
                .unwrap();
            (status, done)
        }
    };
    let (status, done) = install("my-state-1", redirect_url).await;
    assert_eq!(status, 200);
    let back = location(&done);
    assert!(back.as_str().starts_with(redirect_url));
    assert_eq!(param(&back, "state").as_deref(), Some("my-state-1"));
    let instance = param(&back, "instanceId").unwrap();
    let code = Secret::new(param(&back, "code").unwrap());

    let auth = WixAppAuth::new(
        ClientConfig::with_base_url(base.clone()),
        SEEDED_WIX_APP_ID,
        Secret::from(SEEDED_WIX_APP_SECRET),
    )
    .unwrap();
    let first = auth.exchange_code(&code).await.unwrap();
    let left = first.expires_at - chrono::Utc::now();
    assert!(
        left.num_seconds() <= 300 && left.num_seconds() > 280,
        "5-minute access tokens"
    );
    let refresh = first.refresh_token.clone().expect("a refresh token");
    // Codes are single use.
    let e = auth.exchange_code(&code).await.unwrap_err();
    assert_eq!(code_of(&e), Some("invalid_grant"));

    // Refresh rotates: the new refresh token works, the old one no longer.
    let second = auth.refresh(&refresh).await.unwrap();
    let rotated = second.refresh_token.clone().unwrap();
    assert_ne!(rotated, refresh);
    assert_eq!(
        code_of(&auth.refresh(&refresh).await.unwrap_err()),
        Some("invalid_grant")
    );
    auth.send_finished_configuration(&second.access_token)
        .await
        .unwrap();
    let state: Value = http
        .get(base.join("_emulator/v1/wix-apps").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let installed = state["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instanceId"] == instance.as_str())
        .unwrap();
    assert_eq!(installed["finishedConfiguration"], true);

    // A revoked refresh token, a wrong secret, an expired code: each a clear error.
    http.post(
        base.join(&format!("_emulator/v1/instances/{instance}/revoke"))
            .unwrap(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        code_of(&auth.refresh(&rotated).await.unwrap_err()),
        Some("invalid_grant")
    );
    let (_, done) = install("my-state-2", redirect_url).await;
    let code = Secret::new(param(&location(&done), "code").unwrap());
    let wrong = WixAppAuth::new(
        ClientConfig::with_base_url(base.clone()),
        SEEDED_WIX_APP_ID,
        Secret::from("wrong-secret"),
    )
    .unwrap();
    assert_eq!(
        code_of(&wrong.exchange_code(&code).await.unwrap_err()),
        Some("invalid_client")
    );
    http.post(base.join("_emulator/v1/clock").unwrap())
        .json(&json!({"advanceSeconds": 601}))
        .send()
        .await
        .unwrap();
    let e = auth.exchange_code(&code).await.unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");

    // A redirect URL that is not the registered one is refused by the installer.
    let (status, _) = install("my-state-3", "http://127.0.0.1:9/elsewhere").await;
    assert_eq!(status, 400);
}
