//! The one writer of OAuth Desk's keyring entries, and the ledger of every entry it wrote.
//!
//! The OS keyring cannot be listed, so whoever writes an entry must remember it, or a removal leaves it behind.
//! [`Secrets`] is the only code that writes to the [`vault`]: every entry is named by an [`Entry`], recorded in
//! `keyring-entries.json` (names only, no value) *before* the keyring write, and dropped from it after the
//! keyring delete. Removing an [`Owner`] (a project, a Wix app profile) deletes every entry the ledger holds for
//! it; [`Secrets::remove_all`] deletes everything. The Wix client gets its storage from here too
//! ([`Secrets::token_store`], [`Secrets::secret_sink`]), so its writes are recorded the moment they happen.
//!
//! Keyring calls are blocking IPC (an unlock prompt can take minutes): each runs on a blocking thread, never on
//! the async runtime or the UI thread, and never while a lock is held.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use vault::{Secret, SecretStore, VaultError};
use wix_client::store::{SecretSink, StoreFuture, TokenStore};
use wix_client::visitor::Tokens;

use crate::error::Result;
use crate::files::JsonFile;

pub(crate) const LEDGER_FILE: &str = "keyring-entries.json";
const LEDGER_VERSION: u32 = 1;

/// One keyring entry OAuth Desk may write. Its name (see [`Entry::name`]) is `<kind>/<owner>[/<item>]`, under the
/// app's keyring service, so no two kinds collide and each names its owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entry {
    /// The admin API key of a connected Wix project.
    ApiKey { project: String },
    /// The client secret of an OAuth app, as Wix returned it once at creation.
    AppSecret { project: String, client: String },
    /// The visitor or member tokens of one project's OAuth app.
    MemberTokens { project: String, client: String },
    /// A browser login waiting for its callback (its PKCE verifier), so a cold start can finish it.
    PendingLogin { project: String, flow: String },
    /// The app secret of a Wix app profile.
    WixAppSecret { profile: String },
    /// The refresh token of one installation of a Wix app (advanced Wix app OAuth).
    WixAppRefreshToken { profile: String, instance: String },
    /// The probe value of a keyring check (written, read back and deleted at once).
    KeyringCheck,
}

/// Who owns an entry: removing the owner removes the entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Project(String),
    WixApp(String),
    /// The app itself (removed only with everything).
    App,
}

impl Entry {
    pub fn name(&self) -> String {
        match self {
            Entry::ApiKey { project } => format!("api-key/{project}"),
            Entry::AppSecret { project, client } => format!("oauth-app-secret/{project}/{client}"),
            Entry::MemberTokens { project, client } => format!("member-tokens/{project}/{client}"),
            Entry::PendingLogin { project, flow } => format!("pending-login/{project}/{flow}"),
            Entry::WixAppSecret { profile } => format!("wix-app-secret/{profile}"),
            Entry::WixAppRefreshToken { profile, instance } => {
                format!("wix-app-refresh-token/{profile}/{instance}")
            }
            Entry::KeyringCheck => "keyring-check".to_owned(),
        }
    }

    /// The entry a ledger name stands for (`None` for a name this version does not write).
    pub fn parse(name: &str) -> Option<Self> {
        if name == "keyring-check" {
            return Some(Entry::KeyringCheck);
        }
        let mut parts = name.splitn(3, '/');
        let (kind, owner, item) = (parts.next()?, parts.next()?, parts.next());
        let (owner, item) = (owner.to_owned(), item.map(str::to_owned));
        Some(match (kind, item) {
            ("api-key", None) => Entry::ApiKey { project: owner },
            ("oauth-app-secret", Some(client)) => Entry::AppSecret {
                project: owner,
                client,
            },
            ("member-tokens", Some(client)) => Entry::MemberTokens {
                project: owner,
                client,
            },
            ("pending-login", Some(flow)) => Entry::PendingLogin {
                project: owner,
                flow,
            },
            ("wix-app-secret", None) => Entry::WixAppSecret { profile: owner },
            ("wix-app-refresh-token", Some(instance)) => Entry::WixAppRefreshToken {
                profile: owner,
                instance,
            },
            _ => return None,
        })
    }

