//! Connecting and removing Wix projects in the real window, with the API key in the real Secret Service.

use fantoccini::Locator;
use oauth_desk_e2e::App;
use vault::{KeyringStore, SecretStore};

const SITE_ID: &str = "1a2b3c4d-1234-4abc-9def-0123456789ab";
const API_KEY: &str = "IST.e2e-project-key-5521";

async fn fill(app: &App, name: &str, value: &str) {
    let input = app
        .wait_for_css(&format!(
            "[data-testid=add-project-form] input[name={name}]"
        ))
        .await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

#[tokio::test]
async fn a_project_is_connected_with_its_key_in_the_keyring_and_removed_with_it() {
    // "Wix" for this test: an emulator that accepts only this project's key and site.
    let wix = wix_emulator::start(wix_emulator::EmulatorConfig {
        admin: wix_emulator::AdminCredentials {
            api_key: API_KEY.into(),
            site_id: SITE_ID.into(),
            account_id: "00000000-0000-4000-8000-0000000000a9".into(),
        },
        ..wix_emulator::EmulatorConfig::default()
    })
    .await
    .unwrap();
    let base = wix.base_url().to_string();
    let app = App::launch_with("projects", &[], &[("OAUTHDESK_WIX_API_BASE", &base)]).await;
    app.click("[data-testid=add-project]").await;
    fill(&app, "name", "Shop").await;
    fill(&app, "apiKey", API_KEY).await;
    fill(&app, "scopeId", "not-a-site-id").await;
    app.click("[data-testid=add-project-form] button[type=submit]")
        .await;
    let error = app
        .wait_for_text("[data-testid=add-project-error]", "Site ID")
        .await;
    assert!(error.contains("paste the ID"), "{error}");
    // Nothing typed is lost: fix the one field and submit again.
    let name = app
        .wait_for_css("[data-testid=add-project-form] input[name=name]")
        .await;
    assert_eq!(name.prop("value").await.unwrap().as_deref(), Some("Shop"));
    // A wrong key is refused by "Wix" with a clear next step, and nothing is saved.
    fill(&app, "scopeId", SITE_ID).await;
    fill(&app, "apiKey", "IST.wrong-key-0000").await;
    app.click("[data-testid=add-project-form] button[type=submit]")
        .await;
    let error = app
        .wait_for_text("[data-testid=add-project-error]", "401")
        .await;
    assert!(error.contains("check the API key"), "{error}");
    assert!(!error.contains("wrong-key-0000"), "the key was echoed back");
    let file = std::fs::read_to_string(app.profile.data_dir.join("projects.json")).unwrap();
    assert!(!file.contains("Shop"), "a project with a bad key was saved");
    fill(&app, "apiKey", API_KEY).await;
    app.screenshot("projects-add").await;
    app.client
        .find(Locator::Css(
            "[data-testid=add-project-form] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_for_text("[data-testid=project]", &format!("Site {SITE_ID}"))
        .await;

    // The key is in the real Secret Service under this profile's service, and nowhere in the app's files.
    let projects_file =
        std::fs::read_to_string(app.profile.data_dir.join("projects.json")).unwrap();
    assert!(projects_file.contains("Shop") && !projects_file.contains(API_KEY));
    let id =
        serde_json::from_str::<serde_json::Value>(&projects_file).unwrap()["projects"][1]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let keyring = KeyringStore::new(app.profile.keyring_service.clone());
    let name = format!("api-key/{id}");
    assert_eq!(keyring.get(&name).unwrap().unwrap().expose(), API_KEY);
    // Test connection calls the API with the key from the keyring.
    let script = "Array.from(document.querySelectorAll('[data-testid=project]')).find(li => li.innerText.includes('Shop')).querySelector('[data-testid=test-connection]').click()";
    app.client.execute(script, vec![]).await.unwrap();
    app.wait_for_text("[data-testid=connection-result]", "Connected: 4 OAuth apps")
        .await;
    app.screenshot("projects").await;

    app.click("[data-testid=remove-project]").await;
    app.wait_for_text("[data-testid=confirm-remove]", "Remove “Shop”?")
        .await;
    app.click("[data-testid=confirm-remove] button.danger")
        .await;
    app.wait_for_text("[data-testid=project-list]", "Sandbox")
        .await;
    let deadline = std::time::Instant::now() + oauth_desk_e2e::WAIT;
    while app.texts("[data-testid=project]").await.len() != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the project is still listed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        keyring.get(&name).unwrap().is_none(),
        "removing the project left its key in the keyring"
    );
    app.quit().await;
}
