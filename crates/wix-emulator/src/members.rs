//! Site members (`@wix/identity`): register, login, email verification and password recovery, as the SDK's
//! `OAuthStrategy` calls them.
//!
//! - `POST /_api/iam/authentication/v2/register` `{"loginId": {"email"}, "password", "profile"?, "captchaTokens"?}`
//! - `POST /_api/iam/authentication/v2/login` `{"loginId": {"email"}, "password", "captchaTokens"?}`
//! - `POST /_api/iam/verification/v1/auth/verify` `{"code", "stateToken"}`
//! - `POST /_api/iam/recovery/v1/send-email` `{"email", "redirect": {"url", "clientId"}}`
//! - `POST /_api/iam/authentication/v2/sign-on` `{"loginId": {"email"}, "profile"?, "verifyEmail"?,
//!   "mergeExistingContact"?}` with `authorization: <access token>,<API key>` (external login with session): a
//!   session token for the member with that email, created (active, no password) when there is none →
//!   `{"sessionToken", "identity": {"id", "email": {"address", "isVerified"}}}`.
//!
//! Each needs a live visitor or member access token in `authorization` (the SDK sends its visitor token), which
//! also says which OAuth app is asking. Answers are the login state machine: `{"state": "SUCCESS",
//! "sessionToken", "identity"}`, `{"state": "REQUIRE_EMAIL_VERIFICATION", "stateToken"}` or
//! `{"state": "REQUIRE_OWNER_APPROVAL"}`; failures carry the application error codes the SDK maps
//! ([`codes`]). Passwords are stored as Argon2id hashes and never logged.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Json;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::page;
use crate::settings::VALID_CAPTCHA_TOKEN;
use crate::state::{State, random_token, token_key};

/// The application error codes the SDK maps to its `errorCode`s.
pub mod codes {
    pub const INVALID_PASSWORD: &str = "-19976";
    pub const RESET_PASSWORD: &str = "-19973";
    pub const EMAIL_ALREADY_EXISTS: &str = "-19995";
    pub const MISSING_CAPTCHA: &str = "-19971";
    pub const INVALID_CAPTCHA: &str = "-19970";
    /// No member with this email. Wix's code is not in the packages; the SDK reports any other login failure
    /// as `invalidEmail`, which is what this becomes.
    pub const MEMBER_NOT_FOUND: &str = "-19999";
    /// A wrong or expired email-verification code (our choice of code; the SDK does not map it).
    pub const INVALID_VERIFICATION_CODE: &str = "-19988";
}

/// Session tokens (a login's proof, exchanged for tokens via `prompt=none`) live 10 minutes.
pub const SESSION_SECONDS: i64 = 10 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub email: String,
    /// Argon2id PHC string; no Wix route sends it (only the emulator's state export).
    pub password_hash: String,
    /// `ACTIVE`, or `PENDING` while waiting for the owner's approval.
    pub status: String,
    pub email_verified: bool,
    /// The next login must reset the password first (`-19973`).
    #[serde(default)]
    pub must_reset_password: bool,
    #[serde(default)]
    pub profile: Value,
    pub created_date: DateTime<Utc>,
}

