//! The Wix app OAuth workbench on the sandbox: a full advanced install through the loopback App URL and Redirect
//! URL (the browser played by an HTTP client), refresh, the BI event, a forged state, basic tokens, and a restart.

use std::sync::Arc;

use desk_core::Desk;
use desk_core::secrets::Entry;
use desk_core::wix_apps::{
    InstallOutcome, NewWixAppProfile, Strategy, WixAppEvent, WixAppProfileView,
};
use vault::{MemoryStore, SecretStore};
use wix_emulator::test_support::{browser, play_install};
use wix_emulator::wix_apps::{SEEDED_INSTANCE_ID, SEEDED_WIX_APP_ID, SEEDED_WIX_APP_SECRET};

fn refresh_entry(profile: &str, instance: &str) -> String {
    Entry::WixAppRefreshToken {
        profile: profile.to_owned(),
        instance: instance.to_owned(),
    }
    .name()
}

/// The next install outcome (other events, such as background renewals, are skipped).
async fn installed(events: &mut tokio::sync::broadcast::Receiver<WixAppEvent>) -> InstallOutcome {
    loop {
        if let WixAppEvent::Installed(outcome) = events.recv().await.unwrap() {
            return outcome;
        }
    }
}

fn new_profile(strategy: Strategy) -> NewWixAppProfile {
    NewWixAppProfile {
        name: "Demo app".into(),
        app_id: SEEDED_WIX_APP_ID.into(),
        app_secret: SEEDED_WIX_APP_SECRET.into(),
        strategy,
        sandbox: true,
        port: None,
    }
}

/// A desk on its sandbox (in-memory keyring) with an advanced profile of the sandbox's demo Wix app, serving.
async fn sandbox_desk_with_an_advanced_profile()
-> (Desk, Arc<MemoryStore>, tempfile::TempDir, WixAppProfileView) {
    let vault = Arc::new(MemoryStore::default());
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path(), vault.clone()).await.unwrap();
    let view = desk
        .wix_apps
        .add(new_profile(Strategy::Advanced))
        .await
        .unwrap();
    (desk, vault, dir, view)
}

#[tokio::test]
async fn an_advanced_install_on_loopback_keeps_the_refresh_token_and_survives_a_restart() {
    let (desk, vault, dir, view) = sandbox_desk_with_an_advanced_profile().await;
    let id = view.profile.id.clone();
    assert!(view.listening);
    let app_url = view.app_url.clone().unwrap();
    assert!(app_url.starts_with("http://127.0.0.1:"));
    let mut events = desk.wix_apps.subscribe();

    let start = desk.wix_apps.sandbox_install_url(&id).unwrap();
    let visited = play_install(&start).await;
    assert!(visited.iter().any(|u| u.as_str().starts_with(&app_url)));
    assert_eq!(visited.last().unwrap().path(), "/installer/close-window");
    let outcome = installed(&mut events).await;
    assert!(outcome.ok, "{}", outcome.message);
    let instance = outcome.instance_id.unwrap();
    let listed = desk.wix_apps.list();
    let known = &listed[0].profile.instances;
    assert_eq!(known.len(), 1);
    assert!(known[0].has_refresh_token);
    let refresh_before = vault.get(&refresh_entry(&id, &instance)).unwrap().unwrap();

    let token = desk.wix_apps.refresh(&id, &instance).await.unwrap();
    assert_eq!(token.strategy, Strategy::Advanced);
    let refresh_after = vault.get(&refresh_entry(&id, &instance)).unwrap().unwrap();
    assert_ne!(
        refresh_before, refresh_after,
        "the rotated refresh token replaced the old one"
    );
    desk.wix_apps
        .finish_configuration(&id, &instance)
        .await
        .unwrap();

    // A forged Redirect URL call: aborted, nothing stored.
    let redirect = view.redirect_url.clone().unwrap();
    let forged = browser()
        .get(format!("{redirect}?code=x&instanceId=evil&state=forged"))
        .send()
        .await
        .unwrap();
    assert!(forged.text().await.unwrap().contains("aborted"));
    // The page was answered, so any event would already be in the channel: a state this server never issued
    // reaches no window.
    assert!(
        matches!(
            events.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty)
        ),
        "a forged redirect pushed an event to the UI"
    );
    assert!(vault.get(&refresh_entry(&id, "evil")).unwrap().is_none());
    assert_eq!(desk.wix_apps.list()[0].profile.instances.len(), 1);

    // No refresh token: the fallback is basic OAuth for that instance.
    let e = desk
        .wix_apps
        .refresh(&id, SEEDED_INSTANCE_ID)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("basic OAuth"), "{e}");
    let basic = desk
        .wix_apps
        .basic_token(&id, SEEDED_INSTANCE_ID)
        .await
        .unwrap();
    assert_eq!(basic.strategy, Strategy::Basic);

    // Restart: the profile, its instance and the refresh token are still there; the App URL is served again.
    let port = view.profile.port;
    // The app quits, its sandbox writing its last changes (the refresh token just issued among them).
    desk.sandbox.persist().await;
    drop(desk);
    let again = Desk::open(dir.path(), vault.clone()).await.unwrap();
    let listed = again.wix_apps.list();
    assert_eq!(listed[0].profile.port, port);
    assert!(
        listed[0]
            .profile
            .instances
            .iter()
            .any(|i| i.instance_id == instance && i.has_refresh_token)
    );
    again.wix_apps.refresh(&id, &instance).await.unwrap();

    again.wix_apps.remove(&id).await.unwrap();
    assert!(
        vault
            .get(
                &Entry::WixAppSecret {
                    profile: id.clone()
                }
                .name()
            )
            .unwrap()
            .is_none()
    );
    assert!(vault.get(&refresh_entry(&id, &instance)).unwrap().is_none());
}

