//! `deep_link`: the shape check of raw deep links (`wix_client::deep_link::inspect`), for the `oauthdesk` scheme.
//!
//! Input: UTF-8 text, a raw deep link; `{V}` in it becomes a distinctive secret-like value.
//!
//! Invariants: nothing panics; the redacted URL is the link's `scheme://host/path` followed only by parameter
//! *names* (`name=…`, or `?=…` for odd ones), so it contains no parameter value of the input: in particular `{V}`
//! shows only where it was part of the address or of a name; no control characters in the redacted URL or the
//! reason, and the reason never repeats the input's values; the redacted URL stays in proportion to the input.

use wix_client::deep_link::inspect;

/// What `{V}` becomes.
pub const VALUE: &str = "Vq7-SECRET-9zX";

pub fn check(data: &[u8]) {
    let Some(text) = crate::text(data) else {
        return;
    };
    let raw = text.replace("{V}", VALUE);
    let (redacted, verdict) = inspect(&raw, "oauthdesk");
    assert!(
        !redacted.chars().any(crate::hidden),
        "control characters in {redacted:?}"
    );
    assert!(
        redacted.len() <= 4 * raw.len() + 64,
        "{} bytes redacted from {}",
        redacted.len(),
        raw.len()
    );
    if let Err(reason) = &verdict {
        assert!(!reason.chars().any(crate::hidden), "{reason:?}");
        assert!(
            !reason.contains(VALUE),
            "the reason repeats the input: {reason:?}"
        );
        assert!(reason.len() <= 300, "{reason:?}");
    }
    if redacted.starts_with('<') {
        // Too long, or not a URL: nothing of it is shown.
        assert!(verdict.is_err());
        assert!(!redacted.contains(VALUE));
        return;
    }
    let url = url::Url::parse(&raw).expect("a redacted URL comes from a URL");
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    let address = bare.to_string();
    let rest = redacted
        .strip_prefix(&address)
        .unwrap_or_else(|| panic!("{redacted:?} does not start with the address {address:?}"));
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let mut names = Vec::new();
    if !query.is_empty() {
        let query = query.strip_prefix('?').unwrap_or_else(|| {
            panic!("{redacted:?}: something other than a query after the address")
        });
        names.extend(query.split('&'));
    }
    if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
        names.extend(fragment.split('&'));
    }
    for item in &names {
        let name = item
            .strip_suffix("=…")
            .unwrap_or_else(|| panic!("{redacted:?}: {item:?} is not a redacted parameter"));
        assert!(
            name == "?"
                || (!name.is_empty()
                    && name.len() <= 40
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')),
            "{redacted:?}: {name:?} is shown as a name"
        );
    }
    if redacted.contains(VALUE) {
        let in_names = names.iter().any(|n| n.contains(VALUE));
        assert!(
            address.contains(VALUE) || in_names,
            "a parameter value is shown: {redacted:?}"
        );
    }
    // Every name shown is a name of the input, in order.
    let input_names: Vec<String> = url
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .chain(
            url.fragment()
                .map(|f| {
                    url::form_urlencoded::parse(f.as_bytes())
                        .map(|(k, _)| k.into_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
        .collect();
    assert_eq!(names.len(), input_names.len(), "{redacted:?}");
    for (shown, name) in names.iter().zip(&input_names) {
        let shown = shown.strip_suffix("=…").unwrap_or(shown);
        assert!(
            shown == "?" || shown == name,
            "{shown:?} shown for {name:?}"
        );
    }
}