impl Member {
    /// What emulator-only listings show: everything but the password hash.
    fn public(&self) -> Value {
        json!({
            "id": self.id, "email": self.email, "status": self.status, "emailVerified": self.email_verified,
            "mustResetPassword": self.must_reset_password, "profile": self.profile, "createdDate": self.created_date,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verification {
    pub member_id: String,
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberSession {
    pub member_id: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordReset {
    pub member_id: String,
    pub redirect_url: Option<String>,
    /// The OAuth app that asked for the email: `redirect_url` must be one it allows.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// A message the emulator "sent"; tests and users read it from `GET /_emulator/v1/outbox`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    pub to: String,
    /// `verificationCode` or `passwordReset`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub sent_date: DateTime<Utc>,
}

/// Where a register, login or verification leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Success {
        session_token: String,
        member_id: String,
    },
    VerifyEmail {
        state_token: String,
    },
    OwnerApproval,
}

impl Step {
    fn to_json(&self) -> Value {
        match self {
            Step::Success {
                session_token,
                member_id,
            } => {
                json!({"state": "SUCCESS", "sessionToken": session_token, "identity": {"id": member_id}})
            }
            Step::VerifyEmail { state_token } => {
                json!({"state": "REQUIRE_EMAIL_VERIFICATION", "stateToken": state_token})
            }
            Step::OwnerApproval => json!({"state": "REQUIRE_OWNER_APPROVAL"}),
        }
    }
}

/// Why a register, login or verification was refused; each becomes the error the SDK expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    InvalidEmail,
    InvalidPasswordFormat,
    EmailAlreadyExists,
    MemberNotFound,
    WrongPassword,
    ResetPassword,
    MissingCaptcha,
    InvalidCaptcha,
    InvalidCode,
}

impl Refusal {
    /// The message a person reads (also on the hosted login page).
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::InvalidEmail => "Enter a valid email address.",
            Refusal::InvalidPasswordFormat => "The password must be 4 to 100 characters.",
            Refusal::EmailAlreadyExists => {
                "A member with this email already exists. Log in instead."
            }
            Refusal::MemberNotFound => "No member has this email. Sign up first.",
            Refusal::WrongPassword => "Wrong email or password.",
            Refusal::ResetPassword => "This member must reset the password before logging in.",
            Refusal::MissingCaptcha => "A captcha token is required.",
            Refusal::InvalidCaptcha => "The captcha token is not valid.",
            Refusal::InvalidCode => "The verification code is wrong or expired.",
        }
    }

    fn into_api_error(self) -> ApiError {
        let app = |status, code| ApiError::application(status, code, self.message());
        match self {
            Refusal::InvalidEmail => {
                ApiError::field_violation("loginId.email", self.message(), "EMAIL")
            }
            Refusal::InvalidPasswordFormat => ApiError::invalid("password", self.message()),
            Refusal::EmailAlreadyExists => app(StatusCode::CONFLICT, codes::EMAIL_ALREADY_EXISTS),
            Refusal::MemberNotFound => app(StatusCode::NOT_FOUND, codes::MEMBER_NOT_FOUND),
            Refusal::WrongPassword => app(StatusCode::UNAUTHORIZED, codes::INVALID_PASSWORD),
            Refusal::ResetPassword => app(StatusCode::FORBIDDEN, codes::RESET_PASSWORD),
            Refusal::MissingCaptcha => app(StatusCode::BAD_REQUEST, codes::MISSING_CAPTCHA),
            Refusal::InvalidCaptcha => app(StatusCode::BAD_REQUEST, codes::INVALID_CAPTCHA),
            Refusal::InvalidCode => app(StatusCode::BAD_REQUEST, codes::INVALID_VERIFICATION_CODE),
        }
    }
}

/// Argon2id with small parameters: a local emulator should register members in milliseconds, not to resist
/// offline cracking.
fn argon2() -> Argon2<'static> {
    let params = Params::new(4096, 1, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("hashing with valid parameters")
        .to_string()
}

fn password_matches(member: &Member, password: &str) -> bool {
    PasswordHash::new(&member.password_hash)
        .is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.contains(char::is_whitespace)
        && !domain.contains('@')
}

fn check_captcha(state: &State, tokens: Option<&Value>) -> Result<(), Refusal> {
    if !state.read().settings.require_captcha {
        return Ok(());
    }
    let tokens: Vec<&str> = tokens
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.values().filter_map(Value::as_str))
        .collect();
    if tokens.is_empty() {
        Err(Refusal::MissingCaptcha)
    } else if tokens.contains(&VALID_CAPTCHA_TOKEN) {
        Ok(())
    } else {
        Err(Refusal::InvalidCaptcha)
    }
}

fn find_by_email(state: &State, email: &str) -> Option<Member> {
    let email = email.trim().to_lowercase();
    state
        .read()
        .members
        .values()
        .find(|m| m.email == email)
        .cloned()
}

