//! Member sign-in in the real app: the login page goes to the "system browser" (here a recorder file, played by an
//! HTTP client that submits the sandbox's hosted login form), and the result comes back the way a real browser
//! sends it — by launching the app binary a second time with the callback URL (or cold, as its first argv).

use std::time::{Duration, Instant};

use oauth_desk_e2e::{App, browser_record, files_under, opened_url};
use vault::SecretStore;
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{AdminClient, LoginAction, SettingsPatch, play_login};

/// The seeded "Storefront (Next.js)" app, which allows `oauthdesk://callback`.
const STOREFRONT: &str = SEEDED_APP_IDS[0];

async fn open_members(app: &App) {
    app.click("[data-testid=nav-members]").await;
    let select = app.wait_for_css("[data-testid=member-app]").await;
    // Wait for the app list, then pick the storefront.
    app.wait_for_text("[data-testid=member-app]", "Storefront")
        .await;
    select.select_by_value(STOREFRONT).await.unwrap();
    app.wait_for_text("[data-testid=member-callback-status]", "allowed")
        .await;
}

fn keyring_tokens(app: &App) -> Option<String> {
    vault::KeyringStore::new(app.profile.keyring_service.clone())
        .get(&format!("member-tokens/sandbox/{STOREFRONT}"))
        .unwrap()
        .map(|s| s.expose().to_owned())
}

/// The role of the tokens in the keyring (`visitor` or `member`), if any.
fn keyring_role(app: &App) -> Option<String> {
    let tokens: serde_json::Value = serde_json::from_str(&keyring_tokens(app)?).unwrap();
    tokens["role"].as_str().map(str::to_owned)
}

/// Launch the binary again with `url`, as the desktop does for a deep link, and check it handed over and exited.
/// The forwarding instance leaves through `std::process::exit` right after the running app accepted its argv
/// (tauri-plugin-single-instance); on rare runs that exit crashes in a library's teardown (SIGSEGV) — after the
/// hand-over, so the effects asserted by the callers are what counts.
fn deliver(app: &App, url: &str) {
    use std::os::unix::process::ExitStatusExt;
    let status = app.launch_second_instance(&[url]);
    assert!(
        status.success() || status.signal() == Some(11),
        "the second instance failed for {url}: {status}"
    );
}

/// How many lines of `haystack` contain `needle` (a log message may quote another's words).
fn count(haystack: &str, needle: &str) -> usize {
    haystack
        .lines()
        .filter(|line| line.contains(needle))
        .count()
}

