//! [`Desk`]: the operations behind the app's commands, tying projects, the vault, the sandbox and the Wix client
//! together.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use vault::{Secret, SecretStore};
use wix_client::oauth_apps::{self as wire, OAuthAppsClient};
use wix_client::{AdminAuth, ClientConfig};

use crate::error::{CoreError, Result};
use crate::oauth_apps::{
    AppSecret, AppsPage, AppsQuery, CreatedApp, DomainMapping, OAuthAppDetails, OAuthAppFields,
    OAuthAppRow, SecretStorage, SortField, SortOrder,
};
use crate::projects::{NewProject, Project, ProjectTarget, Projects, SANDBOX_ID};
use crate::sandbox::Sandbox;
use crate::secrets::{Entry, Owner, Secrets};
use crate::sign_in::{SignIn, Target as SignInTarget};
use crate::wix_apps::{Bases, WixApps};

/// One field the user must fix, named as the form names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCheck {
    /// How many OAuth apps the project has, when Wix says.
    pub oauth_apps: Option<u32>,
    pub millis: u32,
}

/// Where a desk sends its calls, and how long browser logins wait. The defaults are Wix's; tests point them at an
/// emulator (the app's shell decides whether such a switch exists in a build). No `Debug`: it may carry the
/// sandbox's admin token.
#[derive(Clone)]
pub struct DeskOptions {
    /// Where browser logins return: the app's deep link (`<scheme>://callback`).
    pub redirect_uri: String,
    /// Where connected Wix projects' APIs are (`https://www.wixapis.com/`).
    pub wix_api: url::Url,
    /// Where Wix's installer pages are, for Wix app OAuth (`https://www.wix.com/`).
    pub wix_installer: url::Url,
    /// How long a browser login waits for its callback.
    pub login_deadline: std::time::Duration,
    /// The sandbox's admin token (default: a fresh random one each run, held only by this process).
    pub sandbox_admin_token: Option<String>,
    /// Run a [detached](Sandbox::detached) sandbox (in memory, sharing nothing) instead of the data folder's: for a
    /// process that works on connected projects only, so it neither waits for nor blocks the app's sandbox.
    /// Default: `false` (the data folder's sandbox, under its lock).
    pub detached_sandbox: bool,
    /// Serve the loopback App URL and Redirect URL of every advanced Wix app profile (as the app does while it
    /// runs). Default: `true`; a short-lived command that does not use Wix app OAuth turns it off.
    pub serve_wix_app_urls: bool,
}

impl Default for DeskOptions {
    fn default() -> Self {
        Self {
            redirect_uri: DEFAULT_REDIRECT_URI.to_owned(),
            wix_api: ClientConfig::default().base_url,
            wix_installer: url::Url::parse("https://www.wix.com/").expect("a URL"),
            login_deadline: wix_client::callback::DEFAULT_DEADLINE,
            sandbox_admin_token: None,
            detached_sandbox: false,
            serve_wix_app_urls: true,
        }
    }
}

pub struct Desk {
    pub projects: Arc<Projects>,
    /// The one writer of keyring entries.
    pub secrets: Arc<Secrets>,
    pub sandbox: Arc<Sandbox>,
    /// Member sign-in: pending browser logins, token sessions, the request timeline.
    pub sign_in: SignIn,
    /// Wix app OAuth profiles and their loopback App URL / Redirect URL servers.
    pub wix_apps: Arc<WixApps>,
    wix_base: url::Url,
    data_dir: std::path::PathBuf,
}

/// Where member sign-in returns by default: the app's deep link.
pub const DEFAULT_REDIRECT_URI: &str = "oauthdesk://callback";

impl Desk {
    /// Open the project list and start the sandbox, with Wix's defaults.
    pub async fn open(data_dir: &Path, store: Arc<dyn SecretStore>) -> Result<Self> {
        Self::open_with(data_dir, store, DeskOptions::default()).await
    }

