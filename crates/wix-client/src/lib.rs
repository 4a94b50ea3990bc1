//! A typed client for the Wix APIs OAuth Desk uses, speaking the same protocol as the official
//! `@wix/auth-management` package — and nothing else: no Tauri, no UI, so everything is testable against the local
//! emulator over HTTP.
//!
//! - [`oauth_apps`]: the OAuth Apps API — create (with the secret handed to a [`store::SecretSink`] before the call returns),
//!   get, query and page, update by field mask (only changed fields are sent), delete.
//! - [`pages`]: which pages may be opened in the browser or loaded (https on Wix's hosts, or the sandbox).
//! - [`pkce`]: the per-login PKCE verifier, S256 challenge and state (the `oauth2` crate's types).
//! - [`members`]: member sign-in — login URL (redirect session), code exchange, register / login / verify,
//!   session token to tokens without a browser, password reset, external login, logout URL.
//! - [`callback`]: callback-URL parsing and the table of browser logins waiting for one (state, once, deadline,
//!   redirect URI).
//! - [`deep_link`]: the shape check of a raw deep link, and its redacted form (no parameter value) to show and log.
//! - [`wix_apps`]: Wix app OAuth — basic (client credentials) and advanced (install handshake, refresh tokens).
//! - [`store`]: the traits through which the application keeps tokens and created secrets (the client writes no
//!   keyring entry itself), and [`store::TokenCell`], single-flight renewal of a held token.
//! - [`visitor`]: visitor tokens (`OAuthStrategy`), and a token session with proactive, single-flight renewal.
//! - [`jwt`]: the claims of a JWT-shaped token, decoded (not verified) and bounded, for display.
//! - [`http`]: the HTTP behaviour every call shares — rustls, no redirects followed, timeouts, retries with
//!   backoff only for idempotent calls, Wix error bodies parsed, a redacted request log.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wix_client::Error> {
//! use wix_client::{AdminAuth, ClientConfig, oauth_apps::{OAuthAppsClient, OAuthAppFields}};
//! let client = OAuthAppsClient::new(ClientConfig::default())?;
//! let auth = AdminAuth::site("IST.my-api-key".into(), "1a2b3c4d-1234-4abc-9def-0123456789ab");
//! let created = client.create(&auth, &OAuthAppFields::named("My storefront")).await?;
//! println!("client ID {}", created.app.id); // created.secret is shown once; store it.
//! # Ok(()) }
//! ```

pub mod callback;
pub mod deep_link;
pub mod error;
pub mod http;
pub mod jwt;
pub mod members;
pub mod oauth_apps;
pub mod pages;
pub mod pkce;
pub mod store;
pub mod visitor;
pub mod wix_apps;

pub use error::{Error, FieldError, WixError};
pub use http::{AdminAuth, ClientConfig, RequestObserver, RequestRecord};
