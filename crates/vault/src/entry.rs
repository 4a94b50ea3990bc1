//! Names of the vault's entries. One place builds them so that "remove a project" can find every entry the
//! project owns, and so no two kinds of secret can collide.
//!
//! Names are `<kind>/<project>[/<client>]`; the keyring service name (see [`crate::KeyringStore::new`]) keeps
//! OAuth Desk's entries apart from other programs'.

/// The admin API key of a connected Wix project.
pub fn project_api_key(project_id: &str) -> String {
    format!("api-key/{project_id}")
}

/// The client secret of an OAuth app, as returned once by its create call.
pub fn oauth_app_secret(project_id: &str, client_id: &str) -> String {
    format!("oauth-app-secret/{project_id}/{client_id}")
}

/// The visitor or member tokens of one project's OAuth app (a JSON document).
pub fn member_tokens(project_id: &str, client_id: &str) -> String {
    format!("member-tokens/{project_id}/{client_id}")
}

/// The app secret of a Wix app profile (Wix app OAuth).
/// Browser logins waiting for their callback (verifiers included), so a cold start by the deep link can finish one.
pub fn pending_logins() -> String {
    "pending-logins".to_owned()
}

pub fn wix_app_secret(profile_id: &str) -> String {
    format!("wix-app-secret/{profile_id}")
}

/// The refresh token of one installation (instance) of a Wix app (advanced Wix app OAuth).
pub fn wix_app_refresh_token(profile_id: &str, instance_id: &str) -> String {
    format!("wix-app-refresh-token/{profile_id}/{instance_id}")
}
