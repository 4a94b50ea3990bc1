//! The OAuth Apps API (`/oauth-app/v1/oauth-apps`), as `@wix/auth-management`'s `oAuthApps` calls it.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as Extract};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::state::{State, StoredApp, random_token};

pub const APPLICATION_TYPES: [&str; 4] =
    ["OAUTH_APP_TYPE_UNSPECIFIED", "WEB_APP", "MOBILE", "OTHER"];
pub const TECHNOLOGIES: [&str; 9] = [
    "OAUTH_TECHNOLOGY_UNSPECIFIED",
    "JAVASCRIPT",
    "ANGULAR",
    "VUE",
    "REACT",
    "REACT_NATIVE",
    "IOS",
    "ANDROID",
    "OTHER_TECHNOLOGY",
];
/// The fields an update's mask may name.
const MASKABLE: [&str; 10] = [
    "name",
    "description",
    "allowedRedirectUris",
    "allowedRedirectDomains",
    "loginUrl",
    "logoutUrl",
    "applicationType",
    "technology",
    "wixPagesDomainsMappings",
    "redirectUrlWixPages",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainMapping {
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub destination: String,
}

/// An OAuth app in REST's field names (`id`, `createdDate`; the JS SDK renames them `_id`, `_createdDate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthApp {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub allowed_redirect_uris: Vec<String>,
    #[serde(default)]
    pub allowed_redirect_domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logout_url: Option<String>,
    pub application_type: String,
    pub technology: String,
    #[serde(default)]
    pub wix_pages_domains_mappings: Vec<DomainMapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url_wix_pages: Option<String>,
    pub created_date: DateTime<Utc>,
    /// Read-only: true until a secret has been generated with `generate-secret` (then false: Wix generates once).
    #[serde(default = "allowed")]
    pub allow_secret_generation: bool,
}

fn allowed() -> bool {
    true
}

/// The writable fields as a request carries them; all optional, unknown fields ignored (read-only ones too).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppInput {
    name: Option<String>,
    description: Option<String>,
    allowed_redirect_uris: Option<Vec<String>>,
    allowed_redirect_domains: Option<Vec<String>>,
    login_url: Option<String>,
    logout_url: Option<String>,
    application_type: Option<String>,
    technology: Option<String>,
    wix_pages_domains_mappings: Option<Vec<DomainMapping>>,
    redirect_url_wix_pages: Option<String>,
}

/// Admin auth: the API key in `authorization` (no "Bearer") plus `wix-site-id` or `wix-account-id`.
pub fn authorize_admin(state: &State, headers: &HeaderMap) -> Result<(), ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let Some(key) = header("authorization").filter(|k| !k.is_empty()) else {
        return Err(ApiError::unauthenticated(
            "Missing API key in the authorization header",
        ));
    };
    let key = key.strip_prefix("Bearer ").unwrap_or(key);
    if key != state.admin.api_key {
        return Err(ApiError::unauthenticated("Invalid API key"));
    }
    match (header("wix-site-id"), header("wix-account-id")) {
        (Some(site), _) if site == state.admin.site_id => Ok(()),
        (_, Some(account)) if account == state.admin.account_id => Ok(()),
        (None, None) => Err(ApiError::permission_denied(
            "Missing wix-site-id or wix-account-id header: say which site or account the call is for",
        )),
        _ => Err(ApiError::permission_denied(
            "The API key has no access to this site or account",
        )),
    }
}

pub async fn create(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    let input = app_input(&body)?;
    let mut app = OAuthApp {
        id: uuid::Uuid::new_v4().to_string(),
        name: String::new(),
        description: String::new(),
        allowed_redirect_uris: Vec::new(),
        allowed_redirect_domains: Vec::new(),
        login_url: None,
        logout_url: None,
        application_type: APPLICATION_TYPES[0].to_owned(),
        technology: TECHNOLOGIES[0].to_owned(),
        wix_pages_domains_mappings: Vec::new(),
        redirect_url_wix_pages: None,
        created_date: Utc::now(),
        allow_secret_generation: true,
    };
    if input.name.is_none() {
        return Err(ApiError::invalid("oAuthApp.name", "is required"));
    }
    apply(&mut app, input, None);
    validate(&app)?;
    let secret = format!("emu-secret-{}", random_token(40));
    state.write(|data| {
        data.apps.insert(
            app.id.clone(),
            StoredApp {
                app: app.clone(),
                secret: secret.clone(),
            },
        )
    });
    let mut value = serde_json::to_value(&app).expect("app serializes");
    value["secret"] = Value::String(secret);
    Ok(Json(json!({ "oAuthApp": value })))
}

