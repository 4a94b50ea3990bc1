//! Our side of the wire test (`tests/sdk-conformance/wire/run.mjs`): every operation OAuth Desk performs, made
//! through this crate exactly as `desk-core` calls it, against the recording proxy at `--base`. Before each
//! operation it tells the proxy which one it is (`POST <base>/__wire/label`); what it sends in between (setup,
//! hosted pages, emulator settings) is labelled setup. The operation names and inputs mirror
//! `tests/sdk-conformance/wire/sdk-flows.mjs` and `fixtures.mjs`.
//!
//! ```sh
//! cargo build -p wix-client --example wire_flows   # then run by the wire test, not by hand
//! ```

use clap::Parser;
use serde_json::json;
use url::Url;
use vault::Secret;
use wix_client::members::{
    CaptchaTokens, LoginState, MemberAuth, ResponseMode, SessionExchange, SignOnOptions,
};
use wix_client::oauth_apps::{
    DomainMapping, OAuthAppFields, OAuthAppsClient, Query, SortField, SortOrder,
};
use wix_client::pkce::OAuthData;
use wix_client::store::MemorySecrets;
use wix_client::visitor::VisitorAuth;
use wix_client::wix_apps::{WixAppAuth, installer_url};
use wix_client::{AdminAuth, ClientConfig};
use wix_emulator::test_support::{
    AdminClient, LoginAction, SettingsPatch, agree_to_install, browser, location, play_login,
    query_param,
};
use wix_emulator::wix_apps::{SEEDED_INSTANCE_ID, SEEDED_WIX_APP_ID, SEEDED_WIX_APP_SECRET};
use wix_emulator::{AdminCredentials, SEEDED_APP_IDS};

#[derive(Parser)]
struct Args {
    /// The recording proxy's base URL (it forwards to the emulator).
    #[arg(long)]
    base: Url,
    /// The emulator's admin token, for setup calls.
    #[arg(long)]
    admin_token: String,
}

const CLIENT: &str = SEEDED_APP_IDS[0];
const REDIRECT: &str = "oauthdesk://callback";
const ALLOWED_PAGE: &str = "http://127.0.0.1:5173/callback";

/// Labels what follows on the proxy.
struct Labels {
    http: reqwest::Client,
    url: Url,
}

impl Labels {
    async fn set(&self, side: &str, op: &str) {
        self.http
            .post(self.url.clone())
            .json(&json!({"side": side, "op": op}))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap_or_else(|e| panic!("label {op}: {e}"));
    }

    /// Run `work` labelled as operation `op`.
    async fn op<T>(&self, op: &str, work: impl AsyncFnOnce() -> T) -> T {
        self.set("ours", op).await;
        let out = work().await;
        self.set("setup", "setup").await;
        out
    }
}

fn full(name: &str) -> OAuthAppFields {
    OAuthAppFields {
        name: name.into(),
        description: "Made by the wire test".into(),
        allowed_redirect_uris: vec!["https://shop.example.com/callback".into()],
        allowed_redirect_domains: vec!["shop.example.com".into()],
        login_url: Some("https://shop.example.com/login".into()),
        logout_url: Some("https://shop.example.com/logout".into()),
        application_type: "WEB_APP".into(),
        technology: "REACT".into(),
        wix_pages_domains_mappings: vec![DomainMapping {
            origin: "shop.example.com".into(),
            destination: "shop.wixsite.com".into(),
        }],
        redirect_url_wix_pages: Some("https://shop.example.com/wix".into()),
    }
}

fn unique(name: &str) -> String {
    format!("{name}-{}@example.com", uuid())
}

fn uuid() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().r#gen::<u64>())
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let labels = Labels {
        http: reqwest::Client::new(),
        url: args.base.join("__wire/label").expect("a URL"),
    };
    let emulator = AdminClient::new(&args.base).with_token(&args.admin_token);
    let config = ClientConfig::with_base_url(args.base.clone());
    admin_flows(&labels, &config).await;
    member_flows(&labels, &config, &emulator).await;
    app_flows(&labels, &config, &emulator, &args.base).await;
}

