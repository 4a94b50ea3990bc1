//! The redirect-URI doctor. Wix matches a login's redirect URI against the OAuth app's allowed list **exactly**
//! (as text), so a different port, a trailing slash, `http` for `https`, a capital letter in the host or
//! `localhost` for `127.0.0.1` each make Wix refuse the login. Given the URI a site or app will use, the doctor
//! says whether Wix will take it and, when not, which allowed URI it nearly matches and how it differs, in words.
//! Non-login redirects (logout, password reset) are checked against the allowed domains instead.

use serde::Serialize;

/// How one URI compares with an allowed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Difference {
    Scheme {
        typed: String,
        allowed: String,
    },
    /// The same host, but `localhost` on one side and a loopback address on the other.
    LoopbackName {
        typed: String,
        allowed: String,
    },
    /// The same host but for letter case.
    HostCase {
        typed: String,
        allowed: String,
    },
    Host {
        typed: String,
        allowed: String,
    },
    Port {
        typed: String,
        allowed: String,
    },
    /// The same path but for a trailing slash.
    TrailingSlash {
        typed_has_it: bool,
    },
    Path {
        typed: String,
        allowed: String,
    },
    Query {
        typed: String,
        allowed: String,
    },
    Fragment {
        typed: String,
        allowed: String,
    },
    /// The same address written differently (a default port written out, percent-encoding, letter case in an
    /// escape): Wix compares the text.
    Spelling {
        typed: String,
        allowed: String,
    },
}

impl Difference {
    /// The difference in words, with the fix.
    pub fn explain(&self) -> String {
        match self {
            Difference::Scheme { typed, allowed } => format!(
                "The scheme differs: you use {typed}://, the app allows {allowed}://. Wix does not treat them as the same."
            ),
            Difference::LoopbackName { typed, allowed } => format!(
                "You use {typed} where the app allows {allowed}: both reach this machine, but Wix compares the text, so they differ."
            ),
            Difference::HostCase { typed, allowed } => format!(
                "The host differs in letter case ({typed} vs {allowed}): Wix compares redirect URIs exactly."
            ),
            Difference::Host { typed, allowed } => {
                format!("The host differs: {typed} vs {allowed}.")
            }
            Difference::Port { typed, allowed } => format!(
                "The port differs: {typed} vs {allowed} (a dev server that moved to another port is the usual cause)."
            ),
            Difference::TrailingSlash { typed_has_it: true } => {
                "Your URI ends with a slash that the allowed one does not have.".to_owned()
            }
            Difference::TrailingSlash {
                typed_has_it: false,
            } => "The allowed URI ends with a slash that yours does not have.".to_owned(),
            Difference::Path { typed, allowed } => {
                format!("The path differs: {typed} vs {allowed}.")
            }
            Difference::Query { typed, allowed } => format!(
                "The query string differs: “{typed}” vs “{allowed}”. It is part of the exact match."
            ),
            Difference::Fragment { typed, allowed } => {
                format!("The fragment differs: “{typed}” vs “{allowed}”.")
            }
            Difference::Spelling { typed, allowed } => format!(
                "It is the same address written differently ({typed} vs {allowed}), for example a default port written out; Wix compares the text, so use the allowed spelling."
            ),
        }
    }
}

/// The doctor's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Diagnosis {
    /// Not an absolute URI: Wix would refuse it whatever the list says.
    Invalid { reason: String },
    /// Exactly in the list: Wix takes it.
    Allowed,
    /// Not in the list; `closest` is the allowed URI it nearly matches, and `differences` says how.
    NearMiss {
        closest: String,
        differences: Vec<Difference>,
        explanations: Vec<String>,
    },
    /// Not in the list, and nothing in it is close.
    NotAllowed { reason: String },
}