pub async fn get(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    Ok(Json(json!({ "oAuthApp": find(&state, &id)?.app })))
}

/// `GET /oauth-app/v1/oauth-apps/{id}/secret` → `{"oAuthAppSecret": "..."}` (GetOAuthAppSecret, in
/// `@wix/auth-management` 1.0.94 though not in older references).
pub async fn secret(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    let secret = find(&state, &id)?.secret;
    if secret.is_empty() {
        return Err(ApiError::not_found(
            "the sandbox keeps the secrets it issued in memory only, and it restarted since: generate or create again",
        ));
    }
    Ok(Json(json!({ "oAuthAppSecret": secret })))
}

/// `POST /oauth-app/v1/oauth-apps/{id}/generate-secret` (body `{"oAuthAppId"}`, as the SDK sends it) →
/// `{"oAuthAppSecret"}`: a new secret, once per app. The previous secret stops working (it is replaced) and the
/// app's `allowSecretGeneration` turns false; a second call is `428` `SECRET_ALREADY_GENERATED` (the emulator's
/// choice: Wix's answer is not in the packages).
pub async fn generate_secret(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    if let Some(named) = body.get("oAuthAppId").and_then(Value::as_str)
        && named != id
    {
        return Err(ApiError::invalid(
            "oAuthAppId",
            "differs from the app ID in the path",
        ));
    }
    let secret = format!("emu-secret-{}", random_token(40));
    state.write(|data| {
        let stored = data.apps.get_mut(&id).ok_or_else(|| not_found(&id))?;
        if !stored.app.allow_secret_generation {
            return Err(ApiError::application(
                axum::http::StatusCode::PRECONDITION_REQUIRED,
                "SECRET_ALREADY_GENERATED",
                "A secret was already generated for this OAuth app: Wix generates one only once. Read it with Get \
                 OAuth App Secret, or create a new app",
            ));
        }
        stored.secret = secret.clone();
        stored.app.allow_secret_generation = false;
        Ok(())
    })?;
    Ok(Json(json!({ "oAuthAppSecret": secret })))
}

pub async fn delete(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    state
        .write(|data| {
            let removed = data.apps.remove(&id);
            // Its client ID stops working: every token it was issued dies with it.
            data.access_tokens.retain(|_, g| g.client_id != id);
            data.refresh_tokens.retain(|_, g| g.client_id != id);
            removed
        })
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(json!({})))
}