    /// Open with `options`. No keyring call is made here: a locked keyring must not keep the window from opening.
    pub async fn open_with(
        data_dir: &Path,
        store: Arc<dyn SecretStore>,
        options: DeskOptions,
    ) -> Result<Self> {
        let secrets = Secrets::open(data_dir, store).await?;
        let projects = Arc::new(Projects::open(data_dir, &secrets).await?);
        let sandbox = Arc::new(if options.detached_sandbox {
            Sandbox::detached().await?
        } else {
            Sandbox::start(data_dir, options.sandbox_admin_token.clone()).await?
        });
        let wix_bases = Bases {
            api: options.wix_api.clone(),
            installer: options.wix_installer,
        };
        let wix_apps = WixApps::open(data_dir, secrets.clone(), sandbox.clone(), wix_bases).await?;
        if options.serve_wix_app_urls {
            wix_apps.serve_all().await;
        }
        let deadline = options
            .login_deadline
            .min(wix_client::callback::MAX_LIFETIME);
        Ok(Self {
            projects,
            wix_apps,
            sign_in: SignIn::new(secrets.clone(), options.redirect_uri).with_deadline(deadline),
            secrets,
            sandbox,
            wix_base: options.wix_api,
            data_dir: data_dir.to_owned(),
        })
    }

    /// Where the desk keeps its files.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where connected projects' Wix API is (Wix's, unless a test moved it).
    pub fn wix_base(&self) -> &url::Url {
        &self.wix_base
    }

    /// Where a project's Wix API is: the sandbox emulator, or Wix.
    pub fn base_url_of(&self, project: &Project) -> url::Url {
        match project.target {
            ProjectTarget::Sandbox => self.sandbox.base_url().clone(),
            _ => self.wix_base.clone(),
        }
    }

    /// A project + OAuth app for member sign-in.
    pub fn sign_in_target(&self, project_id: &str, client_id: &str) -> Result<SignInTarget> {
        let project = self.projects.get(project_id)?;
        let client_id = client_id.trim();
        if client_id.is_empty() {
            return Err(CoreError::invalid(
                "clientId",
                "Pick an OAuth app (its client ID) to sign in with.",
            ));
        }
        Ok(SignInTarget {
            base_url: self.base_url_of(&project),
            project_id: project.id,
            client_id: client_id.to_owned(),
        })
    }

    /// Finish a browser login from a deep link (see [`SignIn::complete`]).
    pub async fn complete_sign_in(&self, url: &str) -> crate::sign_in::CallbackOutcome {
        self.sign_in
            .complete(url, |project_id| {
                self.projects
                    .get(project_id)
                    .ok()
                    .map(|p| self.base_url_of(&p))
            })
            .await
    }

    /// The project's API key for external login: typed for one use, or the one in the keyring (the sandbox's is
    /// well known).
    pub async fn api_key_for(&self, project_id: &str, typed: Option<Secret>) -> Result<Secret> {
        if let Some(key) = typed
            .map(|k| k.expose().trim().to_owned())
            .filter(|k| !k.is_empty())
        {
            return Ok(Secret::new(key));
        }
        let project = self.projects.get(project_id)?;
        if project.is_sandbox() {
            return Ok(Secret::new(self.sandbox.admin().api_key.clone()));
        }
        self.secrets
            .get(&Entry::ApiKey {
                project: project.id,
            })
            .await?
            .ok_or_else(|| {
                CoreError::invalid(
                    "apiKey",
                    "No API key is saved for this project: type one to use once.",
                )
            })
    }

    /// The client and credentials for a project's admin calls. The API key comes from the vault.
    async fn admin(&self, project_id: &str) -> Result<(OAuthAppsClient, AdminAuth, Project)> {
        let project = self.projects.get(project_id)?;
        let (base, auth) = match &project.target {
            ProjectTarget::Sandbox => {
                let admin = self.sandbox.admin();
                (
                    self.sandbox.base_url().clone(),
                    AdminAuth::site(Secret::new(admin.api_key.clone()), &admin.site_id),
                )
            }
            target => {
                let entry = Entry::ApiKey {
                    project: project.id.clone(),
                };
                let key = self.secrets.get(&entry).await?.ok_or_else(|| {
                    CoreError::NotFound(format!(
                        "The API key of “{}” is not in the OS keyring any more; remove the project and connect it again.",
                        project.name
                    ))
                })?;
                let auth = admin_auth(target, key);
                (self.wix_base.clone(), auth)
            }
        };
        let client = OAuthAppsClient::new(ClientConfig::with_base_url(base))?;
        Ok((client, auth, project))
    }

    /// Connect a Wix project: check the input, prove the key with one call (so a wrong key, a missing permission
    /// or a wrong site ID is said now, and nothing is saved), then keep the key in the vault and the rest in the
    /// project list.
    pub async fn add_project(&self, new: NewProject) -> Result<Project> {
        let checked = Projects::check(&new)?;
        let auth = admin_auth(
            &checked.target,
            Secret::new(new.api_key.expose().trim().to_owned()),
        );
        let client = OAuthAppsClient::new(ClientConfig::with_base_url(self.wix_base.clone()))?;
        probe(&client, &auth).await?;
        self.projects.add(&self.secrets, new).await
    }

