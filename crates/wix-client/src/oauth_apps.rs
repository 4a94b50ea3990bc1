//! The OAuth Apps API: `POST/GET/PATCH/DELETE /oauth-app/v1/oauth-apps`, and the app's secret
//! (`POST …/{id}/generate-secret`, `GET …/{id}/secret`), as `@wix/auth-management` calls it.
//!
//! Decoding is no stricter than the SDK's: `null` (or a missing value) is accepted for every list, enum and text
//! field of an app, and read as empty or unspecified.

use std::fmt;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};
use vault::Secret;

use crate::error::{Error, FieldError, Result};
use crate::http::{AdminAuth, ClientConfig, Http, Retry};
use crate::store::SecretSink;

const PATH: &str = "oauth-app/v1/oauth-apps";

/// Declares an enum whose wire values are strings and which keeps values Wix adds later as `Unknown(String)`
/// instead of failing to parse.
macro_rules! open_enum {
    (@first $first:literal $(, $rest:literal)*) => { $first };
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)+ Unknown(String) }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self { $(Self::$variant => $wire,)+ Self::Unknown(s) => s }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s { $($wire => Self::$variant,)+ other => Self::Unknown(other.to_owned()) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }

        impl<'de> Deserialize<'de> for $name {
            /// `null` reads as the first (unspecified) value, as the SDK would leave it.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(match Option::<String>::deserialize(d)? {
                    Some(s) => Self::from(s.as_str()),
                    None => Self::from(open_enum!(@first $($wire),+)),
                })
            }
        }
    };
}

open_enum!(
    /// What kind of client the OAuth app serves.
    ApplicationType {
        Unspecified = "OAUTH_APP_TYPE_UNSPECIFIED",
        WebApp = "WEB_APP",
        Mobile = "MOBILE",
        Other = "OTHER",
    }
);

open_enum!(
    /// The technology the client is built with.
    Technology {
        Unspecified = "OAUTH_TECHNOLOGY_UNSPECIFIED",
        JavaScript = "JAVASCRIPT",
        Angular = "ANGULAR",
        Vue = "VUE",
        React = "REACT",
        ReactNative = "REACT_NATIVE",
        Ios = "IOS",
        Android = "ANDROID",
        OtherTechnology = "OTHER_TECHNOLOGY",
    }
);

// Not derived: the variants are declared by `open_enum!`, which cannot mark one `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for ApplicationType {
    fn default() -> Self {
        Self::Unspecified
    }
}

#[allow(clippy::derivable_impls)]
impl Default for Technology {
    fn default() -> Self {
        Self::Unspecified
    }
}

/// A field that may come as `null`: read as its empty value.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DomainMapping {
    #[serde(default, deserialize_with = "nullable")]
    pub origin: String,
    #[serde(default, deserialize_with = "nullable")]
    pub destination: String,
}

/// The fields a caller sets: what create sends and update compares.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthAppFields {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_redirect_domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logout_url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub application_type: ApplicationType,
    #[serde(default, deserialize_with = "nullable")]
    pub technology: Technology,
    #[serde(default, deserialize_with = "nullable")]
    pub wix_pages_domains_mappings: Vec<DomainMapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url_wix_pages: Option<String>,
}

impl OAuthAppFields {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }
}

/// An OAuth app as Wix stores it. Its `id` is the client ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthApp {
    pub id: String,
    #[serde(default)]
    pub created_date: Option<DateTime<Utc>>,
    /// Read-only: whether Wix still allows [`OAuthAppsClient::generate_secret`] for this app (*docs*: true until a
    /// secret has been generated). `None` when Wix did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_secret_generation: Option<bool>,
    #[serde(flatten)]
    pub fields: OAuthAppFields,
}

/// What a create returned. The secret is here only: Wix never returns it again (and newer API versions may not
/// return it at all).
#[derive(Debug, Clone)]
pub struct Created {
    pub app: OAuthApp,
    pub secret: Option<Secret>,
}

/// The permission `generate-secret` needs (`@wix/auth-management`'s internal typings: `OAUTH_APP.APP_UPDATE`).
pub const GENERATE_SECRET_PERMISSION: &str = "OAUTH_APP.APP_UPDATE (“Manage OAuth Apps”)";
/// The permission `GET …/secret` needs (`@wix/auth-management`'s internal typings).
pub const READ_SECRET_PERMISSION: &str = "headless:v1:o_auth_app:get_o_auth_app_secret";

