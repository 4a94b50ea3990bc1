//! The OAuth Apps client against the real emulator over HTTP.

use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use wix_client::oauth_apps::{
    OAuthAppFields, OAuthAppsClient, Query, SecretStorage, SortField, SortOrder, Technology,
};
use wix_client::store::MemorySecrets;
use wix_client::{AdminAuth, ClientConfig, Error, RequestRecord};
use wix_emulator::test_support::{AdminClient, Fault, FaultKind};
use wix_emulator::{EmulatorConfig, RunningEmulator, SEEDED_APP_IDS};

struct Setup {
    emulator: RunningEmulator,
    client: OAuthAppsClient,
    auth: AdminAuth,
    log: Arc<Mutex<Vec<RequestRecord>>>,
}

async fn setup() -> Setup {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let config = ClientConfig {
        observer: Some(Arc::new(move |r: &RequestRecord| {
            sink.lock().unwrap().push(r.clone())
        })),
        ..ClientConfig::with_base_url(emulator.base_url().clone())
    };
    let client = OAuthAppsClient::new(config).unwrap();
    let admin = emulator.admin();
    let auth = AdminAuth::site(admin.api_key.clone().into(), &admin.site_id);
    Setup {
        emulator,
        client,
        auth,
        log,
    }
}

#[tokio::test]
async fn create_puts_the_secret_in_the_vault_before_returning() {
    let s = setup().await;
    let vault = MemorySecrets::default();
    let mut fields = OAuthAppFields::named("Storefront");
    fields.allowed_redirect_uris = vec!["oauthdesk://callback".into()];
    let created = s
        .client
        .create_and_store(&s.auth, &fields, &vault)
        .await
        .unwrap();
    assert_eq!(created.storage, SecretStorage::Saved);
    let saved = vault.get(&created.app.id).unwrap();
    assert_eq!(
        Some(saved.expose()),
        created.secret.as_ref().map(|s| s.expose())
    );
    assert!(saved.expose().starts_with("emu-secret-"));
    let got = s.client.get(&s.auth, &created.app.id).await.unwrap();
    assert_eq!(got.fields, created.app.fields);
    assert!(got.created_date.is_some());
}