/// After the password (or the verification code) is right: verification, approval, or a session token.
fn next_step(state: &State, member: &Member) -> Step {
    let require_verification = state.read().settings.require_email_verification;
    if require_verification && !member.email_verified {
        let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
        let state_token = format!("EMU.state.{}", random_token(32));
        state.write(|data| {
            data.verifications.insert(
                token_key(&state_token),
                Verification {
                    member_id: member.id.clone(),
                    code: code.clone(),
                },
            );
            data.outbox.push(Email {
                to: member.email.clone(),
                kind: "verificationCode".to_owned(),
                code: Some(code),
                link: None,
                sent_date: state.now(),
            });
        });
        return Step::VerifyEmail { state_token };
    }
    if member.status == "PENDING" {
        return Step::OwnerApproval;
    }
    let session_token = format!("EMU.session.{}", random_token(40));
    state.write(|data| {
        data.sessions.insert(
            token_key(&session_token),
            MemberSession {
                member_id: member.id.clone(),
                expires_at: state.now().timestamp() + SESSION_SECONDS,
            },
        );
    });
    Step::Success {
        session_token,
        member_id: member.id.clone(),
    }
}

pub fn register(
    state: &State,
    email: &str,
    password: &str,
    profile: Option<Value>,
    captcha: Option<&Value>,
) -> Result<Step, Refusal> {
    check_captcha(state, captcha)?;
    let email = email.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(Refusal::InvalidEmail);
    }
    if !(4..=100).contains(&password.chars().count()) {
        return Err(Refusal::InvalidPasswordFormat);
    }
    let hash = hash_password(password);
    let member = state.write(|data| {
        if data.members.values().any(|m| m.email == email) {
            return Err(Refusal::EmailAlreadyExists);
        }
        let member = Member {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.clone(),
            password_hash: hash,
            status: if data.settings.require_owner_approval {
                "PENDING"
            } else {
                "ACTIVE"
            }
            .to_owned(),
            email_verified: false,
            must_reset_password: false,
            profile: profile.unwrap_or(Value::Null),
            created_date: state.now(),
        };
        data.members.insert(member.id.clone(), member.clone());
        Ok(member)
    })?;
    Ok(next_step(state, &member))
}

pub fn login(
    state: &State,
    email: &str,
    password: &str,
    captcha: Option<&Value>,
) -> Result<Step, Refusal> {
    check_captcha(state, captcha)?;
    let member = find_by_email(state, email).ok_or(Refusal::MemberNotFound)?;
    if !password_matches(&member, password) {
        return Err(Refusal::WrongPassword);
    }
    if member.must_reset_password {
        return Err(Refusal::ResetPassword);
    }
    Ok(next_step(state, &member))
}

pub fn verify(state: &State, code: &str, state_token: &str) -> Result<Step, Refusal> {
    let member = state.write(|data| {
        let key = token_key(state_token);
        let pending = data.verifications.get(&key).cloned();
        match pending {
            Some(v) if v.code == code.trim() => {
                data.verifications.remove(&key);
                let member = data.members.get_mut(&v.member_id)?;
                member.email_verified = true;
                Some(member.clone())
            }
            _ => None,
        }
    });
    let member = member.ok_or(Refusal::InvalidCode)?;
    Ok(next_step(state, &member))
}

