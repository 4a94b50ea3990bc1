//! `POST /oauth2/token` over real HTTP: visitor tokens, renewal, and what is refused.

use serde_json::{Value, json};
use wix_emulator::{EmulatorConfig, SEEDED_APP_IDS};

async fn post(
    base: &url::Url,
    path: &str,
    body: Value,
    admin: Option<&wix_emulator::AdminCredentials>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(base.join(path).unwrap())
        .json(&body);
    if let Some(admin) = admin {
        request = request
            .header("authorization", &admin.api_key)
            .header("wix-site-id", &admin.site_id);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn anonymous_grant_mints_local_visitor_tokens_for_four_hours() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url();
    let (status, body) = post(
        base,
        "oauth2/token",
        json!({"clientId": SEEDED_APP_IDS[0], "grantType": "anonymous"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 14400);
    let claims = claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["role"], "visitor");
    assert_eq!(claims["clientId"], SEEDED_APP_IDS[0]);
    assert!(claims["iss"].as_str().unwrap().contains("not a Wix token"));
    assert!(
        body["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("EMU.refresh.")
    );
}

#[tokio::test]
async fn refresh_renews_the_same_visitor_and_keeps_the_refresh_token() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url();
    let client = SEEDED_APP_IDS[1];
    let (_, first) = post(
        base,
        "oauth2/token",
        json!({"clientId": client, "grantType": "anonymous"}),
        None,
    )
    .await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, renewed) = post(
        base,
        "oauth2/token",
        json!({"clientId": client, "grantType": "refresh_token", "refreshToken": refresh}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["refresh_token"], refresh);
    assert_ne!(renewed["access_token"], first["access_token"]);
    assert_eq!(
        claims(renewed["access_token"].as_str().unwrap())["sub"],
        claims(first["access_token"].as_str().unwrap())["sub"]
    );
    // Another client's refresh token, or a made-up one, is refused.
    for (client_id, token) in [
        (SEEDED_APP_IDS[0], refresh),
        (client, "EMU.refresh.made-up"),
    ] {
        let (status, body) = post(
            base,
            "oauth2/token",
            json!({"clientId": client_id, "grantType": "refresh_token", "refreshToken": token}),
            None,
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["details"]["applicationError"]["code"], "invalid_grant");
    }
}

#[tokio::test]
async fn a_deleted_client_id_stops_working_tokens_and_all() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url();
    let client = SEEDED_APP_IDS[2];
    let (_, tokens) = post(
        base,
        "oauth2/token",
        json!({"clientId": client, "grantType": "anonymous"}),
        None,
    )
    .await;
    let response = reqwest::Client::new()
        .delete(
            base.join(&format!("oauth-app/v1/oauth-apps/{client}"))
                .unwrap(),
        )
        .header("authorization", &emulator.admin().api_key)
        .header("wix-site-id", &emulator.admin().site_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = post(
        base,
        "oauth2/token",
        json!({"clientId": client, "grantType": "anonymous"}),
        None,
    )
    .await;
    assert_eq!(
        (status, body["details"]["applicationError"]["code"].as_str()),
        (400, Some("invalid_client"))
    );
    let (status, _) = post(
        base,
        "oauth2/token",
        json!({"clientId": client, "grantType": "refresh_token", "refreshToken": tokens["refresh_token"]}),
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn missing_fields_and_unknown_grants_are_named() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emulator.base_url();
    for (body, field) in [
        (json!({"clientId": SEEDED_APP_IDS[0]}), "grantType"),
        (json!({"grantType": "anonymous"}), "clientId"),
        (
            json!({"clientId": SEEDED_APP_IDS[0], "grantType": "refresh_token"}),
            "refreshToken",
        ),
    ] {
        let (status, response) = post(base, "oauth2/token", body, None).await;
        assert_eq!(status, 400);
        assert_eq!(
            response["details"]["validationError"]["fieldViolations"][0]["field"], field,
            "{response}"
        );
    }
    // An unknown grant is named the OAuth way (RFC 6749 §5.2).
    let (status, response) = post(
        base,
        "oauth2/token",
        json!({"clientId": SEEDED_APP_IDS[0], "grantType": "password"}),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        response["details"]["applicationError"]["code"],
        "unsupported_grant_type"
    );
}
