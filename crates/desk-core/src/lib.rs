//! OAuth Desk's application core: what the app *does*, with no window attached.
//!
//! - [`projects`]: the list of projects (the built-in sandbox and connected Wix projects), kept in a JSON file
//!   that holds no secret.
//! - [`secrets`]: the one writer of keyring entries, with the ledger of everything it wrote, so removing a
//!   project, a profile or everything leaves nothing behind.
//! - [`files`]: the app's JSON files, written atomically, in order, off the async runtime.
//! - [`location`]: the data folder and keyring service every OAuth Desk program shares.
//! - [`sandbox`]: the local Wix emulator the app starts in-process as its sandbox project.
//! - [`sign_in`]: the member sign-in workbench (visitor, browser login via deep link, custom and external login,
//!   renewal, logout) with tokens kept in the keyring.
//! - [`wix_apps`]: the Wix app OAuth workbench (profiles, basic and advanced tokens, the install handshake served
//!   on loopback).
//!
//! The Tauri shell (`src-tauri`) turns each public async method here into a typed command; tests drive the same
//! methods against the real emulator and a real or in-memory keyring.

pub mod desk;
pub mod doctor;
pub mod error;
pub mod files;
pub mod location;
pub mod oauth_apps;
pub mod preflight;
pub mod projects;
pub mod removal;
pub mod sandbox;
pub mod secrets;
pub mod sign_in;
pub mod wix_apps;

pub use desk::Desk;
pub use error::{CoreError, Result, blocking};
