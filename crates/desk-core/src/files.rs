//! The app's own JSON files (the project list, Wix app profiles, the keyring ledger), written atomically and in
//! order, off the async runtime and under no lock.
//!
//! Each file has one [`JsonFile`]: callers hand it a snapshot and await the write. A writer task takes snapshots
//! in the order they were sent and writes each with `atomic-write-file` (a uniquely named temporary file beside
//! the target, fsynced, renamed over it, and the folder fsynced), on a blocking thread. So a crash leaves either
//! the old file or the new one, never half of one, and an older snapshot can never overwrite a newer one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};

use crate::error::{CoreError, Result};

type Job = (Vec<u8>, oneshot::Sender<std::io::Result<()>>);

/// One JSON file and the task that writes it.
pub struct JsonFile {
    path: PathBuf,
    jobs: mpsc::UnboundedSender<Job>,
}

impl JsonFile {
    /// The writer of `path`. Needs a Tokio runtime (the writer task runs on it).
    pub fn new(path: PathBuf) -> Self {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let target = path.clone();
        tokio::spawn(async move {
            while let Some((bytes, done)) = queue.recv().await {
                let target = target.clone();
                let written =
                    tokio::task::spawn_blocking(move || write_atomically(&target, &bytes))
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                let _ = done.send(written);
            }
        });
        Self { path, jobs }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read and decode the file; `None` if there is none yet. A damaged file is an error, never overwritten.
    pub async fn read<T: DeserializeOwned + Send + 'static>(&self) -> Result<Option<T>> {
        let path = self.path.clone();
        crate::blocking(move || read_json(&path)).await?
    }

    /// Write `value`, replacing the file; returns once it is on disk.
    pub async fn save<T: Serialize>(&self, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| CoreError::CorruptFile {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        })?;
        let (done, written) = oneshot::channel();
        let stopped =
            || CoreError::TaskFailed(format!("the writer of {} stopped", self.path.display()));
        self.jobs.send((bytes, done)).map_err(|_| stopped())?;
        written
            .await
            .map_err(|_| stopped())?
            .map_err(|source| CoreError::Io {
                action: "write",
                path: self.path.display().to_string(),
                source,
            })
    }
}

/// Read and decode a JSON file; `None` if it does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CoreError::CorruptFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CoreError::Io {
            action: "read",
            path: path.display().to_string(),
            source,
        }),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = atomic_write_file::AtomicWriteFile::open(path)?;
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_land_in_order_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = std::sync::Arc::new(JsonFile::new(dir.path().join("list.json")));
        let writes: Vec<_> = (0..50u32)
            .map(|i| {
                let file = file.clone();
                // Sent in order from one task, awaited concurrently.
                let (done, written) = oneshot::channel();
                file.jobs
                    .send((serde_json::to_vec(&i).unwrap(), done))
                    .unwrap();
                written
            })
            .collect();
        for w in writes {
            w.await.unwrap().unwrap();
        }
        assert_eq!(file.read::<u32>().await.unwrap(), Some(49));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["list.json"], "a temporary file was left behind");
    }

    #[tokio::test]
    async fn a_damaged_file_is_an_error_and_stays_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let file = JsonFile::new(path.clone());
        assert!(matches!(
            file.read::<u32>().await,
            Err(CoreError::CorruptFile { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"{ not json");
    }
}
