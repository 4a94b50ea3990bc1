//! OAuth apps as the UI sees them: plain, serializable shapes for the table, the forms and the secret dialog.
//! The wire types live in `wix_client`; these never carry a client secret except in [`CreatedApp`], the one
//! moment the user must see it.

use serde::{Deserialize, Serialize};

/// Every editable field of an OAuth app. Empty strings and lists mean "not set".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OAuthAppFields {
    pub name: String,
    pub description: String,
    /// The wire value, e.g. `WEB_APP`; values added by Wix later pass through unchanged.
    pub application_type: String,
    /// The wire value, e.g. `REACT`.
    pub technology: String,
    pub allowed_redirect_uris: Vec<String>,
    pub allowed_redirect_domains: Vec<String>,
    pub login_url: String,
    pub logout_url: String,
    pub wix_pages_domains_mappings: Vec<DomainMapping>,
    pub redirect_url_wix_pages: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DomainMapping {
    pub origin: String,
    pub destination: String,
}

/// One row of the OAuth apps table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OAuthAppRow {
    /// The client ID.
    pub id: String,
    pub name: String,
    pub application_type: String,
    pub technology: String,
    /// RFC 3339, or empty when Wix did not say.
    pub created_date: String,
    pub redirect_uri_count: u32,
    /// Whether OAuth Desk holds this app's client secret in the OS keyring.
    pub secret_saved: bool,
}

/// An app with every field, for the details and edit views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OAuthAppDetails {
    pub id: String,
    pub created_date: String,
    pub fields: OAuthAppFields,
    pub secret_saved: bool,
    /// Whether Wix still allows generating a secret for this app (it does once: "Generate secret"); `None` when
    /// Wix did not say.
    pub allow_secret_generation: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SortField {
    /// Wix's default order (ID, descending).
    #[default]
    Default,
    Name,
    CreatedDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// One page request of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppsQuery {
    pub sort: SortField,
    pub order: SortOrder,
    pub offset: u32,
    /// 1 to 100.
    pub limit: u32,
    /// Only the app with this client ID.
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppsPage {
    pub apps: Vec<OAuthAppRow>,
    pub offset: u32,
    pub limit: u32,
    /// How many apps match, when Wix says.
    pub total: Option<u32>,
}

/// Where the new app's client secret went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SecretStorage {
    /// In the OS keyring; it can be revealed later.
    Saved,
    /// Wix returned it but the keyring refused it: the dialog must not close until the user has copied it.
    NotSaved { reason: String },
    /// Wix did not return a secret (newer API versions show it only in the dashboard).
    NotReturned,
}

/// The result of "Generate secret" (or "Read secret from Wix"): the secret, already in the keyring unless
/// `storage` says otherwise, for the one-time dialog. No `Debug`: it carries the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppSecret {
    pub client_id: String,
    pub secret: String,
    /// `saved` or `notSaved` (then the dialog must not close until the user has copied it).
    pub storage: SecretStorage,
    /// The generation's answer was lost, and the secret was read back from Wix instead.
    pub recovered: bool,
}

/// The result of a create: the one time the secret crosses to the UI. No `Debug`: it carries the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApp {
    pub app: OAuthAppDetails,
    pub secret: Option<String>,
    pub storage: SecretStorage,
}
