//! The OAuth Apps API over real HTTP: success and failure cases, in Wix's shapes.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wix_emulator::test_support::AdminClient;
use wix_emulator::{EmulatorConfig, RunningEmulator, SEEDED_APP_IDS};

struct Api {
    emulator: RunningEmulator,
    http: reqwest::Client,
}

impl Api {
    async fn start() -> Self {
        Self::with(EmulatorConfig::default()).await
    }

    async fn with(config: EmulatorConfig) -> Self {
        Self {
            emulator: wix_emulator::start(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        self.emulator.base_url().join(path).unwrap().to_string()
    }

    fn admin(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let admin = self.emulator.admin();
        request
            .header("authorization", &admin.api_key)
            .header("wix-site-id", &admin.site_id)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.admin(self.http.request(method, self.url(path)));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.headers().contains_key("x-wix-request-id"));
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn create(&self, app: Value) -> (StatusCode, Value) {
        self.call(
            reqwest::Method::POST,
            "oauth-app/v1/oauth-apps",
            Some(json!({ "oAuthApp": app })),
        )
        .await
    }

    async fn query(&self, query: Value) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "oauth-app/v1/oauth-apps/query",
                Some(json!({ "query": query })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn names(page: &Value) -> Vec<String> {
    page["oAuthApps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn create_returns_the_secret_once_and_reads_never_do() {
    let api = Api::start().await;
    let (status, body) = api
        .create(json!({"name": "Shop", "applicationType": "WEB_APP", "technology": "REACT", "allowedRedirectUris": ["https://shop.dev/cb"]}))
        .await;
    assert_eq!(status, 200, "{body}");
    let app = &body["oAuthApp"];
    let id = app["id"].as_str().unwrap();
    assert!(app["secret"].as_str().unwrap().starts_with("emu-secret-"));
    assert!(app["createdDate"].as_str().unwrap().ends_with('Z'));
    let (status, got) = api
        .call(
            reqwest::Method::GET,
            &format!("oauth-app/v1/oauth-apps/{id}?oAuthAppId={id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["oAuthApp"]["name"], "Shop");
    assert!(got["oAuthApp"].get("secret").is_none());
    // GetOAuthAppSecret (newer @wix/auth-management) reads it back on purpose.
    let (status, secret) = api
        .call(
            reqwest::Method::GET,
            &format!("oauth-app/v1/oauth-apps/{id}/secret"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(secret["oAuthAppSecret"], app["secret"]);
    let listed = api.query(json!({"filter": {"id": {"$eq": id}}})).await;
    assert_eq!(names(&listed), ["Shop"]);
    assert!(listed["oAuthApps"][0].get("secret").is_none());
}

#[tokio::test]
async fn query_sorts_pages_and_filters() {
    let api = Api::start().await;
    let all = api.query(json!({})).await;
    assert_eq!(
        all["pagingMetadata"],
        json!({"count": 4, "offset": 0, "total": 4})
    );
    // default order: id descending
    let ids: Vec<&str> = all["oAuthApps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = SEEDED_APP_IDS.to_vec();
    expected.reverse();
    assert_eq!(ids, expected);

    let by_name = api
        .query(json!({"sort": [{"fieldName": "name", "order": "ASC"}]}))
        .await;
    assert_eq!(
        names(&by_name),
        [
            "Booking widget",
            "Internal tools",
            "Mobile shop",
            "Storefront (Next.js)"
        ]
    );
    let newest = api.query(json!({"sort": [{"fieldName": "createdDate", "order": "DESC"}], "paging": {"offset": 1, "limit": 2}})).await;
    assert_eq!(names(&newest), ["Booking widget", "Mobile shop"]);
    assert_eq!(
        newest["pagingMetadata"],
        json!({"count": 2, "offset": 1, "total": 4})
    );
    let one = api
        .query(json!({"filter": {"id": SEEDED_APP_IDS[1]}}))
        .await;
    assert_eq!(names(&one), ["Mobile shop"]);
}

#[tokio::test]
async fn query_rejects_what_the_api_does_not_support() {
    let api = Api::start().await;
    for (query, field) in [
        (json!({"filter": {"name": "x"}}), "query.filter"),
        (
            json!({"sort": [{"fieldName": "technology"}]}),
            "query.sort.fieldName",
        ),
        (json!({"paging": {"limit": 101}}), "query.paging.limit"),
    ] {
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "oauth-app/v1/oauth-apps/query",
                Some(json!({ "query": query })),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(
            body["details"]["validationError"]["fieldViolations"][0]["field"], field,
            "{body}"
        );
    }
}

#[tokio::test]
async fn update_changes_only_masked_fields_in_either_mask_form() {
    let api = Api::start().await;
    let id = SEEDED_APP_IDS[2];
    let path = format!("oauth-app/v1/oauth-apps/{id}");
    let (status, body) = api
        .call(reqwest::Method::PATCH, &path, Some(json!({"oAuthApp": {"id": id, "name": "Renamed", "description": "ignored"}, "mask": "name"})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["oAuthApp"]["name"], "Renamed");
    assert_eq!(
        body["oAuthApp"]["description"],
        "Seeded by the sandbox: Booking widget"
    );
    let (_, body) = api
        .call(reqwest::Method::PATCH, &path, Some(json!({"oAuthApp": {"loginUrl": "https://b.dev/login"}, "mask": {"paths": ["loginUrl"]}})))
        .await;
    assert_eq!(body["oAuthApp"]["loginUrl"], "https://b.dev/login");
    assert_eq!(body["oAuthApp"]["name"], "Renamed");
    // no mask: nothing changes
    let (status, body) = api
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"oAuthApp": {"name": "Nope"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["oAuthApp"]["name"], "Renamed");
    // unknown field in the mask
    let (status, body) = api
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"oAuthApp": {}, "mask": "secret"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["validationError"]["fieldViolations"][0]["field"],
        "mask"
    );
}

#[tokio::test]
async fn validation_names_each_bad_field() {
    let api = Api::start().await;
    let uris: Vec<String> = (0..21).map(|i| format!("https://x.dev/{i}")).collect();
    let (status, body) = api
        .create(json!({"name": "x", "allowedRedirectUris": uris, "loginUrl": "ftp://x", "technology": "COBOL"}))
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = body["details"]["validationError"]["fieldViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "oAuthApp.name",
            "oAuthApp.allowedRedirectUris",
            "oAuthApp.loginUrl",
            "oAuthApp.technology"
        ]
    );
    let (status, _) = api
        .create(json!({"name": "ok name", "allowedRedirectUris": ["not a uri"]}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        api.query(json!({})).await["pagingMetadata"]["total"],
        4,
        "nothing was created"
    );
}

#[tokio::test]
async fn delete_removes_the_app_and_a_second_delete_is_not_found() {
    let api = Api::start().await;
    let path = format!("oauth-app/v1/oauth-apps/{}", SEEDED_APP_IDS[0]);
    let (status, body) = api.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let (status, body) = api.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["details"]["applicationError"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn admin_auth_rejects_missing_or_wrong_keys_and_sites() {
    let api = Api::start().await;
    let url = api.url("oauth-app/v1/oauth-apps/query");
    let admin = api.emulator.admin().clone();
    let cases = [
        (None, Some(admin.site_id.clone()), None, 401),
        (
            Some("wrong".to_owned()),
            Some(admin.site_id.clone()),
            None,
            401,
        ),
        (
            Some(admin.api_key.clone()),
            Some("00000000-0000-4000-8000-0000000000ff".to_owned()),
            None,
            403,
        ),
        (Some(admin.api_key.clone()), None, None, 403),
        (
            Some(admin.api_key.clone()),
            None,
            Some(admin.account_id.clone()),
            200,
        ),
    ];
    for (key, site, account, expected) in cases {
        let mut request = api.http.post(&url).json(&json!({"query": {}}));
        if let Some(key) = &key {
            request = request.header("authorization", key);
        }
        if let Some(site) = &site {
            request = request.header("wix-site-id", site);
        }
        if let Some(account) = &account {
            request = request.header("wix-account-id", account);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            expected,
            "{key:?} {site:?} {account:?}"
        );
        if expected != 200 {
            let body: Value = response.json().await.unwrap();
            assert!(
                body["details"]["applicationError"]["code"].is_string(),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn malformed_json_gets_a_wix_shaped_400() {
    let api = Api::start().await;
    let response = api
        .admin(api.http.post(api.url("oauth-app/v1/oauth-apps")))
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["details"]["applicationError"]["code"],
        "INVALID_ARGUMENT"
    );
}

#[tokio::test]
async fn state_persists_to_its_file_and_reset_restores_the_seed() {
    let dir = std::env::temp_dir().join(format!("wix-emulator-test-{}", std::process::id()));
    let path = dir.join("state.json");
    let _ = std::fs::remove_dir_all(&dir);
    let config = EmulatorConfig {
        data_path: Some(path.clone()),
        ..EmulatorConfig::default()
    };
    let api = Api::with(config.clone()).await;
    let (_, body) = api.create(json!({"name": "Persisted"})).await;
    let id = body["oAuthApp"]["id"].as_str().unwrap().to_owned();
    let secret = body["oAuthApp"]["secret"].as_str().unwrap().to_owned();
    let secret_path = format!("oauth-app/v1/oauth-apps/{id}/secret");
    let (status, read) = api.call(reqwest::Method::GET, &secret_path, None).await;
    assert_eq!(
        (status, read["oAuthAppSecret"].as_str()),
        (StatusCode::OK, Some(secret.as_str()))
    );
    api.emulator.shutdown().await;
    // The file holds no issued secret (they stay in memory), only the seeded apps' public demo ones are derivable.
    let file = std::fs::read_to_string(&path).unwrap();
    assert!(
        !file.contains(&secret),
        "the state file holds a client secret"
    );
    assert!(
        !file.contains("emu-secret-"),
        "the state file holds a client secret"
    );

    let api = Api::with(config).await;
    let found = api.query(json!({"filter": {"id": id}})).await;
    assert_eq!(names(&found), ["Persisted"]);
    let (status, read) = api.call(reqwest::Method::GET, &secret_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{read}");
    let seeded = format!("oauth-app/v1/oauth-apps/{}/secret", SEEDED_APP_IDS[1]);
    let (_, read) = api.call(reqwest::Method::GET, &seeded, None).await;
    assert_eq!(read["oAuthAppSecret"], "emu-secret-seeded-1");
    api.emulator.reset();
    assert_eq!(api.query(json!({})).await["pagingMetadata"]["total"], 4);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn many_concurrent_creates_lose_nothing() {
    let api = std::sync::Arc::new(Api::start().await);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                api.create(json!({"name": format!("Concurrent {i}")}))
                    .await
                    .0
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(api.query(json!({})).await["pagingMetadata"]["total"], 54);
}

#[tokio::test]
async fn emulator_only_listing_and_clearing_of_oauth_apps() {
    let emulator = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let admin = AdminClient::of(&emulator);
    let listed = admin.oauth_apps().await.unwrap();
    assert_eq!(listed.len(), SEEDED_APP_IDS.len());
    let response = reqwest::Client::new()
        .get(admin.url("oauth-apps"))
        .bearer_auth(emulator.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let raw = response.text().await.unwrap();
    assert!(!raw.contains("emu-secret-"), "no secrets in the listing");
    admin.clear_oauth_apps().await.unwrap();
    assert_eq!(admin.oauth_apps().await.unwrap().len(), 0);
}

#[tokio::test]
async fn generate_secret_works_once_replaces_the_old_secret_and_flips_allow_secret_generation() {
    let api = Api::start().await;
    let (_, body) = api.create(json!({"name": "Regen"})).await;
    let app = &body["oAuthApp"];
    let id = app["id"].as_str().unwrap();
    let old = app["secret"].as_str().unwrap().to_owned();
    assert_eq!(app["allowSecretGeneration"], true);
    let path = format!("oauth-app/v1/oauth-apps/{id}/generate-secret");
    let (status, generated) = api
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({"oAuthAppId": id})),
        )
        .await;
    assert_eq!(status, 200, "{generated}");
    let new = generated["oAuthAppSecret"].as_str().unwrap();
    assert!(new.starts_with("emu-secret-") && new != old);
    // The old secret stops working: what Wix holds now is the new one, and generation is spent.
    let (_, read) = api
        .call(
            reqwest::Method::GET,
            &format!("oauth-app/v1/oauth-apps/{id}/secret?oAuthAppId={id}"),
            None,
        )
        .await;
    assert_eq!(read["oAuthAppSecret"], new);
    let (_, got) = api
        .call(
            reqwest::Method::GET,
            &format!("oauth-app/v1/oauth-apps/{id}?oAuthAppId={id}"),
            None,
        )
        .await;
    assert_eq!(got["oAuthApp"]["allowSecretGeneration"], false);
    let (status, again) = api
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({"oAuthAppId": id})),
        )
        .await;
    assert_eq!(status, 428, "{again}");
    assert_eq!(
        again["details"]["applicationError"]["code"],
        "SECRET_ALREADY_GENERATED"
    );
    let (_, still) = api
        .call(
            reqwest::Method::GET,
            &format!("oauth-app/v1/oauth-apps/{id}/secret"),
            None,
        )
        .await;
    assert_eq!(
        still["oAuthAppSecret"], new,
        "a refused generation changes nothing"
    );

    // Another app's ID in the body, an unknown app, and a wrong API key are refused.
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            &format!(
                "oauth-app/v1/oauth-apps/{}/generate-secret",
                SEEDED_APP_IDS[1]
            ),
            Some(json!({"oAuthAppId": id})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            "oauth-app/v1/oauth-apps/00000000-0000-4000-8000-00000000dead/generate-secret",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404);
    let refused = api
        .http
        .post(api.url(&format!(
            "oauth-app/v1/oauth-apps/{}/generate-secret",
            SEEDED_APP_IDS[1]
        )))
        .header("authorization", "wrong-key")
        .header("wix-site-id", &api.emulator.admin().site_id)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let listed = AdminClient::of(&api.emulator).oauth_apps().await.unwrap();
    let seeded = listed.iter().find(|a| a.id == SEEDED_APP_IDS[1]).unwrap();
    assert!(seeded.allow_secret_generation, "refusals spent nothing");
}
