//! Visitor tokens and the token session against the emulator.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use vault::Secret;
use wix_client::store::MemoryTokens;
use wix_client::visitor::{Role, TokenSession, Tokens, VisitorAuth};
use wix_client::{ClientConfig, Error, RequestRecord};
use wix_emulator::{EmulatorConfig, SEEDED_APP_IDS};

const CLIENT: &str = SEEDED_APP_IDS[0];

async fn auth_counting(
    emulator: &wix_emulator::RunningEmulator,
) -> (VisitorAuth, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let config = ClientConfig {
        observer: Some(Arc::new(move |r: &RequestRecord| {
            if r.path == "/oauth2/token" {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        })),
        ..ClientConfig::with_base_url(emulator.base_url().clone())
    };
    (VisitorAuth::new(config, CLIENT).unwrap(), count)
}

/// Valid tokens from the emulator, made to look expired.
async fn expired(auth: &VisitorAuth) -> Tokens {
    let mut tokens = auth.mint().await.unwrap();
    tokens.expires_at = Some(chrono::Utc::now() - chrono::Duration::minutes(1));
    tokens
}

fn holding(tokens: Tokens) -> Arc<MemoryTokens> {
    Arc::new(MemoryTokens::holding(Some(tokens)))
}

#[tokio::test]
async fn a_stored_refresh_token_is_reused_before_minting_a_new_visitor() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let (auth, count) = auth_counting(&emulator).await;
    let old = expired(&auth).await;
    let store = holding(old.clone());
    count.store(0, Ordering::SeqCst);
    let session = TokenSession::open(auth, store.clone(), Duration::from_secs(60))
        .await
        .unwrap();
    let tokens = session.visitor().await.unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "one renewal, no new visitor"
    );
    assert_eq!(
        tokens.refresh_token, old.refresh_token,
        "the same visitor (and cart) continues"
    );
    assert_eq!(tokens.role, Role::Visitor);
    assert!(!tokens.logged_in());
    assert!(
        tokens.fresh_for(Duration::from_secs(3 * 3600)),
        "expires_in of 4 hours was applied"
    );
    // Saved back to the store, and Debug never shows a token.
    let saved = store.get().unwrap();
    assert_eq!(saved, tokens);
    assert!(
        Tokens::from_stored(&saved.to_stored()).as_ref() == Some(&tokens),
        "the stored document reads back"
    );
    assert!(!format!("{tokens:?}").contains(tokens.access_token.expose()));
}

#[tokio::test]
async fn a_hundred_callers_with_an_expired_token_cause_exactly_one_refresh() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let (auth, count) = auth_counting(&emulator).await;
    let store = holding(expired(&auth).await);
    count.store(0, Ordering::SeqCst);
    let session = Arc::new(
        TokenSession::open(auth, store, Duration::from_secs(60))
            .await
            .unwrap(),
    );
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap());
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "single-flight: one refresh for 100 callers"
    );
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "every caller got the same fresh token"
    );
}

#[tokio::test]
async fn a_refused_refresh_drops_the_tokens_and_says_sign_in_again() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let (auth, _) = auth_counting(&emulator).await;
    let mut bad = expired(&auth).await;
    bad.refresh_token = Secret::from("EMU.refresh.revoked");
    let store = holding(bad);
    let session = TokenSession::open(auth, store.clone(), Duration::from_secs(60))
        .await
        .unwrap();
    let err = session.access_token().await.unwrap_err();
    assert!(matches!(err, Error::SignInAgain(_)), "{err:?}");
    assert!(err.to_string().contains("sign in again"));
    assert!(session.current().await.is_none());
    assert!(
        store.get().is_none(),
        "the refused tokens are still in the store"
    );
}

#[tokio::test]
async fn a_token_of_unknown_expiry_is_used_until_refused_then_renewed_once() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let (auth, count) = auth_counting(&emulator).await;
    let mut unknown = auth.mint().await.unwrap();
    unknown.expires_at = None;
    let session = Arc::new(
        TokenSession::open(auth, holding(unknown.clone()), Duration::from_secs(60))
            .await
            .unwrap(),
    );
    count.store(0, Ordering::SeqCst);
    assert_eq!(
        session.access_token().await.unwrap(),
        unknown.access_token,
        "no expiry known: no renewal before a refusal"
    );
    assert_eq!(count.load(Ordering::SeqCst), 0);
    // Ten callers saw a 401 with the same token: one renewal, and all get its token.
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let (session, refused) = (session.clone(), unknown.access_token.clone());
            tokio::spawn(async move { session.renew_refused(&refused).await.unwrap() })
        })
        .collect();
    let mut renewed = Vec::new();
    for caller in callers {
        renewed.push(caller.await.unwrap());
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "one renewal for every caller"
    );
    assert!(
        renewed
            .iter()
            .all(|t| *t == renewed[0] && *t != unknown.access_token)
    );
    assert!(
        session.current().await.unwrap().expires_at.is_some(),
        "the renewal's expires_in is known again"
    );
}