async fn admin_flows(labels: &Labels, config: &ClientConfig) {
    let creds = AdminCredentials::sandbox();
    let site = AdminAuth::site(Secret::new(creds.api_key.clone()), &creds.site_id);
    let account = AdminAuth::account(Secret::new(creds.api_key.clone()), &creds.account_id);
    let client = OAuthAppsClient::new(config.clone()).unwrap();
    let sink = MemorySecrets::default();
    let created = labels
        .op("oauthApps.create", async || {
            client
                .create_and_store(&site, &full("Wire ours"), &sink)
                .await
        })
        .await
        .expect("create");
    let id = created.app.id.clone();
    let got = labels
        .op("oauthApps.get", async || client.get(&site, &id).await)
        .await
        .expect("get");
    labels
        .op("oauthApps.query", async || {
            client.query(&site, &Query::default()).await
        })
        .await
        .expect("query");
    let sorted = Query {
        sort: Some((SortField::CreatedDate, SortOrder::Desc)),
        offset: 20,
        limit: 20,
        ..Query::default()
    };
    labels
        .op("oauthApps.query.sorted", async || {
            client.query(&site, &sorted).await
        })
        .await
        .expect("sorted query");
    let by_id = Query {
        id: Some(id.clone()),
        ..Query::default()
    };
    labels
        .op("oauthApps.query.byId", async || {
            client.query(&site, &by_id).await
        })
        .await
        .expect("query by ID");
    // The desk's connection check: one app, for an account-level project.
    let one = Query {
        limit: 1,
        ..Query::default()
    };
    labels
        .op("oauthApps.query.account", async || {
            client.query(&account, &one).await
        })
        .await
        .expect("account query");
    let mut edited = got.fields.clone();
    edited.name = "Wire ours 2".into();
    edited.login_url = Some("https://shop.example.com/login2".into());
    labels
        .op("oauthApps.update", async || {
            client.update(&site, &got, &edited).await
        })
        .await
        .expect("update");
    labels
        .op("oauthApps.generateSecret", async || {
            client.generate_secret_and_store(&site, &id, &sink).await
        })
        .await
        .expect("generate secret");
    labels
        .op("oauthApps.getSecret", async || {
            client.get_secret(&site, &id).await
        })
        .await
        .expect("get secret");
    labels
        .op("oauthApps.delete", async || client.delete(&site, &id).await)
        .await
        .expect("delete");
}

