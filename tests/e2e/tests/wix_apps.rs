//! Wix app OAuth in the real app: a basic-token round trip, and a full advanced install against the sandbox (the
//! test plays the browser by following the redirects), the instance listed, a refresh, and after a restart the
//! refresh token still in the keyring.

use oauth_desk_e2e::{App, browser_record, files_under, opened_url};
use vault::SecretStore;
use wix_emulator::test_support::play_install;

async fn add_profile(app: &App, name: &str, strategy: &str) {
    app.click("[data-testid=nav-wixApps]").await;
    app.click("[data-testid=fill-sandbox-app]").await;
    let field = app.wait_for_css("[data-testid=wix-name]").await;
    field.clear().await.unwrap();
    field.send_keys(name).await.unwrap();
    let select = app.wait_for_css("[data-testid=wix-strategy]").await;
    select.select_by_value(strategy).await.unwrap();
    app.click("[data-testid=add-wix-profile]").await;
    app.wait_for_text("[data-testid=wix-notice]", "Profile added")
        .await;
}

#[tokio::test]
async fn basic_token_round_trip_then_an_advanced_install_that_survives_a_restart() {
    let record = browser_record("wix-apps");
    let record_env = record.display().to_string();
    let env = [("OAUTHDESK_BROWSER_RECORD", record_env.as_str())];
    let app = App::launch_with("wix-apps", &[], &env).await;

    // Basic: the sandbox's demo app and its installed instance.
    add_profile(&app, "Basic demo", "basic").await;
    app.click("[data-testid=wix-basic-token]").await;
    app.wait_for_text("[data-testid=wix-notice]", "basic OAuth")
        .await;
    app.wait_for_text("[data-testid=wix-token-expiry]", "in 3 h 59 min")
        .await;

    // Advanced: serve the App URL and Redirect URL on loopback, install through the sandbox.
    app.click("[data-testid=new-wix-profile]").await;
    add_profile(&app, "Advanced demo", "advanced").await;
    app.wait_for_text("[data-testid=wix-listening]", "(listening)")
        .await;
    app.click("[data-testid=install-on-sandbox]").await;
    let start = opened_url(&record, 1).await;
    let visited = play_install(&start).await;
    assert!(
        visited.iter().any(|u| u.path() == "/redirect"),
        "{visited:?}"
    );
    assert_eq!(visited.last().unwrap().path(), "/installer/close-window");
    app.wait_for_text("[data-testid=wix-notice]", "Installed")
        .await;
    app.wait_for_text("[data-testid=wix-refresh-state]", "in the keyring")
        .await;
    app.click("[data-testid=wix-refresh]").await;
    app.wait_for_text("[data-testid=wix-notice]", "Refreshed")
        .await;
    app.wait_for_text("[data-testid=wix-token-expiry]", "in 4 min")
        .await;
    app.click("[data-testid=wix-finish]").await;
    app.wait_for_text("[data-testid=wix-notice]", "APP_FINISHED_CONFIGURATION")
        .await;
    app.screenshot("wix-app-oauth").await;

    // The refresh token is in the keyring, never in the app's files.
    let profiles: serde_json::Value =
        serde_json::from_slice(&std::fs::read(app.profile.data_dir.join("wix-apps.json")).unwrap())
            .unwrap();
    let advanced = profiles
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["strategy"] == "advanced")
        .unwrap();
    let (profile_id, instance_id) = (
        advanced["id"].as_str().unwrap().to_owned(),
        advanced["instances"][0]["instanceId"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let keyring = vault::KeyringStore::new(app.profile.keyring_service.clone());
    let refresh = keyring
        .get(&format!("wix-app-refresh-token/{profile_id}/{instance_id}"))
        .unwrap()
        .expect("the refresh token in the keyring");

    // Restart: the instance is listed and its refresh token still works.
    let app = app.restart(&[], &env).await;
    app.click("[data-testid=nav-wixApps]").await;
    let select = app.wait_for_css("[data-testid=wix-profile]").await;
    select.select_by_value(&profile_id).await.unwrap();
    app.wait_for_text("[data-testid=wix-refresh-state]", "in the keyring")
        .await;
    app.click("[data-testid=wix-refresh]").await;
    app.wait_for_text("[data-testid=wix-notice]", "Refreshed")
        .await;
    let data_dir = app.profile.data_dir.clone();
    app.quit().await;
    for path in files_under(&data_dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(
            !text.contains(refresh.expose()),
            "a refresh token leaked into {}",
            path.display()
        );
        assert!(
            !text.contains("emu-app-secret-seeded") || path.ends_with("sandbox/state.json"),
            "the app secret leaked into {}",
            path.display()
        );
    }
}