/// The OAuth app a visitor- or member-token caller acts for: the SDK sends its access token as `authorization`.
pub fn caller_client(state: &State, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_start_matches("Bearer ").trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::unauthenticated(
                "Missing access token in the authorization header: get visitor tokens first",
            )
        })?;
    let now = state.now().timestamp();
    let data = state.read();
    let stored = data.access_tokens.get(&token_key(token)).and_then(|grant| {
        (grant.expires_at.is_none_or(|t| t > now) && data.apps.contains_key(&grant.client_id))
            .then(|| grant.client_id.clone())
    });
    stored
        .or_else(|| crate::tokens::visitor_client(&data, token, now))
        .ok_or_else(|| {
            ApiError::unauthenticated(
                "The access token is unknown, expired or revoked: renew it or get visitor tokens again",
            )
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    login_id: LoginId,
    password: String,
    #[serde(default)]
    profile: Option<Value>,
    #[serde(default)]
    captcha_tokens: Option<Value>,
}

#[derive(Deserialize)]
pub struct LoginId {
    email: String,
}

pub async fn register_v2(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Credentials>,
) -> Result<Json<Value>, ApiError> {
    caller_client(&state, &headers)?;
    let step = register(
        &state,
        &body.login_id.email,
        &body.password,
        body.profile,
        body.captcha_tokens.as_ref(),
    )
    .map_err(Refusal::into_api_error)?;
    Ok(Json(step.to_json()))
}

pub async fn login_v2(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Credentials>,
) -> Result<Json<Value>, ApiError> {
    caller_client(&state, &headers)?;
    let step = login(
        &state,
        &body.login_id.email,
        &body.password,
        body.captcha_tokens.as_ref(),
    )
    .map_err(Refusal::into_api_error)?;
    Ok(Json(step.to_json()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOnBody {
    login_id: LoginId,
    #[serde(default)]
    profile: Option<Value>,
    #[serde(default)]
    verify_email: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    merge_existing_contact: Option<bool>,
}

/// `POST /_api/iam/authentication/v2/sign-on`: vouched for by an API key, so no password and no captcha.
pub async fn sign_on(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SignOnBody>,
) -> Result<Json<Value>, ApiError> {
    crate::tokens::vouched_client(&state, &headers)?;
    let email = body.login_id.email.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(Refusal::InvalidEmail.into_api_error());
    }
    let member = match find_by_email(&state, &email) {
        Some(member) => member,
        None => {
            let member = Member {
                id: uuid::Uuid::new_v4().to_string(),
                email: email.clone(),
                // Nobody knows this password: such a member signs in only through external login.
                password_hash: hash_password(&random_token(32)),
                status: "ACTIVE".to_owned(),
                email_verified: false,
                must_reset_password: false,
                profile: body.profile.clone().unwrap_or(Value::Null),
                created_date: state.now(),
            };
            state.write(|data| data.members.insert(member.id.clone(), member.clone()));
            member
        }
    };
    let verified = state.write(|data| {
        let stored = data.members.get_mut(&member.id)?;
        if body.verify_email == Some(true) {
            stored.email_verified = true;
        }
        Some(stored.email_verified)
    });
    let session_token = format!("EMU.session.{}", random_token(40));
    state.write(|data| {
        data.sessions.insert(
            token_key(&session_token),
            MemberSession {
                member_id: member.id.clone(),
                expires_at: state.now().timestamp() + SESSION_SECONDS,
            },
        );
    });
    Ok(Json(json!({
        "sessionToken": session_token,
        "identity": {
            "id": member.id,
            "email": {"address": member.email, "isVerified": verified.unwrap_or(false)},
        },
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyBody {
    code: String,
    state_token: String,
}

pub async fn verify_during_authentication(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<VerifyBody>,
) -> Result<Json<Value>, ApiError> {
    caller_client(&state, &headers)?;
    let step = verify(&state, &body.code, &body.state_token).map_err(Refusal::into_api_error)?;
    Ok(Json(step.to_json()))
}

#[derive(Deserialize)]
pub struct RecoveryBody {
    email: String,
    #[serde(default)]
    redirect: Option<RecoveryRedirect>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryRedirect {
    url: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
}

/// Always `{}`, whether or not the email belongs to a member (so the call cannot probe for members).
pub async fn send_recovery_email(
    Extract(state): Extract<Arc<State>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RecoveryBody>,
) -> Result<Json<Value>, ApiError> {
    caller_client(&state, &headers)?;
    if !valid_email(body.email.trim()) {
        return Err(ApiError::field_violation(
            "email",
            Refusal::InvalidEmail.message(),
            "EMAIL",
        ));
    }
    let redirect_url = body.redirect.as_ref().and_then(|r| r.url.clone());
    let client_id = body.redirect.as_ref().and_then(|r| r.client_id.clone());
    if let Some(client) = &client_id
        && !state.read().apps.contains_key(client)
    {
        return Err(ApiError::invalid(
            "redirect.clientId",
            "is not an OAuth app of this site",
        ));
    }
    if let Some(member) = find_by_email(&state, &body.email) {
        let token = random_token(32);
        let link = state.url(&format!("reset-password/{token}"));
        state.write(|data| {
            data.resets.insert(
                token_key(&token),
                PasswordReset {
                    member_id: member.id.clone(),
                    redirect_url,
                    client_id,
                },
            );
            data.outbox.push(Email {
                to: member.email.clone(),
                kind: "passwordReset".to_owned(),
                code: None,
                link: Some(link),
                sent_date: state.now(),
            });
        });
    }
    Ok(Json(json!({})))
}

/// `GET /reset-password/{token}`: the page the reset email links to (a browser opens it; the token is its
/// credential).
pub async fn reset_page(
    Extract(state): Extract<Arc<State>>,
    Path(token): Path<String>,
) -> Response {
    if !state.read().resets.contains_key(&token_key(&token)) {
        return page::message(
            StatusCode::NOT_FOUND,
            "Link expired",
            "This password-reset link was used already or never existed.",
        );
    }
    Html(page::layout(
        "Reset your password",
        &format!(
            r#"<form method="post" action="{}">
  <label>New password <input type="password" name="password" autocomplete="new-password" required minlength="4"></label>
  <button type="submit" data-testid="reset-submit">Set password</button>
</form>"#,
            page::escape(&format!("/reset-password/{token}"))
        ),
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset_submit(
    Extract(state): Extract<Arc<State>>,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<ResetForm>,
) -> Response {
    if !(4..=100).contains(&form.password.chars().count()) {
        return page::message(
            StatusCode::BAD_REQUEST,
            "Password not changed",
            Refusal::InvalidPasswordFormat.message(),
        );
    }
    let hash = hash_password(&form.password);
    let reset = state.write(|data| {
        let reset = data.resets.remove(&token_key(&token))?;
        let member = data.members.get_mut(&reset.member_id)?;
        member.password_hash = hash;
        member.must_reset_password = false;
        Some(reset)
    });
    match reset {
        Some(PasswordReset {
            redirect_url: Some(url),
            client_id,
            ..
        }) => {
            let allowed = client_id.is_some_and(|client| {
                state
                    .read()
                    .apps
                    .get(&client)
                    .is_some_and(|app| crate::oauth_apps::redirect_allowed(&app.app, &url))
            });
            if allowed {
                Redirect::to(&url).into_response()
            } else {
                page::message(
                    StatusCode::BAD_REQUEST,
                    "Password changed",
                    "Your password was changed, but this page does not go back to the site: the link's return \
                     address is not one of the OAuth app's allowed redirect URIs or domains. Log in with the new \
                     password.",
                )
            }
        }
        Some(_) => page::message(
            StatusCode::OK,
            "Password changed",
            "Log in with the new password.",
        ),
        None => page::message(
            StatusCode::NOT_FOUND,
            "Link expired",
            "This password-reset link was used already or never existed.",
        ),
    }
}

// Emulator-only member routes.

pub async fn list(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    let data = state.read();
    let mut members: Vec<&Member> = data.members.values().collect();
    members.sort_by_key(|m| m.created_date);
    Json(json!({"members": members.iter().map(|m| m.public()).collect::<Vec<_>>()}))
}

pub async fn clear(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    state.write(|data| {
        data.members.clear();
        data.sessions.clear();
        data.verifications.clear();
        data.resets.clear();
        data.codes.clear();
        data.access_tokens.retain(|_, g| g.role != "member");
        data.refresh_tokens.retain(|_, g| g.role != "member");
    });
    Json(json!({}))
}

pub async fn approve(
    Extract(state): Extract<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .write(|data| {
            let member = data.members.get_mut(&id)?;
            member.status = "ACTIVE".to_owned();
            Some(member.public())
        })
        .map(|m| Json(json!({"member": m})))
        .ok_or_else(|| ApiError::not_found(format!("No member with ID {id}")))
}

pub async fn require_reset(
    Extract(state): Extract<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .write(|data| {
            let member = data.members.get_mut(&id)?;
            member.must_reset_password = true;
            Some(member.public())
        })
        .map(|m| Json(json!({"member": m})))
        .ok_or_else(|| ApiError::not_found(format!("No member with ID {id}")))
}

pub async fn outbox(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    Json(json!({"emails": state.read().outbox}))
}

pub async fn clear_outbox(Extract(state): Extract<Arc<State>>) -> Json<Value> {
    state.write(|data| data.outbox.clear());
    Json(json!({}))
}
