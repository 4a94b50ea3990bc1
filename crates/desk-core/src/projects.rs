//! Projects: the built-in sandbox plus any Wix projects the user connects.
//!
//! The list lives in `<data dir>/projects.json` and holds no secret: a project's API key goes to the vault under
//! [`vault::entry::project_api_key`]. The file also remembers *which* client secrets and token sets the app saved
//! for a project (their names only), because the OS keyring cannot be listed: removing a project must find and
//! delete every entry it owns.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use vault::{Secret, SecretStore, entry};

use crate::error::{CoreError, Result};

/// The sandbox project's fixed ID.
pub const SANDBOX_ID: &str = "sandbox";
const FILE_NAME: &str = "projects.json";
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
    /// Client IDs of OAuth apps whose secret this app saved in the vault.
    #[serde(default)]
    pub saved_secrets: Vec<String>,
    /// Client IDs of OAuth apps whose visitor/member tokens this app saved in the vault.
    #[serde(default)]
    pub saved_tokens: Vec<String>,
}

impl Project {
    pub fn is_sandbox(&self) -> bool {
        self.target == ProjectTarget::Sandbox
    }
}

/// What the user types to connect a Wix project.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewProject {
    pub name: String,
    /// Sent once, straight into the vault.
    pub api_key: String,
    pub target: ProjectTarget,
}

#[derive(Serialize, Deserialize)]
struct ProjectFile {
    version: u32,
    projects: Vec<Project>,
}

/// The project list, kept in memory and written through to its file on every change.
pub struct Projects {
    path: PathBuf,
    list: Mutex<Vec<Project>>,
}

impl Projects {
    /// Load `<data_dir>/projects.json` (or start empty), making sure the sandbox project exists.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join(FILE_NAME);
        let mut list = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: ProjectFile =
                    serde_json::from_slice(&bytes).map_err(|e| CoreError::CorruptFile {
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?;
                if file.version != FILE_VERSION {
                    return Err(CoreError::CorruptFile {
                        path: path.display().to_string(),
                        reason: format!("version {} is not {FILE_VERSION}", file.version),
                    });
                }
                file.projects
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(CoreError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let fresh = !list.iter().any(Project::is_sandbox);
        if fresh {
            list.insert(
                0,
                Project {
                    id: SANDBOX_ID.to_owned(),
                    name: "Sandbox (local emulator)".to_owned(),
                    target: ProjectTarget::Sandbox,
                    created_at: now(),
                    saved_secrets: Vec::new(),
                    saved_tokens: Vec::new(),
                },
            );
        }
        let projects = Self {
            path,
            list: Mutex::new(list),
        };
        if fresh {
            projects.save(&projects.lock())?;
        }
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
        let api_key = new.api_key.trim();
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
            saved_secrets: Vec::new(),
            saved_tokens: Vec::new(),
        })
    }

    /// Validate, put the API key in the vault, then record the project. If the vault refuses, nothing is recorded.
    pub fn add(&self, vault: &dyn SecretStore, new: NewProject) -> Result<Project> {
        let project = Self::check(&new)?;
        let api_key = new.api_key.trim();
        vault.set(
            &entry::project_api_key(&project.id),
            &Secret::new(api_key.to_owned()),
        )?;
        let mut list = self.lock();
        list.push(project.clone());
        if let Err(e) = self.save(&list) {
            list.pop();
            let _ = vault.delete(&entry::project_api_key(&project.id));
            return Err(e);
        }
        Ok(project)
    }

    /// Delete every vault entry the project owns, then forget it. The sandbox cannot be removed.
    pub fn remove(&self, vault: &dyn SecretStore, id: &str) -> Result<()> {
        let project = self.get(id)?;
        if project.is_sandbox() {
            return Err(CoreError::SandboxIsPermanent);
        }
        forget_secrets(vault, &project)?;
        let mut list = self.lock();
        list.retain(|p| p.id != id);
        self.save(&list)
    }

    /// Delete the secrets and tokens saved for the sandbox (its emulator is reset by the caller).
    pub fn reset_sandbox(&self, vault: &dyn SecretStore) -> Result<()> {
        let sandbox = self.get(SANDBOX_ID)?;
        forget_secrets(vault, &sandbox)?;
        self.update(SANDBOX_ID, |p| {
            p.saved_secrets.clear();
            p.saved_tokens.clear();
        })
    }