    pub fn owner(&self) -> Owner {
        match self {
            Entry::ApiKey { project }
            | Entry::AppSecret { project, .. }
            | Entry::MemberTokens { project, .. }
            | Entry::PendingLogin { project, .. } => Owner::Project(project.clone()),
            Entry::WixAppSecret { profile } | Entry::WixAppRefreshToken { profile, .. } => {
                Owner::WixApp(profile.clone())
            }
            Entry::KeyringCheck => Owner::App,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct LedgerFile {
    version: u32,
    entries: BTreeSet<String>,
}

/// The keyring's one writer. Cheap to share (`Arc`).
pub struct Secrets {
    store: Arc<dyn SecretStore>,
    ledger: Mutex<BTreeSet<String>>,
    file: JsonFile,
}

impl Secrets {
    /// Open the ledger in `data_dir` over `store`.
    pub async fn open(data_dir: &Path, store: Arc<dyn SecretStore>) -> Result<Arc<Self>> {
        let file = JsonFile::new(data_dir.join(LEDGER_FILE));
        let entries = match file.read::<LedgerFile>().await? {
            Some(ledger) if ledger.version == LEDGER_VERSION => ledger.entries,
            Some(ledger) => {
                return Err(crate::CoreError::CorruptFile {
                    path: file.path().display().to_string(),
                    reason: format!("version {} is not {LEDGER_VERSION}", ledger.version),
                });
            }
            None => BTreeSet::new(),
        };
        Ok(Arc::new(Self {
            store,
            ledger: Mutex::new(entries),
            file,
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Change the ledger in memory and, if it changed, write it (outside the lock).
    async fn note(&self, change: impl FnOnce(&mut BTreeSet<String>) -> bool) -> Result<()> {
        let snapshot = {
            let mut ledger = self.lock();
            change(&mut ledger).then(|| ledger.clone())
        };
        match snapshot {
            Some(entries) => {
                self.file
                    .save(&LedgerFile {
                        version: LEDGER_VERSION,
                        entries,
                    })
                    .await
            }
            None => Ok(()),
        }
    }

    /// Entries written before this ledger existed (earlier versions): record them so removals find them.
    pub async fn adopt(&self, entries: impl IntoIterator<Item = Entry>) -> Result<()> {
        let names: Vec<String> = entries.into_iter().map(|e| e.name()).collect();
        self.note(|ledger| {
            let before = ledger.len();
            ledger.extend(names);
            ledger.len() != before
        })
        .await
    }

    /// Whether the ledger says this entry was written (no keyring call).
    pub fn holds(&self, entry: &Entry) -> bool {
        self.lock().contains(&entry.name())
    }

    /// The name of every entry the ledger holds, including names an earlier version wrote (no keyring call).
    pub fn names(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    /// The entries the ledger holds that `keep` selects (no keyring call).
    pub fn entries(&self, keep: impl Fn(&Entry) -> bool) -> Vec<Entry> {
        self.lock()
            .iter()
            .filter_map(|name| Entry::parse(name))
            .filter(|e| keep(e))
            .collect()
    }

    pub async fn get(&self, entry: &Entry) -> Result<Option<Secret>> {
        let (store, name) = (self.store.clone(), entry.name());
        Ok(crate::blocking(move || store.get(&name)).await??)
    }

    /// Keep `value` under `entry`: recorded in the ledger first, so a crash can orphan a ledger line but never a
    /// keyring entry. If the keyring refuses, the ledger is put back.
    pub async fn set(&self, entry: &Entry, value: Secret) -> Result<()> {
        let name = entry.name();
        let mut added = false;
        self.note(|ledger| {
            added = ledger.insert(name.clone());
            added
        })
        .await?;
        let (store, key) = (self.store.clone(), name.clone());
        let written = crate::blocking(move || store.set(&key, &value)).await?;
        if let Err(e) = written {
            if added {
                self.note(|ledger| ledger.remove(&name)).await?;
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// Delete `entry`; `true` if the keyring held it.
    pub async fn delete(&self, entry: &Entry) -> Result<bool> {
        let name = entry.name();
        let (store, key) = (self.store.clone(), name.clone());
        let existed = crate::blocking(move || store.delete(&key)).await??;
        self.note(|ledger| ledger.remove(&name)).await?;
        Ok(existed)
    }

    /// Delete every entry `owner` owns; returns how many the ledger listed.
    pub async fn remove_owned_by(&self, owner: &Owner) -> Result<usize> {
        self.remove_where(|e| e.owner() == *owner).await
    }

    /// Delete every entry OAuth Desk wrote.
    pub async fn remove_all(&self) -> Result<usize> {
        self.remove_where(|_| true).await
    }

    async fn remove_where(&self, doomed: impl Fn(&Entry) -> bool) -> Result<usize> {
        let names: Vec<String> = {
            let ledger = self.lock();
            ledger
                .iter()
                .filter(|name| Entry::parse(name).is_none_or(|e| doomed(&e)))
                .cloned()
                .collect()
        };
        let store = self.store.clone();
        let to_delete = names.clone();
        // One blocking task for all of them; stop at the first refusal and keep the rest in the ledger.
        let deleted: Vec<String> = crate::blocking(move || {
            let mut deleted = Vec::new();
            for name in to_delete {
                store.delete(&name)?;
                deleted.push(name);
            }
            Ok::<_, VaultError>(deleted)
        })
        .await??;
        let count = deleted.len();
        self.note(|ledger| {
            let before = ledger.len();
            for name in &deleted {
                ledger.remove(name);
            }
            ledger.len() != before
        })
        .await?;
        Ok(count)
    }

    /// Store, read back and delete a probe value, to prove the keyring works before a real secret depends on it.
    /// Returns how long the three calls took.
    pub async fn check(&self) -> Result<std::time::Duration> {
        let started = std::time::Instant::now();
        let value = Secret::new(format!("probe-{}", uuid::Uuid::new_v4()));
        self.set(&Entry::KeyringCheck, value.clone()).await?;
        let read = self.get(&Entry::KeyringCheck).await?;
        self.delete(&Entry::KeyringCheck).await?;
        if read.as_ref() != Some(&value) {
            return Err(VaultError::Corrupt {
                name: Entry::KeyringCheck.name(),
                reason: "the keyring accepted a test value but returned something else; check your keyring provider (GNOME Keyring, KWallet)".into(),
            }
            .into());
        }
        Ok(started.elapsed())
    }

    /// Where a project's OAuth app keeps its visitor or member tokens.
    pub fn token_store(self: &Arc<Self>, project: &str, client: &str) -> Arc<dyn TokenStore> {
        Arc::new(EntryTokens {
            secrets: self.clone(),
            entry: Entry::MemberTokens {
                project: project.to_owned(),
                client: client.to_owned(),
            },
        })
    }

    /// Where a project's newly created OAuth apps' secrets go.
    pub fn secret_sink(self: &Arc<Self>, project: &str) -> ProjectSecrets {
        ProjectSecrets {
            secrets: self.clone(),
            project: project.to_owned(),
        }
    }
}

/// Maps the core's error back to the vault error the Wix client reports.
fn as_vault_error(e: crate::CoreError) -> VaultError {
    match e {
        crate::CoreError::Vault(e) => e,
        other => VaultError::Platform(other.to_string()),
    }
}

struct EntryTokens {
    secrets: Arc<Secrets>,
    entry: Entry,
}

impl TokenStore for EntryTokens {
    fn load(&self) -> StoreFuture<'_, Option<Tokens>> {
        Box::pin(async move {
            let stored = self
                .secrets
                .get(&self.entry)
                .await
                .map_err(as_vault_error)?;
            Ok(stored.as_ref().and_then(Tokens::from_stored))
        })
    }
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.secrets
                .set(&self.entry, tokens.to_stored())
                .await
                .map_err(as_vault_error)
        })
    }
    fn clear(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.secrets
                .delete(&self.entry)
                .await
                .map(|_| ())
                .map_err(as_vault_error)
        })
    }
}

/// The [`SecretSink`] of one project: created apps' secrets become [`Entry::AppSecret`]s.
pub struct ProjectSecrets {
    secrets: Arc<Secrets>,
    project: String,
}

impl SecretSink for ProjectSecrets {
    fn keep<'a>(&'a self, client_id: &'a str, secret: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let entry = Entry::AppSecret {
                project: self.project.clone(),
                client: client_id.to_owned(),
            };
            self.secrets
                .set(&entry, secret.clone())
                .await
                .map_err(as_vault_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault::MemoryStore;

    fn all_kinds(project: &str, profile: &str) -> Vec<Entry> {
        let (p, w) = (project.to_owned(), profile.to_owned());
        vec![
            Entry::ApiKey { project: p.clone() },
            Entry::AppSecret {
                project: p.clone(),
                client: "c/1".into(),
            },
            Entry::MemberTokens {
                project: p.clone(),
                client: "c1".into(),
            },
            Entry::PendingLogin {
                project: p,
                flow: "f1".into(),
            },
            Entry::WixAppSecret { profile: w.clone() },
            Entry::WixAppRefreshToken {
                profile: w,
                instance: "i1".into(),
            },
        ]
    }

    #[tokio::test]
    async fn the_keyring_check_round_trips_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let secrets = Secrets::open(dir.path(), store.clone()).await.unwrap();
        secrets.check().await.unwrap();
        assert!(store.names().is_empty());
        assert!(secrets.entries(|_| true).is_empty());
        let refusing = Secrets::open(dir.path(), Arc::new(MemoryStore::failing_writes()))
            .await
            .unwrap();
        assert!(matches!(
            refusing.check().await,
            Err(crate::CoreError::Vault(VaultError::Locked(_)))
        ));
    }

    #[test]
    fn every_entry_name_reads_back_as_the_same_entry() {
        for entry in all_kinds("p1", "w1")
            .into_iter()
            .chain([Entry::KeyringCheck])
        {
            assert_eq!(
                Entry::parse(&entry.name()),
                Some(entry.clone()),
                "{}",
                entry.name()
            );
        }
        assert_eq!(Entry::parse("pending-logins"), None);
    }

    #[tokio::test]
    async fn removing_an_owner_deletes_exactly_what_it_owns_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let secrets = Secrets::open(dir.path(), store.clone()).await.unwrap();
        for entry in all_kinds("p1", "w1")
            .into_iter()
            .chain(all_kinds("p2", "w2"))
        {
            secrets.set(&entry, Secret::from("value")).await.unwrap();
        }
        assert_eq!(store.names().len(), 12);
        // A restart reads the ledger back.
        let secrets = Secrets::open(dir.path(), store.clone()).await.unwrap();
        assert_eq!(
            secrets
                .remove_owned_by(&Owner::Project("p1".into()))
                .await
                .unwrap(),
            4
        );
        assert_eq!(
            secrets
                .remove_owned_by(&Owner::WixApp("w1".into()))
                .await
                .unwrap(),
            2
        );
        let mut left = store.names();
        left.sort();
        let mut expected: Vec<String> = all_kinds("p2", "w2").iter().map(Entry::name).collect();
        expected.sort();
        assert_eq!(left, expected);
        assert_eq!(secrets.remove_all().await.unwrap(), 6);
        assert!(store.names().is_empty());
        let ledger = std::fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap();
        assert!(!ledger.contains("p2"), "{ledger}");
    }

    #[tokio::test]
    async fn a_refused_write_leaves_no_ledger_line_and_no_value_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::open(dir.path(), Arc::new(MemoryStore::failing_writes()))
            .await
            .unwrap();
        let entry = Entry::ApiKey {
            project: "p1".into(),
        };
        assert!(matches!(
            secrets.set(&entry, Secret::from("IST.value")).await,
            Err(crate::CoreError::Vault(_))
        ));
        assert!(!secrets.holds(&entry));
        let ledger = std::fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap();
        assert!(
            !ledger.contains("p1") && !ledger.contains("IST."),
            "{ledger}"
        );
    }
}
