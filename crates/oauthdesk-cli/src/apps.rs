//! `oauthdesk apps …`: a project's OAuth apps, through the same desk operations the app's OAuth apps view uses.

use std::io::{BufRead, IsTerminal, Write};

use desk_core::CoreError;
use desk_core::oauth_apps::{
    AppsQuery, OAuthAppDetails, OAuthAppFields, SecretStorage, SortField, SortOrder,
};
use serde::Serialize;

use crate::cli::{AppsCommand, SortBy, UpdateArgs};
use crate::error::{CliError, Result};
use crate::{Target, output};

pub async fn run(command: AppsCommand, target: &Target, json: bool) -> Result<String> {
    let (desk, project) = (&target.desk, &target.project.id);
    match command {
        AppsCommand::List { sort, desc, limit } => {
            let query = AppsQuery {
                sort: match sort {
                    None => SortField::Default,
                    Some(SortBy::Name) => SortField::Name,
                    Some(SortBy::Created) => SortField::CreatedDate,
                },
                order: if desc {
                    SortOrder::Desc
                } else {
                    SortOrder::Asc
                },
                offset: 0,
                limit,
                client_id: None,
            };
            let page = desk.query_apps(project, &query).await?;
            if json {
                return output::json(&page);
            }
            let rows: Vec<Vec<String>> = page
                .apps
                .iter()
                .map(|a| {
                    vec![
                        a.id.clone(),
                        a.name.clone(),
                        a.application_type.clone(),
                        a.technology.clone(),
                        a.created_date.clone(),
                        a.redirect_uri_count.to_string(),
                        if a.secret_saved { "saved" } else { "-" }.to_owned(),
                    ]
                })
                .collect();
            let shown = u32::try_from(page.apps.len()).unwrap_or(u32::MAX);
            if let Some(total) = page.total.filter(|t| *t > shown) {
                eprintln!("{shown} of {total} apps shown; `--limit` shows more (up to 100)");
            }
            Ok(output::table(
                &[
                    "ID",
                    "NAME",
                    "TYPE",
                    "TECHNOLOGY",
                    "CREATED",
                    "REDIRECT URIS",
                    "SECRET",
                ],
                &rows,
            ))
        }
        AppsCommand::Get { id } => {
            let app = desk.get_app(project, &id).await?;
            if json {
                return output::json(&app);
            }
            Ok(describe(&app))
        }
        AppsCommand::Create {
            name,
            redirect_uris,
            app_type,
            technology,
            description,
            show_secret,
        } => {
            let fields = OAuthAppFields {
                name,
                description,
                application_type: app_type.wire().to_owned(),
                technology: technology.wire().to_owned(),
                allowed_redirect_uris: redirect_uris,
                ..OAuthAppFields::default()
            };
            let created = desk.create_app(project, &fields).await?;
            // Wix shows a secret once: if the keyring refused it, it is printed anyway rather than lost.
            let not_saved = matches!(created.storage, SecretStorage::NotSaved { .. });
            let secret = (show_secret || not_saved)
                .then_some(created.secret.as_deref())
                .flatten();
            if let SecretStorage::NotSaved { reason } = &created.storage {
                eprintln!(
                    "warning: the OS keyring refused the client secret ({reason}); it is printed below, once: keep it now"
                );
            }
            if json {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Created<'a> {
                    app: &'a OAuthAppDetails,
                    secret_storage: &'a SecretStorage,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    secret: Option<&'a str>,
                }
                return output::json(&Created {
                    app: &created.app,
                    secret_storage: &created.storage,
                    secret,
                });
            }
            let mut out = describe(&created.app);
            match (&created.storage, secret) {
                (_, Some(secret)) => out.push_str(&format!("client secret: {secret}\n")),
                (SecretStorage::Saved, None) => out.push_str(&format!(
                    "client secret: saved in the OS keyring (`oauthdesk apps secret {}` prints it)\n",
                    created.app.id
                )),
                (_, None) => out.push_str("client secret: Wix returned none\n"),
            }
            Ok(out)
        }
        AppsCommand::Update(args) => {
            let current = desk.get_app(project, &args.id).await?;
            let edited = apply(&current.fields, &args)?;
            if edited == current.fields {
                if json {
                    return output::json(&current);
                }
                eprintln!("nothing to change: the app already is as asked");
                return Ok(describe(&current));
            }
            let updated = desk
                .update_app(project, &current.id, &current.fields, &edited)
                .await?;
            if json {
                return output::json(&updated);
            }
            Ok(describe(&updated))
        }
        AppsCommand::Delete { id, yes } => {
            if !yes {
                let app = desk.get_app(project, &id).await?;
                let question = format!(
                    "Delete the OAuth app “{}” ({}) from “{}”? Sites using its client ID stop signing in. [y/N] ",
                    app.fields.name, app.id, target.project.name
                );
                if !confirm(question).await? {
                    return Err(CliError::Failed("not deleted".to_owned()));
                }
            }
            desk.delete_app(project, &id).await?;
            if json {
                return output::json(&serde_json::json!({ "deleted": id }));
            }
            Ok(format!("Deleted the OAuth app {id}.\n"))
        }
        AppsCommand::Secret { id } => {
            let secret = desk.saved_secret(project, &id).await?;
            if json {
                return output::json(&serde_json::json!({
                    "clientId": id,
                    "secret": secret.expose(),
                }));
            }
            Ok(format!("{}\n", secret.expose()))
        }
    }
}

