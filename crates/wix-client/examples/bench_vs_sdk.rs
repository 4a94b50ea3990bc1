//! Our client vs the official JS SDK, side by side in one run against the same emulator: a figure, not a test.
//!
//! ```sh
//! npm --prefix tests/sdk-conformance ci            # once: the official @wix/sdk
//! cargo run --release -p wix-client --example bench_vs_sdk -- --seconds 3 --concurrency 16
//! ```
//!
//! Flows (each run by `concurrency` tasks for `seconds`):
//! - *visitor + refresh*: new visitor tokens, then one renewal.
//! - *register → login → session-token exchange*: a new member, a login, and the session token turned into member
//!   tokens with `prompt=none` (read from the redirect, no browser).
//!
//! Also prints the single-flight figure: how many refresh requests 100 concurrent callers with an expired token
//! cause (it should be 1).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use vault::Secret;
use wix_client::members::{LoginState, MemberAuth};
use wix_client::store::MemoryTokens;
use wix_client::visitor::{TokenSession, VisitorAuth};
use wix_client::{ClientConfig, RequestRecord};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

const CLIENT: &str = wix_emulator::SEEDED_APP_IDS[0];
const REDIRECT: &str = "oauthdesk://callback";

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let emulator = wix_emulator::start(wix_emulator::EmulatorConfig::default())
        .await
        .expect("start the emulator");
    let base = emulator.base_url().clone();
    println!(
        "against the emulator at {base}; {} tasks per flow, {} s each\n",
        args.concurrency, args.seconds
    );
    let config = ClientConfig::with_base_url(base.clone());
    let visitor = VisitorAuth::new(config.clone(), CLIENT).unwrap();
    let members = MemberAuth::new(config.clone(), CLIENT).unwrap();

    let v = visitor.clone();
    let ours_visitor = rate(&args, move || {
        let visitor = v.clone();
        async move {
            let tokens = visitor.mint().await.unwrap();
            visitor.renew(&tokens).await.unwrap();
        }
    })
    .await;
    let counter = Arc::new(AtomicUsize::new(0));
    let ours_member = rate(&args, move || {
        let (visitor, members, counter) = (visitor.clone(), members.clone(), counter.clone());
        async move {
            let email = format!(
                "bench-rs-{}@example.com",
                counter.fetch_add(1, Ordering::Relaxed)
            );
            let caller = visitor.mint().await.unwrap().access_token;
            let password = Secret::from("pa55word");
            members
                .register(&caller, &email, &password, None, None)
                .await
                .unwrap();
            let LoginState::Success { session_token } = members
                .login(&caller, &email, &password, None)
                .await
                .unwrap()
            else {
                panic!("login failed")
            };
            members
                .session_tokens(&caller, &session_token, REDIRECT)
                .await
                .unwrap();
        }
    })
    .await;

    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/sdk-conformance/bench.mjs");
    let node = std::process::Command::new("node")
        .arg(&script)
        .arg(base.as_str())
        .arg(args.seconds.to_string())
        .arg(args.concurrency.to_string())
        .output();
    let sdk: Option<serde_json::Value> = match node {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).ok(),
        Ok(out) => {
            eprintln!(
                "the JS SDK run failed (run `npm --prefix tests/sdk-conformance ci` first):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("could not run node: {e}");
            None
        }
    };
    let js = |key: &str| sdk.as_ref().and_then(|v| v[key].as_f64());
    println!(
        "{:<44} {:>12} {:>12} {:>8}",
        "flow (completed flows per second)", "wix-client", "@wix/sdk", "ratio"
    );
    for (name, ours, theirs) in [
        ("visitor + refresh", ours_visitor, js("visitorRefresh")),
        (
            "register → login → session-token exchange",
            ours_member,
            js("memberLogin"),
        ),
    ] {
        match theirs {
            Some(t) => println!("{name:<44} {ours:>12.0} {t:>12.0} {:>7.1}×", ours / t),
            None => println!("{name:<44} {ours:>12.0} {:>12} {:>8}", "—", "—"),
        }
    }

    // Single flight: 100 callers, an expired token, one refresh.
    let refreshes = Arc::new(AtomicUsize::new(0));
    let seen = refreshes.clone();
    let counting = ClientConfig {
        observer: Some(Arc::new(move |r: &RequestRecord| {
            if r.path == "/oauth2/token" {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        })),
        ..config
    };
    let auth = VisitorAuth::new(counting, CLIENT).unwrap();
    let mut tokens = auth.mint().await.unwrap();
    tokens.expires_at = Some(chrono::Utc::now() - chrono::Duration::minutes(1));
    let store = Arc::new(MemoryTokens::holding(Some(tokens)));
    let session = Arc::new(
        TokenSession::open(auth, store, Duration::from_secs(60))
            .await
            .unwrap(),
    );
    refreshes.store(0, Ordering::SeqCst);
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await.unwrap() })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    println!(
        "\nsingle flight: 100 concurrent callers with an expired token → {} refresh request(s)",
        refreshes.load(Ordering::SeqCst)
    );
    emulator.shutdown().await;
}

/// Completed flows per second with `concurrency` tasks running `flow` back to back for `seconds`.
async fn rate<F, Fut>(args: &Args, flow: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (flow, done) = (flow.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    flow().await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