/// A secret from [`OAuthAppsClient::generate_secret_and_store`], already handed to the sink.
#[derive(Clone)]
pub struct GeneratedSecret {
    pub secret: Secret,
    pub storage: SecretStorage,
    /// The generation's answer was lost and the secret was read back with `GET …/secret` instead.
    pub recovered: bool,
}

/// Where a new app's secret ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretStorage {
    Saved,
    /// The vault refused: the caller still holds the secret and must show it.
    NotSaved(String),
    NotReturned,
}

/// A create whose secret has been dealt with.
#[derive(Debug, Clone)]
pub struct CreatedAndStored {
    pub app: OAuthApp,
    pub secret: Option<Secret>,
    pub storage: SecretStorage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Name,
    CreatedDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// One page request. `sort: None` is Wix's default order (ID, descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub id: Option<String>,
    pub sort: Option<(SortField, SortOrder)>,
    pub offset: u32,
    pub limit: u32,
}

impl Default for Query {
    fn default() -> Self {
        Self {
            id: None,
            sort: None,
            offset: 0,
            limit: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub apps: Vec<OAuthApp>,
    pub offset: u32,
    pub total: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppEnvelope {
    o_auth_app: Value,
}

/// The OAuth Apps API.
#[derive(Clone)]
pub struct OAuthAppsClient {
    http: Http,
}

impl OAuthAppsClient {
    pub fn new(config: ClientConfig) -> Result<Self> {
        Ok(Self {
            http: Http::new(config)?,
        })
    }

    /// Create an app. Validated first; sent once, never retried. If its answer is lost the outcome is unknown
    /// ([`Error::CreateOutcomeUnknown`] from [`Self::create_and_store`], which looks for what was created).
    pub async fn create(&self, auth: &AdminAuth, fields: &OAuthAppFields) -> Result<Created> {
        validate(fields).map_err(Error::Invalid)?;
        let body = json!({ "oAuthApp": fields });
        let envelope: AppEnvelope = self
            .http
            .admin(auth, Method::POST, PATH, Some(&body), Retry::Once)
            .await?;
        let secret = envelope.o_auth_app["secret"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(Secret::from);
        let app = decode_app(envelope.o_auth_app)?;
        Ok(Created { app, secret })
    }

    /// Create an app and hand its secret to `sink` before returning. A refusing sink does not lose the secret:
    /// it comes back with [`SecretStorage::NotSaved`]. A lost answer is looked for by name and creation time,
    /// never re-sent.
    pub async fn create_and_store(
        &self,
        auth: &AdminAuth,
        fields: &OAuthAppFields,
        sink: &dyn SecretSink,
    ) -> Result<CreatedAndStored> {
        let sent_at = Utc::now();
        let created = match self.create(auth, fields).await {
            Ok(created) => created,
            Err(Error::Network { .. } | Error::Timeout { .. } | Error::Decode(_)) => {
                let found = self.find_created(auth, &fields.name, sent_at).await;
                return Err(Error::CreateOutcomeUnknown { found });
            }
            Err(e) => return Err(e),
        };
        let storage = match &created.secret {
            None => SecretStorage::NotReturned,
            Some(secret) => match sink.keep(&created.app.id, secret).await {
                Ok(()) => SecretStorage::Saved,
                Err(e) => SecretStorage::NotSaved(e.to_string()),
            },
        };
        Ok(CreatedAndStored {
            app: created.app,
            secret: created.secret,
            storage,
        })
    }

    /// The newest app named `name` created since a minute before `since`, if the list can be read at all.
    async fn find_created(
        &self,
        auth: &AdminAuth,
        name: &str,
        since: DateTime<Utc>,
    ) -> Option<String> {
        let query = Query {
            sort: Some((SortField::CreatedDate, SortOrder::Desc)),
            limit: 50,
            ..Query::default()
        };
        let page = self.query(auth, &query).await.ok()?;
        let window = since - chrono::Duration::minutes(1);
        page.apps
            .into_iter()
            .find(|a| a.fields.name == name && a.created_date.is_some_and(|d| d >= window))
            .map(|a| a.id)
    }

    pub async fn get(&self, auth: &AdminAuth, id: &str) -> Result<OAuthApp> {
        let path = format!("{PATH}/{}?oAuthAppId={}", encode(id), encode(id));
        let envelope: AppEnvelope = self
            .http
            .admin(auth, Method::GET, &path, None, Retry::Idempotent)
            .await?;
        decode_app(envelope.o_auth_app)
    }

    pub async fn query(&self, auth: &AdminAuth, query: &Query) -> Result<Page> {
        // As the SDK's query builder: `filter` always there (`{}` when nothing is filtered).
        let filter = match &query.id {
            Some(id) => json!({ "id": id }),
            None => json!({}),
        };
        let mut spec =
            json!({ "filter": filter, "paging": { "offset": query.offset, "limit": query.limit } });
        if let Some((field, order)) = query.sort {
            let field = match field {
                SortField::Name => "name",
                SortField::CreatedDate => "createdDate",
            };
            let order = match order {
                SortOrder::Asc => "ASC",
                SortOrder::Desc => "DESC",
            };
            spec["sort"] = json!([{ "fieldName": field, "order": order }]);
        }
        let body = json!({ "query": spec });
        let value: Value = self
            .http
            .admin(
                auth,
                Method::POST,
                &format!("{PATH}/query"),
                Some(&body),
                Retry::Idempotent,
            )
            .await?;
        let apps = value["oAuthApps"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(decode_app)
            .collect::<Result<Vec<_>>>()?;
        let paging = &value["pagingMetadata"];
        Ok(Page {
            apps,
            offset: paging["offset"].as_u64().map_or(query.offset, |o| o as u32),
            total: paging["total"].as_u64().map(|t| t as u32),
        })
    }

    /// Every app, page after page, in the given order.
    pub fn all<'a>(
        &'a self,
        auth: &'a AdminAuth,
        sort: Option<(SortField, SortOrder)>,
    ) -> impl futures::Stream<Item = Result<OAuthApp>> + 'a {
        use futures::StreamExt;
        const PAGE: u32 = 100;
        futures::stream::unfold(Some(0u32), move |offset| async move {
            let offset = offset?;
            let query = Query {
                sort,
                offset,
                limit: PAGE,
                ..Query::default()
            };
            match self.query(auth, &query).await {
                Ok(page) => {
                    let done = (page.apps.len() as u32) < PAGE
                        || page.total.is_some_and(|t| offset + PAGE >= t);
                    let next = (!done).then_some(offset + PAGE);
                    Some((
                        futures::stream::iter(page.apps.into_iter().map(Ok)).left_stream(),
                        next,
                    ))
                }
                Err(e) => Some((futures::stream::iter([Err(e)]).right_stream(), None)),
            }
        })
        .flatten()
    }

    /// Send only what changed between `stored` and `edited` (the field mask). Nothing changed: no request, and
    /// `stored` comes back as it is.
    pub async fn update(
        &self,
        auth: &AdminAuth,
        stored: &OAuthApp,
        edited: &OAuthAppFields,
    ) -> Result<OAuthApp> {
        validate(edited).map_err(Error::Invalid)?;
        let mask = field_mask(&stored.fields, edited);
        if mask.is_empty() {
            return Ok(stored.clone());
        }
        let full = serde_json::to_value(edited).expect("fields serialize");
        let mut changed = serde_json::Map::new();
        changed.insert("id".into(), Value::String(stored.id.clone()));
        for field in &mask {
            changed.insert(
                (*field).into(),
                full.get(*field).cloned().unwrap_or(Value::Null),
            );
        }
        let body = json!({ "oAuthApp": changed, "mask": mask.join(",") });
        let path = format!("{PATH}/{}", encode(&stored.id));
        // A PATCH of the same values is idempotent.
        let envelope: AppEnvelope = self
            .http
            .admin(auth, Method::PATCH, &path, Some(&body), Retry::Idempotent)
            .await?;
        decode_app(envelope.o_auth_app)
    }

    /// `generateOAuthAppSecret`: a new client secret for an app. Wix allows this **once** per app (while
    /// [`OAuthApp::allow_secret_generation`] is true) and the previous secret stops working. Sent once, never
    /// retried. A 403 is [`Error::MissingPermission`] naming [`GENERATE_SECRET_PERMISSION`]. Prefer
    /// [`Self::generate_secret_and_store`], which keeps the secret before returning it.
    pub async fn generate_secret(&self, auth: &AdminAuth, id: &str) -> Result<Secret> {
        let path = format!("{PATH}/{}/generate-secret", encode(id));
        let body = json!({ "oAuthAppId": id });
        let value: Value = self
            .http
            .admin(auth, Method::POST, &path, Some(&body), Retry::Once)
            .await
            .map_err(|e| e.needing("generate an OAuth app's secret", GENERATE_SECRET_PERMISSION))?;
        secret_of(&value)
    }

    /// `getOAuthAppSecret`: read an app's current secret (`GET …/{id}/secret?oAuthAppId={id}`). A 403 is
    /// [`Error::MissingPermission`] naming [`READ_SECRET_PERMISSION`].
    pub async fn get_secret(&self, auth: &AdminAuth, id: &str) -> Result<Secret> {
        let path = format!("{PATH}/{}/secret?oAuthAppId={}", encode(id), encode(id));
        let value: Value = self
            .http
            .admin(auth, Method::GET, &path, None, Retry::Idempotent)
            .await
            .map_err(|e| e.needing("read an OAuth app's secret", READ_SECRET_PERMISSION))?;
        secret_of(&value)
    }

    /// Generate a secret and hand it to `sink` before returning it (as [`Self::create_and_store`] does with a
    /// created app's). A refusing sink does not lose it: [`SecretStorage::NotSaved`]. If the generation's answer
    /// is lost, it is never sent again (Wix generates once): the secret is read back with [`Self::get_secret`]
    /// instead, or the error is [`Error::SecretOutcomeUnknown`].
    pub async fn generate_secret_and_store(
        &self,
        auth: &AdminAuth,
        id: &str,
        sink: &dyn SecretSink,
    ) -> Result<GeneratedSecret> {
        let (secret, recovered) = match self.generate_secret(auth, id).await {
            Ok(secret) => (secret, false),
            Err(lost @ (Error::Network { .. } | Error::Timeout { .. } | Error::Decode(_))) => {
                match self.get_secret(auth, id).await {
                    Ok(secret) => (secret, true),
                    Err(e) => {
                        return Err(Error::SecretOutcomeUnknown {
                            reason: format!("{lost}; reading it back: {e}"),
                        });
                    }
                }
            }
            Err(e) => return Err(e),
        };
        let storage = match sink.keep(id, &secret).await {
            Ok(()) => SecretStorage::Saved,
            Err(e) => SecretStorage::NotSaved(e.to_string()),
        };
        Ok(GeneratedSecret {
            secret,
            storage,
            recovered,
        })
    }

    /// Delete an app; its client ID stops working. Never retried.
    pub async fn delete(&self, auth: &AdminAuth, id: &str) -> Result<()> {
        let path = format!("{PATH}/{}?oAuthAppId={}", encode(id), encode(id));
        let _: Value = self
            .http
            .admin(auth, Method::DELETE, &path, None, Retry::Once)
            .await?;
        Ok(())
    }
}

/// `{"oAuthAppSecret": "…"}`, non-empty.
fn secret_of(value: &Value) -> Result<Secret> {
    value["oAuthAppSecret"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(Secret::from)
        .ok_or_else(|| Error::Decode("the answer has no oAuthAppSecret".into()))
}

fn decode_app(mut value: Value) -> Result<OAuthApp> {
    if let Some(object) = value.as_object_mut() {
        object.remove("secret");
    }
    serde_json::from_value(value).map_err(|e| Error::Decode(format!("an OAuth app: {e}")))
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// The wire names of the fields that differ between `stored` and `edited`, in a fixed order.
pub fn field_mask(stored: &OAuthAppFields, edited: &OAuthAppFields) -> Vec<&'static str> {
    let mut mask = Vec::new();
    let mut check = |changed: bool, name: &'static str| {
        if changed {
            mask.push(name);
        }
    };
    check(stored.name != edited.name, "name");
    check(stored.description != edited.description, "description");
    check(
        stored.allowed_redirect_uris != edited.allowed_redirect_uris,
        "allowedRedirectUris",
    );
    check(
        stored.allowed_redirect_domains != edited.allowed_redirect_domains,
        "allowedRedirectDomains",
    );
    check(stored.login_url != edited.login_url, "loginUrl");
    check(stored.logout_url != edited.logout_url, "logoutUrl");
    check(
        stored.application_type != edited.application_type,
        "applicationType",
    );
    check(stored.technology != edited.technology, "technology");
    check(
        stored.wix_pages_domains_mappings != edited.wix_pages_domains_mappings,
        "wixPagesDomainsMappings",
    );
    check(
        stored.redirect_url_wix_pages != edited.redirect_url_wix_pages,
        "redirectUrlWixPages",
    );
    mask
}

/// Check the documented limits before sending; every error names its field.
pub fn validate(fields: &OAuthAppFields) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut bad = |field: String, message: String| errors.push(FieldError { field, message });
    let name = fields.name.trim().chars().count();
    if !(2..=256).contains(&name) {
        bad(
            "name".into(),
            format!("Name: use 2 to 256 characters (now {name})."),
        );
    }
    if fields.allowed_redirect_uris.len() > 20 {
        bad(
            "allowedRedirectUris".into(),
            format!(
                "Allowed redirect URIs: at most 20 (now {}).",
                fields.allowed_redirect_uris.len()
            ),
        );
    }
    for (i, uri) in fields.allowed_redirect_uris.iter().enumerate() {
        if let Err(problem) = check_redirect_uri(uri) {
            bad(
                format!("allowedRedirectUris[{i}]"),
                format!("Allowed redirect URI {}: {problem}", i + 1),
            );
        }
    }
    if fields.allowed_redirect_domains.len() > 20 {
        bad(
            "allowedRedirectDomains".into(),
            format!(
                "Allowed redirect domains: at most 20 (now {}).",
                fields.allowed_redirect_domains.len()
            ),
        );
    }
    for (i, domain) in fields.allowed_redirect_domains.iter().enumerate() {
        let ok = !domain.is_empty()
            && domain.len() <= 253
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*'));
        if !ok {
            bad(
                format!("allowedRedirectDomains[{i}]"),
                format!(
                    "Allowed redirect domain {}: {domain:?} is not a domain name (no scheme or path, e.g. shop.example.com).",
                    i + 1
                ),
            );
        }
    }
    for (field, label, value) in [
        ("loginUrl", "Login URL", &fields.login_url),
        ("logoutUrl", "Logout URL", &fields.logout_url),
        (
            "redirectUrlWixPages",
            "Wix pages redirect URL",
            &fields.redirect_url_wix_pages,
        ),
    ] {
        if let Some(value) = value
            && !url::Url::parse(value)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            bad(
                field.into(),
                format!(
                    "{label}: {value:?} is not an http(s) URL like https://shop.example.com/login."
                ),
            );
        }
    }
    if fields
        .redirect_url_wix_pages
        .as_ref()
        .is_some_and(|u| u.len() > 1024)
    {
        bad(
            "redirectUrlWixPages".into(),
            "Wix pages redirect URL: at most 1,024 characters.".into(),
        );
    }
    if fields.wix_pages_domains_mappings.len() > 200 {
        bad(
            "wixPagesDomainsMappings".into(),
            "Wix pages domain mappings: at most 200.".into(),
        );
    }
    for (i, m) in fields.wix_pages_domains_mappings.iter().enumerate() {
        if m.origin.trim().is_empty() || m.destination.trim().is_empty() {
            bad(
                format!("wixPagesDomainsMappings[{i}]"),
                format!(
                    "Wix pages domain mapping {}: give both an origin and a destination.",
                    i + 1
                ),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A redirect URI must be absolute; plain http is allowed only on loopback (RFC 8252 §7.3), where nothing can
/// listen in; custom schemes (`oauthdesk://callback`, `com.example.app:/cb`) are for native apps.
fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|_| {
        format!("{uri:?} is not an absolute URI like https://shop.example.com/callback.")
    })?;
    if parsed.fragment().is_some() {
        return Err(format!("{uri:?} must not have a #fragment."));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Domain("localhost")) => Ok(()),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            _ => Err(format!(
                "{uri:?} uses plain http; use https, or http only on 127.0.0.1 or localhost."
            )),
        },
        "javascript" | "data" | "file" => {
            Err(format!("{uri:?} uses a scheme that cannot be a redirect."))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unknown_enum_values_survive_a_round_trip() {
        let t: Technology = serde_json::from_str("\"SOLID_JS\"").unwrap();
        assert_eq!(t, Technology::Unknown("SOLID_JS".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"SOLID_JS\"");
        let a: ApplicationType = serde_json::from_str("\"MOBILE\"").unwrap();
        assert_eq!(a, ApplicationType::Mobile);
    }

    #[test]
    fn null_lists_enums_and_texts_decode_as_empty() {
        let app = decode_app(serde_json::json!({
            "id": "a1", "name": "Shop", "description": null, "allowedRedirectUris": null,
            "allowedRedirectDomains": null, "applicationType": null, "technology": null,
            "wixPagesDomainsMappings": null, "loginUrl": null, "createdDate": null,
            "allowSecretGeneration": true, "secret": "never-kept"
        }))
        .expect("nulls are accepted");
        assert_eq!(app.fields.allowed_redirect_uris, Vec::<String>::new());
        assert_eq!(app.fields.application_type, ApplicationType::Unspecified);
        assert_eq!(app.fields.technology, Technology::Unspecified);
        assert_eq!(app.fields.description, "");
        assert_eq!(app.allow_secret_generation, Some(true));
        let minimal = decode_app(serde_json::json!({"id": "a2"})).unwrap();
        assert_eq!(minimal.allow_secret_generation, None);
        let mappings = decode_app(serde_json::json!({
            "id": "a3", "wixPagesDomainsMappings": [{"origin": null, "destination": "d"}]
        }))
        .unwrap();
        assert_eq!(mappings.fields.wix_pages_domains_mappings[0].origin, "");
    }

    #[test]
    fn validation_names_every_bad_field() {
        let fields = OAuthAppFields {
            name: "x".into(),
            allowed_redirect_uris: vec![
                "http://shop.example.com/cb".into(),
                "oauthdesk://callback".into(),
                "nope".into(),
            ],
            allowed_redirect_domains: vec!["https://x.com/path".into()],
            login_url: Some("ftp://x".into()),
            ..OAuthAppFields::default()
        };
        let fields_named: Vec<String> = validate(&fields)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields_named,
            [
                "name",
                "allowedRedirectUris[0]",
                "allowedRedirectUris[2]",
                "allowedRedirectDomains[0]",
                "loginUrl"
            ]
        );
        let mut ok = OAuthAppFields::named("Storefront");
        ok.allowed_redirect_uris = vec![
            "http://127.0.0.1:5173/callback".into(),
            "https://a.dev/cb".into(),
            "oauthdesk://callback".into(),
        ];
        assert!(validate(&ok).is_ok());
        ok.allowed_redirect_uris = (0..21).map(|i| format!("https://a.dev/{i}")).collect();
        assert_eq!(validate(&ok).unwrap_err()[0].field, "allowedRedirectUris");
    }

    #[test]
    fn the_mask_names_only_changed_fields() {
        let stored = OAuthAppFields::named("A");
        let mut edited = stored.clone();
        assert!(field_mask(&stored, &edited).is_empty());
        edited.login_url = Some("https://a.dev/login".into());
        edited.technology = Technology::Vue;
        assert_eq!(field_mask(&stored, &edited), ["loginUrl", "technology"]);
    }

    fn arb_fields() -> impl Strategy<Value = OAuthAppFields> {
        (
            "[a-z]{0,6}",
            "[a-z]{0,4}",
            proptest::collection::vec("[a-z]{1,3}", 0..3),
            proptest::option::of("[a-z]{1,3}"),
            0..3usize,
        )
            .prop_map(|(name, description, uris, login, tech)| OAuthAppFields {
                name,
                description,
                allowed_redirect_uris: uris,
                login_url: login,
                technology: [
                    Technology::React,
                    Technology::Vue,
                    Technology::Unknown("X".into()),
                ][tech]
                    .clone(),
                ..OAuthAppFields::default()
            })
    }

    proptest! {
        /// Applying exactly the masked fields of `edited` onto `stored` yields `edited`: the mask is complete,
        /// and it is empty exactly when nothing changed.
        #[test]
        fn applying_the_mask_reproduces_the_edit(stored in arb_fields(), edited in arb_fields()) {
            let mask = field_mask(&stored, &edited);
            prop_assert_eq!(mask.is_empty(), stored == edited);
            let mut result = serde_json::to_value(&stored).unwrap();
            let edited_json = serde_json::to_value(&edited).unwrap();
            for field in &mask {
                match edited_json.get(*field) {
                    Some(v) => { result[*field] = v.clone(); }
                    None => { result.as_object_mut().unwrap().remove(*field); }
                }
            }
            let result: OAuthAppFields = serde_json::from_value(result).unwrap();
            prop_assert_eq!(result, edited);
        }
    }
}