async fn member_flows(labels: &Labels, config: &ClientConfig, emulator: &AdminClient) {
    let visitors = VisitorAuth::new(config.clone(), CLIENT).unwrap();
    let members = MemberAuth::new(config.clone(), CLIENT).unwrap();
    let visitor = labels
        .op("token.anonymous", async || visitors.mint().await)
        .await
        .expect("visitor tokens");
    labels
        .op("token.refresh", async || visitors.renew(&visitor).await)
        .await
        .expect("renewal");
    let caller = visitor.access_token.clone();

    // The desk's Wix-managed login: a redirect session for the system browser.
    labels
        .op("login.authUrl", async || {
            members
                .login_url(
                    &caller,
                    &OAuthData::generate(REDIRECT),
                    ResponseMode::Query,
                    None,
                )
                .await
        })
        .await
        .expect("login URL");

    let email = unique("wire-ours");
    let password = Secret::from("pa55word");
    let registered = labels
        .op("member.register", async || {
            members
                .register(&caller, &email, &password, None, None)
                .await
        })
        .await
        .expect("register");
    let LoginState::Success { session_token } = registered else {
        panic!("registration: {registered:?}")
    };
    let captcha = CaptchaTokens::recaptcha(Secret::from("t"));
    labels
        .op("member.register.captcha", async || {
            members
                .register(
                    &caller,
                    &unique("wire-cap"),
                    &password,
                    None,
                    Some(&captcha),
                )
                .await
        })
        .await
        .expect("register with captcha");
    labels
        .op("member.login", async || {
            members.login(&caller, &email, &password, None).await
        })
        .await
        .expect("login");
    let both = CaptchaTokens {
        recaptcha: Some(Secret::from("t")),
        invisible_recaptcha: Some(Secret::from("i")),
    };
    labels
        .op("member.login.captcha", async || {
            members.login(&caller, &email, &password, Some(&both)).await
        })
        .await
        .expect("login with captcha");
    let exchanged = labels
        .op("member.directLogin", async || {
            members
                .session_tokens(&caller, &session_token, REDIRECT)
                .await
        })
        .await
        .expect("session token exchange");
    assert!(matches!(exchanged, SessionExchange::Tokens(_)));

    emulator
        .patch_settings(&SettingsPatch::default().require_email_verification(true))
        .await
        .unwrap();
    let LoginState::EmailVerificationRequired { state_token } = members
        .register(&caller, &unique("wire-verify"), &password, None, None)
        .await
        .unwrap()
    else {
        panic!("verification should be required")
    };
    let code = emulator
        .outbox()
        .await
        .unwrap()
        .pop()
        .unwrap()
        .code
        .unwrap();
    labels
        .op("member.verify", async || {
            members.verify(&caller, &code, &state_token).await
        })
        .await
        .expect("verify");
    emulator
        .patch_settings(&SettingsPatch::default().require_email_verification(false))
        .await
        .unwrap();

    let oauth = OAuthData::generate(REDIRECT);
    let url = members
        .login_url(&caller, &oauth, ResponseMode::Query, None)
        .await
        .unwrap();
    let callback = play_login(url.as_str(), LoginAction::Register, &unique("wire-page")).await;
    let code = query_param(&Url::parse(&callback).unwrap(), "code").expect("a code");
    let member = labels
        .op("token.authorizationCode", async || {
            members.exchange_code(&Secret::new(code), &oauth).await
        })
        .await
        .expect("code exchange");

    labels
        .op("member.sendPasswordReset", async || {
            members
                .send_password_reset(&caller, &email, ALLOWED_PAGE)
                .await
        })
        .await
        .expect("reset email");

    let api_key = Secret::new(AdminCredentials::sandbox().api_key);
    let member_id = emulator
        .members()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.email == email)
        .unwrap()
        .id;
    labels
        .op("member.externalLogin", async || {
            members.external_login(&caller, &api_key, &member_id).await
        })
        .await
        .expect("external login");
    labels
        .op("member.externalLoginWithSession", async || {
            members
                .external_login_with_session(
                    &caller,
                    &api_key,
                    &unique("wire-signon"),
                    &SignOnOptions::default(),
                )
                .await
        })
        .await
        .expect("external login with session");

    labels
        .op("member.logout", async || {
            members
                .logout_url(&member.access_token, Some(ALLOWED_PAGE))
                .await
        })
        .await
        .expect("logout");
    labels
        .op("member.logout.noReturn", async || {
            members.logout_url(&member.access_token, None).await
        })
        .await
        .expect("logout without a page to return to");
}

async fn app_flows(labels: &Labels, config: &ClientConfig, emulator: &AdminClient, base: &Url) {
    let app = WixAppAuth::new(
        config.clone(),
        SEEDED_WIX_APP_ID,
        Secret::from(SEEDED_WIX_APP_SECRET),
    )
    .unwrap();
    labels
        .op("app.clientCredentials", async || {
            app.basic_token(SEEDED_INSTANCE_ID).await
        })
        .await
        .expect("basic token");

    let redirect_url = "http://127.0.0.1:9/redirect";
    emulator
        .update_wix_app(
            SEEDED_WIX_APP_ID,
            &wix_emulator::test_support::WixAppPatch {
                app_url: Some("http://127.0.0.1:9/app".into()),
                redirect_url: Some(redirect_url.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let app_url = emulator.add_wix_app(SEEDED_WIX_APP_ID).await.unwrap();
    let token = query_param(&app_url, "token").expect("an install token");
    let installer = installer_url(base, &token, SEEDED_WIX_APP_ID, redirect_url, "wire");
    let http = browser();
    let consented = agree_to_install(&http, &installer).await;
    let callback = location(&installer, &consented).expect("a redirect to the Redirect URL");
    let code = query_param(&callback, "code").expect("a code");
    let token = labels
        .op("app.accessCode", async || {
            app.exchange_code(&Secret::new(code)).await
        })
        .await
        .expect("code exchange");
    let refresh = token.refresh_token.clone().expect("a refresh token");
    let renewed = labels
        .op("app.refresh", async || app.refresh(&refresh).await)
        .await
        .expect("refresh");
    labels
        .op("app.finishedConfiguration", async || {
            app.send_finished_configuration(&renewed.access_token).await
        })
        .await
        .expect("finished-configuration BI event");
}
