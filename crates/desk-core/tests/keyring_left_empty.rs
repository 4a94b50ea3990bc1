//! Every removal leaves the real OS keyring as it found it. The proof asks the Secret Service itself (its search
//! API, through `KeyringStore::names_in_keyring`) what is stored under the app's keyring service, not the ledger
//! OAuth Desk keeps. Runs inside the README's test session (D-Bus + an unlocked GNOME Keyring).

use std::sync::Arc;

use desk_core::Desk;
use desk_core::desk::DeskOptions;
use desk_core::oauth_apps::OAuthAppFields;
use desk_core::projects::{NewProject, ProjectTarget, SANDBOX_ID};
use desk_core::wix_apps::{NewWixAppProfile, Strategy};
use vault::KeyringStore;
use wix_emulator::EmulatorConfig;
use wix_emulator::test_support::play_install;
use wix_emulator::wix_apps::{SEEDED_WIX_APP_ID, SEEDED_WIX_APP_SECRET};

fn storefront() -> OAuthAppFields {
    OAuthAppFields {
        name: "Storefront".into(),
        application_type: "WEB_APP".into(),
        technology: "VUE".into(),
        allowed_redirect_uris: vec!["oauthdesk://callback".into()],
        ..OAuthAppFields::default()
    }
}

/// The kinds of entry present, by the first part of their names.
fn kinds(names: &[String]) -> Vec<&str> {
    let mut kinds: Vec<&str> = names.iter().filter_map(|n| n.split('/').next()).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// A desk on the real keyring under `service` holding every kind of entry: a connected project's and the
/// sandbox's (API key, app secret, tokens, a pending login) and a Wix app profile's (secret, refresh token).
async fn desk_holding_everything(
    service: &str,
) -> (
    Desk,
    tempfile::TempDir,
    wix_emulator::RunningEmulator,
    String,
    String,
) {
    // "Wix" for the connected project: an emulator of its own.
    let wix = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = DeskOptions {
        wix_api: wix.base_url().clone(),
        ..DeskOptions::default()
    };
    let desk = Desk::open_with(dir.path(), Arc::new(KeyringStore::new(service)), options)
        .await
        .unwrap();
    let project = desk
        .add_project(NewProject {
            name: "Staging".into(),
            api_key: wix.admin().api_key.clone().into(),
            target: ProjectTarget::Site {
                site_id: wix.admin().site_id.clone(),
            },
        })
        .await
        .unwrap();

    // Every kind of entry a project owns, for the connected project and for the sandbox.
    for project_id in [project.id.as_str(), SANDBOX_ID] {
        let created = desk.create_app(project_id, &storefront()).await.unwrap();
        assert!(
            created.app.secret_saved,
            "{project_id}: the secret was saved"
        );
        let target = desk.sign_in_target(project_id, &created.app.id).unwrap();
        desk.sign_in.visitor(&target).await.unwrap();
        desk.sign_in.start_browser_login(&target).await.unwrap();
    }
    // And what a Wix app profile owns: its secret, and an installed instance's refresh token.
    let profile = desk
        .wix_apps
        .add(NewWixAppProfile {
            name: "Demo app".into(),
            app_id: SEEDED_WIX_APP_ID.into(),
            app_secret: SEEDED_WIX_APP_SECRET.into(),
            strategy: Strategy::Advanced,
            sandbox: true,
            port: None,
        })
        .await
        .unwrap();
    let mut events = desk.wix_apps.subscribe();
    play_install(
        &desk
            .wix_apps
            .sandbox_install_url(&profile.profile.id)
            .unwrap(),
    )
    .await;
    loop {
        if let desk_core::wix_apps::WixAppEvent::Installed(outcome) = events.recv().await.unwrap() {
            assert!(outcome.ok, "{}", outcome.message);
            break;
        }
    }
    desk.secrets.check().await.unwrap();

    (desk, dir, wix, project.id, profile.profile.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_project_resetting_the_sandbox_and_removing_a_profile_leave_the_keyring_empty() {
    let service = format!("dev.oauthdesk.test.removal.{}", std::process::id());
    let keyring = KeyringStore::new(service.clone());
    let stored = || {
        keyring
            .names_in_keyring()
            .expect("the Secret Service answers")
    };
    assert_eq!(stored(), Vec::<String>::new(), "a fresh service is empty");

    let (desk, _dir, _wix, project_id, profile_id) = desk_holding_everything(&service).await;
    let before = stored();
    assert_eq!(
        kinds(&before),
        [
            "api-key",
            "member-tokens",
            "oauth-app-secret",
            "pending-login",
            "wix-app-refresh-token",
            "wix-app-secret"
        ],
        "{before:?}"
    );

    desk.remove_project(&project_id).await.unwrap();
    let left = stored();
    assert!(
        left.iter().all(|name| !name.contains(&project_id)),
        "the removed project left {left:?}"
    );
    assert!(
        left.iter().any(|name| name.contains("/sandbox/")),
        "the sandbox's entries went too: {left:?}"
    );

    desk.reset_sandbox().await.unwrap();
    let left = stored();
    assert!(
        left.iter().all(|name| !name.contains("/sandbox/")),
        "the reset sandbox left {left:?}"
    );

    desk.wix_apps.remove(&profile_id).await.unwrap();
    assert_eq!(stored(), Vec::<String>::new(), "the keyring is not empty");
    // Nothing is held in memory to be written back either.
    assert_eq!(desk.sign_in.pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_all_data_lists_then_deletes_every_entry_and_file_the_desk_wrote() {
    let service = format!("dev.oauthdesk.test.remove-all.{}", std::process::id());
    let keyring = KeyringStore::new(service.clone());
    let stored = || {
        keyring
            .names_in_keyring()
            .expect("the Secret Service answers")
    };
    let (desk, dir, _wix, _project_id, _profile_id) = desk_holding_everything(&service).await;
    let held = stored();
    let listed = desk.stored_data().await.unwrap();
    assert_eq!(
        listed.keyring_entries.len(),
        held.len(),
        "{:?}",
        listed.keyring_entries
    );
    for words in [
        "API key of project “Staging”",
        "Client secret of OAuth app",
        "Visitor or member tokens",
        "A browser login waiting for its callback (project “Sandbox",
        "App secret of Wix app profile “Demo app”",
        "Refresh token of Wix app profile “Demo app”",
    ] {
        assert!(
            listed.keyring_entries.iter().any(|e| e.contains(words)),
            "{words} not in {:?}",
            listed.keyring_entries
        );
    }
    let files: Vec<String> = [
        "projects.json",
        "wix-apps.json",
        "sandbox",
        "keyring-entries.json",
    ]
    .iter()
    .map(|f| dir.path().join(f).display().to_string())
    .collect();
    assert_eq!(listed.files, files);

    let removed = desk.remove_all_data().await.unwrap();
    assert_eq!(removed.keyring_entries as usize, held.len());
    assert_eq!(removed.files, 4);
    assert_eq!(stored(), Vec::<String>::new(), "the keyring is not empty");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left in the data folder: {left:?}");
    assert_eq!(desk.sign_in.pending(), 0);
    assert!(desk.wix_apps.list().is_empty());
}
