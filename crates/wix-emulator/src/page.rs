//! The few HTML pages the emulator serves in place of Wix's (hosted login, password reset): plain forms, no
//! scripts, no remote content.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escape text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page around `body` (already HTML). The title is escaped here.
pub fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; form-action *">
<title>{title} · Wix emulator</title>
<style>
body {{ font: 16px system-ui, sans-serif; max-width: 26rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }}
label {{ display: block; margin: .8rem 0; }} input {{ display: block; width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ padding: .5rem 1rem; margin-right: .5rem; }} .error {{ color: #b00020; }} .note {{ color: #555; font-size: .85rem; }}
</style></head>
<body><p class="note">Local Wix emulator (not Wix): nothing here leaves this machine.</p>
<h1>{title}</h1>
{body}
</body></html>"#,
        title = escape(title)
    )
}

/// A page that only says something.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    (
        status,
        Html(layout(
            title,
            &format!(r#"<p data-testid="message">{}</p>"#, escape(text)),
        )),
    )
        .into_response()
}