#[tokio::test]
async fn a_refusing_vault_still_hands_back_the_secret() {
    let s = setup().await;
    let created = s
        .client
        .create_and_store(
            &s.auth,
            &OAuthAppFields::named("Kept"),
            &MemorySecrets::refusing(),
        )
        .await
        .unwrap();
    assert!(
        matches!(created.storage, SecretStorage::NotSaved(ref reason) if reason.contains("locked"))
    );
    assert!(
        created.secret.is_some(),
        "the secret must not be dropped when the vault refuses it"
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let s = setup().await;
    let mut fields = OAuthAppFields::named("x");
    fields.allowed_redirect_uris = (0..21).map(|i| format!("https://a.dev/{i}")).collect();
    let err = s.client.create(&s.auth, &fields).await.unwrap_err();
    let named: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(named, ["name", "allowedRedirectUris"]);
    assert!(s.log.lock().unwrap().is_empty(), "a request was sent");
}

#[tokio::test]
async fn query_sorts_pages_filters_and_streams_every_page() {
    let s = setup().await;
    for i in 0..150 {
        s.client
            .create(&s.auth, &OAuthAppFields::named(&format!("Bulk {i:03}")))
            .await
            .unwrap();
    }
    let page = s
        .client
        .query(
            &s.auth,
            &Query {
                sort: Some((SortField::Name, SortOrder::Desc)),
                offset: 0,
                limit: 3,
                id: None,
            },
        )
        .await
        .unwrap();
    let names: Vec<&str> = page.apps.iter().map(|a| a.fields.name.as_str()).collect();
    assert_eq!(
        names,
        ["Storefront (Next.js)", "Mobile shop", "Internal tools"]
    );
    assert_eq!(page.total, Some(154));
    let one = s
        .client
        .query(
            &s.auth,
            &Query {
                id: Some(SEEDED_APP_IDS[1].into()),
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(one.apps.len(), 1);
    let all: Vec<_> = s
        .client
        .all(&s.auth, Some((SortField::CreatedDate, SortOrder::Asc)))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 154);
    assert_eq!(
        all[0].fields.name, "Storefront (Next.js)",
        "the oldest seeded app comes first"
    );
}

#[tokio::test]
async fn update_sends_only_changed_fields_so_others_edits_survive() {
    let s = setup().await;
    let stored = s.client.get(&s.auth, SEEDED_APP_IDS[2]).await.unwrap();
    // Someone else changes the description meanwhile.
    let mut theirs = stored.fields.clone();
    theirs.description = "changed elsewhere".into();
    s.client.update(&s.auth, &stored, &theirs).await.unwrap();
    // We change the technology from our (stale) copy.
    let mut ours = stored.fields.clone();
    ours.technology = Technology::React;
    let updated = s.client.update(&s.auth, &stored, &ours).await.unwrap();
    assert_eq!(updated.fields.technology, Technology::React);
    assert_eq!(
        updated.fields.description, "changed elsewhere",
        "an unchanged field was sent and reverted"
    );
    // No change: no request.
    let before = s.log.lock().unwrap().len();
    let same = s
        .client
        .update(&s.auth, &updated, &updated.fields)
        .await
        .unwrap();
    assert_eq!(same, updated);
    assert_eq!(s.log.lock().unwrap().len(), before);
}

#[tokio::test]
async fn delete_then_get_is_not_found_with_advice() {
    let s = setup().await;
    s.client.delete(&s.auth, SEEDED_APP_IDS[3]).await.unwrap();
    match s.client.get(&s.auth, SEEDED_APP_IDS[3]).await {
        Err(Error::Wix(e)) => {
            assert_eq!(e.status, 404);
            assert!(e.request_id.is_some());
            assert!(e.to_string().contains("refresh the list"));
        }
        other => panic!("expected a 404, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_key_says_to_check_the_key_and_never_shows_it() {
    let s = setup().await;
    let bad = AdminAuth::site("IST.wrong-key-123".into(), &s.emulator.admin().site_id);
    let err = s.client.query(&bad, &Query::default()).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("401") && message.contains("check the API key"),
        "{message}"
    );
    assert!(!message.contains("wrong-key-123"));
    let wrong_site = AdminAuth::site(
        s.emulator.admin().api_key.clone().into(),
        "00000000-0000-4000-8000-0000000000ff",
    );
    let message = s
        .client
        .query(&wrong_site, &Query::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("Manage OAuth Apps"), "{message}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error_and_a_lost_create_is_not_retried() {
    // A server that accepts connections and drops them without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let config = ClientConfig {
        retries: 0,
        ..ClientConfig::with_base_url(format!("http://{addr}/").parse().unwrap())
    };
    let client = OAuthAppsClient::new(config).unwrap();
    let auth = AdminAuth::site("IST.key-for-drop-test".into(), "site");
    let err = client
        .create_and_store(
            &auth,
            &OAuthAppFields::named("Lost"),
            &MemorySecrets::default(),
        )
        .await
        .unwrap_err();
    match &err {
        Error::CreateOutcomeUnknown { found: None } => {}
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
    assert!(err.to_string().contains("answer was lost"));
    // One create attempt and one look-up query: the create was not sent twice.
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_request_log_has_paths_and_statuses_but_no_secrets() {
    let s = setup().await;
    let vault = MemorySecrets::default();
    let created = s
        .client
        .create_and_store(&s.auth, &OAuthAppFields::named("Logged"), &vault)
        .await
        .unwrap();
    s.client.get(&s.auth, &created.app.id).await.unwrap();
    let log = format!("{:?}", s.log.lock().unwrap());
    let secret = created.secret.unwrap();
    assert!(log.contains("/oauth-app/v1/oauth-apps"));
    for hidden in [
        secret.expose(),
        s.emulator.admin().api_key.as_str(),
        "oAuthAppId",
    ] {
        assert!(
            !log.contains(hidden),
            "{hidden} leaked into the request log"
        );
    }
}

/// Arm a fault on the emulator (emulator-only route).
async fn arm(emulator: &RunningEmulator, fault: Fault) {
    AdminClient::of(emulator)
        .inject_fault(&fault)
        .await
        .unwrap();
}

#[tokio::test]
async fn injected_faults_a_dropped_create_is_found_not_repeated_and_reads_are_retried() {
    let s = setup().await;
    let vault = MemorySecrets::default();
    // The create happens on the server, but its answer breaks mid-body.
    arm(
        &s.emulator,
        Fault::next("/oauth-app/v1/oauth-apps", FaultKind::Drop).only_method("POST"),
    )
    .await;
    let err = s
        .client
        .create_and_store(&s.auth, &OAuthAppFields::named("Dropped answer"), &vault)
        .await
        .unwrap_err();
    let Error::CreateOutcomeUnknown { found: Some(id) } = &err else {
        panic!("expected the lost create to be found, got {err:?}");
    };
    assert!(err.to_string().contains("could not be recovered"));
    let page = s
        .client
        .query(
            &s.auth,
            &Query {
                limit: 100,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    let named: Vec<_> = page
        .apps
        .iter()
        .filter(|a| a.fields.name == "Dropped answer")
        .collect();
    assert_eq!(
        named.len(),
        1,
        "exactly one app: the create was not sent again"
    );
    assert_eq!(&named[0].id, id);
    let creates = s
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/oauth-app/v1/oauth-apps")
        .count();
    assert_eq!(creates, 1);

    // Reads ride out 5xx, 429 + Retry-After and malformed JSON.
    for fault in [
        FaultKind::status(502),
        FaultKind::Status {
            status: 429,
            retry_after: Some(1),
        },
        FaultKind::MalformedJson,
    ] {
        let path = format!("/oauth-app/v1/oauth-apps/{}", SEEDED_APP_IDS[0]);
        arm(&s.emulator, Fault::next(&path, fault)).await;
        let app = s.client.get(&s.auth, SEEDED_APP_IDS[0]).await.unwrap();
        assert_eq!(app.id, SEEDED_APP_IDS[0]);
    }

    // A create that times out is not retried either, and the secret is never in the log.
    arm(
        &s.emulator,
        Fault::next("/oauth-app/v1/oauth-apps", FaultKind::Latency { ms: 1500 })
            .only_method("POST"),
    )
    .await;
    let impatient = OAuthAppsClient::new(ClientConfig {
        timeout: std::time::Duration::from_millis(500),
        ..ClientConfig::with_base_url(s.emulator.base_url().clone())
    })
    .unwrap();
    let err = impatient
        .create_and_store(&s.auth, &OAuthAppFields::named("Slow answer"), &vault)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CreateOutcomeUnknown { .. }), "{err:?}");
    let log = format!("{:?}", s.log.lock().unwrap());
    assert!(!log.contains("emu-secret-"));
}

#[tokio::test]
async fn generate_secret_keeps_it_before_returning_once_only_and_a_403_names_the_permission() {
    let s = setup().await;
    let vault = MemorySecrets::default();
    let created = s
        .client
        .create_and_store(
            &s.auth,
            &OAuthAppFields::named("Regen"),
            &MemorySecrets::default(),
        )
        .await
        .unwrap();
    let id = created.app.id.clone();
    assert_eq!(created.app.allow_secret_generation, Some(true));
    let generated = s
        .client
        .generate_secret_and_store(&s.auth, &id, &vault)
        .await
        .unwrap();
    assert_eq!(generated.storage, SecretStorage::Saved);
    assert!(!generated.recovered);
    assert_eq!(vault.get(&id).as_ref(), Some(&generated.secret));
    assert_ne!(Some(&generated.secret), created.secret.as_ref());
    assert_eq!(
        s.client.get_secret(&s.auth, &id).await.unwrap(),
        generated.secret,
        "Wix holds the new secret; the old one stopped working"
    );
    let app = s.client.get(&s.auth, &id).await.unwrap();
    assert_eq!(app.allow_secret_generation, Some(false));
    // Once only: the second is Wix's refusal, and the kept secret is untouched.
    let again = s
        .client
        .generate_secret_and_store(&s.auth, &id, &vault)
        .await;
    assert!(
        matches!(&again, Err(Error::Wix(e)) if e.status == 428),
        "{:?}",
        again.err()
    );
    assert_eq!(vault.get(&id).as_ref(), Some(&generated.secret));

    // A key without the permission (here: not for this site) gets an error naming it.
    let other_site = AdminAuth::site(
        s.emulator.admin().api_key.clone().into(),
        "00000000-0000-4000-8000-00000000beef",
    );
    let refused = s
        .client
        .generate_secret_and_store(&other_site, SEEDED_APP_IDS[1], &vault)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(&refused, Error::MissingPermission { permission, .. } if permission.contains("OAUTH_APP.APP_UPDATE")),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("OAUTH_APP.APP_UPDATE"),
        "{refused}"
    );
    let unreadable = s
        .client
        .get_secret(&other_site, SEEDED_APP_IDS[1])
        .await
        .unwrap_err();
    assert!(
        unreadable
            .to_string()
            .contains("headless:v1:o_auth_app:get_o_auth_app_secret"),
        "{unreadable}"
    );
    assert!(vault.get(SEEDED_APP_IDS[1]).is_none());
    let log = format!("{:?}", s.log.lock().unwrap());
    assert!(!log.contains(generated.secret.expose()));
}

#[tokio::test]
async fn a_lost_generate_answer_is_never_resent_the_secret_is_read_back_instead() {
    let s = setup().await;
    let vault = MemorySecrets::default();
    let id = SEEDED_APP_IDS[2];
    let path = format!("/oauth-app/v1/oauth-apps/{id}/generate-secret");
    AdminClient::of(&s.emulator)
        .inject_fault(&Fault::next(&path, FaultKind::Drop))
        .await
        .unwrap();
    let generated = s
        .client
        .generate_secret_and_store(&s.auth, id, &vault)
        .await
        .unwrap();
    assert!(generated.recovered, "read back with GET …/secret");
    assert_eq!(vault.get(id).as_ref(), Some(&generated.secret));
    let sent = s
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == path)
        .count();
    assert_eq!(sent, 1, "the generation was sent once");
    // The generation did happen (the emulator ran it before dropping the answer): a second one is refused.
    let exported = AdminClient::of(&s.emulator).oauth_apps().await.unwrap();
    assert!(
        !exported
            .iter()
            .find(|a| a.id == id)
            .unwrap()
            .allow_secret_generation
    );

    // Lost, and unreadable too: the outcome is unknown, said so, and nothing is kept.
    let id = SEEDED_APP_IDS[3];
    let admin = AdminClient::of(&s.emulator);
    admin
        .inject_fault(&Fault::next(
            &format!("/oauth-app/v1/oauth-apps/{id}/generate-secret"),
            FaultKind::Drop,
        ))
        .await
        .unwrap();
    admin
        .inject_fault(
            &Fault::next(
                &format!("/oauth-app/v1/oauth-apps/{id}/secret"),
                FaultKind::status(503),
            )
            .times(5),
        )
        .await
        .unwrap();
    let unknown = s
        .client
        .generate_secret_and_store(&s.auth, id, &vault)
        .await
        .err()
        .expect("unknown outcome");
    assert!(
        matches!(unknown, Error::SecretOutcomeUnknown { .. }),
        "{unknown:?}"
    );
    assert!(vault.get(id).is_none());
}
