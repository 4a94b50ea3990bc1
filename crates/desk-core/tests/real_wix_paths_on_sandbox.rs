//! What real Wix may do differently from the sandbox's defaults, played by the sandbox: a session token answered
//! with a page (the system-browser path, finished by the deep link), a logout session refused, a site asking for
//! captcha, external login with session, a secret generated once, and a token of unknown expiry renewed on a 401.

use std::sync::Arc;

use desk_core::CoreError;
use desk_core::Desk;
use desk_core::oauth_apps::{OAuthAppFields, SecretStorage};
use desk_core::projects::SANDBOX_ID;
use desk_core::secrets::Entry;
use desk_core::sign_in::{
    CaptchaInput, LoginOutcome, SESSION_STEP, SignOnInput, SignedInAs, Target,
};
use vault::{MemoryStore, Secret, SecretStore};
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{
    AdminClient, Fault, FaultKind, SettingsPatch, play_authorize_page,
};

const CLIENT: &str = SEEDED_APP_IDS[0];
/// Registered on `CLIENT`: a page its logout may return to.
const ALLOWED_PAGE: &str = "http://127.0.0.1:5173/callback";

async fn desk(vault: Arc<MemoryStore>) -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Desk::open(dir.path(), vault).await.unwrap(), dir)
}

fn target(desk: &Desk) -> Target {
    desk.sign_in_target(SANDBOX_ID, CLIENT).unwrap()
}

fn emulator(desk: &Desk) -> AdminClient {
    AdminClient::new(desk.sandbox.base_url()).with_token(desk.sandbox.admin_token())
}

fn tokens_entry() -> String {
    Entry::MemberTokens {
        project: SANDBOX_ID.into(),
        client: CLIENT.into(),
    }
    .name()
}

fn steps(desk: &Desk) -> Vec<String> {
    desk.sign_in
        .timeline()
        .into_iter()
        .filter(|e| e.method == "STEP" && e.path == SESSION_STEP)
        .filter_map(|e| e.note)
        .collect()
}

#[tokio::test]
async fn a_session_token_is_exchanged_directly_when_wix_redirects_and_the_timeline_says_so() {
    let (desk, _dir) = desk(Arc::default()).await;
    let t = target(&desk);
    let outcome = desk
        .sign_in
        .register(&t, "dora@example.com", &Secret::from("pa55word"), None)
        .await
        .unwrap();
    assert!(
        matches!(outcome, LoginOutcome::SignedIn { .. }),
        "{outcome:?}"
    );
    assert_eq!(desk.sign_in.pending(), 0);
    let steps = steps(&desk);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert!(steps[0].starts_with("Direct"), "{steps:?}");
}