    /// Change a project in place and save.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut Project)) -> Result<()> {
        let mut list = self.lock();
        let project = list
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| CoreError::UnknownProject(id.to_owned()))?;
        change(project);
        self.save(&list)
    }

    /// Record that a client secret was saved in the vault for `client_id`.
    pub fn note_saved_secret(&self, id: &str, client_id: &str, saved: bool) -> Result<()> {
        self.update(id, |p| note(&mut p.saved_secrets, client_id, saved))
    }

    /// Record that tokens were saved in the vault for `client_id`.
    pub fn note_saved_tokens(&self, id: &str, client_id: &str, saved: bool) -> Result<()> {
        self.update(id, |p| note(&mut p.saved_tokens, client_id, saved))
    }

    fn save(&self, list: &[Project]) -> Result<()> {
        let file = ProjectFile {
            version: FILE_VERSION,
            projects: list.to_vec(),
        };
        let bytes = serde_json::to_vec_pretty(&file).expect("projects serialize");
        write_atomically(&self.path, &bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Project>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn forget_secrets(vault: &dyn SecretStore, project: &Project) -> Result<()> {
    vault.delete(&entry::project_api_key(&project.id))?;
    for client_id in &project.saved_secrets {
        vault.delete(&entry::oauth_app_secret(&project.id, client_id))?;
    }
    for client_id in &project.saved_tokens {
        vault.delete(&entry::member_tokens(&project.id, client_id))?;
    }
    Ok(())
}

fn note(list: &mut Vec<String>, client_id: &str, present: bool) {
    list.retain(|c| c != client_id);
    if present {
        list.push(client_id.to_owned());
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

/// Write to a temporary file beside `path`, then rename over it: a crash never leaves half a file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action, source| CoreError::Io {
        action,
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create the folder of", e))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).map_err(|e| io("write", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("replace", e))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::MemoryStore;

    const SITE: &str = "1a2b3c4d-1234-4abc-9def-0123456789ab";

    fn site_project(name: &str) -> NewProject {
        NewProject {
            name: name.into(),
            api_key: "IST.eyJraWQiOiJQb3pIX2FDMiIsImFsZyI6IlJTMjU2In0".into(),
            target: ProjectTarget::Site {
                site_id: SITE.into(),
            },
        }
    }

    #[test]
    fn a_fresh_list_has_only_the_sandbox_and_is_written_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let projects = Projects::open(dir.path()).unwrap();
        let list = projects.list();
        assert_eq!(list.len(), 1);
        assert!(list[0].is_sandbox());
        assert!(dir.path().join(FILE_NAME).exists());
    }

    #[test]
    fn an_added_project_keeps_its_key_in_the_vault_and_never_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryStore::default();
        let projects = Projects::open(dir.path()).unwrap();
        let p = projects.add(&vault, site_project("Shop")).unwrap();
        let file = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(file.contains("Shop") && file.contains(SITE));
        assert!(
            !file.contains("IST.eyJ"),
            "the API key reached the project file"
        );
        let key = vault.get(&entry::project_api_key(&p.id)).unwrap().unwrap();
        assert!(key.expose().starts_with("IST."));
        // and it survives a restart
        let reopened = Projects::open(dir.path()).unwrap();
        assert_eq!(reopened.get(&p.id).unwrap().name, "Shop");
    }

    #[test]
    fn bad_input_names_the_field_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryStore::default();
        let projects = Projects::open(dir.path()).unwrap();
        let mut bad_site = site_project("Shop");
        bad_site.target = ProjectTarget::Site {
            site_id: "not-a-guid".into(),
        };
        let mut bad_key = site_project("Shop");
        bad_key.api_key = "short".into();
        for (input, field) in [
            (site_project("  "), "name"),
            (bad_site, "siteId"),
            (bad_key, "apiKey"),
        ] {
            match projects.add(&vault, input) {
                Err(CoreError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected an error on {field}, got {other:?}"),
            }
        }
        assert_eq!(projects.list().len(), 1);
        assert!(vault.names().is_empty());
    }

    #[test]
    fn a_refusing_vault_records_no_project() {
        let dir = tempfile::tempdir().unwrap();
        let projects = Projects::open(dir.path()).unwrap();
        let err = projects
            .add(&MemoryStore::failing_writes(), site_project("Shop"))
            .unwrap_err();
        assert!(matches!(err, CoreError::Vault(_)));
        assert_eq!(projects.list().len(), 1);
    }

    #[test]
    fn removing_a_project_deletes_every_vault_entry_it_owns() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryStore::default();
        let projects = Projects::open(dir.path()).unwrap();
        let p = projects.add(&vault, site_project("Shop")).unwrap();
        vault
            .set(&entry::oauth_app_secret(&p.id, "c1"), &Secret::from("s"))
            .unwrap();
        vault
            .set(&entry::member_tokens(&p.id, "c1"), &Secret::from("t"))
            .unwrap();
        projects.note_saved_secret(&p.id, "c1", true).unwrap();
        projects.note_saved_tokens(&p.id, "c1", true).unwrap();
        projects.remove(&vault, &p.id).unwrap();
        assert!(vault.names().is_empty(), "left behind: {:?}", vault.names());
        assert!(matches!(
            projects.get(&p.id),
            Err(CoreError::UnknownProject(_))
        ));
        assert!(matches!(
            projects.remove(&vault, SANDBOX_ID),
            Err(CoreError::SandboxIsPermanent)
        ));
    }

    #[test]
    fn a_damaged_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{ not json").unwrap();
        assert!(matches!(
            Projects::open(dir.path()),
            Err(CoreError::CorruptFile { .. })
        ));
        assert_eq!(
            std::fs::read(dir.path().join(FILE_NAME)).unwrap(),
            b"{ not json"
        );
    }
}
