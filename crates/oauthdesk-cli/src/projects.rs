//! `oauthdesk projects …`: list, connect, test and remove Wix projects.

use std::io::BufRead;

use desk_core::projects::{NewProject, Project, ProjectTarget};
use vault::Secret;

use crate::cli::ProjectsCommand;
use crate::error::{CliError, Result};
use crate::{Target, find_project, open_desk, open_desk_to_write, output};

pub async fn run(command: ProjectsCommand, project: &str, json: bool) -> Result<String> {
    match command {
        ProjectsCommand::List => {
            let desk = open_desk(true).await?;
            let list = desk.projects.list();
            if json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|p| vec![p.name.clone(), p.id.clone(), target(p)])
                .collect();
            Ok(output::table(&["NAME", "ID", "TARGET"], &rows))
        }
        ProjectsCommand::Add {
            name,
            api_key_stdin: _,
            site_id,
            account_id,
        } => {
            // Read first: a key that cannot be read changes nothing.
            let api_key = read_api_key().await?;
            let target = match (site_id, account_id) {
                (Some(site_id), _) => ProjectTarget::Site { site_id },
                (None, Some(account_id)) => ProjectTarget::Account { account_id },
                (None, None) => unreachable!("clap requires --site-id or --account-id"),
            };
            let desk = open_desk_to_write().await?;
            let name = name.trim().to_owned();
            if desk.projects.list().iter().any(|p| p.name == name) {
                return Err(CliError::Failed(format!(
                    "a project is already named “{name}”: choose another name (commands find projects by name)"
                )));
            }
            let added = desk
                .add_project(NewProject {
                    name,
                    api_key,
                    target,
                })
                .await?;
            if json {
                return output::json(&added);
            }
            Ok(format!(
                "Connected “{}” ({}); its API key is in the OS keyring.\n",
                added.name, added.id
            ))
        }
        ProjectsCommand::Test { name } => {
            let target = Target::open(name.as_deref().unwrap_or(project), false).await?;
            let check = target.desk.test_connection(&target.project.id).await?;
            if json {
                return output::json(&check);
            }
            let apps = match check.oauth_apps {
                Some(1) => "1 OAuth app".to_owned(),
                Some(n) => format!("{n} OAuth apps"),
                None => "Wix did not say how many OAuth apps".to_owned(),
            };
            Ok(format!(
                "“{}” works: {apps} ({} ms).\n",
                target.project.name, check.millis
            ))
        }
        ProjectsCommand::Remove { name } => {
            let desk = open_desk_to_write().await?;
            let removed = find_project(&desk, &name)?;
            desk.remove_project(&removed.id).await?;
            if json {
                return output::json(&removed);
            }
            Ok(format!(
                "Removed “{}” and the secrets OAuth Desk kept for it.\n",
                removed.name
            ))
        }
    }
}

fn target(project: &Project) -> String {
    match &project.target {
        ProjectTarget::Sandbox => "sandbox (local emulator)".to_owned(),
        ProjectTarget::Site { site_id } => format!("site {site_id}"),
        ProjectTarget::Account { account_id } => format!("account {account_id}"),
    }
}

/// One line of stdin: the API key (`--api-key-stdin`).
async fn read_api_key() -> Result<Secret> {
    let line = desk_core::blocking(|| {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await?
    .map_err(|e| CliError::Failed(format!("could not read the API key from stdin: {e}")))?;
    let key = Secret::new(line.trim().to_owned());
    if key.is_empty() {
        return Err(CliError::Usage(
            "--api-key-stdin: stdin held no API key; pipe it in, e.g. `oauthdesk projects add … --api-key-stdin < key.txt`".to_owned(),
        ));
    }
    Ok(key)
}
