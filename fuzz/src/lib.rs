//! The checks behind OAuth Desk's fuzz targets (`src/bin/*`, run by cargo-afl): each takes the fuzzer's bytes,
//! drives the real code with them, and panics (a crash for AFL) when an invariant breaks.
//!
//! A fuzzer cannot guess a random `state`, code or token, so the inputs carry placeholders (`{S1}`, `{CODE}`, ...)
//! that are replaced by values really pending in a seeded flow or emulator: the accepting branches are reached.
//! See `fuzz/README.md` for the input formats and the figures of the last long runs.

pub mod callback;
pub mod deep_link;
pub mod emulator;
pub mod jwt;

/// Whether to print what each input did (`OAUTH_DESK_FUZZ_TRACE=1`), to check that a seed reaches what it is
/// meant to: `target/afl/release/<target> < fuzz/corpus/<target>/<file>`.
pub fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("OAUTH_DESK_FUZZ_TRACE").is_some())
}

/// The input as text, if it is UTF-8 (every API fuzzed here takes `&str`).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Characters no message or displayed value may carry: control characters, and Unicode bidirectional-text
/// controls (they make the rest of a log line or label read backwards).
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `scheme://host/path` of a URL: the part a message may show (no query, fragment, user or password).
pub fn shown_part(url: &url::Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.to_string()
}