pub async fn update(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    let input = app_input(&body)?;
    let mask = mask_paths(body.get("mask").or_else(|| body.get("fieldMask")))?;
    state.write(|data| {
        let stored = data.apps.get_mut(&id).ok_or_else(|| not_found(&id))?;
        let mut app = stored.app.clone();
        // No mask, no change: Wix updates exactly the fields the mask names.
        if !mask.is_empty() {
            apply(&mut app, input, Some(&mask));
            validate(&app)?;
            stored.app = app;
        }
        Ok(Json(json!({ "oAuthApp": stored.app })))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    #[serde(default)]
    query: QuerySpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QuerySpec {
    #[serde(default)]
    filter: Option<Value>,
    #[serde(default)]
    sort: Vec<Sorting>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sorting {
    field_name: String,
    #[serde(default)]
    order: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Paging {
    #[serde(default)]
    offset: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
}

pub async fn query(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize_admin(&state, &headers)?;
    let body: QueryBody = serde_json::from_value(body).map_err(ApiError::bad_json)?;
    let spec = body.query;
    let id_filter = id_filter(spec.filter.as_ref())?;
    let paging = spec.paging.unwrap_or_default();
    let offset = paging.offset.unwrap_or(0) as usize;
    let limit = paging.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            "query.paging.limit",
            "must be between 1 and 100",
        ));
    }
    let mut sorts = Vec::new();
    for s in &spec.sort {
        let descending = match s.order.as_deref().unwrap_or("ASC") {
            "ASC" => false,
            "DESC" => true,
            other => {
                return Err(ApiError::invalid(
                    "query.sort.order",
                    format!("{other} is not ASC or DESC"),
                ));
            }
        };
        match s.field_name.as_str() {
            "name" | "createdDate" | "id" => sorts.push((s.field_name.clone(), descending)),
            other => {
                return Err(ApiError::invalid(
                    "query.sort.fieldName",
                    format!("{other} cannot be sorted on; use name or createdDate"),
                ));
            }
        }
    }
    // Wix's default order: id, descending.
    sorts.push(("id".to_owned(), true));

    let data = state.read();
    let mut apps: Vec<&OAuthApp> = data
        .apps
        .values()
        .map(|s| &s.app)
        .filter(|a| id_filter.as_deref().is_none_or(|id| a.id == id))
        .collect();
    apps.sort_by(|a, b| {
        for (field, descending) in &sorts {
            let ordering = match field.as_str() {
                "name" => a.name.cmp(&b.name),
                "createdDate" => a.created_date.cmp(&b.created_date),
                _ => a.id.cmp(&b.id),
            };
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
    let total = apps.len();
    let page: Vec<&OAuthApp> = apps.into_iter().skip(offset).take(limit as usize).collect();
    Ok(Json(json!({
        "oAuthApps": page,
        "pagingMetadata": {"count": page.len(), "offset": offset, "total": total}
    })))
}

/// `{"id": "x"}` or `{"id": {"$eq": "x"}}`; the API filters on nothing else.
fn id_filter(filter: Option<&Value>) -> Result<Option<String>, ApiError> {
    let Some(filter) = filter.filter(|f| !f.is_null()) else {
        return Ok(None);
    };
    let Some(object) = filter.as_object() else {
        return Err(ApiError::invalid("query.filter", "must be an object"));
    };
    let mut id = None;
    for (key, value) in object {
        if key != "id" {
            return Err(ApiError::invalid(
                "query.filter",
                format!("{key} cannot be filtered on; only id with $eq"),
            ));
        }
        id = match value {
            Value::String(s) => Some(s.clone()),
            Value::Object(op) if op.len() == 1 && op.get("$eq").is_some_and(Value::is_string) => {
                op["$eq"].as_str().map(str::to_owned)
            }
            _ => {
                return Err(ApiError::invalid(
                    "query.filter.id",
                    "only $eq on a string is supported",
                ));
            }
        };
    }
    Ok(id)
}

fn app_input(body: &Value) -> Result<AppInput, ApiError> {
    let Some(app) = body.get("oAuthApp") else {
        return Err(ApiError::invalid("oAuthApp", "is required"));
    };
    serde_json::from_value(app.clone()).map_err(|e| ApiError::invalid("oAuthApp", e.to_string()))
}

/// The mask as the JS SDK sends it (one comma-separated string, proto3 JSON) or as the REST docs show it
/// (`{"paths": [...]}`). snake_case paths are accepted too.
fn mask_paths(mask: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let raw: Vec<String> = match mask {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Object(o)) => match o.get("paths") {
            Some(Value::Array(paths)) => paths
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => {
                return Err(ApiError::invalid(
                    "mask",
                    "must be a string or {\"paths\": [...]}",
                ));
            }
        },
        Some(_) => {
            return Err(ApiError::invalid(
                "mask",
                "must be a string or {\"paths\": [...]}",
            ));
        }
    };
    raw.into_iter()
        .map(|path| {
            let path = path.strip_prefix("oAuthApp.").unwrap_or(&path).to_owned();
            let camel = snake_to_camel(&path);
            if MASKABLE.contains(&camel.as_str()) {
                Ok(camel)
            } else {
                Err(ApiError::invalid(
                    "mask",
                    format!("{path} is not a field that can be updated"),
                ))
            }
        })
        .collect()
}

fn snake_to_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = false;
    for c in s.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Copy the given fields onto `app`: all present ones (create), or exactly the masked ones (update; a masked
/// field missing from the body is cleared).
fn apply(app: &mut OAuthApp, input: AppInput, mask: Option<&[String]>) {
    let take = |field: &str, present: bool| match mask {
        None => present,
        Some(mask) => mask.iter().any(|m| m == field),
    };
    let opt = |v: Option<String>| v.filter(|s| !s.is_empty());
    if take("name", input.name.is_some()) {
        app.name = input.name.unwrap_or_default();
    }
    if take("description", input.description.is_some()) {
        app.description = input.description.unwrap_or_default();
    }
    if take("allowedRedirectUris", input.allowed_redirect_uris.is_some()) {
        app.allowed_redirect_uris = input.allowed_redirect_uris.unwrap_or_default();
    }
    if take(
        "allowedRedirectDomains",
        input.allowed_redirect_domains.is_some(),
    ) {
        app.allowed_redirect_domains = input.allowed_redirect_domains.unwrap_or_default();
    }
    if take("loginUrl", input.login_url.is_some()) {
        app.login_url = opt(input.login_url);
    }
    if take("logoutUrl", input.logout_url.is_some()) {
        app.logout_url = opt(input.logout_url);
    }
    if take("applicationType", input.application_type.is_some()) {
        app.application_type = input
            .application_type
            .unwrap_or_else(|| APPLICATION_TYPES[0].to_owned());
    }
    if take("technology", input.technology.is_some()) {
        app.technology = input
            .technology
            .unwrap_or_else(|| TECHNOLOGIES[0].to_owned());
    }
    if take(
        "wixPagesDomainsMappings",
        input.wix_pages_domains_mappings.is_some(),
    ) {
        app.wix_pages_domains_mappings = input.wix_pages_domains_mappings.unwrap_or_default();
    }
    if take(
        "redirectUrlWixPages",
        input.redirect_url_wix_pages.is_some(),
    ) {
        app.redirect_url_wix_pages = opt(input.redirect_url_wix_pages);
    }
}

/// The documented limits: name 2–256 characters; at most 20 redirect URIs and 20 domains; URLs well formed;
/// `redirectUrlWixPages` at most 1,024 characters; at most 200 domain mappings; known enum values.
fn validate(app: &OAuthApp) -> Result<(), ApiError> {
    let mut violations = Vec::new();
    let mut bad = |field: &str, description: String| {
        violations.push((format!("oAuthApp.{field}"), description))
    };
    let name_len = app.name.chars().count();
    if !(2..=256).contains(&name_len) {
        bad(
            "name",
            format!("must be 2 to 256 characters, not {name_len}"),
        );
    }
    if app.allowed_redirect_uris.len() > 20 {
        bad(
            "allowedRedirectUris",
            format!("at most 20, not {}", app.allowed_redirect_uris.len()),
        );
    }
    for (i, uri) in app.allowed_redirect_uris.iter().enumerate() {
        if url::Url::parse(uri).is_err() {
            bad(
                &format!("allowedRedirectUris[{i}]"),
                format!("{uri:?} is not an absolute URI"),
            );
        }
    }
    if app.allowed_redirect_domains.len() > 20 {
        bad(
            "allowedRedirectDomains",
            format!("at most 20, not {}", app.allowed_redirect_domains.len()),
        );
    }
    for (i, domain) in app.allowed_redirect_domains.iter().enumerate() {
        let ok = !domain.is_empty()
            && domain.len() <= 253
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*'));
        if !ok {
            bad(
                &format!("allowedRedirectDomains[{i}]"),
                format!("{domain:?} is not a domain name"),
            );
        }
    }
    for (field, value) in [
        ("loginUrl", &app.login_url),
        ("logoutUrl", &app.logout_url),
        ("redirectUrlWixPages", &app.redirect_url_wix_pages),
    ] {
        if let Some(value) = value {
            let http = url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !http {
                bad(field, format!("{value:?} is not an http(s) URL"));
            }
        }
    }
    if app
        .redirect_url_wix_pages
        .as_ref()
        .is_some_and(|u| u.len() > 1024)
    {
        bad(
            "redirectUrlWixPages",
            "must be at most 1024 characters".into(),
        );
    }
    if app.wix_pages_domains_mappings.len() > 200 {
        bad(
            "wixPagesDomainsMappings",
            format!("at most 200, not {}", app.wix_pages_domains_mappings.len()),
        );
    }
    if !APPLICATION_TYPES.contains(&app.application_type.as_str()) {
        bad(
            "applicationType",
            format!(
                "{} is not one of {}",
                app.application_type,
                APPLICATION_TYPES.join(", ")
            ),
        );
    }
    if !TECHNOLOGIES.contains(&app.technology.as_str()) {
        bad(
            "technology",
            format!(
                "{} is not one of {}",
                app.technology,
                TECHNOLOGIES.join(", ")
            ),
        );
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(violations))
    }
}

/// The stored app (and its secret) by ID.
fn find(state: &State, id: &str) -> Result<StoredApp, ApiError> {
    state
        .read()
        .apps
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("OAuth app {id} not found"))
}

/// Whether a hosted page may send the browser to `url` for this app (the logout page's `postFlowUrl`, the reset
/// page's `redirect`), as Wix checks callback URLs: exactly one of the app's `allowedRedirectUris`, or an
/// `http(s)` URL whose host is one of its `allowedRedirectDomains` (`example.com`, `localhost:3000` with that
/// port only, or `*.example.com` for its subdomains).
pub fn redirect_allowed(app: &OAuthApp, url: &str) -> bool {
    if app.allowed_redirect_uris.iter().any(|u| u == url) {
        return true;
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.username() != "" {
        return false;
    }
    let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
        return false;
    };
    let port = parsed.port_or_known_default();
    app.allowed_redirect_domains
        .iter()
        .any(|domain| domain_matches(domain, &host, port))
}

fn domain_matches(domain: &str, host: &str, port: Option<u16>) -> bool {
    let domain = domain.trim().to_ascii_lowercase();
    let (name, wanted_port) = match domain.rsplit_once(':') {
        Some((name, p)) => match p.parse::<u16>() {
            Ok(p) => (name.to_owned(), Some(p)),
            Err(_) => return false,
        },
        None => (domain, None),
    };
    if wanted_port.is_some_and(|p| Some(p) != port) {
        return false;
    }
    match name.strip_prefix("*.") {
        Some(parent) => host
            .strip_suffix(parent)
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        None => host == name,
    }
}

/// The origin (`scheme://host[:port]`) a `web_message` answer may post to: that of `redirect_uri`, when the app
/// allows it (see [`redirect_allowed`]) and it is an `http(s)` URL. Never `*`.
pub fn allowed_origin(app: &OAuthApp, redirect_uri: &str) -> Option<String> {
    if !redirect_allowed(app, redirect_uri) {
        return None;
    }
    let url = url::Url::parse(redirect_uri).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod redirect_tests {
    use super::*;

    fn app(uris: &[&str], domains: &[&str]) -> OAuthApp {
        OAuthApp {
            id: "a".into(),
            name: "n".into(),
            description: String::new(),
            allowed_redirect_uris: uris.iter().map(|s| (*s).to_owned()).collect(),
            allowed_redirect_domains: domains.iter().map(|s| (*s).to_owned()).collect(),
            login_url: None,
            logout_url: None,
            application_type: "WEB_APP".into(),
            technology: "REACT".into(),
            wix_pages_domains_mappings: Vec::new(),
            redirect_url_wix_pages: None,
            created_date: chrono::Utc::now(),
            allow_secret_generation: true,
        }
    }

    #[test]
    fn redirects_go_only_where_the_app_allows() {
        let a = app(
            &["oauthdesk://callback", "https://shop.example.com/cb"],
            &["example.org", "localhost:3000", "*.example.net"],
        );
        assert!(redirect_allowed(&a, "oauthdesk://callback"));
        assert!(redirect_allowed(&a, "https://shop.example.com/cb"));
        assert!(!redirect_allowed(&a, "https://shop.example.com/other"));
        assert!(redirect_allowed(&a, "https://example.org/anything?x=1"));
        assert!(!redirect_allowed(&a, "https://evil.example.org/"));
        assert!(!redirect_allowed(&a, "https://example.org.evil.com/"));
        assert!(!redirect_allowed(&a, "https://user@example.org/"));
        assert!(!redirect_allowed(
            &a,
            "javascript://example.org/%0aalert(1)"
        ));
        assert!(redirect_allowed(&a, "http://localhost:3000/done"));
        assert!(!redirect_allowed(&a, "http://localhost:3001/done"));
        assert!(redirect_allowed(&a, "https://a.b.example.net/"));
        assert!(!redirect_allowed(&a, "https://example.net/"));
        assert!(!redirect_allowed(&a, "https://xexample.net/"));
        assert_eq!(
            allowed_origin(&a, "https://shop.example.com/cb").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(allowed_origin(&a, "oauthdesk://callback"), None);
        assert_eq!(allowed_origin(&a, "https://evil.example/"), None);
    }
}
