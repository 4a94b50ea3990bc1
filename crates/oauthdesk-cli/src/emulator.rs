//! `oauthdesk emulator`: the local Wix emulator in the foreground, for a test pipeline.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

use wix_emulator::EmulatorConfig;

use crate::cli::EmulatorArgs;
use crate::error::{CliError, Result};
use crate::output;

/// The names of the lines printed, in order, for a shell to source (`eval "$(…)"` or a file `source`d later).
pub const VARIABLES: [&str; 5] = [
    "WIX_BASE_URL",
    "WIX_API_KEY",
    "WIX_SITE_ID",
    "WIX_ACCOUNT_ID",
    "WIX_EMULATOR_ADMIN_TOKEN",
];

pub async fn run(args: EmulatorArgs, json: bool) -> Result<String> {
    // Watch the signals before announcing anything: a signal sent right after the lines are read must stop us.
    let stop = stop_signal()?;
    let emulator = wix_emulator::start(EmulatorConfig {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        data_path: args.data,
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| CliError::Failed(format!("the emulator could not start: {e}")))?;
    let admin = emulator.admin();
    let values = [
        emulator.base_url().as_str(),
        admin.api_key.as_str(),
        admin.site_id.as_str(),
        admin.account_id.as_str(),
        emulator.admin_token(),
    ];
    let announcement = if json {
        let map: serde_json::Map<String, serde_json::Value> = VARIABLES
            .iter()
            .zip(values)
            .map(|(k, v)| ((*k).to_owned(), v.into()))
            .collect();
        output::json(&map)?
    } else {
        let mut lines = String::new();
        for (name, value) in VARIABLES.iter().zip(values) {
            let quoted = shlex::try_quote(value)
                .map_err(|e| CliError::Failed(format!("cannot print {name} for a shell: {e}")))?;
            lines.push_str(&format!("{name}={quoted}\n"));
        }
        lines
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(announcement.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Failed(format!("could not write the output: {e}")))?;
    drop(stdout);
    eprintln!(
        "wix emulator listening at {}; stop it with Ctrl+C or SIGTERM",
        emulator.base_url()
    );
    stop.await;
    emulator.shutdown().await;
    eprintln!("wix emulator stopped");
    Ok(String::new())
}

/// Resolves on SIGTERM, SIGINT (Ctrl+C) or SIGHUP.
#[cfg(unix)]
fn stop_signal() -> Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let watch = |kind: SignalKind| {
        signal(kind).map_err(|e| CliError::Failed(format!("cannot watch for signals: {e}")))
    };
    let mut term = watch(SignalKind::terminate())?;
    let mut int = watch(SignalKind::interrupt())?;
    let mut hup = watch(SignalKind::hangup())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
