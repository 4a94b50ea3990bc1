//! The redirect-URI doctor against the sandbox: a near miss explained, "add exactly this URI" merging into the
//! list Wix has now (not the one read earlier), and Wix's limit of 20.

use std::sync::Arc;

use desk_core::Desk;
use desk_core::doctor::{Diagnosis, Difference};
use desk_core::projects::SANDBOX_ID;
use vault::MemoryStore;
use wix_emulator::SEEDED_APP_IDS;

const STOREFRONT: &str = SEEDED_APP_IDS[0];

#[tokio::test]
async fn a_near_miss_is_explained_and_added_exactly_without_losing_a_concurrent_change() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path(), Arc::new(MemoryStore::default()))
        .await
        .unwrap();
    // The seeded Storefront allows http://127.0.0.1:5173/callback; a dev server moved to 5174.
    let typed = "http://127.0.0.1:5174/callback";
    let Diagnosis::NearMiss {
        closest,
        differences,
        explanations,
    } = desk
        .diagnose_redirect(SANDBOX_ID, STOREFRONT, typed, true)
        .await
        .unwrap()
    else {
        panic!("a near miss")
    };
    assert_eq!(closest, "http://127.0.0.1:5173/callback");
    assert_eq!(
        differences,
        [Difference::Port {
            typed: "5174".into(),
            allowed: "5173".into()
        }]
    );
    assert!(explanations[0].contains("port"), "{explanations:?}");

    // Someone adds a URI in the dashboard after this window read the app: adding ours keeps theirs.
    let seen = desk.get_app(SANDBOX_ID, STOREFRONT).await.unwrap();
    let mut theirs = seen.fields.clone();
    theirs
        .allowed_redirect_uris
        .push("https://shop.example.com/callback".into());
    desk.update_app(SANDBOX_ID, STOREFRONT, &seen.fields, &theirs)
        .await
        .unwrap();
    let updated = desk
        .add_redirect_uri(SANDBOX_ID, STOREFRONT, typed)
        .await
        .unwrap();
    assert_eq!(
        updated.fields.allowed_redirect_uris,
        [
            "oauthdesk://callback",
            "http://127.0.0.1:5173/callback",
            "https://shop.example.com/callback",
            typed
        ]
    );
    assert_eq!(
        desk.diagnose_redirect(SANDBOX_ID, STOREFRONT, typed, true)
            .await
            .unwrap(),
        Diagnosis::Allowed
    );
    // Again: already there, nothing changes.
    let again = desk
        .add_redirect_uri(SANDBOX_ID, STOREFRONT, typed)
        .await
        .unwrap();
    assert_eq!(again.fields.allowed_redirect_uris.len(), 4);

    // Up to Wix's limit of 20, then a clear refusal that changes nothing.
    for port in 6000..6016 {
        desk.add_redirect_uri(
            SANDBOX_ID,
            STOREFRONT,
            &format!("http://127.0.0.1:{port}/callback"),
        )
        .await
        .unwrap();
    }
    let refused = desk
        .add_redirect_uri(SANDBOX_ID, STOREFRONT, "http://127.0.0.1:7000/callback")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("20"), "{refused}");
    let app = desk.get_app(SANDBOX_ID, STOREFRONT).await.unwrap();
    assert_eq!(app.fields.allowed_redirect_uris.len(), 20);
    assert!(matches!(
        desk.add_redirect_uri(SANDBOX_ID, STOREFRONT, "not a uri")
            .await,
        Err(desk_core::CoreError::InvalidInput { .. })
    ));
}
