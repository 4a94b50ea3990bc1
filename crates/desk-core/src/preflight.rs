//! The sign-in preflight: before a browser login, check what makes one fail, each with its fix. The app exists
//! (read from Wix now), the redirect URI the login returns to is allowed (exactly, as Wix compares it), Wix can
//! create a login page for the site (it cannot while the site is unpublished), and whether Wix asks custom logins
//! for a captcha. A check that depends on an earlier failed one is skipped, and says so.

use serde::Serialize;

use crate::doctor::{Diagnosis, check_redirect_uri};
use crate::error::Result;

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PreflightItem {
    AppExists,
    RedirectUri,
    SitePublished,
    Captcha,
}

/// A check's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Fine for a login.
    Pass,
    /// A browser login will fail until this is fixed.
    Fail,
    /// Worth knowing, but no reason for a browser login to fail.
    Notice,
    /// Not checked, because an earlier check failed.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PreflightCheck {
    pub item: PreflightItem,
    pub verdict: Verdict,
    /// What was found, in words.
    pub summary: String,
    /// What to do about it, when there is something to do.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Preflight {
    /// The redirect URI the browser login will use.
    pub redirect_uri: String,
    pub checks: Vec<PreflightCheck>,
    /// No check failed: a browser login can go ahead.
    pub ready: bool,
}

impl PreflightCheck {
    fn new(item: PreflightItem, verdict: Verdict, summary: String, fix: Option<String>) -> Self {
        Self {
            item,
            verdict,
            summary,
            fix,
        }
    }

    fn skipped(item: PreflightItem, because: &str) -> Self {
        Self::new(
            item,
            Verdict::Skipped,
            format!("Not checked: {because}."),
            None,
        )
    }
}

impl crate::Desk {
    /// Run the sign-in preflight for a project's OAuth app. Only an unknown project is an error; every other
    /// failure is a check's answer.
    pub async fn preflight_sign_in(&self, project_id: &str, client_id: &str) -> Result<Preflight> {
        let target = self.sign_in_target(project_id, client_id)?;
        let redirect_uri = self.sign_in.redirect_uri().to_owned();
        let mut checks = Vec::with_capacity(4);

        let app = match self.get_app(project_id, &target.client_id).await {
            Ok(app) => {
                checks.push(PreflightCheck::new(
                    PreflightItem::AppExists,
                    Verdict::Pass,
                    format!("Wix has the OAuth app “{}”.", app.fields.name),
                    None,
                ));
                Some(app)
            }
            Err(e) => {
                checks.push(PreflightCheck::new(
                    PreflightItem::AppExists,
                    Verdict::Fail,
                    format!("Wix did not give the OAuth app {}: {e}.", target.client_id),
                    Some(
                        "Check the client ID (it may belong to another project), or test the project's connection in Projects."
                            .to_owned(),
                    ),
                ));
                None
            }
        };

        let redirect_ok = match &app {
            None => {
                checks.push(PreflightCheck::skipped(
                    PreflightItem::RedirectUri,
                    "the app could not be read",
                ));
                false
            }
            Some(app) => {
                let check = redirect_check(
                    &redirect_uri,
                    check_redirect_uri(&redirect_uri, &app.fields.allowed_redirect_uris),
                );
                let ok = check.verdict == Verdict::Pass;
                checks.push(check);
                ok
            }
        };

        if !redirect_ok {
            checks.push(PreflightCheck::skipped(
                PreflightItem::SitePublished,
                "Wix refuses to create a login page for a redirect URI the app does not allow",
            ));
        } else {
            checks.push(match self.sign_in.probe_login_page(&target).await {
                Ok(()) => PreflightCheck::new(
                    PreflightItem::SitePublished,
                    Verdict::Pass,
                    "Wix created a login page for the site (so it is published).".to_owned(),
                    None,
                ),
                Err(e) => {
                    let text = e.to_string();
                    let unpublished = text.contains("not published");
                    PreflightCheck::new(
                        PreflightItem::SitePublished,
                        Verdict::Fail,
                        if unpublished {
                            "The site is not published, so Wix refuses to create a login page for it.".to_owned()
                        } else {
                            format!("Wix did not create a login page: {text}.")
                        },
                        Some(if unpublished {
                            "Publish the site in the Wix dashboard (Publish), then run the preflight again.".to_owned()
                        } else {
                            "Run the preflight again; if it fails the same way, the request log shows Wix's answer."
                                .to_owned()
                        }),
                    )
                }
            });
        }

        if app.is_none() {
            checks.push(PreflightCheck::skipped(
                PreflightItem::Captcha,
                "the app could not be read",
            ));
        } else {
            checks.push(match self.sign_in.probe_captcha(&target).await {
                Ok(true) => PreflightCheck::new(
                    PreflightItem::Captcha,
                    Verdict::Notice,
                    "Wix asks this site's custom logins and sign-ups for a captcha token. A browser login shows the captcha on Wix's page.".to_owned(),
                    Some(
                        "For custom login and registration, solve a reCAPTCHA with the site's key and paste its token (Member sign-in → captcha help)."
                            .to_owned(),
                    ),
                ),
                Ok(false) => PreflightCheck::new(
                    PreflightItem::Captcha,
                    Verdict::Pass,
                    "Wix did not ask for a captcha on a test login (it may still ask later, for example after failed attempts).".to_owned(),
                    None,
                ),
                Err(e) => PreflightCheck::new(
                    PreflightItem::Captcha,
                    Verdict::Notice,
                    format!("Could not tell whether Wix asks for a captcha: {e}."),
                    None,
                ),
            });
        }

        let ready = checks.iter().all(|c| c.verdict != Verdict::Fail);
        Ok(Preflight {
            redirect_uri,
            checks,
            ready,
        })
    }
}

