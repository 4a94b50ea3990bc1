//! `oauthdesk`: OAuth Desk's command line, built on `desk-core` with no window (no GTK, no WebKit), so it runs on
//! a headless CI machine.
//!
//! It opens the app's data folder and OS keyring ([`desk_core::location`]), so a project connected in one is there
//! in the other. The built-in sandbox project is the emulator the app runs on `<data>/sandbox/state.json`; only one
//! process may run it at a time (a lock file, see [`desk_core::sandbox`]): while the app is open, sandbox commands
//! fail and say so, and commands that read a connected project (`--project NAME`) work as usual. Commands that
//! change OAuth Desk's own files (connect or remove a project, create or delete an app: the project list and the
//! keyring ledger, which the app holds in memory and writes whole) take the same lock, so they refuse while the app
//! is open instead of being undone by its next save.
//!
//! Not here (yet): using the running app's sandbox, members and Wix app commands, export / plan / apply.

pub mod cli;

mod apps;
mod docs;
mod emulator;
mod error;
mod output;
mod projects;

use std::sync::Arc;

use desk_core::Desk;
use desk_core::desk::DeskOptions;
use desk_core::location;
use desk_core::projects::{Project, SANDBOX_ID};
use vault::SecretStore;

pub use error::{CliError, Result};

use cli::{Cli, Command};

/// Run a parsed command; returns what to print on stdout.
pub async fn run(cli: Cli) -> Result<String> {
    let json = cli.json;
    match cli.command {
        Command::Projects(command) => projects::run(command, &cli.project, json).await,
        Command::Apps(command) => {
            let target = Target::open(&cli.project, command.writes_files()).await?;
            apps::run(command, &target, json).await
        }
        Command::Emulator(args) => emulator::run(args, json).await,
        Command::Completions { shell } => Ok(docs::completions(shell)),
        Command::Man { out_dir } => docs::man(out_dir.as_deref()),
    }
}

/// A desk on the shared data folder and keyring, and the project a command works on.
pub(crate) struct Target {
    pub desk: Desk,
    pub project: Project,
}

impl Target {
    /// Open the desk for `project` (a name or an ID). Only the sandbox project, or a command that `writes` the
    /// data folder's files, starts the data folder's sandbox (and takes its lock); any other command gets a detached
    /// one, so it works while the app is open.
    pub async fn open(project: &str, writes: bool) -> Result<Self> {
        if writes {
            let desk = open_desk_to_write().await?;
            let project = find_project(&desk, project)?;
            return Ok(Self { desk, project });
        }
        let sandbox = project == SANDBOX_ID;
        let desk = open_desk(!sandbox).await?;
        let found = find_project(&desk, project)?;
        if found.is_sandbox() && !sandbox {
            // Named by its name rather than its ID: open again with the real sandbox.
            drop(desk);
            let desk = open_desk(false).await?;
            return Ok(Self {
                desk,
                project: found,
            });
        }
        Ok(Self {
            desk,
            project: found,
        })
    }
}

/// The desk on the shared data folder and keyring. `detached`: with a sandbox of its own that shares nothing
/// (see [`DeskOptions::detached_sandbox`]).
pub(crate) async fn open_desk(detached: bool) -> Result<Desk> {
    let data_dir = location::data_dir()?;
    let dir = data_dir.clone();
    desk_core::blocking(move || std::fs::create_dir_all(&dir))
        .await?
        .map_err(|source| desk_core::CoreError::Io {
            action: "create",
            path: data_dir.display().to_string(),
            source,
        })?;
    let store: Arc<dyn SecretStore> = Arc::new(location::keyring_store());
    let options = location::test_switches::desk_options(DeskOptions {
        detached_sandbox: detached,
        // A command ends in a moment: it must not take the loopback ports the app serves Wix apps on.
        serve_wix_app_urls: false,
        ..DeskOptions::default()
    });
    Ok(Desk::open_with(&data_dir, store, options).await?)
}

/// The desk, to change the project list or the keyring ledger. The app keeps both in memory and writes them whole,
/// so while it runs, a change made here would be undone by its next save (and a keyring entry left unlisted): such
/// commands hold the data folder's sandbox lock, which the running app holds, and refuse while it is open.
pub(crate) async fn open_desk_to_write() -> Result<Desk> {
    open_desk(false).await.map_err(|e| match e {
        CliError::Core(desk_core::CoreError::Sandbox(message))
            if message.starts_with(desk_core::sandbox::IN_USE) =>
        {
            CliError::Failed(
                "OAuth Desk is open (or another `oauthdesk` command is running) on this data folder; while the \
                 app is open it keeps its own copy of the project list and of the keyring ledger, and would undo \
                 this change: close it and run the command again (nothing was changed)"
                    .to_owned(),
            )
        }
        other => other,
    })
}

/// The project with this ID, else the one with this name.
pub(crate) fn find_project(desk: &Desk, wanted: &str) -> Result<Project> {
    let list = desk.projects.list();
    if let Some(project) = list.iter().find(|p| p.id == wanted) {
        return Ok(project.clone());
    }
    let mut named = list.into_iter().filter(|p| p.name == wanted);
    match (named.next(), named.next()) {
        (Some(project), None) => Ok(project),
        (None, _) => Err(desk_core::CoreError::UnknownProject(wanted.to_owned()).into()),
        (Some(_), Some(_)) => Err(CliError::Failed(format!(
            "more than one project is named “{wanted}”: give its ID instead (`oauthdesk projects list` shows them)"
        ))),
    }
}
