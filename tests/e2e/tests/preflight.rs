//! The sign-in preflight in the real window: green on the seeded Storefront app; red with the fix when the site is
//! unpublished; and on an app that does not allow the app's callback, red with "Add it", which fixes it in place.

use oauth_desk_e2e::App;
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::SettingsPatch;

/// Allows `oauthdesk://callback`.
const STOREFRONT: &str = SEEDED_APP_IDS[0];
/// "Mobile shop": allows only `com.example.shop://callback`.
const MOBILE_SHOP: &str = SEEDED_APP_IDS[1];

async fn verdict_of(app: &App, item: &str) -> String {
    app.wait_for_css(&format!("[data-testid=preflight-{item}]"))
        .await
        .attr("data-verdict")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_preflight_names_what_would_fail_and_add_it_fixes_the_redirect_uri() {
    let app = App::launch("preflight").await;
    let admin = app.sandbox_admin().await;
    app.open_members(STOREFRONT).await;

    app.click("[data-testid=run-preflight]").await;
    app.wait_for_text("[data-testid=preflight-summary]", "Ready")
        .await;
    for item in ["appExists", "redirectUri", "sitePublished", "captcha"] {
        assert_eq!(verdict_of(&app, item).await, "pass", "{item}");
    }
    app.screenshot("preflight-ready").await;

    admin
        .patch_settings(&SettingsPatch::default().site_published(false))
        .await
        .unwrap();
    app.click("[data-testid=run-preflight]").await;
    let site = app
        .wait_for_text(
            "[data-testid=preflight-sitePublished][data-verdict=fail]",
            "Publish the site",
        )
        .await;
    assert!(site.contains("not published"), "{site}");
    app.wait_for_text("[data-testid=preflight-summary]", "would fail")
        .await;
    app.screenshot("preflight-unpublished").await;
    admin
        .patch_settings(&SettingsPatch::default().site_published(true))
        .await
        .unwrap();

    let select = app.wait_for_css("[data-testid=member-app]").await;
    select.select_by_value(MOBILE_SHOP).await.unwrap();
    app.wait_for_text("[data-testid=member-callback-status]", "not in this app's")
        .await;
    app.click("[data-testid=run-preflight]").await;
    app.wait_for_text(
        "[data-testid=preflight-redirectUri][data-verdict=fail]",
        "Add exactly oauthdesk://callback",
    )
    .await;
    assert_eq!(verdict_of(&app, "sitePublished").await, "skipped");
    app.click("[data-testid=preflight-add-callback]").await;
    app.wait_for_text("[data-testid=preflight-summary]", "Ready")
        .await;
    app.wait_for_text(
        "[data-testid=member-callback-status]",
        "allowed by this OAuth app",
    )
    .await;
    app.quit().await;
}
