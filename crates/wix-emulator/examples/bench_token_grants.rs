//! Token grants per second on loopback with many concurrent clients: a figure, not a test.
//!
//! It measures `POST /oauth2/token` end to end over HTTP/1.1 keep-alive connections from one shared,
//! pooled `reqwest` client: either a new visitor per request (`--grant anonymous`, the default), or renewals
//! (`--grant refresh`: each client first mints one visitor token, then renews it over and over, always sending
//! the latest refresh token it was given). After a half-second warm-up it counts, for `--seconds`, the `200`
//! answers only (anything else is an error, reported apart) and their latencies.
//!
//! ```sh
//! cargo build --release -p wix-emulator --example bench_token_grants
//! target/release/examples/bench_token_grants                       # emulator in this process
//! target/release/examples/bench_token_grants --grant refresh --concurrency 128 --seconds 10
//! # Against an emulator already running (so the load generator does not share its runtime):
//! RUST_LOG=warn target/release/wix-emulator --port 8787 >/dev/null &
//! target/release/examples/bench_token_grants --url http://127.0.0.1:8787/
//! ```
//!
//! In-process, the load generator and the server share one tokio runtime and the machine's cores, so the figure
//! is a floor for the server alone. Out of process, the binary logs a line per request (`wix_emulator=info`, on
//! stdout) unless `RUST_LOG=warn`; and with `--data` it clones and rewrites its whole state file after every
//! grant (hundreds, not thousands, of grants a second), which is a different benchmark altogether.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::{Value, json};

type BoxError = Box<dyn Error + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Grant {
    /// A new visitor per request (`grantType: anonymous`).
    Anonymous,
    /// Renew a visitor's access token (`grantType: refresh_token`).
    Refresh,
}

#[derive(Parser, Debug)]
#[command(about = "Token grants per second against the Wix emulator, on loopback")]
struct Args {
    /// Concurrent clients (each keeps one request in flight).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    concurrency: u32,
    /// Seconds to measure (after a half-second warm-up).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Which grant to request.
    #[arg(long, value_enum, default_value_t = Grant::Anonymous)]
    grant: Grant,
    /// Base URL of an emulator already running (e.g. `http://127.0.0.1:8787/`); else one starts in this process.
    #[arg(long)]
    url: Option<url::Url>,
    /// OAuth app client ID to request tokens for (default: the first seeded app).
    #[arg(long, default_value = wix_emulator::SEEDED_APP_IDS[0])]
    client_id: String,
}

/// What the clients tally while the measurement window is open.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    /// Answers other than 200.
    bad_status: AtomicU64,
    /// No answer at all (connection refused or reset, timeout, unreadable body).
    transport: AtomicU64,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let emulator = match &args.url {
        Some(_) => None,
        None => Some(wix_emulator::start(wix_emulator::EmulatorConfig::default()).await?),
    };
    let base = match (&args.url, &emulator) {
        (Some(url), _) => url.clone(),
        (None, Some(emulator)) => emulator.base_url().clone(),
        (None, None) => unreachable!("an emulator is started when no --url is given"),
    };
    let endpoint = base.join("oauth2/token")?;
    let concurrency = args.concurrency as usize;
    let http = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(concurrency)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .build()?;

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "bench_token_grants: concurrency {}, duration {} s (+0.5 s warm-up), grant {:?}, {} core(s), against {}",
        args.concurrency, args.seconds, args.grant, cores, endpoint
    );
    if emulator.is_some() {
        println!(
            "  (in-process: load generator and server share one runtime on the same cores; the server alone does better — use --url for that)"
        );
    }

    // One request up front, so a wrong URL or client ID fails loudly instead of as a wall of errors.
    let anonymous = json!({"clientId": args.client_id, "grantType": "anonymous"}).to_string();
    let probe = http
        .post(endpoint.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(anonymous.clone())
        .send()
        .await?;
    if probe.status() != StatusCode::OK {
        let status = probe.status();
        return Err(format!("{endpoint} answered {status}: {}", probe.text().await?).into());
    }

    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let worker = Worker {
            http: http.clone(),
            endpoint: endpoint.clone(),
            client_id: args.client_id.clone(),
            anonymous: anonymous.clone(),
            grant: args.grant,
            measuring: measuring.clone(),
            stop: stop.clone(),
            tally: tally.clone(),
        };
        workers.push(tokio::spawn(worker.run()));
    }

    tokio::time::sleep(Duration::from_millis(500)).await;
    measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measuring.store(false, Ordering::SeqCst);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);

    let mut latencies_us: Vec<u32> = Vec::new();
    let mut first_error = None;
    for worker in workers {
        let (latencies, error) = worker.await??;
        latencies_us.extend(latencies);
        first_error = first_error.or(error);
    }
    latencies_us.sort_unstable();

    let ok = tally.ok.load(Ordering::SeqCst);
    let bad_status = tally.bad_status.load(Ordering::SeqCst);
    let transport = tally.transport.load(Ordering::SeqCst);
    println!(
        "token grants: {ok} in {elapsed:.2} s = {:.0} req/s",
        ok as f64 / elapsed
    );
    println!(
        "latency: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        percentile_ms(&latencies_us, 0.50),
        percentile_ms(&latencies_us, 0.95),
        percentile_ms(&latencies_us, 0.99)
    );
    println!(
        "errors: {} (non-200 answers {bad_status}, no answer {transport})",
        bad_status + transport
    );
    if let Some(error) = first_error {
        println!("  first error: {error}");
    }

    drop(http);
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    Ok(())
}