    /// Remove a connected project and everything it owns: its held tokens and pending logins in memory, then
    /// every keyring entry (API key, app secrets, tokens, pending logins), then its place in the list.
    pub async fn remove_project(&self, project_id: &str) -> Result<()> {
        let project = self.projects.get(project_id)?;
        if project.is_sandbox() {
            return Err(CoreError::SandboxIsPermanent);
        }
        self.sign_in.forget_project(&project.id);
        self.projects.remove(&self.secrets, &project.id).await
    }

    /// One call that needs the key and the permission: the cheapest honest proof the project works.
    pub async fn test_connection(&self, project_id: &str) -> Result<ConnectionCheck> {
        let (client, auth, _) = self.admin(project_id).await?;
        let started = std::time::Instant::now();
        let page = probe(&client, &auth).await?;
        Ok(ConnectionCheck {
            oauth_apps: page.total,
            millis: started.elapsed().as_millis() as u32,
        })
    }

    pub async fn query_apps(&self, project_id: &str, query: &AppsQuery) -> Result<AppsPage> {
        if !(1..=100).contains(&query.limit) {
            return Err(CoreError::invalid(
                "limit",
                "Page size: choose 1 to 100 apps per page.",
            ));
        }
        let (client, auth, project) = self.admin(project_id).await?;
        let sort = match query.sort {
            SortField::Default => None,
            SortField::Name => Some(wire::SortField::Name),
            SortField::CreatedDate => Some(wire::SortField::CreatedDate),
        }
        .map(|field| {
            (
                field,
                if query.order == SortOrder::Desc {
                    wire::SortOrder::Desc
                } else {
                    wire::SortOrder::Asc
                },
            )
        });
        let wire_query = wire::Query {
            id: query
                .client_id
                .clone()
                .filter(|c| !c.trim().is_empty())
                .map(|c| c.trim().to_owned()),
            sort,
            offset: query.offset,
            limit: query.limit,
        };
        let page = client.query(&auth, &wire_query).await?;
        Ok(AppsPage {
            apps: page
                .apps
                .iter()
                .map(|a| row(a, self.secret_saved(&project, &a.id)))
                .collect(),
            offset: page.offset,
            limit: query.limit,
            total: page.total,
        })
    }

    pub async fn get_app(&self, project_id: &str, client_id: &str) -> Result<OAuthAppDetails> {
        let (client, auth, project) = self.admin(project_id).await?;
        let app = client.get(&auth, client_id).await?;
        Ok(details(&app, self.secret_saved(&project, &app.id)))
    }

    /// Whether the keyring holds the app's secret (by the ledger: no keyring call).
    fn secret_saved(&self, project: &Project, client_id: &str) -> bool {
        self.secrets.holds(&Entry::AppSecret {
            project: project.id.clone(),
            client: client_id.to_owned(),
        })
    }

    /// The same checks the client runs before sending, for validation as the user types.
    pub fn validate(fields: &OAuthAppFields) -> Vec<FieldError> {
        match wire::validate(&to_wire(fields)) {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        }
    }

    /// Create an app; its secret goes to the vault before this returns, and is handed back for the one-time dialog.
    pub async fn create_app(
        &self,
        project_id: &str,
        fields: &OAuthAppFields,
    ) -> Result<CreatedApp> {
        let (client, auth, project) = self.admin(project_id).await?;
        let sink = self.secrets.secret_sink(&project.id);
        let created = client
            .create_and_store(&auth, &to_wire(fields), &sink)
            .await?;
        Ok(CreatedApp {
            app: details(&created.app, self.secret_saved(&project, &created.app.id)),
            secret: created.secret.as_ref().map(|s| s.expose().to_owned()),
            storage: storage_of(created.storage),
        })
    }