/// Check a login redirect URI against an app's allowed redirect URIs.
pub fn check_redirect_uri(typed: &str, allowed: &[String]) -> Diagnosis {
    let typed = typed.trim();
    let parsed = match url::Url::parse(typed) {
        Ok(url) => url,
        Err(e) => {
            return Diagnosis::Invalid {
                reason: format!(
                    "It is not an absolute URI ({e}); write it as the browser will, e.g. http://localhost:3000/callback."
                ),
            };
        }
    };
    if allowed.iter().any(|a| a == typed) {
        return Diagnosis::Allowed;
    }
    let nearest = allowed
        .iter()
        .filter_map(|a| {
            let other = url::Url::parse(a).ok()?;
            let differences = compare(typed, &parsed, a, &other);
            // Close means at most two differences and not a different site altogether.
            let foreign = differences
                .iter()
                .any(|d| matches!(d, Difference::Host { .. }));
            (!differences.is_empty() && differences.len() <= 2 && !foreign)
                .then_some((a, differences))
        })
        .min_by_key(|(_, d)| d.len());
    match nearest {
        Some((closest, differences)) => Diagnosis::NearMiss {
            closest: closest.clone(),
            explanations: differences.iter().map(Difference::explain).collect(),
            differences,
        },
        None if allowed.is_empty() => Diagnosis::NotAllowed {
            reason: "The app allows no redirect URI yet: add this one.".to_owned(),
        },
        None => Diagnosis::NotAllowed {
            reason: format!(
                "No allowed redirect URI is close to it (the app allows {}): add it, or use one of those.",
                allowed.join(", ")
            ),
        },
    }
}

/// Check a non-login redirect (logout page, password reset) against the app's allowed domains: the URL's host is
/// one of them or under one of them.
pub fn check_redirect_domain(typed: &str, domains: &[String]) -> Diagnosis {
    let parsed = match url::Url::parse(typed.trim()) {
        Ok(url) => url,
        Err(e) => {
            return Diagnosis::Invalid {
                reason: format!("It is not an absolute URL ({e})."),
            };
        }
    };
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let fits = |domain: &String| {
        let domain = domain.trim().trim_start_matches("*.").to_ascii_lowercase();
        !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
    };
    if domains.iter().any(fits) {
        Diagnosis::Allowed
    } else {
        Diagnosis::NotAllowed {
            reason: if domains.is_empty() {
                format!("The app allows no redirect domain yet: add {host}.")
            } else {
                format!(
                    "{host} is not one of the allowed domains ({}) nor under one of them.",
                    domains.join(", ")
                )
            },
        }
    }
}

/// The host as written (the URL parser lowercases it), from the raw text after `://` up to the port, path, query
/// or fragment.
fn raw_host(raw: &str) -> &str {
    let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let end = if rest.starts_with('[') {
        rest.find(']').map_or(rest.len(), |i| i + 1)
    } else {
        rest.find([':', '/', '?', '#']).unwrap_or(rest.len())
    };
    &rest[..end]
}

