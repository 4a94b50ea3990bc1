//! Member sign-in in the real app: the login page goes to the "system browser" (here a recorder file, played by an
//! HTTP client that submits the sandbox's hosted login form), and the result comes back the way a real browser
//! sends it — by launching the app binary a second time with the callback URL (or cold, as its first argv).

use std::time::{Duration, Instant};

use oauth_desk_e2e::{App, browser_record, files_under, opened_url};
use vault::SecretStore;
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{LoginAction, SettingsPatch, play_login};

/// The seeded "Storefront (Next.js)" app, which allows `oauthdesk://callback`.
const STOREFRONT: &str = SEEDED_APP_IDS[0];

async fn open_members(app: &App) {
    app.open_members(STOREFRONT).await;
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
    // A second login waits meanwhile, and many of them are forged from its real callback (its real state), so the
    // checks that would accept it are reached; none may complete or end it.
    app.click("[data-testid=start-browser-login]").await;
    let pending = play_login(
        &opened_url(&record, 2).await,
        LoginAction::Login,
        "deep@example.com",
    )
    .await;
    let long = "A".repeat(9000);
    let huge = "B".repeat(64 * 1024);
    let many_params: String = (0..3000).map(|i| format!("p{i}=v&")).collect();
    let mut hostile: Vec<String> = vec![
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
        // Forged from the waiting login's real callback.
        pending.replace("oauthdesk://callback", "oauthdesk://evil"),
        pending.replace("oauthdesk://callback", "oauthdesk://callback/"),
        pending.replace("oauthdesk://callback", "oauthdesk://callback:8080"),
        pending.replace("oauthdesk://callback", "oauthdesk://attacker@callback"),
        pending.replace("oauthdesk://callback", "oauthdesk://a:b@callback"),
        pending.replace("oauthdesk://callback", "oauthdesk://callback.evil.example"),
        pending.replace("oauthdesk://callback", "oauthdesk://callback/%2e%2e"),
        pending.replace("oauthdesk://callback", "otherapp://callback"),
        pending.replace("oauthdesk://callback", "https://callback"),
        pending.replace("code=", "nocode="),
        pending.replace("code=", "code=&ignored="),
        format!("{pending}&code=%0d%0aSet-Cookie:x"),
        format!("{pending}&{huge}=1"),
        format!("{pending}&code={huge}"),
        format!("{pending}&{many_params}"),
        format!("oauthdesk://callback?{many_params}code=x&state=y"),
        "oauthdesk://callback?code=%1b%5b31m&state=%0a%0d%09".into(),
        "oauthdesk://callback?error=%1b%5b2J%0aFAKE%20LOG%20LINE&state=unknown".into(),
        "OAUTHDESK://CALLBACK?code=x&state=unknown".into(),
        "OAuthDesk://Callback?CODE=x&STATE=y".into(),
        "oauthdesk://callback?code=x&state=unknown&code=y".into(),
        "-psn_0_12345".into(),
        "--remote-debugging-port=9222".into(),
        "oauthdesk://callback?code=x&state=y --flag".into(),
    ];
    hostile.dedup();
    let pending_state = url::Url::parse(&pending)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(
        hostile
            .iter()
            .filter(|u| u.contains(&pending_state))
            .count()
            >= 15,
        "forged from the waiting login"
    );
    assert!(hostile.len() >= 50, "{} hostile links", hostile.len());
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
    assert_eq!(
        keyring_tokens(&app).as_deref(),
        Some(saved.as_str()),
        "a hostile link changed the stored tokens"
    );
    // The waiting login was neither completed nor ended by any of them: its real callback still counts, once.
    deliver(&app, &pending);
    wait_for_log_count(&app, "sign-in callback: Signed in", 2).await;
    let saved = keyring_tokens(&app).expect("the second login's tokens");
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    assert_eq!(keyring_tokens(&app).as_deref(), Some(saved.as_str()));
    // Every hostile link was refused: the ones of our scheme ignored with a reason, the rest never let in.
    wix_emulator::test_support::record_security_tally(
        env!("CARGO_TARGET_TMPDIR"),
        "hostile_links_refused",
        hostile.len(),
        hostile.len(),
    );
    // The query values never reach the log.
    let logs = app.profile.logs();
    assert!(!logs.contains(&callback[callback.find("code=").unwrap() + 5..][..20]));

    // A cancelled login's callback is ignored; a refusal in the browser is reported; nothing changes.
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 3).await;
    app.click("[data-testid=cancel-login]").await;
    let late = play_login(&auth_url, LoginAction::Register, "late@example.com").await;
    deliver(&app, &late);
    app.wait_for_text("[data-testid=member-error]", "no login is waiting")
        .await;
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 4).await;
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

    // Cold start: the login is started, the app quits, the browser's deep link starts it again. This login has the
    // usual deadline (the restarts below take longer than 4 s).
    let app = app
        .restart(&[], &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())])
        .await;
    open_members(&app).await;
    app.click("[data-testid=start-browser-login]").await;
    let auth_url = opened_url(&record, 2).await;
    let app = app
        .restart(&[], &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())])
        .await;
    let callback = play_login(&auth_url, LoginAction::Register, "cold@example.com").await;

    // Cold starts whose argv wraps the real callback in flags: the app starts as usual, signs no one in, and the
    // waiting login is left intact (the plain callback below still completes it).
    let wrapped = format!("--url={callback}");
    let trailing = format!("{callback} --inspect");
    let flagged: [&[&str]; 4] = [
        &["--remote-debugging-port=9222", &callback],
        &[&callback, "--enable-features=RemoteDebugging"],
        &[&wrapped],
        &[&trailing],
    ];
    let mut app = app;
    for args in flagged {
        let ignored_before = count(&app.profile.logs(), "sign-in callback: Ignored");
        app = app
            .restart(args, &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())])
            .await;
        // Only a lone argument of our scheme is passed on as a deep link (and refused by the desk: its state is
        // not pending); the others never get in. Either way it is over once the window is up and the log says so.
        if args.len() == 1 && args[0].starts_with("oauthdesk:") {
            wait_for_log_count(&app, "sign-in callback: Ignored", ignored_before + 1).await;
        }
        app.wait_for_css("[data-testid=nav-members]").await;
        let logs = app.profile.logs();
        assert_eq!(
            count(&logs, "sign-in callback: Signed in"),
            0,
            "argv {args:?} signed someone in"
        );
        assert_ne!(keyring_role(&app).as_deref(), Some("member"));
    }
    wix_emulator::test_support::record_security_tally(
        env!("CARGO_TARGET_TMPDIR"),
        "hostile_links_refused",
        flagged.len(),
        flagged.len(),
    );

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
    let emulator = app.sandbox_admin().await;
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