#[tokio::test]
async fn when_wix_answers_with_a_page_the_login_continues_in_the_browser_and_the_deep_link_finishes_it()
 {
    let vault = Arc::new(MemoryStore::default());
    let (desk, dir) = desk(vault.clone()).await;
    let t = target(&desk);
    emulator(&desk)
        .patch_settings(&SettingsPatch::default().authorize_with_page(true))
        .await
        .unwrap();
    let password = Secret::from("pa55word");
    let outcome = desk
        .sign_in
        .register(&t, "page@example.com", &password, None)
        .await
        .unwrap();
    let LoginOutcome::ContinueInBrowser { login, reason } = outcome else {
        panic!("expected the browser path, got {outcome:?}")
    };
    assert_eq!(reason, "Wix answered with a page (200)");
    assert_eq!(login.redirect_uri, "oauthdesk://callback");
    assert!(login.auth_url.contains("/oauth2/authorize?"));
    assert!(login.auth_url.contains("prompt=none"));
    assert_eq!(desk.sign_in.pending(), 1);
    let pending = format!("pending-login/{SANDBOX_ID}/{}", login.flow_id);
    assert!(
        vault.get(&pending).unwrap().is_some(),
        "pending like a Wix-managed login: its verifier is in the keyring"
    );
    assert_eq!(
        desk.sign_in.status(&t).await.unwrap().signed_in_as,
        SignedInAs::Visitor,
        "not a member until the callback"
    );
    let steps = steps(&desk);
    assert!(
        steps[0].starts_with("System browser: Wix answered with a page (200)"),
        "{steps:?}"
    );

    // The system browser runs the page; its redirect comes back through the deep link, even to a restarted app.
    let callback = play_authorize_page(&login.auth_url).await;
    let forged = callback.replace("state=", "state=x");
    assert!(!desk.complete_sign_in(&forged).await.accepted);
    // The app quits, its sandbox writing its last changes (the code just issued among them).
    desk.sandbox.persist().await;
    let restarted = Desk::open(dir.path(), vault.clone()).await.unwrap();
    let done = restarted.complete_sign_in(&callback).await;
    assert!(done.accepted, "{}", done.message);
    assert_eq!(done.flow_id.as_deref(), Some(login.flow_id.as_str()));
    assert_eq!(
        restarted
            .sign_in
            .status(&target(&restarted))
            .await
            .unwrap()
            .signed_in_as,
        SignedInAs::Member
    );
    assert!(vault.get(&pending).unwrap().is_none());
    assert!(!restarted.complete_sign_in(&callback).await.accepted);

    // A login whose page is never finished can be cancelled like a browser login.
    let LoginOutcome::ContinueInBrowser { login, .. } = desk
        .sign_in
        .login(&t, "page@example.com", &password, None)
        .await
        .unwrap()
    else {
        panic!("the browser path again")
    };
    assert!(desk.sign_in.cancel_browser_login(&login.flow_id).await);
    let late = play_authorize_page(&login.auth_url).await;
    assert!(!desk.complete_sign_in(&late).await.accepted);
}

#[tokio::test]
async fn logout_forgets_the_local_tokens_even_when_wix_refuses_the_logout_session() {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault.clone()).await;
    let t = target(&desk);
    let password = Secret::from("pa55word");
    let sign_in = async || {
        let outcome = desk
            .sign_in
            .login(&t, "leo@example.com", &password, None)
            .await
            .unwrap();
        assert!(matches!(outcome, LoginOutcome::SignedIn { .. }));
        assert!(vault.get(&tokens_entry()).unwrap().is_some());
    };
    desk.sign_in
        .register(&t, "leo@example.com", &password, None)
        .await
        .unwrap();

    // Accepted, returning to an allowed page.
    let done = desk.sign_in.logout(&t, Some(ALLOWED_PAGE)).await.unwrap();
    assert!(done.refused.is_none());
    assert!(done.returns_to_post_flow_url);
    let url = url::Url::parse(done.logout_url.as_deref().unwrap()).unwrap();
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "postFlowUrl" && v == ALLOWED_PAGE)
    );
    assert!(vault.get(&tokens_entry()).unwrap().is_none());

    // Refused outright (Wix fails): no page, the tokens are forgotten anyway, and the refusal is said.
    sign_in().await;
    let session_path = "/_api/redirects-api/v1/redirect-session";
    emulator(&desk)
        .inject_fault(&Fault::next(session_path, FaultKind::status(500)))
        .await
        .unwrap();
    let done = desk.sign_in.logout(&t, None).await.unwrap();
    assert!(
        done.refused.as_deref().is_some_and(|r| r.contains("500")),
        "{:?}",
        done.refused
    );
    assert!(done.logout_url.is_none());
    assert!(vault.get(&tokens_entry()).unwrap().is_none());
    assert_eq!(
        desk.sign_in.status(&t).await.unwrap().signed_in_as,
        SignedInAs::Nobody
    );

    // Refused for its postFlowUrl (a 400): the page without it is offered instead.
    sign_in().await;
    emulator(&desk)
        .inject_fault(&Fault::next(session_path, FaultKind::status(400)))
        .await
        .unwrap();
    let done = desk.sign_in.logout(&t, Some(ALLOWED_PAGE)).await.unwrap();
    assert!(done.refused.is_some());
    assert!(!done.returns_to_post_flow_url);
    let url = url::Url::parse(done.logout_url.as_deref().unwrap()).unwrap();
    assert!(url.path().ends_with("/oauth2/logout"));
    assert!(!url.query_pairs().any(|(k, _)| k == "postFlowUrl"));
    assert!(vault.get(&tokens_entry()).unwrap().is_none());

    // Not a URL: refused before anything is sent or forgotten.
    sign_in().await;
    let bad = desk.sign_in.logout(&t, Some("not a url")).await;
    assert!(
        matches!(bad, Err(CoreError::InvalidInput { ref field, .. }) if field == "postFlowUrl")
    );
    assert!(vault.get(&tokens_entry()).unwrap().is_some());
}