/// The app's fields with `args`' changes: list fields are merged into what Wix holds now, so an update keeps every
/// redirect URI and domain it did not name. Removing one that is not there is refused (a typo must not pass
/// silently).
fn apply(current: &OAuthAppFields, args: &UpdateArgs) -> Result<OAuthAppFields> {
    let mut edited = current.clone();
    if let Some(name) = &args.name {
        edited.name = name.clone();
    }
    if let Some(description) = &args.description {
        edited.description = description.clone();
    }
    if let Some(app_type) = args.app_type {
        edited.application_type = app_type.wire().to_owned();
    }
    if let Some(technology) = args.technology {
        edited.technology = technology.wire().to_owned();
    }
    if let Some(url) = &args.login_url {
        edited.login_url = url.clone();
    }
    if let Some(url) = &args.logout_url {
        edited.logout_url = url.clone();
    }
    merge(
        &mut edited.allowed_redirect_uris,
        &args.add_redirect_uris,
        &args.remove_redirect_uris,
        "redirectUri",
        "redirect URI",
    )?;
    merge(
        &mut edited.allowed_redirect_domains,
        &args.add_redirect_domains,
        &args.remove_redirect_domains,
        "redirectDomain",
        "redirect domain",
    )?;
    Ok(edited)
}

/// `list` minus `remove`, plus each of `add` it does not hold yet, in order.
fn merge(
    list: &mut Vec<String>,
    add: &[String],
    remove: &[String],
    field: &str,
    what: &str,
) -> Result<()> {
    for gone in remove {
        let gone = gone.trim();
        let before = list.len();
        list.retain(|item| item != gone);
        if list.len() == before {
            return Err(CoreError::invalid(
                field,
                format!(
                    "The app has no {what} “{gone}” to remove; `oauthdesk apps get` lists them exactly."
                ),
            )
            .into());
        }
    }
    for new in add {
        let new = new.trim();
        if !list.iter().any(|item| item == new) {
            list.push(new.to_owned());
        }
    }
    Ok(())
}

/// Ask `question` on the terminal; `y` or `yes` agrees. With no terminal on stdin, refuse (a usage error).
async fn confirm(question: String) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "not deleted: there is no terminal to confirm on; pass --yes to delete without asking"
                .to_owned(),
        ));
    }
    desk_core::blocking(move || {
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "{question}").and_then(|()| stderr.flush());
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).map(|_| {
            let answer = answer.trim().to_ascii_lowercase();
            answer == "y" || answer == "yes"
        })
    })
    .await?
    .map_err(|e| CliError::Failed(format!("could not read the answer: {e}")))
}

fn describe(app: &OAuthAppDetails) -> String {
    let f = &app.fields;
    let list = |items: &[String]| -> String {
        if items.is_empty() {
            " -\n".to_owned()
        } else {
            items.iter().map(|i| format!("\n  {i}")).collect::<String>() + "\n"
        }
    };
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "id: {}\nname: {}\ndescription: {}\ntype: {}\ntechnology: {}\ncreated: {}\nredirect URIs:{}redirect domains:{}login URL: {}\nlogout URL: {}\nsecret saved: {}\n",
        app.id,
        f.name,
        or_dash(&f.description),
        or_dash(&f.application_type),
        or_dash(&f.technology),
        or_dash(&app.created_date),
        list(&f.allowed_redirect_uris),
        list(&f.allowed_redirect_domains),
        or_dash(&f.login_url),
        or_dash(&f.logout_url),
        if app.secret_saved { "yes" } else { "no" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn merge_keeps_what_it_was_not_told_about() {
        let mut list = uris(&["https://a.example/cb", "https://b.example/cb"]);
        merge(
            &mut list,
            &uris(&["https://c.example/cb", "https://a.example/cb"]),
            &uris(&["https://b.example/cb"]),
            "redirectUri",
            "redirect URI",
        )
        .unwrap();
        assert_eq!(
            list,
            uris(&["https://a.example/cb", "https://c.example/cb"])
        );
    }

    #[test]
    fn removing_what_is_not_there_is_refused() {
        let mut list = uris(&["https://a.example/cb"]);
        let refused = merge(
            &mut list,
            &[],
            &uris(&["https://a.example/cb/"]),
            "redirectUri",
            "redirect URI",
        )
        .unwrap_err();
        assert!(refused.to_string().contains("no redirect URI"), "{refused}");
    }
}
