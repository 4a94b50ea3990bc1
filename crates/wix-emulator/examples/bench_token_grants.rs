//! Token grants per second on loopback with many concurrent clients: a figure, not a test.
//!
//! It measures `POST /oauth2/token` end to end over HTTP/1.1 keep-alive connections from one shared,
//! pooled `reqwest` client: either a new visitor per request (`--grant anonymous`, the default), or renewals
//! (`--grant refresh`: each client first mints one visitor token, then renews it over and over, always sending
//! the latest refresh token it was given), or, to load the state file with real changes, a new OAuth app per
//! request (`--grant create-app`, `POST /oauth-app/v1/oauth-apps`). After a half-second warm-up it counts, for
//! `--seconds`, the `200` answers only (anything else is an error, reported apart) and their latencies.
//!
//! ```sh
//! cargo build --release -p wix-emulator --examples
//! target/release/examples/bench_token_grants                       # emulator in this process, in memory
//! target/release/examples/bench_token_grants --compare             # in memory, then with a state file
//! target/release/examples/bench_token_grants --compare --grant create-app
//! target/release/examples/bench_token_grants --data /tmp/s.json --grants 1000000   # the file after 1 M grants
//! target/release/examples/bench_token_grants --grant refresh --concurrency 128 --seconds 10
//! # Against an emulator already running (so the load generator does not share its runtime):
//! RUST_LOG=warn target/release/wix-emulator --port 8787 >/dev/null &
//! target/release/examples/bench_token_grants --url http://127.0.0.1:8787/
//! ```
//!
//! In-process, the load generator and the server share one tokio runtime and the machine's cores, so the figure
//! is a floor for the server alone. Out of process, the binary logs a line per request (`wix_emulator=info`, on
//! stdout) unless `RUST_LOG=warn`. With a state file (`--data`, or the second half of `--compare`), the size shown
//! is the file's after the emulator stopped (which writes the last changes).

use std::error::Error;
use std::path::{Path, PathBuf};
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
    /// A new OAuth app per request (not a grant: a change the state file must take).
    CreateApp,
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
    #[arg(long, conflicts_with_all = ["data", "compare"])]
    url: Option<url::Url>,
    /// Give the in-process emulator this state file (it must not exist yet: the run starts from the seed).
    #[arg(long, value_name = "FILE", conflicts_with = "compare")]
    data: Option<PathBuf>,
    /// Run twice in this process, in memory and then with a state file (in a temporary folder), and compare.
    #[arg(long)]
    compare: bool,
    /// Make exactly this many requests as fast as the clients can (no warm-up, no time limit) instead of
    /// measuring for `--seconds`; with a state file, then show its size.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    grants: Option<u64>,
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

/// One run's figures.
struct Figures {
    label: String,
    ok: u64,
    seconds: f64,
    /// Sorted, microseconds.
    latencies_us: Vec<u32>,
    errors: u64,
    /// The state file's size after the run, if there was one.
    file_bytes: Option<u64>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds
    }

    fn print(&self) {
        println!(
            "{}: {} in {:.2} s = {:.0} req/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms; errors {}{}",
            self.label,
            self.ok,
            self.seconds,
            self.rate(),
            percentile_ms(&self.latencies_us, 0.50),
            percentile_ms(&self.latencies_us, 0.95),
            percentile_ms(&self.latencies_us, 0.99),
            self.errors,
            match self.file_bytes {
                Some(bytes) => format!("; state file {}", size(bytes)),
                None => String::new(),
            }
        );
    }
}

fn size(bytes: u64) -> String {
    format!("{bytes} bytes ({:.2} MB)", bytes as f64 / 1e6)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "bench_token_grants: concurrency {}, {}, grant {:?}, {} core(s)",
        args.concurrency,
        match args.grants {
            Some(n) => format!("{n} requests"),
            None => format!("duration {} s (+0.5 s warm-up)", args.seconds),
        },
        args.grant,
        cores
    );
    if args.url.is_none() {
        println!(
            "  (in-process: load generator and server share one runtime on the same cores; the server alone does better — use --url for that)"
        );
    }
    if args.compare {
        let dir = std::env::temp_dir().join(format!("bench-token-grants-{}", std::process::id()));
        let path = dir.join("state.json");
        let memory = run(&args, None, "in memory").await?;
        memory.print();
        let persisted = run(&args, Some(&path), "--data").await;
        let _ = std::fs::remove_dir_all(&dir);
        let persisted = persisted?;
        persisted.print();
        println!(
            "with a state file: {:.0} % of the in-memory rate; p99 {:.2} ms vs {:.2} ms",
            100.0 * persisted.rate() / memory.rate(),
            percentile_ms(&persisted.latencies_us, 0.99),
            percentile_ms(&memory.latencies_us, 0.99)
        );
    } else {
        let label = match (&args.url, &args.data) {
            (Some(url), _) => url.to_string(),
            (None, Some(_)) => "--data".to_owned(),
            (None, None) => "in memory".to_owned(),
        };
        run(&args, args.data.as_deref(), &label).await?.print();
    }
    Ok(())
}

