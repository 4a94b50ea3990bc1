//! `wix-emulator`: the local Wix-compatible server as a standalone program.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;
use wix_emulator::{AdminCredentials, AdminToken, EmulatorConfig};

/// A local server that speaks Wix's wire protocol (OAuth Apps API) for offline development and tests.
/// Point your code at the printed base URL instead of https://www.wixapis.com.
#[derive(Debug, Parser)]
#[command(name = "wix-emulator", version)]
struct Args {
    /// Address to listen on. Keep it on loopback unless you know why not.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Keep the state in this JSON file (loaded at start if it exists; changes reach it within a second, and all
    /// of them at Ctrl+C or SIGTERM).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Start empty instead of with the seeded OAuth apps.
    #[arg(long)]
    no_seed: bool,
    /// The admin API key callers must send in `authorization` (default: the sandbox's well-known key).
    #[arg(long, env = "WIX_EMULATOR_API_KEY")]
    api_key: Option<String>,
    /// The site ID callers send in `wix-site-id`.
    #[arg(long)]
    site_id: Option<String>,
    /// The account ID callers send in `wix-account-id`.
    #[arg(long)]
    account_id: Option<String>,
    /// The token the emulator-only routes (`/_emulator/v1`) require as `authorization: Bearer <token>` (16 to 512
    /// visible ASCII characters). Default: a fresh random one, printed at start.
    #[arg(
        long,
        env = "WIX_EMULATOR_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,
    /// Serve the emulator-only routes (`/_emulator/v1`) without a token. Any program on this machine (and any web
    /// page that gets past the Host and Origin checks) can then reset or read the emulator: for throwaway CI runs.
    #[arg(long, conflicts_with = "admin_token")]
    open_admin: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "wix_emulator=info".into()),
        )
        .init();
    let args = Args::parse();
    let sandbox = AdminCredentials::sandbox();
    let admin = AdminCredentials {
        api_key: args.api_key.unwrap_or(sandbox.api_key),
        site_id: args.site_id.unwrap_or(sandbox.site_id),
        account_id: args.account_id.unwrap_or(sandbox.account_id),
    };
    let given_token = args.admin_token.is_some();
    let admin_token = args
        .admin_token
        .map(AdminToken::new)
        .transpose()
        .map_err(|e| format!("--admin-token: {e}"))?;
    let emulator = wix_emulator::start(EmulatorConfig {
        bind: SocketAddr::new(args.host, args.port),
        data_path: args.data,
        seed: !args.no_seed,
        admin,
        admin_token,
        open_admin: args.open_admin,
    })
    .await?;
    // The base URL on its own line, first: scripts read it. Then the admin token, on a line of its own.
    println!("{}", emulator.base_url());
    if args.open_admin {
        println!("admin token: none needed (--open-admin)");
    } else if given_token {
        println!("admin token: as given by --admin-token / WIX_EMULATOR_ADMIN_TOKEN");
    } else {
        println!("admin token: {}", emulator.admin_token());
    }
    eprintln!(
        "wix-emulator listening; site ID {} / account ID {}; emulator-only routes under /_emulator/v1 need \
         `authorization: Bearer <admin token>`{}; Ctrl+C to stop",
        emulator.admin().site_id,
        emulator.admin().account_id,
        if args.open_admin {
            " (not now: --open-admin)"
        } else {
            ""
        }
    );
    stop_signal().await?;
    emulator.shutdown().await;
    Ok(())
}

/// Ctrl+C, or (on Unix) SIGTERM: either stops the emulator cleanly, writing its last changes.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            stopped = tokio::signal::ctrl_c() => stopped,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
