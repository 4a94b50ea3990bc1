//! Connecting and removing Wix projects in the real window, with the API key in the real Secret Service; removing
//! one leaves none of its entries there (asked with the Secret Service's own search API).

use std::time::{Duration, Instant};

use fantoccini::Locator;
use oauth_desk_e2e::{App, WAIT, browser_record, opened_url};
use vault::{KeyringStore, SecretStore};

const SITE_ID: &str = "1a2b3c4d-1234-4abc-9def-0123456789ab";
const API_KEY: &str = "IST.e2e-project-key-5521";

async fn fill(app: &App, name: &str, value: &str) {
    app.fill_project_form(name, value).await;
}

/// Remove the "Shop" project through its confirmation, and wait until only the sandbox is listed.
async fn remove_shop(app: &App) {
    app.click("[data-testid=remove-project]").await;
    app.wait_for_text("[data-testid=confirm-remove]", "Remove “Shop”?")
        .await;
    app.click("[data-testid=confirm-remove] button.danger")
        .await;
    let deadline = Instant::now() + WAIT;
    while app.texts("[data-testid=project]").await.len() != 1 {
        assert!(Instant::now() < deadline, "the project is still listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// "Wix" for these tests: an emulator that accepts only this project's key and site.
async fn wix_for_the_project() -> wix_emulator::RunningEmulator {
    wix_emulator::start(wix_emulator::EmulatorConfig {
        admin: wix_emulator::AdminCredentials {
            api_key: API_KEY.into(),
            site_id: SITE_ID.into(),
            account_id: "00000000-0000-4000-8000-0000000000a9".into(),
        },
        ..wix_emulator::EmulatorConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_project_is_connected_with_its_key_in_the_keyring_and_removed_with_it() {
    let wix = wix_for_the_project().await;
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

    remove_shop(&app).await;
    assert!(
        keyring.get(&name).unwrap().is_none(),
        "removing the project left its key in the keyring"
    );
    app.quit().await;
}

#[tokio::test]
async fn removing_a_project_leaves_none_of_its_entries_in_the_secret_service() {
    let wix = wix_for_the_project().await;
    let base = wix.base_url().to_string();
    let record = browser_record("keyring-removal");
    let record_env = record.display().to_string();
    let app = App::launch_with(
        "keyring-removal",
        &[],
        &[
            ("OAUTHDESK_WIX_API_BASE", &base),
            ("OAUTHDESK_BROWSER_RECORD", &record_env),
        ],
    )
    .await;
    let stored = || app.keyring_names();
    assert_eq!(stored(), Vec::<String>::new());

    // Connect "Shop" (it becomes the current project), then hold visitor tokens and a pending browser login.
    app.click("[data-testid=add-project]").await;
    fill(&app, "name", "Shop").await;
    fill(&app, "apiKey", API_KEY).await;
    fill(&app, "scopeId", SITE_ID).await;
    app.click("[data-testid=add-project-form] button[type=submit]")
        .await;
    app.wait_for_text("[data-testid=project]", &format!("Site {SITE_ID}"))
        .await;
    app.open_members(wix_emulator::SEEDED_APP_IDS[0]).await;
    app.click("[data-testid=visitor-tokens]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "visitor")
        .await;
    app.click("[data-testid=start-browser-login]").await;
    app.wait_for_text("[data-testid=waiting]", "Waiting for the browser")
        .await;
    opened_url(&record, 1).await;
    let held = stored();
    for kind in ["api-key/", "member-tokens/", "pending-login/"] {
        assert!(
            held.iter().any(|name| name.starts_with(kind)),
            "no {kind} entry in {held:?}"
        );
    }

    app.click("[data-testid=nav-projects]").await;
    remove_shop(&app).await;
    assert_eq!(
        stored(),
        Vec::<String>::new(),
        "removing the project left entries behind"
    );
    app.quit().await;
}
