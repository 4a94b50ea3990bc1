//! What the app will open in the system browser, or load itself: URLs a server could send back (a redirect
//! session's `fullUrl`), each refused unless it is `https` on Wix's hosts or the sandbox's own loopback origin.

use url::Url;
use wix_client::pages::check;

#[test]
fn hostile_page_urls_are_refused_and_wix_pages_are_not() {
    let sandbox = Url::parse("http://127.0.0.1:8787/").unwrap();
    let hostile = [
        "file:///etc/passwd",
        "file:///C:/Windows/System32/calc.exe",
        "smb://attacker.example/share",
        "ftp://attacker.example/x",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "oauthdesk://callback?code=x&state=y",
        "ms-settings:privacy",
        "vscode://file/etc/passwd",
        "http://www.wix.com/insecure",
        "https://wix.com.attacker.example/login",
        "https://attackerwix.com/",
        "https://www.wix.com.evil/",
        "https://user:pass@users.wix.com/",
        "https://attacker.example/?next=https://www.wix.com/",
        "http://127.0.0.1:9999/other-port",
        "http://localhost:8787/same-port-other-name",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8787/",
        "https://127.0.0.1:8787/",
    ];
    let mut refused = 0;
    for raw in hostile {
        let url = Url::parse(raw).unwrap();
        match check(&url, Some(&sandbox)) {
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().contains("pass@"), "{e}");
            }
            Ok(()) => panic!("{raw} would be opened"),
        }
    }
    for allowed in [
        "https://www.wix.com/installer/install?token=t",
        "https://users.wix.com/signin",
        "https://mysite.wixsite.com/shop/login",
        "http://127.0.0.1:8787/oauth2/authorize?x=1",
    ] {
        assert!(
            check(&Url::parse(allowed).unwrap(), Some(&sandbox)).is_ok(),
            "{allowed} was refused"
        );
    }
    wix_emulator::test_support::record_security_tally(
        env!("CARGO_TARGET_TMPDIR"),
        "opener_refused",
        refused,
        hostile.len(),
    );
}