#[tokio::test]
async fn basic_profiles_get_four_hour_tokens_and_refuse_bad_input() {
    let vault = Arc::new(MemoryStore::default());
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path(), vault.clone()).await.unwrap();
    let mut bad = new_profile(Strategy::Basic);
    bad.app_secret = " ".into();
    assert!(desk.wix_apps.add(bad).await.is_err());
    let view = desk
        .wix_apps
        .add(new_profile(Strategy::Basic))
        .await
        .unwrap();
    assert!(view.app_url.is_none());
    let id = view.profile.id;
    let token = desk
        .wix_apps
        .basic_token(&id, SEEDED_INSTANCE_ID)
        .await
        .unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&token.expires_at).unwrap();
    let left = expires.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!((left.num_minutes() - 240).abs() <= 1);
    assert!(desk.wix_apps.basic_token(&id, "").await.is_err());
    let e = desk
        .wix_apps
        .basic_token(&id, "not-installed")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not installed"), "{e}");
    // A wrong secret: clear error, nothing stored for the instance.
    let mut wrong = new_profile(Strategy::Basic);
    wrong.app_secret = "not-the-secret".into();
    let wrong = desk.wix_apps.add(wrong).await.unwrap();
    let e = desk
        .wix_apps
        .basic_token(&wrong.profile.id, SEEDED_INSTANCE_ID)
        .await
        .unwrap_err();
    assert!(!e.to_string().contains("not-the-secret"));
    assert!(
        desk.wix_apps
            .list()
            .iter()
            .find(|v| v.profile.id == wrong.profile.id)
            .unwrap()
            .profile
            .instances
            .is_empty()
    );
}

/// What any web page (or a DNS-rebinding one) can send to the App URL server on loopback, each refused: no install
/// state, no event to the window, nothing stored, and a bounded table of waiting installs.
#[tokio::test]
async fn the_loopback_app_url_server_refuses_what_web_pages_can_send() {
    let (desk, vault, _dir, view) = sandbox_desk_with_an_advanced_profile().await;
    let port = view.profile.port.unwrap();
    let app_url = view.app_url.clone().unwrap();
    let redirect = view.redirect_url.clone().unwrap();
    let mut events = desk.wix_apps.subscribe();
    let http = browser();
    let mut total = 0;
    let mut refused = 0;

    // DNS rebinding: the right address under another name, or the right name with another port.
    for host in [
        format!("attacker.example:{port}"),
        format!("127.0.0.1.attacker.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        format!("LOCALHOST.:{port}"),
    ] {
        for url in [
            format!("{app_url}?token=t"),
            format!("{redirect}?code=c&instanceId=i&state=s"),
        ] {
            total += 1;
            let answer = http.get(&url).header("host", &host).send().await.unwrap();
            if answer.status() == 421 {
                refused += 1;
            } else {
                panic!("{url} with Host {host}: {}", answer.status());
            }
        }
    }
    // Redirect URL calls for states this server never issued.
    for query in [
        "code=c&instanceId=evil&state=forged",
        "code=c&instanceId=evil",
        "code=c&instanceId=evil&state=",
        "instanceId=evil&state=forged",
        "code=c&instanceId=evil&state=%00%0a",
    ] {
        total += 1;
        let page = http
            .get(format!("{redirect}?{query}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let quiet = matches!(
            events.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty)
        );
        if page.contains("aborted") && quiet {
            refused += 1;
        } else {
            panic!("{query}: an event reached the window, or the page did not say aborted");
        }
    }
    // A flood of App URL visits cannot grow the install table without bound.
    total += 1;
    for i in 0..100 {
        let answer = http
            .get(format!("{app_url}?token=flood-{i}"))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_redirection(), "{}", answer.status());
    }
    let waiting = desk.wix_apps.pending_installs();
    assert!(
        waiting <= desk_core::wix_apps::MAX_PENDING_INSTALLS,
        "{waiting} installs wait"
    );
    refused += 1;

    assert!(
        vault
            .get(&refresh_entry(&view.profile.id, "evil"))
            .unwrap()
            .is_none()
    );
    assert!(desk.wix_apps.list()[0].profile.instances.is_empty());
    wix_emulator::test_support::record_security_tally(
        env!("CARGO_TARGET_TMPDIR"),
        "loopback_attacks_refused",
        refused,
        total,
    );
}
