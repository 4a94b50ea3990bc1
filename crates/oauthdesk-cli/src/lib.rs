//! `oauthdesk`: OAuth Desk's command line, built on `desk-core` with no window (no GTK, no WebKit), so it runs on
//! a headless CI machine.
//!
//! It opens the app's data folder and OS keyring ([`desk_core::location`]), so a project connected in one is there
//! in the other. The built-in sandbox project is the emulator the app runs on `<data>/sandbox/state.json`; only one
//! process may run it at a time (a lock file, see [`desk_core::sandbox`]): while the app is open, sandbox commands
//! fail and say so, and commands on a connected project (`--project NAME`) work as usual.
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
            let target = Target::open(&cli.project).await?;
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
    /// Open the desk for `project` (a name or an ID). Only the sandbox project starts the data folder's sandbox
    /// (and takes its lock); any other project gets a detached one, so it works while the app is open.
    pub async fn open(project: &str) -> Result<Self> {
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
