//! What the official SDK does, in the real window against the sandbox: custom login whether Wix redirects with
//! the code or serves a page (then the system browser runs it and the deep link finishes it), captcha tokens,
//! external login with a session, logout with `postFlowUrl` that forgets local tokens even when Wix refuses, and
//! generating an OAuth app's secret once.

use fantoccini::Locator;
use oauth_desk_e2e::{App, browser_record, opened_url};
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{Fault, FaultKind, SettingsPatch, play_authorize_page};

const STOREFRONT: &str = SEEDED_APP_IDS[0];

async fn type_into(app: &App, css: &str, text: &str) {
    let input = app.wait_for_css(css).await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn register(app: &App, email: &str) {
    type_into(app, "[data-testid=member-email]", email).await;
    type_into(app, "[data-testid=member-password]", "pa55word-e2e").await;
    app.click("[data-testid=member-register]").await;
}

async fn forget(app: &App) {
    app.click("[data-testid=forget-tokens]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "Nobody")
        .await;
}

#[tokio::test]
async fn custom_login_works_whether_wix_redirects_or_serves_a_page() {
    let record = browser_record("members-paths");
    let record_env = record.display().to_string();
    let app = App::launch_with(
        "members-paths",
        &[],
        &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())],
    )
    .await;
    // (Asking for the sandbox's address visits Settings: do it before opening Members.)
    let sandbox = app.sandbox_admin().await;
    app.open_members(STOREFRONT).await;

    // Wix redirects with the code: signed in at once, no browser.
    register(&app, "direct@example.com").await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    app.wait_for_text("[data-testid=timeline-note]", "Direct")
        .await;
    forget(&app).await;

    // Wix serves a page: it opens in the system browser, which runs it; the deep link finishes the login.
    sandbox
        .patch_settings(&SettingsPatch::default().authorize_with_page(true))
        .await
        .unwrap();
    register(&app, "page@example.com").await;
    app.wait_for_text("[data-testid=member-notice]", "opened in your browser")
        .await;
    app.wait_for_css("[data-testid=waiting]").await;
    app.wait_for_text("[data-testid=timeline-note]", "System browser")
        .await;
    let page = opened_url(&record, 1).await;
    let callback = play_authorize_page(&page).await;
    let status = app.launch_second_instance(&[&callback]);
    assert!(status.success(), "{status}");
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;
    app.wait_for_text("[data-testid=member-notice]", "Signed in")
        .await;
    app.screenshot("members-page-path").await;
    app.quit().await;
}

#[tokio::test]
async fn captcha_sign_on_logout_and_a_generated_secret_like_the_sdk() {
    let record = browser_record("members-parity");
    let record_env = record.display().to_string();
    let app = App::launch_with(
        "members-parity",
        &[],
        &[("OAUTHDESK_BROWSER_RECORD", record_env.as_str())],
    )
    .await;
    // (Asking for the sandbox's address visits Settings: do it before opening Members.)
    let sandbox = app.sandbox_admin().await;
    app.open_members(STOREFRONT).await;

    // A site with reCAPTCHA on refuses a login without a token, and takes one.
    sandbox
        .patch_settings(&SettingsPatch::default().require_captcha(true))
        .await
        .unwrap();
    register(&app, "captcha@example.com").await;
    app.wait_for_text("[data-testid=member-error]", "captcha")
        .await;
    app.click("[data-testid=captcha] summary").await;
    app.click("[data-testid=use-sandbox-captcha]").await;
    app.click("[data-testid=member-register]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;

    // Wix refuses the logout session (a 400 for its postFlowUrl): the local tokens go anyway, that is said, and
    // the logout page without the return URL still opens in the browser to end the Wix session.
    sandbox
        .inject_fault(&Fault::next(
            "/_api/redirects-api/v1/redirect-session",
            FaultKind::status(400),
        ))
        .await
        .unwrap();
    type_into(
        &app,
        "[data-testid=logout-post-flow-url]",
        "http://127.0.0.1:5173/callback",
    )
    .await;
    app.click("[data-testid=logout]").await;
    let refused = app
        .wait_for_text("[data-testid=member-error]", "refused the logout session")
        .await;
    assert!(refused.contains("forgotten anyway"), "{refused}");
    app.wait_for_text("[data-testid=signed-in-as]", "Nobody")
        .await;
    let logout_page = opened_url(&record, 1).await;
    assert!(
        logout_page.contains("/oauth2/logout") && !logout_page.contains("postFlowUrl"),
        "{logout_page}"
    );

    // External login with a session: sign-on by email with the project's own key.
    type_into(&app, "[data-testid=sign-on-email]", "signon@example.com").await;
    app.click("[data-testid=sign-on]").await;
    app.wait_for_text("[data-testid=signed-in-as]", "member")
        .await;

    // An allowed return URL: logged out on Wix too, and the page returns there.
    type_into(
        &app,
        "[data-testid=logout-post-flow-url]",
        "http://127.0.0.1:5173/callback",
    )
    .await;
    app.click("[data-testid=logout]").await;
    app.wait_for_text("[data-testid=member-notice]", "returns to your URL")
        .await;
    app.wait_for_text("[data-testid=signed-in-as]", "Nobody")
        .await;

    // Generate the secret of an app OAuth Desk holds none for: confirmed first, saved, shown once.
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Booking widget")
        .await;
    app.client
        .find(Locator::XPath(
            "//button[normalize-space()='Booking widget']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.click("[data-testid=generate-secret]").await;
    app.wait_for_text("[data-testid=confirm-generate]", "allows this once")
        .await;
    app.click("[data-testid=generate-secret-confirmed]").await;
    app.wait_for_text("[data-testid=secret-storage]", "Saved to your OS keyring")
        .await;
    let secret = app
        .wait_for_css("[data-testid=created-secret]")
        .await
        .text()
        .await
        .unwrap();
    assert!(secret.len() >= 20, "a generated secret");
    app.click("[data-testid=close-secret-dialog]").await;
    app.wait_for_css("[data-testid=reveal-secret]").await;
    app.click("[data-testid=reveal-secret]").await;
    app.wait_for_text("[data-testid=revealed-secret]", &secret)
        .await;
    app.quit().await;
}