fn is_loopback_name(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

fn port_text(url: &url::Url) -> String {
    match url.port_or_known_default() {
        Some(port) if url.port().is_none() => format!("{port} (the default)"),
        Some(port) => port.to_string(),
        None => "none".to_owned(),
    }
}

fn compare(
    typed_raw: &str,
    typed: &url::Url,
    allowed_raw: &str,
    allowed: &url::Url,
) -> Vec<Difference> {
    let mut differences = Vec::new();
    if typed.scheme() != allowed.scheme() {
        differences.push(Difference::Scheme {
            typed: typed.scheme().to_owned(),
            allowed: allowed.scheme().to_owned(),
        });
    }
    let (typed_host, allowed_host) = (raw_host(typed_raw), raw_host(allowed_raw));
    if typed_host != allowed_host {
        let (t, a) = (
            typed_host.to_ascii_lowercase(),
            allowed_host.to_ascii_lowercase(),
        );
        differences.push(if t == a {
            Difference::HostCase {
                typed: typed_host.to_owned(),
                allowed: allowed_host.to_owned(),
            }
        } else if is_loopback_name(&t) && is_loopback_name(&a) {
            Difference::LoopbackName {
                typed: t,
                allowed: a,
            }
        } else {
            Difference::Host {
                typed: t,
                allowed: a,
            }
        });
    }
    // Only a port written differently counts: with the scheme differing, the default ports differ too.
    if typed.port() != allowed.port()
        && !(typed.scheme() != allowed.scheme()
            && typed.port().is_none()
            && allowed.port().is_none())
    {
        differences.push(Difference::Port {
            typed: port_text(typed),
            allowed: port_text(allowed),
        });
    }
    let (tp, ap) = (typed.path(), allowed.path());
    if tp != ap {
        if tp.trim_end_matches('/') == ap.trim_end_matches('/') {
            differences.push(Difference::TrailingSlash {
                typed_has_it: tp.ends_with('/'),
            });
        } else {
            differences.push(Difference::Path {
                typed: tp.to_owned(),
                allowed: ap.to_owned(),
            });
        }
    }
    if typed.query() != allowed.query() {
        differences.push(Difference::Query {
            typed: typed.query().unwrap_or("").to_owned(),
            allowed: allowed.query().unwrap_or("").to_owned(),
        });
    }
    if typed.fragment() != allowed.fragment() {
        differences.push(Difference::Fragment {
            typed: typed.fragment().unwrap_or("").to_owned(),
            allowed: allowed.fragment().unwrap_or("").to_owned(),
        });
    }
    if differences.is_empty() && typed_raw != allowed_raw {
        differences.push(Difference::Spelling {
            typed: typed_raw.to_owned(),
            allowed: allowed_raw.to_owned(),
        });
    }
    differences
}

impl crate::Desk {
    /// The doctor on an app as Wix has it now: the URI against its allowed redirect URIs (`login: true`) or its
    /// allowed domains (a logout or reset page's return URL).
    pub async fn diagnose_redirect(
        &self,
        project_id: &str,
        client_id: &str,
        uri: &str,
        login: bool,
    ) -> crate::Result<Diagnosis> {
        let app = self.get_app(project_id, client_id).await?;
        Ok(if login {
            check_redirect_uri(uri, &app.fields.allowed_redirect_uris)
        } else {
            check_redirect_domain(uri, &app.fields.allowed_redirect_domains)
        })
    }

    /// "Add exactly this URI": read the app from Wix now, add the URI to the list Wix has (a PATCH replaces the
    /// whole list, so a list read earlier could drop someone else's change), and send only that field. Already
    /// there: nothing is sent. Wix allows at most 20.
    pub async fn add_redirect_uri(
        &self,
        project_id: &str,
        client_id: &str,
        uri: &str,
    ) -> crate::Result<crate::oauth_apps::OAuthAppDetails> {
        let uri = uri.trim();
        if let Diagnosis::Invalid { reason } = check_redirect_uri(uri, &[]) {
            return Err(crate::CoreError::invalid("redirectUri", reason));
        }
        let app = self.get_app(project_id, client_id).await?;
        if app.fields.allowed_redirect_uris.iter().any(|a| a == uri) {
            return Ok(app);
        }
        if app.fields.allowed_redirect_uris.len() >= MAX_REDIRECT_URIS {
            return Err(crate::CoreError::invalid(
                "redirectUri",
                format!(
                    "The app already allows {MAX_REDIRECT_URIS} redirect URIs, Wix's limit: remove one it no longer needs first."
                ),
            ));
        }
        let mut edited = app.fields.clone();
        edited.allowed_redirect_uris.push(uri.to_owned());
        self.update_app(project_id, client_id, &app.fields, &edited)
            .await
    }
}

/// Wix's limit on an OAuth app's allowed redirect URIs.
pub const MAX_REDIRECT_URIS: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn near(typed: &str, allowed: &[&str]) -> Vec<Difference> {
        let allowed: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
        match check_redirect_uri(typed, &allowed) {
            Diagnosis::NearMiss { differences, .. } => differences,
            other => panic!("{typed}: expected a near miss, got {other:?}"),
        }
    }

    #[test]
    fn each_near_miss_class_is_named() {
        let app = ["http://localhost:3000/callback"];
        let table: &[(&str, Difference)] = &[
            (
                "http://localhost:5173/callback",
                Difference::Port {
                    typed: "5173".into(),
                    allowed: "3000".into(),
                },
            ),
            (
                "http://localhost:3000/callback/",
                Difference::TrailingSlash { typed_has_it: true },
            ),
            (
                "http://LocalHost:3000/callback",
                Difference::HostCase {
                    typed: "LocalHost".into(),
                    allowed: "localhost".into(),
                },
            ),
            (
                "http://127.0.0.1:3000/callback",
                Difference::LoopbackName {
                    typed: "127.0.0.1".into(),
                    allowed: "localhost".into(),
                },
            ),
            (
                "http://localhost:3000/auth/callback",
                Difference::Path {
                    typed: "/auth/callback".into(),
                    allowed: "/callback".into(),
                },
            ),
            (
                "http://localhost:3000/callback?next=/cart",
                Difference::Query {
                    typed: "next=/cart".into(),
                    allowed: "".into(),
                },
            ),
            (
                "https://localhost:3000/callback",
                Difference::Scheme {
                    typed: "https".into(),
                    allowed: "http".into(),
                },
            ),
        ];
        for (typed, expected) in table {
            assert_eq!(near(typed, &app), vec![expected.clone()], "{typed}");
        }
    }

    #[test]
    fn http_for_https_is_one_difference_not_a_port_too() {
        assert_eq!(
            near(
                "http://shop.example.com/callback",
                &["https://shop.example.com/callback"]
            ),
            vec![Difference::Scheme {
                typed: "http".into(),
                allowed: "https".into()
            }]
        );
        // A default port written out is the same address to a browser, but not to Wix.
        assert!(matches!(
            near(
                "https://shop.example.com:443/callback",
                &["https://shop.example.com/callback"]
            )[..],
            [Difference::Spelling { .. }]
        ));
    }

    #[test]
    fn exact_allowed_invalid_and_far_away() {
        let allowed = vec![
            "oauthdesk://callback".to_owned(),
            "http://localhost:3000/callback".to_owned(),
        ];
        assert_eq!(
            check_redirect_uri("oauthdesk://callback", &allowed),
            Diagnosis::Allowed
        );
        assert_eq!(
            check_redirect_uri("  oauthdesk://callback ", &allowed),
            Diagnosis::Allowed
        );
        assert!(matches!(
            check_redirect_uri("localhost:3000", &allowed),
            Diagnosis::Invalid { .. } | Diagnosis::NotAllowed { .. }
        ));
        assert!(matches!(
            check_redirect_uri("/callback", &allowed),
            Diagnosis::Invalid { .. }
        ));
        assert!(matches!(
            check_redirect_uri("https://evil.example/callback", &allowed),
            Diagnosis::NotAllowed { .. }
        ));
        assert!(matches!(
            check_redirect_uri("http://localhost:3000/x", &[]),
            Diagnosis::NotAllowed { .. }
        ));
        // The closest of several is chosen.
        let Diagnosis::NearMiss { closest, .. } =
            check_redirect_uri("http://localhost:3001/callback", &allowed)
        else {
            panic!()
        };
        assert_eq!(closest, "http://localhost:3000/callback");
    }

    #[test]
    fn non_login_redirects_are_checked_against_domains() {
        let domains = vec!["shop.example.com".to_owned()];
        assert_eq!(
            check_redirect_domain("https://shop.example.com/bye", &domains),
            Diagnosis::Allowed
        );
        assert_eq!(
            check_redirect_domain("https://www.shop.example.com/bye", &domains),
            Diagnosis::Allowed
        );
        assert!(matches!(
            check_redirect_domain("https://evilshop.example.com/bye", &domains),
            Diagnosis::NotAllowed { .. }
        ));
        assert!(matches!(
            check_redirect_domain("nope", &domains),
            Diagnosis::Invalid { .. }
        ));
    }
}
