//! Projects: the built-in sandbox plus any Wix projects the user connects.
//!
//! The list lives in `<data dir>/projects.json` and holds no secret: a project's API key goes to the keyring
//! through [`Secrets`], which also remembers every other entry a project owns (app secrets, tokens, pending
//! logins), so removing a project deletes them all.

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use vault::Secret;

use crate::error::{CoreError, Result};
use crate::files::JsonFile;
use crate::secrets::{Entry, Owner, Secrets};

/// The sandbox project's fixed ID.
pub const SANDBOX_ID: &str = "sandbox";
pub(crate) const FILE_NAME: &str = "projects.json";
const FILE_VERSION: u32 = 1;

/// Which Wix scope a project's admin calls address: one site (`wix-site-id`) or a whole account
/// (`wix-account-id`). The built-in sandbox addresses the local emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ProjectTarget {
    Sandbox,
    #[serde(rename_all = "camelCase")]
    Site {
        site_id: String,
    },
    #[serde(rename_all = "camelCase")]
    Account {
        account_id: String,
    },
}

/// A project as stored and as shown (never with its API key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    pub target: ProjectTarget,
    /// RFC 3339.
    pub created_at: String,
}

impl Project {
    pub fn is_sandbox(&self) -> bool {
        self.target == ProjectTarget::Sandbox
    }
}

/// What the user types to connect a Wix project. No `Debug`: it carries the API key.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewProject {
    pub name: String,
    /// Sent once, straight into the keyring.
    pub api_key: Secret,
    pub target: ProjectTarget,
}

#[derive(Serialize)]
struct ProjectFile<'a> {
    version: u32,
    projects: &'a [Project],
}

/// A project as earlier versions wrote it: they listed saved secrets and tokens in the file (the ledger now
/// lives with [`Secrets`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredProject {
    #[serde(flatten)]
    project: Project,
    #[serde(default)]
    saved_secrets: Vec<String>,
    #[serde(default)]
    saved_tokens: Vec<String>,
}

#[derive(Deserialize)]
struct StoredFile {
    version: u32,
    projects: Vec<StoredProject>,
}

/// The project list, kept in memory and written through to its file on every change.
pub struct Projects {
    file: JsonFile,
    list: Mutex<Vec<Project>>,
}

impl Projects {
    /// Load `<data_dir>/projects.json` (or start with the sandbox alone). Keyring entries that earlier versions
    /// listed in the file are handed to `secrets`' ledger.
    pub async fn open(data_dir: &Path, secrets: &Secrets) -> Result<Self> {
        let file = JsonFile::new(data_dir.join(FILE_NAME));
        let stored = file.read::<StoredFile>().await?;
        if let Some(stored) = &stored
            && stored.version != FILE_VERSION
        {
            return Err(CoreError::CorruptFile {
                path: file.path().display().to_string(),
                reason: format!("version {} is not {FILE_VERSION}", stored.version),
            });
        }
        let stored = stored.map(|f| f.projects).unwrap_or_default();
        let mut earlier = Vec::new();
        for p in &stored {
            let project = || p.project.id.clone();
            if !p.project.is_sandbox() {
                earlier.push(Entry::ApiKey { project: project() });
            }
            earlier.extend(p.saved_secrets.iter().map(|c| Entry::AppSecret {
                project: project(),
                client: c.clone(),
            }));
            earlier.extend(p.saved_tokens.iter().map(|c| Entry::MemberTokens {
                project: project(),
                client: c.clone(),
            }));
        }
        secrets.adopt(earlier).await?;
        let mut list: Vec<Project> = stored.into_iter().map(|p| p.project).collect();
        let fresh = !list.iter().any(Project::is_sandbox);
        if fresh {
            list.insert(
                0,
                Project {
                    id: SANDBOX_ID.to_owned(),
                    name: "Sandbox (local emulator)".to_owned(),
                    target: ProjectTarget::Sandbox,
                    created_at: now(),
                },
            );
        }
        let projects = Self {
            file,
            list: Mutex::new(list),
        };
        projects.save(projects.list()).await?;
        Ok(projects)
    }

    pub fn list(&self) -> Vec<Project> {
        self.lock().clone()
    }