    /// "Generate secret": ask Wix for a new client secret (`generate-secret`), which it allows **once** per app
    /// ([`OAuthAppDetails::allow_secret_generation`]); the previous secret stops working, so confirm with the user
    /// first. The secret goes into the keyring before this returns (as a created app's does), and comes back for the
    /// one-time dialog. A lost answer is never sent again: the secret is read back from Wix instead
    /// ([`AppSecret::recovered`]). An API key without the permission gets an error naming it
    /// (`wix_client::Error::MissingPermission`, `OAUTH_APP.APP_UPDATE`).
    pub async fn generate_secret(&self, project_id: &str, client_id: &str) -> Result<AppSecret> {
        let client_id = check_client_id(client_id)?;
        let (client, auth, project) = self.admin(project_id).await?;
        let sink = self.secrets.secret_sink(&project.id);
        let generated = client
            .generate_secret_and_store(&auth, client_id, &sink)
            .await?;
        Ok(AppSecret {
            client_id: client_id.to_owned(),
            secret: generated.secret.expose().to_owned(),
            storage: storage_of(generated.storage),
            recovered: generated.recovered,
        })
    }

    /// "Read secret from Wix" (`getOAuthAppSecret`): the app's current secret, kept in the keyring before this
    /// returns. Needs the `headless:v1:o_auth_app:get_o_auth_app_secret` permission (named in the error when
    /// missing).
    pub async fn read_secret_from_wix(
        &self,
        project_id: &str,
        client_id: &str,
    ) -> Result<AppSecret> {
        let client_id = check_client_id(client_id)?;
        let (client, auth, project) = self.admin(project_id).await?;
        let secret = client.get_secret(&auth, client_id).await?;
        let sink = self.secrets.secret_sink(&project.id);
        let storage = match wix_client::store::SecretSink::keep(&sink, client_id, &secret).await {
            Ok(()) => SecretStorage::Saved,
            Err(e) => SecretStorage::NotSaved {
                reason: e.to_string(),
            },
        };
        Ok(AppSecret {
            client_id: client_id.to_owned(),
            secret: secret.expose().to_owned(),
            storage,
            recovered: false,
        })
    }

    /// What the captcha field of a project's custom login shows (site keys, how to get a token; the sandbox's
    /// test token for the sandbox).
    pub fn captcha_help(&self, project_id: &str) -> Result<crate::sign_in::CaptchaHelp> {
        let project = self.projects.get(project_id)?;
        Ok(crate::sign_in::CaptchaHelp::new(project.is_sandbox()))
    }

    /// Send only the fields that differ between `original` (as the user began editing) and `edited`.
    pub async fn update_app(
        &self,
        project_id: &str,
        client_id: &str,
        original: &OAuthAppFields,
        edited: &OAuthAppFields,
    ) -> Result<OAuthAppDetails> {
        let (client, auth, project) = self.admin(project_id).await?;
        let stored = wire::OAuthApp {
            id: client_id.to_owned(),
            created_date: None,
            allow_secret_generation: None,
            fields: to_wire(original),
        };
        let mut updated = client.update(&auth, &stored, &to_wire(edited)).await?;
        if updated.created_date.is_none() {
            // Nothing changed, so nothing was sent: read the app as it is.
            updated = client.get(&auth, client_id).await?;
        }
        Ok(details(&updated, self.secret_saved(&project, client_id)))
    }

    /// Delete the app on Wix, then its saved secret here.
    pub async fn delete_app(&self, project_id: &str, client_id: &str) -> Result<()> {
        let (client, auth, project) = self.admin(project_id).await?;
        client.delete(&auth, client_id).await?;
        if self.secret_saved(&project, client_id) {
            self.delete_secret(project_id, client_id).await?;
        }
        Ok(())
    }

    /// The saved client secret, for an explicit reveal or copy.
    pub async fn saved_secret(&self, project_id: &str, client_id: &str) -> Result<Secret> {
        let project = self.projects.get(project_id)?;
        let entry = Entry::AppSecret {
            project: project.id,
            client: client_id.to_owned(),
        };
        self.secrets.get(&entry).await?.ok_or_else(|| {
            CoreError::NotFound(
                "OAuth Desk holds no secret for this app: Wix shows it only once, at creation."
                    .into(),
            )
        })
    }

    pub async fn delete_secret(&self, project_id: &str, client_id: &str) -> Result<()> {
        let project = self.projects.get(project_id)?;
        let entry = Entry::AppSecret {
            project: project.id,
            client: client_id.to_owned(),
        };
        self.secrets.delete(&entry).await.map(|_| ())
    }

    /// Delete everything the app saved for the sandbox (secrets, tokens, pending logins, in memory and in the
    /// keyring) and put the emulator back to its seed.
    pub async fn reset_sandbox(&self) -> Result<()> {
        self.sign_in.forget_project(SANDBOX_ID);
        self.secrets
            .remove_owned_by(&Owner::Project(SANDBOX_ID.to_owned()))
            .await?;
        self.sandbox.reset();
        Ok(())
    }
}

