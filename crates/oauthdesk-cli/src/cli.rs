//! The command line's grammar, declared once: parsing, `--help`, shell completions and the man page all come from
//! these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// OAuth Desk on the command line: Wix projects and their OAuth apps, and the local Wix emulator.
///
/// It uses the app's data folder and OS keyring, so a project connected in one is there in the other.
/// Exit codes: 0 done, 1 failed (the reason is on stderr), 2 bad usage.
#[derive(Debug, Parser)]
#[command(name = "oauthdesk", version, propagate_version = true)]
pub struct Cli {
    /// The project to work on, by name or ID (`oauthdesk projects list` shows them); `sandbox` is the built-in one.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = desk_core::projects::SANDBOX_ID,
        help_heading = "Global options"
    )]
    pub project: String,

    /// Print data as JSON (one document on stdout) instead of text.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The Wix projects OAuth Desk knows: the sandbox and the ones you connected.
    #[command(subcommand)]
    Projects(ProjectsCommand),
    /// The OAuth apps of a project (`--project`).
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Run the local Wix emulator in the foreground, for a test pipeline.
    ///
    /// Prints `KEY=value` lines a shell can source (base URL, API key, site and account IDs, the admin token
    /// of the emulator-only routes), then serves until SIGTERM or Ctrl+C. Its state is its own (in memory, or
    /// in `--data`), never the app's sandbox.
    Emulator(EmulatorArgs),
    /// Print a shell completion script, e.g. `oauthdesk completions bash > ~/.local/share/bash-completion/completions/oauthdesk`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a folder.
    Man {
        /// Write `oauthdesk.1`, `oauthdesk-apps.1`, … into this folder instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectsCommand {
    /// List the projects.
    List,
    /// Connect a Wix project: the API key is checked with one call to Wix, then kept in the OS keyring.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["site_id", "account_id"])))]
    Add {
        /// A name to know the project by.
        #[arg(long, value_name = "N")]
        name: String,
        /// Read the API key from stdin (one line; never give a key as an argument).
        #[arg(long, required = true)]
        api_key_stdin: bool,
        /// Address one site (the `wix-site-id` of the admin calls).
        #[arg(long, value_name = "S")]
        site_id: Option<String>,
        /// Address a whole account (the `wix-account-id` of the admin calls).
        #[arg(long, value_name = "A")]
        account_id: Option<String>,
    },
    /// Check that a project's API key works: one call to Wix.
    Test {
        /// The project (default: `--project`).
        name: Option<String>,
    },
    /// Remove a connected project and every secret OAuth Desk kept for it (nothing on Wix changes).
    Remove {
        /// The project, by name or ID.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List the OAuth apps.
    List {
        /// Order by this field (default: Wix's order).
        #[arg(long, value_enum)]
        sort: Option<SortBy>,
        /// Largest first.
        #[arg(long)]
        desc: bool,
        /// At most this many apps (1 to 100).
        #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: u32,
    },
    /// Show one OAuth app with every field.
    Get {
        /// The app's client ID.
        id: String,
    },
    /// Create an OAuth app. Its client secret is saved in the OS keyring (`oauthdesk apps secret ID`).
    Create {
        /// The app's name.
        #[arg(long, value_name = "N")]
        name: String,
        /// An allowed redirect URI (repeat for more).
        #[arg(long = "redirect-uri", value_name = "U")]
        redirect_uris: Vec<String>,
        /// The kind of client.
        #[arg(long = "type", value_enum, value_name = "TYPE", default_value_t = AppType::Web)]
        app_type: AppType,
        /// What the client is built with.
        #[arg(long, value_enum, default_value_t = Technology::Javascript, value_name = "T")]
        technology: Technology,
        /// A description.
        #[arg(long, value_name = "D", default_value = "", hide_default_value = true)]
        description: String,
        /// Also print the client secret.
        #[arg(long)]
        show_secret: bool,
    },
    /// Change an OAuth app: only the fields given are sent (a field mask). Redirect URIs and domains not named
    /// are kept.
    Update(UpdateArgs),
    /// Delete an OAuth app on Wix, and its saved secret here.
    Delete {
        /// The app's client ID.
        id: String,
        /// Do not ask. Without a terminal to ask on, `--yes` is required.
        #[arg(long)]
        yes: bool,
    },
    /// Print the client secret saved when the app was created here.
    Secret {
        /// The app's client ID.
        id: String,
    },
}

impl AppsCommand {
    /// Whether the command may change OAuth Desk's own files (the keyring ledger): creating an app saves its
    /// secret, deleting one deletes it.
    pub fn writes_files(&self) -> bool {
        matches!(
            self,
            AppsCommand::Create { .. } | AppsCommand::Delete { .. }
        )
    }
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The app's client ID.
    pub id: String,
    /// A new name.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// A new description (empty to clear).
    #[arg(long, value_name = "D")]
    pub description: Option<String>,
    /// A new kind of client.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub app_type: Option<AppType>,
    /// What the client is built with now.
    #[arg(long, value_enum, value_name = "T")]
    pub technology: Option<Technology>,
    /// Allow this redirect URI too (repeat for more).
    #[arg(long = "add-redirect-uri", value_name = "U")]
    pub add_redirect_uris: Vec<String>,
    /// Stop allowing this redirect URI (repeat for more).
    #[arg(long = "remove-redirect-uri", value_name = "U")]
    pub remove_redirect_uris: Vec<String>,
    /// Allow this redirect domain too (repeat for more).
    #[arg(long = "add-redirect-domain", value_name = "D")]
    pub add_redirect_domains: Vec<String>,
    /// Stop allowing this redirect domain (repeat for more).
    #[arg(long = "remove-redirect-domain", value_name = "D")]
    pub remove_redirect_domains: Vec<String>,
    /// The login page URL (empty to clear).
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    /// The logout page URL (empty to clear).
    #[arg(long, value_name = "URL")]
    pub logout_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Keep the state in this JSON file (loaded at start if it exists, written after every change).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortBy {
    Name,
    Created,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AppType {
    Web,
    Mobile,
    Other,
}

impl AppType {
    /// Wix's wire value.
    pub fn wire(self) -> &'static str {
        match self {
            AppType::Web => "WEB_APP",
            AppType::Mobile => "MOBILE",
            AppType::Other => "OTHER",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Technology {
    Javascript,
    Angular,
    Vue,
    React,
    ReactNative,
    Ios,
    Android,
    Other,
}

impl Technology {
    /// Wix's wire value.
    pub fn wire(self) -> &'static str {
        match self {
            Technology::Javascript => "JAVASCRIPT",
            Technology::Angular => "ANGULAR",
            Technology::Vue => "VUE",
            Technology::React => "REACT",
            Technology::ReactNative => "REACT_NATIVE",
            Technology::Ios => "IOS",
            Technology::Android => "ANDROID",
            Technology::Other => "OTHER_TECHNOLOGY",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