/// Wait until the app's log holds `at_least` lines with `needle`, and return how many it holds; panic when it never
/// does.
async fn wait_for_log_count(app: &App, needle: &str, at_least: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = count(&app.profile.logs(), needle);
        if n >= at_least {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "the app's log never held {at_least} lines with {needle:?} (it holds {n})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn wix_managed_login_returns_through_the_deep_link_and_hostile_callbacks_change_nothing() {
    let record = browser_record("members-login");
    let record_env = record.display().to_string();
    let app = App::launch_with(
        "members-login",
        &[],
        &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())],
    )
    .await;
    open_members(&app).await;
    app.click("[data-testid=visitor-tokens]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "visitor")
        .await;

    app.click("[data-testid=start-browser-login]").await;
    app.wait_for_text("[data-testid=waiting]", "Waiting for the browser")
        .await;
    app.screenshot("members-waiting").await;
    let auth_url = opened_url(&record, 1).await;
    assert!(auth_url.contains("/oauth2/authorize?"), "{auth_url}");
    let callback = play_login(&auth_url, LoginAction::Register, "deep@example.com").await;
    assert!(callback.starts_with("oauthdesk://callback?"));

    // The browser hands the result back by starting the app again with the URL.
    deliver(&app, &callback);
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    app.wait_for_text("[data-testid=member-notice]", "Signed in")
        .await;
    app.wait_for_text("[data-testid=claims]", "member").await;
    app.screenshot("members-tokens").await;
    let saved = keyring_tokens(&app).expect("member tokens in the keyring");

    // Hostile callbacks: each refused (or never delivered), none changes the stored tokens or crashes the app.
    let long = "A".repeat(9000);
    let hostile: Vec<String> = vec![
        callback.clone(),
        callback.replace("oauthdesk://callback", "oauthdesk://evil"),
        callback.replace("oauthdesk://callback", "oauthdesk://callback/extra"),
        callback.replace("oauthdesk://callback", "oauthdesk://CALLBACK/x"),
        callback.replace("?code=", "?nocode="),
        "oauthdesk://callback?code=x&state=unknown".into(),
        "oauthdesk://callback?code=x".into(),
        "oauthdesk://callback?state=unknown".into(),
        "oauthdesk://callback".into(),
        "oauthdesk://callback?".into(),
        "oauthdesk://callback?code=&state=".into(),
        "oauthdesk://callback#code=x&state=unknown".into(),
        "oauthdesk://callback?code=x&state=a&state=b".into(),
        "oauthdesk://callback?code=%00&state=%ff".into(),
        "oauthdesk://callback?error=access_denied&error_description=forged&state=unknown".into(),
        "oauthdesk://callback?error=access_denied".into(),
        "oauthdesk://user:pass@callback?code=x&state=y".into(),
        "oauthdesk:///callback?code=x&state=y".into(),
        "oauthdesk:callback?code=x&state=y".into(),
        "oauthdesk://127.0.0.1/callback?code=x&state=y".into(),
        "oauthdesk://callback/..%2f..%2fetc?code=x&state=y".into(),
        "oauthdesk://callback?code=x&state=<script>alert(1)</script>".into(),
        "oauthdesk://callback?code=x&state=' OR 1=1--".into(),
        "oauthdesk://callback?%zz=1&code=x".into(),
        format!("oauthdesk://callback?code={long}&state=y"),
        format!("oauthdesk://callback?code=x&state={long}"),
        "oauthdesk://callback:99999?code=x&state=y".into(),
        "https://callback?code=x&state=y".into(),
        "http://evil.example/callback?code=x&state=y".into(),
        "not a url at all".into(),
        "".into(),
        "--inject-flag".into(),
    ];
    assert!(hostile.len() >= 30);
    let logs = app.profile.logs();
    let (received_before, handled_before, ignored_before) = (
        count(&logs, "deep link received"),
        count(&logs, "sign-in callback: "),
        count(&logs, "sign-in callback: Ignored"),
    );
    for url in &hostile {
        deliver(&app, url);
    }
    // The deep-link plugin passes on a lone argument that parses as a URL of our scheme; the rest never get in.
    // Each one passed on is logged as received, then (asynchronously) as handled by the desk: wait until the app
    // has handled every one of them before looking at the outcome.
    let ours = hostile
        .iter()
        .filter(|u| url::Url::parse(u).is_ok_and(|u| u.scheme() == "oauthdesk"))
        .count();
    assert!(ours >= 20, "only {ours} hostile links are deep links");
    let handled = wait_for_log_count(&app, "sign-in callback: ", handled_before + ours).await;
    let logs = app.profile.logs();
    assert_eq!(
        (
            count(&logs, "deep link received") - received_before,
            handled - handled_before
        ),
        (ours, ours),
        "the app received and handled each of the {ours} deep links of our scheme, once"
    );
    // Every one was ignored with a reason; none signed anyone in.
    assert_eq!(
        count(&logs, "sign-in callback: Ignored") - ignored_before,
        ours,
        "every hostile deep link is ignored"
    );
    assert_eq!(count(&logs, "sign-in callback: Signed in"), 1);
    app.wait_for_text("[data-testid=member-error]", "Callback ignored")
        .await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    assert_eq!(keyring_tokens(&app).as_deref(), Some(saved.as_str()));
    // The query values never reach the log.
    let logs = app.profile.logs();
    assert!(!logs.contains(&callback[callback.find("code=").unwrap() + 5..][..20]));

    // A cancelled login's callback is ignored; a refusal in the browser is reported; nothing changes.
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 2).await;
    app.click("[data-testid=cancel-login]").await;
    let late = play_login(&auth_url, LoginAction::Register, "late@example.com").await;
    deliver(&app, &late);
    app.wait_for_text("[data-testid=member-error]", "no login is waiting")
        .await;
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 3).await;
    let refused = play_login(&auth_url, LoginAction::Cancel, "").await;
    deliver(&app, &refused);
    app.wait_for_text("[data-testid=member-error]", "access_denied")
        .await;
    assert_eq!(keyring_tokens(&app).as_deref(), Some(saved.as_str()));
    app.quit().await;
}

#[tokio::test]
async fn an_expired_login_is_refused_and_a_cold_start_with_the_url_completes_a_pending_one() {
    let record = browser_record("members-cold");
    let record_env = record.display().to_string();
    let env = [
        ("OAUTHDESK_BROWSER_RECORD", record_env.as_str()),
        ("OAUTHDESK_LOGIN_DEADLINE_SECONDS", "4"),
    ];
    let app = App::launch_with("members-cold", &[], &env).await;
    open_members(&app).await;

    // Expired: the browser finishes after the deadline.
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 1).await;
    let late = play_login(&auth_url, LoginAction::Register, "slow@example.com").await;
    app.wait_for_text("[data-testid=member-notice]", "timed out")
        .await;
    deliver(&app, &late);
    app.wait_for_text("[data-testid=member-error]", "deadline")
        .await;
    assert_ne!(keyring_role(&app).as_deref(), Some("member"));

    // Cold start: the login is started, the app quits, the browser's deep link starts it again.
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 2).await;
    let app = app
        .restart(&[], &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())])
        .await;
    let callback = play_login(&auth_url, LoginAction::Register, "cold@example.com").await;
    let app = app
        .restart(
            &[&callback],
            &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())],
        )
        .await;
    let logs_wait = wait_for_log_count(&app, "sign-in callback: Signed in", 1).await;
    assert_eq!(
        logs_wait, 1,
        "the cold-start callback completed the pending login"
    );
    open_members(&app).await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    assert_eq!(keyring_role(&app).as_deref(), Some("member"));
    app.quit().await;
}

