//! Token grants per second on loopback, many clients at once: a figure, not a test.
//!
//! ```sh
//! cargo run --release -p wix-emulator --example bench_token_grants            # in-process emulator
//! cargo run --release -p wix-emulator --example bench_token_grants -- --grant refresh --concurrency 128
//! cargo run --release -p wix-emulator --example bench_token_grants -- --url http://127.0.0.1:8787/
//! ```
//!
//! In-process, the load generator and the server share the machine's cores, so the figure is a floor for the
//! server alone. Only 200 answers count; errors are reported apart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Grant {
    /// A new visitor per request (`grantType: anonymous`).
    Anonymous,
    /// Renew a visitor's access token (`grantType: refresh_token`).
    Refresh,
}

#[derive(Parser, Debug)]
#[command(about = "Token grants per second against the Wix emulator")]
struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds to measure (after a half-second warm-up).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    #[arg(long, value_enum, default_value_t = Grant::Anonymous)]
    grant: Grant,
    /// An emulator already running (else one is started in this process).
    #[arg(long)]
    url: Option<url::Url>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (base, _emulator) = match &args.url {
        Some(url) => (url.clone(), None),
        None => {
            let emulator = wix_emulator::start(wix_emulator::EmulatorConfig::default())
                .await
                .expect("start the emulator");
            (emulator.base_url().clone(), Some(emulator))
        }
    };
    let client_id = wix_emulator::SEEDED_APP_IDS[0];
    let endpoint = base.join("oauth2/token").unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .http1_only()
        .build()
        .unwrap();
    println!(
        "token grants ({:?}), {} clients, {} s, against {}{}",
        args.grant,
        args.concurrency,
        args.seconds,
        base,
        if args.url.is_none() {
            " (in-process: client and server share the cores)"
        } else {
            ""
        }
    );

    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (http, endpoint) = (http.clone(), endpoint.clone());
        let (measuring, stop, ok, errors) =
            (measuring.clone(), stop.clone(), ok.clone(), errors.clone());
        let grant = args.grant;
        workers.push(tokio::spawn(async move {
            let anonymous = json!({"clientId": client_id, "grantType": "anonymous"});
            let mut refresh = String::new();
            if let Grant::Refresh = grant {
                let first: Value = http.post(endpoint.clone()).json(&anonymous).send().await.unwrap().json().await.unwrap();
                refresh = first["refresh_token"].as_str().unwrap().to_owned();
            }
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let body = match grant {
                    Grant::Anonymous => anonymous.clone(),
                    Grant::Refresh => json!({"clientId": client_id, "grantType": "refresh_token", "refreshToken": refresh}),
                };
                let started = Instant::now();
                let answer = http.post(endpoint.clone()).json(&body).send().await;
                let good = match answer {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                if measuring.load(Ordering::Relaxed) {
                    if good {
                        ok.fetch_add(1, Ordering::Relaxed);
                        latencies.push(started.elapsed());
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let n = ok.load(Ordering::Relaxed);
    println!(
        "token grants: {n} in {elapsed:.2} s = {:.0} req/s",
        n as f64 / elapsed
    );
    println!(
        "latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}; errors {}",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        errors.load(Ordering::Relaxed)
    );
}
