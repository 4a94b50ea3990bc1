//! The sign-in workbench on the desk's own sandbox: every flow, and hostile callbacks that change nothing.

use std::sync::Arc;

use desk_core::Desk;
use desk_core::projects::SANDBOX_ID;
use desk_core::secrets::Entry;
use desk_core::sign_in::{LoginOutcome, SignedInAs, Target};
use vault::{MemoryStore, Secret, SecretStore};
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{AdminClient, LoginAction, SettingsPatch, play_login};

const CLIENT: &str = SEEDED_APP_IDS[0];

async fn desk(vault: Arc<MemoryStore>) -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Desk::open(dir.path(), vault).await.unwrap(), dir)
}

fn target(desk: &Desk) -> Target {
    desk.sign_in_target(SANDBOX_ID, CLIENT).unwrap()
}

fn stored_tokens(vault: &MemoryStore) -> Option<String> {
    vault
        .get(
            &Entry::MemberTokens {
                project: SANDBOX_ID.into(),
                client: CLIENT.into(),
            }
            .name(),
        )
        .unwrap()
        .map(|s| s.expose().to_owned())
}

#[tokio::test]
async fn browser_login_through_a_callback_then_hostile_callbacks_change_nothing() {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault.clone()).await;
    let t = target(&desk);
    assert_eq!(
        desk.sign_in.status(&t).await.unwrap().signed_in_as,
        SignedInAs::Nobody
    );
    let visitor = desk.sign_in.visitor(&t).await.unwrap();
    assert_eq!(visitor.signed_in_as, SignedInAs::Visitor);
    assert!(
        visitor
            .claims
            .iter()
            .any(|c| c.name == "role" && c.value == "visitor")
    );

    let login = desk.sign_in.start_browser_login(&t).await.unwrap();
    assert_eq!(login.redirect_uri, "oauthdesk://callback");
    assert_eq!(desk.sign_in.pending(), 1);
    let callback = play_login(&login.auth_url, LoginAction::Register, "ann@example.com").await;
    let outcome = desk.complete_sign_in(&callback).await;
    assert!(outcome.accepted, "{}", outcome.message);
    assert_eq!(outcome.flow_id.as_deref(), Some(login.flow_id.as_str()));
    assert_eq!(
        desk.sign_in.status(&t).await.unwrap().signed_in_as,
        SignedInAs::Member
    );
    let saved = stored_tokens(&vault).expect("tokens in the vault");

    // Replays, forgeries, wrong targets, junk: each refused with a reason, the stored tokens untouched.
    let hostile = [
        callback.clone(),
        callback.replace("oauthdesk://callback", "oauthdesk://elsewhere"),
        "oauthdesk://callback?code=abc&state=unknown".to_owned(),
        "oauthdesk://callback?code=abc".to_owned(),
        "oauthdesk://callback?error=access_denied".to_owned(),
        "https://evil.example/callback?code=a&state=b".to_owned(),
        format!("oauthdesk://callback?code={}&state=x", "a".repeat(5000)),
        "%%%not a url".to_owned(),
        String::new(),
    ];
    for url in hostile {
        let outcome = desk.complete_sign_in(&url).await;
        assert!(!outcome.accepted, "{url} was accepted");
        assert!(
            outcome.message.starts_with("Ignored"),
            "{}",
            outcome.message
        );
        assert!(!outcome.message.contains("abc"));
    }
    assert_eq!(stored_tokens(&vault).as_deref(), Some(saved.as_str()));

    // A cancelled flow's callback does not count either.
    let login = desk.sign_in.start_browser_login(&t).await.unwrap();
    let callback = play_login(&login.auth_url, LoginAction::Register, "ann2@example.com").await;
    assert!(desk.sign_in.cancel_browser_login(&login.flow_id).await);
    assert!(!desk.complete_sign_in(&callback).await.accepted);
    assert_eq!(stored_tokens(&vault).as_deref(), Some(saved.as_str()));
}