#[tokio::test]
async fn custom_login_verification_reset_external_login_renew_restart_and_logout() {
    let record = browser_record("members-custom");
    let record_env = record.display().to_string();
    let env = [("OAUTHDESK_BROWSER_RECORD", record_env.as_str())];
    let app = App::launch_with("members-custom", &[], &env).await;
    let sandbox = app.sandbox_url().await;
    let emulator = AdminClient::new(&sandbox);
    emulator
        .patch_settings(&SettingsPatch::default().require_email_verification(true))
        .await
        .unwrap();
    open_members(&app).await;

    // Register; the emailed code is read from the sandbox's emulator-only outbox.
    let email = app.wait_for_css("[data-testid=member-email]").await;
    email.send_keys("vera@example.com").await.unwrap();
    let password = app.wait_for_css("[data-testid=member-password]").await;
    password.send_keys("pa55word").await.unwrap();
    app.click("[data-testid=member-register]").await;
    app.wait_for_text("[data-testid=member-notice]", "verification code")
        .await;
    let outbox = emulator.outbox().await.unwrap();
    let code = outbox[0].code.clone().expect("a verification code");
    let field = app.wait_for_css("[data-testid=verify-code]").await;
    field.send_keys(&code).await.unwrap();
    app.click("[data-testid=verify-submit]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;

    // A wrong password is refused with the SDK's meaning.
    let email = app.wait_for_css("[data-testid=member-email]").await;
    email.clear().await.unwrap();
    email.send_keys("vera@example.com").await.unwrap();
    let password = app.wait_for_css("[data-testid=member-password]").await;
    password.clear().await.unwrap();
    password.send_keys("wrong-pass").await.unwrap();
    app.click("[data-testid=member-login]").await;
    app.wait_for_text("[data-testid=member-error]", "Wrong password")
        .await;

    // Password reset email.
    let reset = app.wait_for_css("[data-testid=reset-email]").await;
    reset.send_keys("vera@example.com").await.unwrap();
    app.click("[data-testid=send-reset]").await;
    app.wait_for_text("[data-testid=member-notice]", "reset link")
        .await;
    let outbox = emulator.outbox().await.unwrap();
    assert!(outbox.iter().any(|e| e.kind == "passwordReset"));

    // External login with the project's API key from the keyring (the sandbox's).
    let members = emulator.members().await.unwrap();
    let member_id = members[0].id.clone();
    let field = app.wait_for_css("[data-testid=external-member-id]").await;
    field.send_keys(&member_id).await.unwrap();
    app.click("[data-testid=external-login]").await;
    app.wait_for_text("[data-testid=member-notice]", "external login")
        .await;
    app.click("[data-testid=renew]").await;
    app.wait_for_text("[data-testid=member-notice]", "Renewed")
        .await;
    app.wait_for_css("[data-testid=timeline]").await;
    app.screenshot("members-workbench").await;
    let tokens = keyring_tokens(&app).expect("tokens in the keyring");

    // A restart finds the member still signed in.
    let app = app.restart(&[], &env).await;
    open_members(&app).await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;

    // Log out: the logout page goes to the browser, the tokens are gone.
    app.click("[data-testid=logout]").await;
    app.wait_for_text("[data-testid=member-notice]", "Logged out")
        .await;
    assert!(opened_url(&record, 1).await.contains("/oauth2/logout"));
    app.wait_for_text("[data-testid=signed-in-as]", "Nobody")
        .await;
    assert!(keyring_tokens(&app).is_none());

    // No token value in the app's files or logs.
    let data_dir = app.profile.data_dir.clone();
    app.quit().await;
    let values: Vec<String> = serde_json::from_str::<serde_json::Value>(&tokens)
        .unwrap()
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.ends_with("Token"))
        .map(|(_, v)| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(values.len(), 2);
    for path in files_under(&data_dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        for value in &values {
            assert!(
                !text.contains(value.as_str()),
                "a token leaked into {}",
                path.display()
            );
        }
    }
}