/// The redirect-URI check, worded for the preflight (the doctor's words for a near miss).
fn redirect_check(redirect_uri: &str, diagnosis: Diagnosis) -> PreflightCheck {
    let add = format!("Add exactly {redirect_uri} to the app's allowed redirect URIs (“Add it”).");
    match diagnosis {
        Diagnosis::Allowed => PreflightCheck::new(
            PreflightItem::RedirectUri,
            Verdict::Pass,
            format!("The app allows {redirect_uri}, exactly."),
            None,
        ),
        Diagnosis::NearMiss {
            closest,
            explanations,
            ..
        } => PreflightCheck::new(
            PreflightItem::RedirectUri,
            Verdict::Fail,
            format!(
                "The app allows {closest}, not {redirect_uri}: {}",
                explanations.join(" ")
            ),
            Some(add),
        ),
        Diagnosis::NotAllowed { reason } => PreflightCheck::new(
            PreflightItem::RedirectUri,
            Verdict::Fail,
            format!("The app does not allow {redirect_uri}. {reason}"),
            Some(add),
        ),
        Diagnosis::Invalid { reason } => PreflightCheck::new(
            PreflightItem::RedirectUri,
            Verdict::Fail,
            format!("{redirect_uri} is not a usable redirect URI: {reason}"),
            Some("Set a valid redirect URI for OAuth Desk's logins.".to_owned()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_fails_with_the_doctors_words_and_the_exact_fix() {
        let check = redirect_check(
            "oauthdesk://callback",
            check_redirect_uri(
                "oauthdesk://callback",
                &["oauthdesk://callback/".to_owned()],
            ),
        );
        assert_eq!(check.verdict, Verdict::Fail);
        assert!(check.summary.contains("slash"), "{}", check.summary);
        assert_eq!(
            check.fix.as_deref(),
            Some("Add exactly oauthdesk://callback to the app's allowed redirect URIs (“Add it”).")
        );
    }

    #[test]
    fn an_allowed_uri_passes() {
        let check = redirect_check(
            "oauthdesk://callback",
            check_redirect_uri("oauthdesk://callback", &["oauthdesk://callback".to_owned()]),
        );
        assert_eq!(check.verdict, Verdict::Pass);
        assert_eq!(check.fix, None);
    }
}
