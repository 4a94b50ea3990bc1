//! The sign-in preflight against the sandbox: all green on a seeded app, then each failure the sandbox can play
//! (an unknown app, a redirect URI missing or nearly right, an unpublished site, a captcha asked for) named with
//! its fix, and the checks that depend on a failed one skipped.

use std::sync::Arc;

use desk_core::Desk;
use desk_core::oauth_apps::OAuthAppFields;
use desk_core::preflight::{Preflight, PreflightItem, Verdict};
use desk_core::projects::SANDBOX_ID;
use vault::MemoryStore;
use wix_emulator::SEEDED_APP_IDS;
use wix_emulator::test_support::{AdminClient, SettingsPatch};

/// The seeded Storefront app, which allows `oauthdesk://callback`.
const STOREFRONT: &str = SEEDED_APP_IDS[0];

async fn desk() -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path(), Arc::new(MemoryStore::default()))
        .await
        .unwrap();
    (desk, dir)
}

fn emulator(desk: &Desk) -> AdminClient {
    AdminClient::new(desk.sandbox.base_url()).with_token(desk.sandbox.admin_token())
}

fn verdicts(p: &Preflight) -> Vec<(PreflightItem, Verdict)> {
    p.checks.iter().map(|c| (c.item, c.verdict)).collect()
}

fn check(p: &Preflight, item: PreflightItem) -> &desk_core::preflight::PreflightCheck {
    p.checks.iter().find(|c| c.item == item).unwrap()
}

#[tokio::test]
async fn a_seeded_app_on_a_published_site_is_ready() {
    let (desk, _dir) = desk().await;
    let p = desk
        .preflight_sign_in(SANDBOX_ID, STOREFRONT)
        .await
        .unwrap();
    assert_eq!(
        verdicts(&p),
        [
            (PreflightItem::AppExists, Verdict::Pass),
            (PreflightItem::RedirectUri, Verdict::Pass),
            (PreflightItem::SitePublished, Verdict::Pass),
            (PreflightItem::Captcha, Verdict::Pass),
        ],
        "{p:#?}"
    );
    assert!(p.ready);
    assert_eq!(p.redirect_uri, "oauthdesk://callback");
    // The login page it asked for was never made pending: no callback can be accepted for it.
    assert_eq!(desk.sign_in.pending(), 0);
}

#[tokio::test]
async fn an_unpublished_site_fails_with_the_fix_and_a_captcha_is_a_notice() {
    let (desk, _dir) = desk().await;
    emulator(&desk)
        .patch_settings(
            &SettingsPatch::default()
                .site_published(false)
                .require_captcha(true),
        )
        .await
        .unwrap();
    let p = desk
        .preflight_sign_in(SANDBOX_ID, STOREFRONT)
        .await
        .unwrap();
    assert!(!p.ready);
    let site = check(&p, PreflightItem::SitePublished);
    assert_eq!(site.verdict, Verdict::Fail, "{site:?}");
    assert!(site.summary.contains("not published"), "{site:?}");
    assert!(site.fix.as_deref().unwrap().contains("Publish the site"));
    let captcha = check(&p, PreflightItem::Captcha);
    assert_eq!(captcha.verdict, Verdict::Notice, "{captcha:?}");
    assert!(captcha.summary.contains("captcha"), "{captcha:?}");
}

#[tokio::test]
async fn a_redirect_uri_missing_or_nearly_right_fails_and_skips_the_login_page() {
    let (desk, _dir) = desk().await;
    let created = desk
        .create_app(
            SANDBOX_ID,
            &OAuthAppFields {
                name: "Near miss".into(),
                application_type: "WEB_APP".into(),
                technology: "REACT".into(),
                allowed_redirect_uris: vec!["oauthdesk://callback/".into()],
                ..OAuthAppFields::default()
            },
        )
        .await
        .unwrap();
    let p = desk
        .preflight_sign_in(SANDBOX_ID, &created.app.id)
        .await
        .unwrap();
    assert_eq!(
        verdicts(&p),
        [
            (PreflightItem::AppExists, Verdict::Pass),
            (PreflightItem::RedirectUri, Verdict::Fail),
            (PreflightItem::SitePublished, Verdict::Skipped),
            (PreflightItem::Captcha, Verdict::Pass),
        ],
        "{p:#?}"
    );
    let redirect = check(&p, PreflightItem::RedirectUri);
    assert!(redirect.summary.contains("slash"), "{redirect:?}");
    assert!(
        redirect
            .fix
            .as_deref()
            .unwrap()
            .contains("Add exactly oauthdesk://callback")
    );

    // Fixed with the doctor's "add exactly", the preflight is green.
    desk.add_redirect_uri(SANDBOX_ID, &created.app.id, "oauthdesk://callback")
        .await
        .unwrap();
    let p = desk
        .preflight_sign_in(SANDBOX_ID, &created.app.id)
        .await
        .unwrap();
    assert!(p.ready, "{p:#?}");
}

#[tokio::test]
async fn an_unknown_app_fails_and_the_rest_is_skipped() {
    let (desk, _dir) = desk().await;
    let p = desk
        .preflight_sign_in(SANDBOX_ID, "00000000-0000-4000-8000-000000000000")
        .await
        .unwrap();
    assert_eq!(
        verdicts(&p),
        [
            (PreflightItem::AppExists, Verdict::Fail),
            (PreflightItem::RedirectUri, Verdict::Skipped),
            (PreflightItem::SitePublished, Verdict::Skipped),
            (PreflightItem::Captcha, Verdict::Skipped),
        ],
        "{p:#?}"
    );
    assert!(!p.ready);
    assert!(
        check(&p, PreflightItem::AppExists)
            .fix
            .as_deref()
            .unwrap()
            .contains("client ID")
    );
}