/// One run against `--url`, or an emulator started here (with `data` as its state file, if given).
async fn run(args: &Args, data: Option<&Path>, label: &str) -> Result<Figures, BoxError> {
    let emulator = match &args.url {
        Some(_) => None,
        None => {
            if let Some(path) = data
                && path.exists()
            {
                return Err(format!("{} exists: give a new file", path.display()).into());
            }
            Some(
                wix_emulator::start(wix_emulator::EmulatorConfig {
                    data_path: data.map(Path::to_path_buf),
                    ..wix_emulator::EmulatorConfig::default()
                })
                .await?,
            )
        }
    };
    let base = match (&args.url, &emulator) {
        (Some(url), _) => url.clone(),
        (None, Some(emulator)) => emulator.base_url().clone(),
        (None, None) => unreachable!("an emulator is started when no --url is given"),
    };
    let figures = drive(args, &base, label).await;
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    let mut figures = figures?;
    figures.file_bytes = data
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len());
    Ok(figures)
}

async fn drive(args: &Args, base: &url::Url, label: &str) -> Result<Figures, BoxError> {
    let endpoint = base.join(match args.grant {
        Grant::CreateApp => "oauth-app/v1/oauth-apps",
        Grant::Anonymous | Grant::Refresh => "oauth2/token",
    })?;
    let concurrency = args.concurrency as usize;
    let http = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(concurrency)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .build()?;

    // One request up front, so a wrong URL or client ID fails loudly instead of as a wall of errors.
    let anonymous = json!({"clientId": args.client_id, "grantType": "anonymous"}).to_string();
    let probe = http
        .post(base.join("oauth2/token")?)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(anonymous.clone())
        .send()
        .await?;
    if probe.status() != StatusCode::OK {
        let status = probe.status();
        return Err(format!("{endpoint} answered {status}: {}", probe.text().await?).into());
    }

    let measuring = Arc::new(AtomicBool::new(args.grants.is_some()));
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let budget = args.grants.map(|n| Arc::new(AtomicU64::new(n)));
    let admin = wix_emulator::AdminCredentials::sandbox();
    let mut workers = Vec::with_capacity(concurrency);
    let started = Instant::now();
    for _ in 0..concurrency {
        let worker = Worker {
            http: http.clone(),
            endpoint: endpoint.clone(),
            client_id: args.client_id.clone(),
            anonymous: anonymous.clone(),
            admin: admin.clone(),
            grant: args.grant,
            measuring: measuring.clone(),
            stop: stop.clone(),
            budget: budget.clone(),
            tally: tally.clone(),
        };
        workers.push(tokio::spawn(worker.run()));
    }

    // With `--grants`, the workers stop when the budget is spent; else after the warm-up and `--seconds`.
    let mut started = started;
    let mut elapsed = 0.0;
    if args.grants.is_none() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        measuring.store(true, Ordering::SeqCst);
        started = Instant::now();
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        measuring.store(false, Ordering::SeqCst);
        elapsed = started.elapsed().as_secs_f64();
        stop.store(true, Ordering::SeqCst);
    }

    let mut latencies_us: Vec<u32> = Vec::new();
    let mut first_error = None;
    for worker in workers {
        let (latencies, error) = worker.await??;
        latencies_us.extend(latencies);
        first_error = first_error.or(error);
    }
    if args.grants.is_some() {
        elapsed = started.elapsed().as_secs_f64();
    }
    latencies_us.sort_unstable();
    if let Some(error) = first_error {
        println!("  {label}: first error: {error}");
    }
    Ok(Figures {
        label: label.to_owned(),
        ok: tally.ok.load(Ordering::SeqCst),
        seconds: elapsed,
        latencies_us,
        errors: tally.bad_status.load(Ordering::SeqCst) + tally.transport.load(Ordering::SeqCst),
        file_bytes: None,
    })
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
    admin: wix_emulator::AdminCredentials,
    grant: Grant,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    /// With `--grants`: the requests left to make.
    budget: Option<Arc<AtomicU64>>,
    tally: Arc<Tally>,
}

impl Worker {
    /// Grant until told to stop; returns the measured latencies (µs) and the first error seen while measuring.
    async fn run(self) -> Result<(Vec<u32>, Option<String>), BoxError> {
        let mut refresh_token = match self.grant {
            Grant::Anonymous | Grant::CreateApp => String::new(),
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
        let mut made = 0u64;
        while !self.stop.load(Ordering::Relaxed) {
            if let Some(budget) = &self.budget
                && budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_err()
            {
                break;
            }
            made += 1;
            let body = match self.grant {
                Grant::Anonymous => self.anonymous.clone(),
                Grant::CreateApp => {
                    json!({"oAuthApp": {"name": format!("Bench app {made}")}}).to_string()
                }
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
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.grant == Grant::CreateApp {
            request = request
                .header("authorization", &self.admin.api_key)
                .header("wix-site-id", &self.admin.site_id);
        }
        let response = request.body(body).send().await?;
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
