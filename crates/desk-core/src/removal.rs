//! "Remove all OAuth Desk data": uninstalling a package never touches a user's keyring, so this is the way out.
//!
//! The desk lists what it stored ([`Desk::stored_data`], for the confirmation) and removes it
//! ([`Desk::remove_all_data`]): first everything that could write again (token sessions, pending logins, Wix app
//! renewals and loopback servers), then every keyring entry its ledger lists, then its own files. The files of the
//! app's shell (its logs, the window's size, the webview's data) are the shell's to remove.

use std::path::PathBuf;

use serde::Serialize;

use crate::desk::Desk;
use crate::error::{CoreError, Result};
use crate::secrets::Entry;

/// What [`Desk::remove_all_data`] would delete now. Names and places only, never a value.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoredData {
    /// One line per keyring entry: what it is and whose.
    pub keyring_entries: Vec<String>,
    /// The desk's files and folders that exist now (full paths).
    pub files: Vec<String>,
}

/// What was deleted.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RemovedData {
    pub keyring_entries: u32,
    pub files: u32,
}

impl Desk {
    /// The files and folders the desk writes in its data directory (whether or not they exist yet).
    fn own_files(&self) -> Vec<PathBuf> {
        let dir = self.data_dir();
        [
            crate::projects::FILE_NAME,
            crate::wix_apps::profiles::FILE,
            crate::sandbox::DIR,
            // Last: it lists the keyring entries, so it goes only once they are gone.
            crate::secrets::LEDGER_FILE,
        ]
        .iter()
        .map(|name| dir.join(name))
        .collect()
    }

    /// Everything "Remove all data" would delete, for the confirmation (no keyring call: the ledger knows).
    pub async fn stored_data(&self) -> Result<StoredData> {
        let keyring_entries = self
            .secrets
            .names()
            .iter()
            .map(|name| self.describe(name))
            .collect();
        let candidates = self.own_files();
        let files = crate::blocking(move || {
            candidates
                .into_iter()
                .filter(|p| p.exists())
                .map(|p| p.display().to_string())
                .collect()
        })
        .await?;
        Ok(StoredData {
            keyring_entries,
            files,
        })
    }

    /// Delete every keyring entry and file the desk wrote. Work that could write again stops first. A keyring
    /// that refuses a deletion stops the removal with the entries it kept still listed, and no file removed, so
    /// running it again finishes the job.
    pub async fn remove_all_data(&self) -> Result<RemovedData> {
        let entries_before = self.secrets.names().len();
        for project in self.projects.list() {
            self.sign_in.forget_project(&project.id);
        }
        for view in self.wix_apps.list() {
            self.wix_apps.remove(&view.profile.id).await?;
        }
        self.secrets.remove_all().await?;
        // Removing the Wix app profiles deleted their own entries first: count every entry that went.
        let keyring_entries = entries_before.saturating_sub(self.secrets.names().len());
        self.sandbox.reset();
        // The reset state is written now, not a moment after its folder is gone (which would bring it back).
        self.sandbox.persist().await;
        let doomed = self.own_files();
        let files = crate::blocking(move || {
            let mut removed = 0u32;
            for path in doomed {
                let gone = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                match gone {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(CoreError::Io {
                            action: "remove",
                            path: path.display().to_string(),
                            source,
                        });
                    }
                }
            }
            Ok(removed)
        })
        .await??;
        Ok(RemovedData {
            keyring_entries: u32::try_from(keyring_entries).unwrap_or(u32::MAX),
            files,
        })
    }

    /// A keyring entry in words, with its owner's name where the desk knows it.
    fn describe(&self, name: &str) -> String {
        let project = |id: &str| match self.projects.get(id) {
            Ok(p) => format!("project “{}”", p.name),
            Err(_) => format!("removed project {id}"),
        };
        let profile = |id: &str| match self
            .wix_apps
            .list()
            .into_iter()
            .find(|v| v.profile.id == id)
        {
            Some(v) => format!("Wix app profile “{}”", v.profile.name),
            None => format!("removed Wix app profile {id}"),
        };
        match Entry::parse(name) {
            Some(Entry::ApiKey { project: p }) => format!("API key of {}", project(&p)),
            Some(Entry::AppSecret { project: p, client }) => {
                format!("Client secret of OAuth app {client} ({})", project(&p))
            }
            Some(Entry::MemberTokens { project: p, client }) => {
                format!(
                    "Visitor or member tokens for OAuth app {client} ({})",
                    project(&p)
                )
            }
            Some(Entry::PendingLogin { project: p, .. }) => {
                format!("A browser login waiting for its callback ({})", project(&p))
            }
            Some(Entry::WixAppSecret { profile: id }) => format!("App secret of {}", profile(&id)),
            Some(Entry::WixAppRefreshToken {
                profile: id,
                instance,
            }) => {
                format!("Refresh token of {}, instance {instance}", profile(&id))
            }
            Some(Entry::KeyringCheck) => "The probe value of a keyring check".to_owned(),
            None => format!("Entry “{name}” (written by an earlier version)"),
        }
    }
}
