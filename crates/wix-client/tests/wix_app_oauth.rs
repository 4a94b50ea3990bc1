//! Wix app OAuth against the emulator: basic tokens, the advanced install handshake (the browser played by an HTTP
//! client), refresh with rotation, and each failure a clear error.

use vault::Secret;
use wix_client::wix_apps::{WixAppAuth, installer_url};
use wix_client::{ClientConfig, Error};
use wix_emulator::EmulatorConfig;
use wix_emulator::test_support::{
    AdminClient, WixAppPatch, agree_to_install, browser, location, query_param as param,
};
use wix_emulator::wix_apps::{SEEDED_INSTANCE_ID, SEEDED_WIX_APP_ID, SEEDED_WIX_APP_SECRET};

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
    let admin = AdminClient::of(&emulator);
    let http = browser();
    // The app's URLs, registered with the emulator's app (as in the Dev Center).
    let (app_url, redirect_url) = ("http://127.0.0.1:9/app", "http://127.0.0.1:9/redirect");
    let registered = admin
        .update_wix_app(
            SEEDED_WIX_APP_ID,
            &WixAppPatch {
                app_url: Some(app_url.into()),
                redirect_url: Some(redirect_url.into()),
                ..WixAppPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(registered.redirect_url.as_deref(), Some(redirect_url));

    // "Add app" → App URL with a token → installer → consent → Redirect URL with code, instanceId, state.
    let install = |state: &'static str, redirect: &'static str| {
        let (http, base, admin) = (http.clone(), base.clone(), admin.clone());
        async move {
            let at_app = admin.add_wix_app(SEEDED_WIX_APP_ID).await.unwrap();
            assert!(at_app.as_str().starts_with(app_url));
            let token = param(&at_app, "token").unwrap();
            let installer = installer_url(&base, &token, SEEDED_WIX_APP_ID, redirect, state);
            let page = http.get(installer.clone()).send().await.unwrap();
            let status = page.status();
            let done = agree_to_install(&http, &installer).await;
            (status, location(&installer, &done))
        }
    };
    let (status, back) = install("my-state-1", redirect_url).await;
    assert_eq!(status, 200);
    let back = back.expect("consent redirects to the Redirect URL");
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
    let state = admin.wix_apps().await.unwrap();
    let installed = state
        .instances
        .iter()
        .find(|i| i.instance_id == instance)
        .unwrap();
    assert!(installed.finished_configuration);

    // A revoked refresh token, a wrong secret, an expired code: each a clear error.
    admin.revoke_instance(&instance).await.unwrap();
    assert_eq!(
        code_of(&auth.refresh(&rotated).await.unwrap_err()),
        Some("invalid_grant")
    );
    let (_, back) = install("my-state-2", redirect_url).await;
    let code = Secret::new(param(&back.unwrap(), "code").unwrap());
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
    admin.advance_clock(601).await.unwrap();
    let e = auth.exchange_code(&code).await.unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");

    // A redirect URL that is not the registered one is refused by the installer.
    let (status, _) = install("my-state-3", "http://127.0.0.1:9/elsewhere").await;
    assert_eq!(status, 400);
}