    pub fn get(&self, id: &str) -> Result<Project> {
        self.lock()
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| CoreError::UnknownProject(id.to_owned()))
    }

    /// Check what the user typed, naming the field at fault; returns the project as it would be recorded.
    pub fn check(new: &NewProject) -> Result<Project> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid(
                "name",
                "Name: give the project a name of 1 to 100 characters.",
            ));
        }
        let api_key = new.api_key.expose().trim();
        if api_key.len() < 8 || api_key.chars().any(char::is_whitespace) {
            return Err(CoreError::invalid(
                "apiKey",
                "API key: paste the whole key from the Wix dashboard (API Keys); it has no spaces.",
            ));
        }
        let target = match &new.target {
            ProjectTarget::Sandbox => {
                return Err(CoreError::invalid(
                    "target",
                    "Target: the sandbox is built in; choose a site or an account.",
                ));
            }
            ProjectTarget::Site { site_id } => ProjectTarget::Site {
                site_id: checked_id("siteId", "Site ID", site_id)?,
            },
            ProjectTarget::Account { account_id } => ProjectTarget::Account {
                account_id: checked_id("accountId", "Account ID", account_id)?,
            },
        };
        Ok(Project {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            target,
            created_at: now(),
        })
    }

    /// Validate, put the API key in the keyring, then record the project. If the keyring refuses, nothing is
    /// recorded; if the file cannot be written, the key is taken back out.
    pub async fn add(&self, secrets: &Arc<Secrets>, new: NewProject) -> Result<Project> {
        let project = Self::check(&new)?;
        let key = Entry::ApiKey {
            project: project.id.clone(),
        };
        secrets
            .set(&key, Secret::new(new.api_key.expose().trim().to_owned()))
            .await?;
        let snapshot = {
            let mut list = self.lock();
            list.push(project.clone());
            list.clone()
        };
        if let Err(e) = self.save(snapshot).await {
            self.lock().retain(|p| p.id != project.id);
            let _ = secrets
                .remove_owned_by(&Owner::Project(project.id.clone()))
                .await;
            return Err(e);
        }
        Ok(project)
    }

    /// Delete every keyring entry the project owns, then forget it. The sandbox cannot be removed.
    pub async fn remove(&self, secrets: &Secrets, id: &str) -> Result<()> {
        let project = self.get(id)?;
        if project.is_sandbox() {
            return Err(CoreError::SandboxIsPermanent);
        }
        secrets
            .remove_owned_by(&Owner::Project(project.id.clone()))
            .await?;
        let snapshot = {
            let mut list = self.lock();
            list.retain(|p| p.id != id);
            list.clone()
        };
        self.save(snapshot).await
    }

    async fn save(&self, projects: Vec<Project>) -> Result<()> {
        self.file
            .save(&ProjectFile {
                version: FILE_VERSION,
                projects: &projects,
            })
            .await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Project>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Wix site and account IDs are GUIDs.
fn checked_id(field: &str, label: &str, value: &str) -> Result<String> {
    let value = value.trim();
    uuid::Uuid::parse_str(value)
        .map(|_| value.to_owned())
        .map_err(|_| {
            CoreError::invalid(
                field,
                format!("{label}: paste the ID from the Wix dashboard URL; it looks like 1a2b3c4d-1234-4abc-9def-0123456789ab."),
            )
        })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::{MemoryStore, SecretStore};

    const SITE: &str = "1a2b3c4d-1234-4abc-9def-0123456789ab";

    fn site_project(name: &str) -> NewProject {
        NewProject {
            name: name.into(),
            api_key: Secret::from("IST.eyJraWQiOiJQb3pIX2FDMiIsImFsZyI6IlJTMjU2In0"),
            target: ProjectTarget::Site {
                site_id: SITE.into(),
            },
        }
    }

    async fn open(dir: &Path, store: Arc<MemoryStore>) -> (Projects, Arc<Secrets>) {
        let secrets = Secrets::open(dir, store).await.unwrap();
        (Projects::open(dir, &secrets).await.unwrap(), secrets)
    }

    #[tokio::test]
    async fn a_fresh_list_has_only_the_sandbox_and_is_written_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (projects, _) = open(dir.path(), Arc::default()).await;
        let list = projects.list();
        assert_eq!(list.len(), 1);
        assert!(list[0].is_sandbox());
        assert!(dir.path().join(FILE_NAME).exists());
    }

    #[tokio::test]
    async fn an_added_project_keeps_its_key_in_the_vault_and_never_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let (projects, secrets) = open(dir.path(), store.clone()).await;
        let p = projects.add(&secrets, site_project("Shop")).await.unwrap();
        let file = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(file.contains("Shop") && file.contains(SITE));
        assert!(
            !file.contains("IST.eyJ"),
            "the API key reached the project file"
        );
        let key = store.get(&format!("api-key/{}", p.id)).unwrap().unwrap();
        assert!(key.expose().starts_with("IST."));
        // and it survives a restart
        let (reopened, _) = open(dir.path(), store).await;
        assert_eq!(reopened.get(&p.id).unwrap().name, "Shop");
    }

    #[tokio::test]
    async fn bad_input_names_the_field_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let (projects, secrets) = open(dir.path(), store.clone()).await;
        let mut bad_site = site_project("Shop");
        bad_site.target = ProjectTarget::Site {
            site_id: "not-a-guid".into(),
        };
        let mut bad_key = site_project("Shop");
        bad_key.api_key = Secret::from("short");
        for (input, field) in [
            (site_project("  "), "name"),
            (bad_site, "siteId"),
            (bad_key, "apiKey"),
        ] {
            match projects.add(&secrets, input).await {
                Err(CoreError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected an error on {field}, got {other:?}"),
            }
        }
        assert_eq!(projects.list().len(), 1);
        assert!(store.names().is_empty());
    }

    #[tokio::test]
    async fn a_refusing_vault_records_no_project() {
        let dir = tempfile::tempdir().unwrap();
        let (projects, secrets) = open(dir.path(), Arc::new(MemoryStore::failing_writes())).await;
        let err = projects
            .add(&secrets, site_project("Shop"))
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::Vault(_)));
        assert_eq!(projects.list().len(), 1);
    }

    #[tokio::test]
    async fn removing_a_project_deletes_every_keyring_entry_it_owns_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let (projects, secrets) = open(dir.path(), store.clone()).await;
        let shop = projects.add(&secrets, site_project("Shop")).await.unwrap();
        let blog = projects.add(&secrets, site_project("Blog")).await.unwrap();
        for project in [&shop.id, &blog.id] {
            let sink = secrets.secret_sink(project);
            wix_client::store::SecretSink::keep(&sink, "c1", &Secret::from("s"))
                .await
                .unwrap();
            let tokens = wix_client::visitor::Tokens {
                access_token: Secret::from("a"),
                expires_at: Some(chrono::Utc::now()),
                refresh_token: Secret::from("r"),
                role: wix_client::visitor::Role::Member,
            };
            secrets
                .token_store(project, "c1")
                .save(&tokens)
                .await
                .unwrap();
        }
        projects.remove(&secrets, &shop.id).await.unwrap();
        assert_eq!(
            store.names(),
            [
                format!("api-key/{}", blog.id),
                format!("member-tokens/{}/c1", blog.id),
                format!("oauth-app-secret/{}/c1", blog.id),
            ]
        );
        assert!(matches!(
            projects.get(&shop.id),
            Err(CoreError::UnknownProject(_))
        ));
        assert!(matches!(
            projects.remove(&secrets, SANDBOX_ID).await,
            Err(CoreError::SandboxIsPermanent)
        ));
    }

    #[tokio::test]
    async fn entries_listed_by_an_earlier_version_are_adopted_and_removed_with_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        for name in [
            "api-key/p1",
            "oauth-app-secret/p1/c1",
            "member-tokens/p1/c2",
        ] {
            store.set(name, &Secret::from("old")).unwrap();
        }
        std::fs::write(
            dir.path().join(FILE_NAME),
            serde_json::json!({"version": 1, "projects": [{
                "id": "p1", "name": "Old", "createdAt": "2026-01-01T00:00:00Z",
                "target": {"type": "site", "siteId": SITE},
                "savedSecrets": ["c1"], "savedTokens": ["c2"]
            }]})
            .to_string(),
        )
        .unwrap();
        let (projects, secrets) = open(dir.path(), store.clone()).await;
        assert_eq!(projects.list().len(), 2, "the sandbox is added");
        projects.remove(&secrets, "p1").await.unwrap();
        assert!(store.names().is_empty(), "left behind: {:?}", store.names());
    }

    #[tokio::test]
    async fn a_damaged_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{ not json").unwrap();
        let secrets = Secrets::open(dir.path(), Arc::new(MemoryStore::default()))
            .await
            .unwrap();
        assert!(matches!(
            Projects::open(dir.path(), &secrets).await,
            Err(CoreError::CorruptFile { .. })
        ));
        assert_eq!(
            std::fs::read(dir.path().join(FILE_NAME)).unwrap(),
            b"{ not json"
        );
    }
}