#[tokio::test]
async fn custom_login_with_verification_external_login_renew_and_logout() {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault.clone()).await;
    let t = target(&desk);
    let password = Secret::from("pa55word");
    let registered = desk
        .sign_in
        .register(&t, "bo@example.com", &password, None)
        .await
        .unwrap();
    assert!(
        matches!(registered, LoginOutcome::SignedIn { .. }),
        "{registered:?}"
    );
    let wrong = desk
        .sign_in
        .login(&t, "bo@example.com", &Secret::from("nope-nope"), None)
        .await
        .unwrap();
    assert!(
        matches!(&wrong, LoginOutcome::Failed { code: Some(c), .. } if c == "invalidPassword"),
        "{wrong:?}"
    );
    assert!(
        desk.sign_in
            .login(&t, "not-an-email", &password, None)
            .await
            .is_err()
    );

    // Email verification: the code comes from the sandbox's outbox.
    let emulator = AdminClient::new(desk.sandbox.base_url()).with_token(desk.sandbox.admin_token());
    emulator
        .patch_settings(&SettingsPatch::default().require_email_verification(true))
        .await
        .unwrap();
    let pending = desk
        .sign_in
        .register(&t, "cy@example.com", &password, None)
        .await
        .unwrap();
    assert!(matches!(pending, LoginOutcome::VerifyEmail), "{pending:?}");
    let outbox = emulator.outbox().await.unwrap();
    let code = outbox[0].code.as_deref().unwrap();
    let verified = desk.sign_in.verify(&t, code).await.unwrap();
    assert!(
        matches!(verified, LoginOutcome::SignedIn { .. }),
        "{verified:?}"
    );

    desk.sign_in
        .send_password_reset(&t, "cy@example.com", "https://shop.example.com/")
        .await
        .unwrap();

    let members = emulator.members().await.unwrap();
    let member_id = members[0].id.as_str();
    let key = desk.api_key_for(SANDBOX_ID, None).await.unwrap();
    let external = desk
        .sign_in
        .external_login(&t, member_id, &key)
        .await
        .unwrap();
    assert_eq!(external.signed_in_as, SignedInAs::Member);
    let renewed = desk.sign_in.renew(&t).await.unwrap();
    assert_eq!(renewed.signed_in_as, SignedInAs::Member);
    let header = desk.sign_in.auth_header(&t).await.unwrap();
    assert_eq!(header.expose().split('.').count(), 3);

    // A restart finds the member still signed in (tokens come back from the vault).
    let dir2 = tempfile::tempdir().unwrap();
    let again = Desk::open(dir2.path(), vault.clone()).await.unwrap();
    let status = again
        .sign_in
        .status(&again.sign_in_target(SANDBOX_ID, CLIENT).unwrap())
        .await
        .unwrap();
    assert_eq!(status.signed_in_as, SignedInAs::Member);

    let logout = desk.sign_in.logout(&t, None).await.unwrap();
    assert!(
        logout
            .logout_url
            .is_some_and(|u| u.contains("/oauth2/logout"))
    );
    assert!(logout.refused.is_none());
    assert_eq!(
        desk.sign_in.status(&t).await.unwrap().signed_in_as,
        SignedInAs::Nobody
    );
    assert!(stored_tokens(&vault).is_none());
    let timeline = desk.sign_in.timeline();
    assert!(timeline.iter().any(|e| e.path == "/oauth2/token"));
    assert!(!format!("{timeline:?}").contains(header.expose()));
}

#[tokio::test]
async fn a_login_started_before_a_restart_completes_on_the_cold_start() {
    let vault = Arc::new(MemoryStore::default());
    let (first, dir) = desk(vault.clone()).await;
    let login = first
        .sign_in
        .start_browser_login(&target(&first))
        .await
        .unwrap();
    let callback = play_login(&login.auth_url, LoginAction::Register, "cold@example.com").await;
    let pending = format!("pending-login/{SANDBOX_ID}/{}", login.flow_id);
    assert!(
        vault.get(&pending).unwrap().is_some(),
        "the pending login (and its verifier) is in the keyring, not a file"
    );
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let files = walk(dir.path());
    assert!(files.iter().all(|text| !text.contains(&state)));

    // The app quits (its sandbox writing its last changes); the browser's deep link starts it again with the URL.
    // The sandbox keeps its state file.
    first.sandbox.persist().await;
    let restarted = Desk::open(dir.path(), vault.clone()).await.unwrap();
    drop(first);
    let outcome = restarted.complete_sign_in(&callback).await;
    assert!(outcome.accepted, "{}", outcome.message);
    assert!(
        vault.get(&pending).unwrap().is_none(),
        "a completed login's entry is deleted"
    );
    assert!(!restarted.complete_sign_in(&callback).await.accepted);
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push(text);
        }
    }
    out
}
