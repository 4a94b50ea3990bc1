//! Member sign-in against the emulator over HTTP: the browser login (played here by an HTTP client that submits
//! the hosted login form), custom login, verification, reset, external login, logout, and fault injection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vault::Secret;
use wix_client::callback::{Accepted, DEFAULT_DEADLINE, PendingFlows, Refused, Rejection};
use wix_client::members::{
    CaptchaTokens, DirectAnswer, LoginErrorCode, LoginState, MemberAuth, ResponseMode,
    SessionExchange, SignOnOptions,
};
use wix_client::pkce::OAuthData;
use wix_client::visitor::{Role, VisitorAuth};
use wix_client::{ClientConfig, Error, RequestRecord};
use wix_emulator::test_support::{
    AdminClient, Fault, FaultKind, LoginAction, SettingsPatch, play_login,
};
use wix_emulator::{EmulatorConfig, RunningEmulator, SEEDED_APP_IDS};

const CLIENT: &str = SEEDED_APP_IDS[0];
const REDIRECT: &str = "oauthdesk://callback";

struct Setup {
    emulator: RunningEmulator,
    members: MemberAuth,
    visitor: Secret,
    log: Arc<Mutex<Vec<RequestRecord>>>,
    admin: AdminClient,
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
        backoff: Duration::from_millis(10),
        ..ClientConfig::with_base_url(emulator.base_url().clone())
    };
    let visitor = VisitorAuth::new(config.clone(), CLIENT)
        .unwrap()
        .mint()
        .await
        .unwrap()
        .access_token;
    Setup {
        members: MemberAuth::new(config, CLIENT).unwrap(),
        admin: AdminClient::of(&emulator),
        emulator,
        visitor,
        log,
    }
}

impl Setup {
    fn logged(&self) -> String {
        format!("{:?}", self.log.lock().unwrap())
    }
}

#[tokio::test]
async fn wix_managed_login_through_the_pending_flow_table() {
    let s = setup().await;
    let flows = PendingFlows::new();
    let oauth = OAuthData::generate(REDIRECT);
    let url = s
        .members
        .login_url(&s.visitor, &oauth, ResponseMode::Query, None)
        .await
        .unwrap();
    let state = oauth.state.secret().clone();
    flows.start("flow-1", "sandbox", CLIENT, oauth, DEFAULT_DEADLINE);
    let callback = play_login(url.as_str(), LoginAction::Register, "amy@example.com").await;
    assert!(callback.starts_with("oauthdesk://callback?"));

    // Forged and mistargeted callbacks change nothing; the real one counts once.
    assert_eq!(
        flows
            .accept("oauthdesk://callback?code=x&state=forged")
            .unwrap_err(),
        Rejection::UnknownState.into()
    );
    let elsewhere = callback.replace("oauthdesk://callback", "oauthdesk://evil");
    assert!(matches!(
        flows.accept(&elsewhere),
        Err(Refused {
            rejection: Rejection::WrongTarget { .. },
            ended: None
        })
    ));
    let Accepted { flow, code, .. } = flows.accept(&callback).unwrap();
    assert_eq!(flow.oauth.state.secret(), &state);
    let tokens = s.members.exchange_code(&code, &flow.oauth).await.unwrap();
    assert_eq!(tokens.role, Role::Member);
    assert!(tokens.logged_in());
    assert_eq!(
        flows.accept(&callback).unwrap_err(),
        Rejection::Replayed.into()
    );

    // The exchange is sent once, never retried, and the code is spent.
    let again = s.members.exchange_code(&code, &flow.oauth).await;
    assert!(
        matches!(&again, Err(Error::Wix(e)) if e.code.as_deref() == Some("invalid_grant")),
        "{again:?}"
    );
    let log = s.logged();
    assert!(!log.contains(code.expose()) && !log.contains(&state));
}