#[tokio::test]
async fn a_site_asking_for_captcha_names_the_missing_token_and_accepts_one() {
    let (desk, _dir) = desk(Arc::default()).await;
    let t = target(&desk);
    emulator(&desk)
        .patch_settings(&SettingsPatch::default().require_captcha(true))
        .await
        .unwrap();
    let help = desk.captcha_help(SANDBOX_ID).unwrap();
    assert_eq!(
        help.visible_site_key,
        "6Ld0J8IcAAAAANyrnxzrRlX1xrrdXsOmsepUYosy"
    );
    assert_eq!(
        help.invisible_site_key,
        "6LdoPaUfAAAAAJphvHoUoOob7mx0KDlXyXlgrx5v"
    );
    let token = help.sandbox_token.expect("the sandbox's test token");
    let password = Secret::from("pa55word");
    let missing = desk
        .sign_in
        .register(&t, "cap@example.com", &password, None)
        .await
        .unwrap();
    assert!(
        matches!(&missing, LoginOutcome::Failed { code: Some(c), .. } if c == "missingCaptchaToken"),
        "{missing:?}"
    );
    let typed = CaptchaInput {
        recaptcha_token: Some(Secret::new(token)),
        invisible_recaptcha_token: None,
    };
    let registered = desk
        .sign_in
        .register(&t, "cap@example.com", &password, Some(&typed))
        .await
        .unwrap();
    assert!(
        matches!(registered, LoginOutcome::SignedIn { .. }),
        "{registered:?}"
    );
    let wrong = CaptchaInput {
        recaptcha_token: Some(Secret::from("forged")),
        invisible_recaptcha_token: None,
    };
    let refused = desk
        .sign_in
        .login(&t, "cap@example.com", &password, Some(&wrong))
        .await
        .unwrap();
    assert!(
        matches!(&refused, LoginOutcome::Failed { code: Some(c), .. } if c == "invalidCaptchaToken"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn external_login_with_session_signs_a_member_on_by_email() {
    let (desk, _dir) = desk(Arc::default()).await;
    let t = target(&desk);
    let key = desk.api_key_for(SANDBOX_ID, None).await.unwrap();
    let status = desk
        .sign_in
        .external_login_with_session(
            &t,
            "ext@example.com",
            &key,
            &SignOnInput { verify_email: true },
        )
        .await
        .unwrap();
    assert_eq!(status.signed_in_as, SignedInAs::Member);
    let members = emulator(&desk).members().await.unwrap();
    let member = members
        .iter()
        .find(|m| m.email == "ext@example.com")
        .unwrap();
    assert!(member.email_verified);
    assert!(
        status
            .claims
            .iter()
            .any(|c| c.name == "sub" && c.value == member.id)
    );
    let refused = desk
        .sign_in
        .external_login_with_session(
            &t,
            "ext@example.com",
            &Secret::from("wrong"),
            &SignOnInput::default(),
        )
        .await;
    assert!(refused.is_err());
    assert!(
        desk.sign_in
            .external_login_with_session(&t, "nope", &key, &SignOnInput::default())
            .await
            .is_err(),
        "a bad email is refused before sending"
    );
}

#[tokio::test]
async fn generate_secret_keeps_the_secret_before_showing_it_works_once_and_names_a_missing_permission()
 {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault.clone()).await;
    let app = desk
        .create_app(
            SANDBOX_ID,
            &OAuthAppFields {
                name: "Regen".into(),
                application_type: "WEB_APP".into(),
                technology: "REACT".into(),
                ..OAuthAppFields::default()
            },
        )
        .await
        .unwrap();
    let id = app.app.id.clone();
    assert_eq!(app.app.allow_secret_generation, Some(true));
    desk.delete_secret(SANDBOX_ID, &id).await.unwrap();

    let generated = desk.generate_secret(SANDBOX_ID, &id).await.unwrap();
    assert_eq!(generated.storage, SecretStorage::Saved);
    assert!(!generated.recovered);
    assert_eq!(
        desk.saved_secret(SANDBOX_ID, &id).await.unwrap().expose(),
        generated.secret,
        "in the keyring before it was returned"
    );
    assert_ne!(Some(generated.secret.as_str()), app.secret.as_deref());
    let details = desk.get_app(SANDBOX_ID, &id).await.unwrap();
    assert!(details.secret_saved);
    assert_eq!(details.allow_secret_generation, Some(false));
    let again = desk.generate_secret(SANDBOX_ID, &id).await;
    assert!(
        matches!(&again, Err(CoreError::Wix(wix_client::Error::Wix(e))) if e.status == 428),
        "{:?}",
        again.as_ref().err()
    );
    assert_eq!(
        desk.saved_secret(SANDBOX_ID, &id).await.unwrap().expose(),
        generated.secret
    );
    let read = desk.read_secret_from_wix(SANDBOX_ID, &id).await.unwrap();
    assert_eq!(read.secret, generated.secret);

    // An API key without the permission: the error names it, and nothing is kept.
    let other = SEEDED_APP_IDS[1];
    emulator(&desk)
        .inject_fault(&Fault::next(
            &format!("/oauth-app/v1/oauth-apps/{other}/generate-secret"),
            FaultKind::status(403),
        ))
        .await
        .unwrap();
    let refused = desk.generate_secret(SANDBOX_ID, other).await.err().unwrap();
    assert!(
        matches!(
            &refused,
            CoreError::Wix(wix_client::Error::MissingPermission { permission, .. })
                if permission.starts_with("OAUTH_APP.APP_UPDATE")
        ),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("OAUTH_APP.APP_UPDATE"));
    assert!(desk.saved_secret(SANDBOX_ID, other).await.is_err());
    assert!(desk.generate_secret(SANDBOX_ID, " ").await.is_err());
}

#[tokio::test]
async fn a_token_of_unknown_expiry_is_renewed_when_wix_refuses_it_then_the_call_goes_through() {
    let vault = Arc::new(MemoryStore::default());
    let (first, dir) = desk(vault.clone()).await;
    let t = target(&first);
    first
        .sign_in
        .register(&t, "una@example.com", &Secret::from("pa55word"), None)
        .await
        .unwrap();
    // As if Wix's answer had no expires_in and the token were no JWT: drop the expiry from what was saved.
    let saved = vault.get(&tokens_entry()).unwrap().unwrap();
    let mut stored: serde_json::Value = serde_json::from_str(saved.expose()).unwrap();
    stored["expiresAt"] = serde_json::Value::Null;
    vault
        .set(&tokens_entry(), &Secret::new(stored.to_string()))
        .unwrap();
    drop(first);

    let desk = Desk::open(dir.path(), vault.clone()).await.unwrap();
    let t = target(&desk);
    assert_eq!(desk.sign_in.status(&t).await.unwrap().expires_at, None);
    // Five hours later on the server: the 4-hour access token is dead there, and nothing here knew when.
    emulator(&desk).advance_clock(5 * 3600).await.unwrap();
    desk.sign_in
        .send_password_reset(&t, "una@example.com", ALLOWED_PAGE)
        .await
        .unwrap();
    let timeline = desk.sign_in.timeline();
    let calls: Vec<(String, Option<u16>)> = timeline
        .iter()
        .rev()
        .map(|e| (e.path.clone(), e.status))
        .collect();
    assert_eq!(
        calls,
        [
            ("/_api/iam/recovery/v1/send-email".to_owned(), Some(401)),
            ("/oauth2/token".to_owned(), Some(200)),
            ("/_api/iam/recovery/v1/send-email".to_owned(), Some(200)),
        ],
        "refused, renewed once, sent once more"
    );
    let status = desk.sign_in.status(&t).await.unwrap();
    assert_eq!(status.signed_in_as, SignedInAs::Member);
    assert!(status.expires_at.is_some(), "the renewal's expiry is known");
}