fn storage_of(storage: wire::SecretStorage) -> SecretStorage {
    match storage {
        wire::SecretStorage::Saved => SecretStorage::Saved,
        wire::SecretStorage::NotSaved(reason) => SecretStorage::NotSaved { reason },
        wire::SecretStorage::NotReturned => SecretStorage::NotReturned,
    }
}

/// A client ID from the UI, trimmed; empty is refused before anything is sent.
fn check_client_id(client_id: &str) -> Result<&str> {
    let client_id = client_id.trim();
    if client_id.is_empty() {
        return Err(CoreError::invalid(
            "clientId",
            "Pick an OAuth app (its client ID).",
        ));
    }
    Ok(client_id)
}

/// Admin credentials for a real (non-sandbox) project's target.
fn admin_auth(target: &ProjectTarget, key: Secret) -> AdminAuth {
    match target {
        ProjectTarget::Site { site_id } => AdminAuth::site(key, site_id),
        ProjectTarget::Account { account_id } => AdminAuth::account(key, account_id),
        ProjectTarget::Sandbox => unreachable!("the sandbox uses the emulator's own credentials"),
    }
}

/// The cheapest call that needs the key, its permission and the right site or account: one app.
async fn probe(client: &OAuthAppsClient, auth: &AdminAuth) -> Result<wire::Page> {
    let one = wire::Query {
        limit: 1,
        ..wire::Query::default()
    };
    Ok(client.query(auth, &one).await?)
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn to_wire(f: &OAuthAppFields) -> wire::OAuthAppFields {
    wire::OAuthAppFields {
        name: f.name.trim().to_owned(),
        description: f.description.clone(),
        allowed_redirect_uris: f
            .allowed_redirect_uris
            .iter()
            .map(|u| u.trim().to_owned())
            .collect(),
        allowed_redirect_domains: f
            .allowed_redirect_domains
            .iter()
            .map(|d| d.trim().to_owned())
            .collect(),
        login_url: opt(&f.login_url),
        logout_url: opt(&f.logout_url),
        application_type: f.application_type.as_str().into(),
        technology: f.technology.as_str().into(),
        wix_pages_domains_mappings: f
            .wix_pages_domains_mappings
            .iter()
            .map(|m| wire::DomainMapping {
                origin: m.origin.trim().to_owned(),
                destination: m.destination.trim().to_owned(),
            })
            .collect(),
        redirect_url_wix_pages: opt(&f.redirect_url_wix_pages),
    }
}

fn from_wire(f: &wire::OAuthAppFields) -> OAuthAppFields {
    OAuthAppFields {
        name: f.name.clone(),
        description: f.description.clone(),
        application_type: f.application_type.to_string(),
        technology: f.technology.to_string(),
        allowed_redirect_uris: f.allowed_redirect_uris.clone(),
        allowed_redirect_domains: f.allowed_redirect_domains.clone(),
        login_url: f.login_url.clone().unwrap_or_default(),
        logout_url: f.logout_url.clone().unwrap_or_default(),
        wix_pages_domains_mappings: f
            .wix_pages_domains_mappings
            .iter()
            .map(|m| DomainMapping {
                origin: m.origin.clone(),
                destination: m.destination.clone(),
            })
            .collect(),
        redirect_url_wix_pages: f.redirect_url_wix_pages.clone().unwrap_or_default(),
    }
}

fn date(app: &wire::OAuthApp) -> String {
    app.created_date
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn row(app: &wire::OAuthApp, secret_saved: bool) -> OAuthAppRow {
    OAuthAppRow {
        id: app.id.clone(),
        name: app.fields.name.clone(),
        application_type: app.fields.application_type.to_string(),
        technology: app.fields.technology.to_string(),
        created_date: date(app),
        redirect_uri_count: u32::try_from(app.fields.allowed_redirect_uris.len())
            .unwrap_or(u32::MAX),
        secret_saved,
    }
}

fn details(app: &wire::OAuthApp, secret_saved: bool) -> OAuthAppDetails {
    OAuthAppDetails {
        id: app.id.clone(),
        created_date: date(app),
        fields: from_wire(&app.fields),
        secret_saved,
        allow_secret_generation: app.allow_secret_generation,
    }
}
