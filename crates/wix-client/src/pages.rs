//! Which pages OAuth Desk may open in the system browser, or load itself: `https` pages on Wix's own hosts, or
//! pages of the local sandbox's own loopback origin. A login or logout URL comes from a server's answer
//! (`fullUrl`), so it is checked before anything opens it: a `file:`, `smb:` or custom-scheme URL, or a page on
//! another host, is refused with an error that names the host.

use url::Url;

use crate::error::{Error, Result};

/// Wix's domains: a page on one of these, or on a subdomain of one, is Wix's.
const WIX_DOMAINS: &[&str] = &[
    "wix.com",
    "wixapis.com",
    "wixsite.com",
    "wixstudio.com",
    "editorx.io",
];

fn is_wix_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    WIX_DOMAINS
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `url` may be opened or loaded: `https` on a Wix host (no user-info), or the same origin as `local`
/// when `local` is a loopback server (the sandbox).
pub fn check(url: &Url, local: Option<&Url>) -> Result<()> {
    let wix = url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && url.host_str().is_some_and(is_wix_host);
    let sandbox = local.is_some_and(|local| {
        is_loopback(local) && url.origin() == local.origin() && url.username().is_empty()
    });
    if wix || sandbox {
        Ok(())
    } else {
        Err(Error::PageRefused {
            shown: describe(url),
        })
    }
}

/// `scheme://host` of a refused URL, short and without user-info or control characters, to name it safely.
fn describe(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let text: String = format!("{}://{host}", url.scheme())
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str, local: Option<&str>) -> bool {
        let local = local.map(|l| Url::parse(l).unwrap());
        check(&Url::parse(url).unwrap(), local.as_ref()).is_ok()
    }

    #[test]
    fn wix_https_pages_and_the_sandbox_origin_are_allowed() {
        for url in [
            "https://www.wix.com/installer/install?x=1",
            "https://users.wix.com/signin",
            "https://shop.wixsite.com/mysite/login",
            "https://WWW.WIXAPIS.COM/oauth2/authorize",
        ] {
            assert!(allowed(url, None), "{url}");
        }
        assert!(allowed(
            "http://127.0.0.1:8787/oauth2/authorize?a=b",
            Some("http://127.0.0.1:8787/")
        ));
    }

    #[test]
    fn other_schemes_hosts_ports_and_user_info_are_refused_naming_the_host() {
        let sandbox = Some("http://127.0.0.1:8787/");
        for url in [
            "http://www.wix.com/insecure",
            "file:///etc/passwd",
            "smb://attacker.example/share",
            "oauthdesk://callback?code=x",
            "https://wix.com.attacker.example/",
            "https://attackerwix.com/",
            "https://user:pass@www.wix.com/",
            "http://127.0.0.1:9999/other-port",
            "http://localhost:8787/not-the-same-origin-name",
        ] {
            assert!(!allowed(url, sandbox), "{url} was allowed");
        }
        let refused = check(&Url::parse("smb://evil.example/x").unwrap(), None).unwrap_err();
        assert!(
            refused.to_string().contains("smb://evil.example"),
            "{refused}"
        );
        // A remote "local" origin never counts as the sandbox.
        assert!(!allowed(
            "https://example.com/x",
            Some("https://example.com/")
        ));
    }
}