#[tokio::test]
async fn a_refused_login_comes_back_as_an_error_callback() {
    let s = setup().await;
    let flows = PendingFlows::new();
    let oauth = OAuthData::generate(REDIRECT);
    let url = s
        .members
        .login_url(&s.visitor, &oauth, ResponseMode::Fragment, None)
        .await
        .unwrap();
    flows.start("flow-2", "sandbox", CLIENT, oauth, DEFAULT_DEADLINE);
    let callback = play_login(url.as_str(), LoginAction::Cancel, "").await;
    let refused = flows.accept(&callback).unwrap_err();
    assert!(
        matches!(&refused.rejection, Rejection::Refused { error, .. } if error == "access_denied"),
        "{refused:?}"
    );
    assert_eq!(refused.ended.as_deref(), Some("flow-2"));
}

#[tokio::test]
async fn custom_login_register_verify_and_session_token_exchange() {
    let s = setup().await;
    let password = Secret::from("pa55word");
    let LoginState::Success { session_token } = s
        .members
        .register(&s.visitor, "ben@example.com", &password, None, None)
        .await
        .unwrap()
    else {
        panic!("registration should succeed")
    };
    let SessionExchange::Tokens(tokens) = s
        .members
        .session_tokens(&s.visitor, &session_token, REDIRECT)
        .await
        .unwrap()
    else {
        panic!("the emulator redirects with a code by default")
    };
    assert!(tokens.logged_in());
    // A session token works once.
    let reused = s
        .members
        .session_tokens(&s.visitor, &session_token, REDIRECT)
        .await;
    assert!(matches!(reused, Err(Error::SignInAgain(_))), "{reused:?}");

    let failure = |state: LoginState| match state {
        LoginState::Failure { code, .. } => code,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_eq!(
        failure(
            s.members
                .register(&s.visitor, "ben@example.com", &password, None, None)
                .await
                .unwrap()
        ),
        Some(LoginErrorCode::EmailAlreadyExists)
    );
    assert_eq!(
        failure(
            s.members
                .login(&s.visitor, "ben@example.com", &Secret::from("wrong"), None)
                .await
                .unwrap()
        ),
        Some(LoginErrorCode::InvalidPassword)
    );
    assert_eq!(
        failure(
            s.members
                .login(&s.visitor, "nobody@example.com", &password, None)
                .await
                .unwrap()
        ),
        Some(LoginErrorCode::InvalidEmail)
    );

    s.admin
        .patch_settings(&SettingsPatch::default().require_email_verification(true))
        .await
        .unwrap();
    let LoginState::EmailVerificationRequired { state_token } = s
        .members
        .register(&s.visitor, "cat@example.com", &password, None, None)
        .await
        .unwrap()
    else {
        panic!("verification should be required")
    };
    let outbox = s.admin.outbox().await.unwrap();
    let code = outbox[0].code.clone().unwrap();
    let wrong = s
        .members
        .verify(&s.visitor, "000000x", &state_token)
        .await
        .unwrap();
    assert!(matches!(wrong, LoginState::Failure { .. }));
    let verified = s
        .members
        .verify(&s.visitor, &code, &state_token)
        .await
        .unwrap();
    assert!(matches!(verified, LoginState::Success { .. }));
    assert!(!s.logged().contains("pa55word"));
}

#[tokio::test]
async fn reset_email_external_login_logout_and_an_unpublished_site() {
    let s = setup().await;
    let password = Secret::from("pa55word");
    s.members
        .register(&s.visitor, "dan@example.com", &password, None, None)
        .await
        .unwrap();
    s.members
        .send_password_reset(&s.visitor, "dan@example.com", "https://shop.example.com/")
        .await
        .unwrap();
    let outbox = s.admin.outbox().await.unwrap();
    assert_eq!(outbox[0].kind, "passwordReset");

    let members = s.admin.members().await.unwrap();
    let id = members[0].id.as_str();
    let key = Secret::new(s.emulator.admin().api_key.clone());
    let tokens = s
        .members
        .external_login(&s.visitor, &key, id)
        .await
        .unwrap();
    assert!(tokens.logged_in());
    let wrong = s
        .members
        .external_login(&s.visitor, &Secret::from("wrong"), id)
        .await;
    assert!(matches!(wrong, Err(Error::Wix(e)) if e.status == 401));
    assert!(!s.logged().contains(s.emulator.admin().api_key.as_str()));

    let logout = s
        .members
        .logout_url(&tokens.access_token, Some("https://shop.example.com/"))
        .await
        .unwrap();
    assert!(logout.path().ends_with("/oauth2/logout"));

    s.admin
        .patch_settings(&SettingsPatch::default().site_published(false))
        .await
        .unwrap();
    let unpublished = s
        .members
        .login_url(
            &s.visitor,
            &OAuthData::generate(REDIRECT),
            ResponseMode::Query,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        unpublished.to_string().contains("publish the site"),
        "{unpublished}"
    );
}

#[tokio::test]
async fn a_renewal_and_a_code_exchange_are_each_sent_once_never_retried() {
    // Under rotation a refresh token is spent by the first request that reaches Wix: a blind retry after a lost
    // or failed answer would replay it. So a renewal that fails is reported, and the caller decides.
    let s = setup().await;
    let counted = Arc::new(Mutex::new(0usize));
    let count = counted.clone();
    let auth = VisitorAuth::new(
        ClientConfig {
            backoff: Duration::from_millis(10),
            observer: Some(Arc::new(move |r: &wix_client::RequestRecord| {
                if r.path == "/oauth2/token" {
                    *count.lock().unwrap() += 1;
                }
            })),
            ..ClientConfig::with_base_url(s.emulator.base_url().clone())
        },
        CLIENT,
    )
    .unwrap();
    let tokens = auth.mint().await.unwrap();
    for fault in [
        FaultKind::status(503),
        FaultKind::Status {
            status: 429,
            retry_after: Some(1),
        },
    ] {
        s.admin
            .inject_fault(&Fault::next("/oauth2/token", fault))
            .await
            .unwrap();
        let before = *counted.lock().unwrap();
        let failed = auth.renew(&tokens).await;
        assert!(
            matches!(&failed, Err(Error::Wix(e)) if e.status >= 429),
            "{failed:?}"
        );
        assert_eq!(*counted.lock().unwrap() - before, 1, "sent exactly once");
    }
    // Nothing was spent by the refused attempts: the next renewal, asked for by the caller, works.
    let renewed = auth.renew(&tokens).await.unwrap();
    assert_ne!(renewed.access_token, tokens.access_token);

    s.admin
        .inject_fault(&Fault::next("/oauth2/token", FaultKind::status(503)))
        .await
        .unwrap();
    let before = s.log.lock().unwrap().len();
    let oauth = OAuthData::generate(REDIRECT);
    let failed = s
        .members
        .exchange_code(&Secret::from("EMU.code.x"), &oauth)
        .await;
    assert!(matches!(failed, Err(Error::Wix(e)) if e.status == 503));
    assert_eq!(s.log.lock().unwrap().len() - before, 1, "sent exactly once");

    s.admin
        .inject_fault(&Fault::next("/oauth2/token", FaultKind::MalformedJson))
        .await
        .unwrap();
    let malformed = s
        .members
        .exchange_code(&Secret::from("EMU.code.x"), &oauth)
        .await;
    assert!(matches!(malformed, Err(Error::Decode(_))), "{malformed:?}");
}

#[tokio::test]
async fn a_session_token_answered_with_a_page_becomes_a_pending_login_its_callback_finishes() {
    let s = setup().await;
    s.admin
        .patch_settings(&SettingsPatch::default().authorize_with_page(true))
        .await
        .unwrap();
    let password = Secret::from("pa55word");
    let LoginState::Success { session_token } = s
        .members
        .register(&s.visitor, "pia@example.com", &password, None, None)
        .await
        .unwrap()
    else {
        panic!("registration should succeed")
    };
    let SessionExchange::NeedsPage(needed) = s
        .members
        .session_tokens(&s.visitor, &session_token, REDIRECT)
        .await
        .unwrap()
    else {
        panic!("the emulator answers with a page")
    };
    assert_eq!(needed.answer, DirectAnswer::Page { status: 200 });
    assert_eq!(needed.oauth.redirect_uri, REDIRECT);
    assert!(needed.url.path().ends_with("/oauth2/authorize"));
    // The app records it as a pending login, opens the URL in a browser, and takes the callback.
    let flows = PendingFlows::new();
    flows.start("page-1", "sandbox", CLIENT, needed.oauth, DEFAULT_DEADLINE);
    let callback = wix_emulator::test_support::play_authorize_page(needed.url.as_str()).await;
    let Accepted { flow, code, .. } = flows.accept(&callback).unwrap();
    let tokens = s.members.exchange_code(&code, &flow.oauth).await.unwrap();
    assert!(tokens.logged_in());
    assert!(!s.logged().contains(session_token.expose()));
}

#[tokio::test]
async fn captcha_tokens_are_sent_as_the_sdk_sends_them_and_a_missing_one_is_named() {
    let s = setup().await;
    s.admin
        .patch_settings(&SettingsPatch::default().require_captcha(true))
        .await
        .unwrap();
    let password = Secret::from("pa55word");
    let failure = |state: LoginState| match state {
        LoginState::Failure { code, .. } => code,
        other => panic!("expected a failure, got {other:?}"),
    };
    let missing = s
        .members
        .register(&s.visitor, "cap@example.com", &password, None, None)
        .await
        .unwrap();
    assert_eq!(failure(missing), Some(LoginErrorCode::MissingCaptchaToken));
    let forged = CaptchaTokens::recaptcha(Secret::from("forged"));
    let invalid = s
        .members
        .register(
            &s.visitor,
            "cap@example.com",
            &password,
            None,
            Some(&forged),
        )
        .await
        .unwrap();
    assert_eq!(failure(invalid), Some(LoginErrorCode::InvalidCaptchaToken));
    let good = CaptchaTokens::recaptcha(Secret::from(wix_emulator::settings::VALID_CAPTCHA_TOKEN));
    let registered = s
        .members
        .register(&s.visitor, "cap@example.com", &password, None, Some(&good))
        .await
        .unwrap();
    assert!(
        matches!(registered, LoginState::Success { .. }),
        "{registered:?}"
    );
    let no_token = s
        .members
        .login(&s.visitor, "cap@example.com", &password, None)
        .await
        .unwrap();
    assert_eq!(failure(no_token), Some(LoginErrorCode::MissingCaptchaToken));
    let invisible = CaptchaTokens {
        recaptcha: None,
        invisible_recaptcha: Some(Secret::from(wix_emulator::settings::VALID_CAPTCHA_TOKEN)),
    };
    let logged_in = s
        .members
        .login(&s.visitor, "cap@example.com", &password, Some(&invisible))
        .await
        .unwrap();
    assert!(
        matches!(logged_in, LoginState::Success { .. }),
        "{logged_in:?}"
    );
}

#[tokio::test]
async fn external_login_with_session_signs_on_then_redeems_the_session_token() {
    let s = setup().await;
    let key = Secret::new(s.emulator.admin().api_key.clone());
    let tokens = s
        .members
        .external_login_with_session(
            &s.visitor,
            &key,
            "sol@example.com",
            &SignOnOptions {
                verify_email: Some(true),
                ..SignOnOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(tokens.logged_in());
    let members = s.admin.members().await.unwrap();
    assert!(
        members
            .iter()
            .any(|m| m.email == "sol@example.com" && m.email_verified)
    );
    let wrong = s
        .members
        .external_login_with_session(
            &s.visitor,
            &Secret::from("wrong"),
            "sol@example.com",
            &SignOnOptions::default(),
        )
        .await;
    assert!(matches!(wrong, Err(Error::Wix(e)) if e.status == 401));
    let log = s.logged();
    assert!(!log.contains(s.emulator.admin().api_key.as_str()));
    assert_eq!(
        log.matches("/_api/iam/authentication/v2/sign-on").count(),
        2
    );

    // Logout without a page to return to sends empty callbacks, which Wix (and the emulator) accepts.
    let logout = s
        .members
        .logout_url(&tokens.access_token, None)
        .await
        .unwrap();
    assert!(logout.path().ends_with("/oauth2/logout"));
}