/// The `p` quantile (0..=1) of sorted microsecond latencies, in milliseconds (nearest rank).
fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted_us.len() as f64).ceil() as usize;
    f64::from(sorted_us[rank.clamp(1, sorted_us.len()) - 1]) / 1000.0
}

/// One client: a request in flight at a time, on the shared pooled `reqwest::Client`.
struct Worker {
    http: reqwest::Client,
    endpoint: url::Url,
    client_id: String,
    /// The `anonymous` grant body, serialised once.
    anonymous: String,
    grant: Grant,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
}

impl Worker {
    /// Grant until told to stop; returns the measured latencies (µs) and the first error seen while measuring.
    async fn run(self) -> Result<(Vec<u32>, Option<String>), BoxError> {
        let mut refresh_token = match self.grant {
            Grant::Anonymous => String::new(),
            Grant::Refresh => {
                let (status, body) = self.post(self.anonymous.clone(), true).await?;
                if status != StatusCode::OK {
                    return Err(format!("minting a visitor token: {status}").into());
                }
                latest_refresh_token(body.as_ref())
                    .ok_or("minting a visitor token: no refresh_token in the answer")?
            }
        };
        let mut latencies = Vec::with_capacity(64 * 1024);
        let mut first_error = None;
        while !self.stop.load(Ordering::Relaxed) {
            let body = match self.grant {
                Grant::Anonymous => self.anonymous.clone(),
                Grant::Refresh => json!({
                    "clientId": self.client_id,
                    "grantType": "refresh_token",
                    "refreshToken": refresh_token,
                })
                .to_string(),
            };
            let started = Instant::now();
            let answer = self.post(body, self.grant == Grant::Refresh).await;
            let took = started.elapsed();
            let outcome = match answer {
                Ok((StatusCode::OK, body)) => {
                    if let Some(latest) = latest_refresh_token(body.as_ref()) {
                        refresh_token = latest;
                    }
                    Ok(())
                }
                Ok((status, _)) => Err((&self.tally.bad_status, format!("HTTP {status}"))),
                Err(e) => Err((&self.tally.transport, e.to_string())),
            };
            if !self.measuring.load(Ordering::Relaxed) {
                continue;
            }
            match outcome {
                Ok(()) => {
                    self.tally.ok.fetch_add(1, Ordering::Relaxed);
                    latencies.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
                }
                Err((counter, message)) => {
                    counter.fetch_add(1, Ordering::Relaxed);
                    first_error.get_or_insert(message);
                }
            }
        }
        Ok((latencies, first_error))
    }

    /// POST a JSON body to the token endpoint; the status, and the parsed answer when `parse` (refresh needs
    /// the latest refresh token). The body is always read to the end, so the connection goes back to the pool.
    async fn post(
        &self,
        body: String,
        parse: bool,
    ) -> Result<(StatusCode, Option<Value>), BoxError> {
        let response = self
            .http
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let parsed = if parse && status == StatusCode::OK {
            Some(serde_json::from_slice(&bytes)?)
        } else {
            None
        };
        Ok((status, parsed))
    }
}

fn latest_refresh_token(answer: Option<&Value>) -> Option<String> {
    answer?.get("refresh_token")?.as_str().map(str::to_owned)
}
