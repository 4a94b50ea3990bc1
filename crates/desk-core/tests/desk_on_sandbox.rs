//! The desk's OAuth app operations on its own sandbox emulator, with an in-memory vault.

use std::sync::Arc;

use desk_core::Desk;
use desk_core::oauth_apps::{AppsQuery, OAuthAppFields, SecretStorage, SortField, SortOrder};
use desk_core::projects::SANDBOX_ID;
use vault::MemoryStore;

async fn desk(vault: Arc<MemoryStore>) -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Desk::open(dir.path(), vault).await.unwrap(), dir)
}

fn fields(name: &str) -> OAuthAppFields {
    OAuthAppFields {
        name: name.into(),
        application_type: "WEB_APP".into(),
        technology: "VUE".into(),
        allowed_redirect_uris: vec!["oauthdesk://callback".into()],
        ..OAuthAppFields::default()
    }
}

#[tokio::test]
async fn create_records_the_saved_secret_and_delete_removes_it() {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault.clone()).await;
    let created = desk
        .create_app(SANDBOX_ID, &fields("Desk app"))
        .await
        .unwrap();
    assert_eq!(created.storage, SecretStorage::Saved);
    assert!(created.app.secret_saved);
    let secret = desk
        .saved_secret(SANDBOX_ID, &created.app.id)
        .await
        .unwrap();
    assert_eq!(Some(secret.expose()), created.secret.as_deref());
    let query = AppsQuery {
        sort: SortField::Name,
        order: SortOrder::Asc,
        offset: 0,
        limit: 10,
        client_id: Some(created.app.id.clone()),
    };
    let page = desk.query_apps(SANDBOX_ID, &query).await.unwrap();
    assert_eq!(page.apps.len(), 1);
    assert!(page.apps[0].secret_saved);

    desk.delete_app(SANDBOX_ID, &created.app.id).await.unwrap();
    assert!(
        vault.names().is_empty(),
        "the saved secret outlived its app: {:?}",
        vault.names()
    );
    let page = desk.query_apps(SANDBOX_ID, &query).await.unwrap();
    assert!(page.apps.is_empty());
    let ledger = std::fs::read_to_string(_dir.path().join("keyring-entries.json")).unwrap();
    assert!(
        !ledger.contains(&created.app.id),
        "the ledger still lists the deleted secret: {ledger}"
    );
}

#[tokio::test]
async fn update_sends_only_what_the_user_changed() {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault).await;
    let created = desk
        .create_app(SANDBOX_ID, &fields("Before"))
        .await
        .unwrap();
    let original = created.app.fields.clone();
    let mut edited = original.clone();
    edited.login_url = "https://shop.example.com/login".into();
    let updated = desk
        .update_app(SANDBOX_ID, &created.app.id, &original, &edited)
        .await
        .unwrap();
    assert_eq!(updated.fields, edited);
    // No change: the app as it is comes back.
    let same = desk
        .update_app(SANDBOX_ID, &created.app.id, &edited, &edited)
        .await
        .unwrap();
    assert_eq!(same.fields, edited);
}

#[tokio::test]
async fn validation_matches_the_client_and_reset_restores_the_seed() {
    let vault = Arc::new(MemoryStore::default());
    let (desk, _dir) = desk(vault.clone()).await;
    let errors = Desk::validate(&OAuthAppFields {
        name: "x".into(),
        login_url: "nope".into(),
        ..OAuthAppFields::default()
    });
    let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(named, ["name", "loginUrl"]);
    desk.create_app(SANDBOX_ID, &fields("Extra")).await.unwrap();
    desk.reset_sandbox().await.unwrap();
    let all = AppsQuery {
        sort: SortField::Default,
        order: SortOrder::Asc,
        offset: 0,
        limit: 100,
        client_id: None,
    };
    assert_eq!(
        desk.query_apps(SANDBOX_ID, &all).await.unwrap().total,
        Some(4)
    );
    assert!(vault.names().is_empty());
    assert!(desk.test_connection(SANDBOX_ID).await.unwrap().oauth_apps == Some(4));
}
