//! Start-up time and memory of one Tauri app binary, for `scripts/bench-app.sh` (which runs it once for OAuth Desk
//! and once for the minimal baseline, inside `scripts/desktop-session.sh`). Prints figures; asserts nothing.
//!
//!     OAUTHDESK_APP_BIN=target/release/oauth-desk cargo run -p oauth-desk-e2e --example bench_app -- \
//!         --name oauth-desk --launches 10 --idle-secs 6 --oauth-apps 1000
//!
//! - **Start**: the median, over `--launches` launches (after one unmeasured launch that warms the page cache and
//!   lets the app create its files), of the time from spawning the binary to the line `first view painted` on its
//!   stdout: the page marks the frame after its first data is shown (OAuth Desk: the project list; the baseline:
//!   its one line of text from Rust).
//! - **PSS**: the proportional set size of the app's whole process tree (the app and every process it started:
//!   WebKit's web and network processes), `--idle-secs` after that mark.
//! - **PSS with OAuth apps** (`--oauth-apps N`, OAuth Desk only): N OAuth apps are created in the app's sandbox
//!   through its public API, the window is driven over WebDriver (tauri-driver) to the OAuth apps view, 100 rows
//!   a page, through every page; then the same idle wait and the same sum. The tree measured is the app's own,
//!   not the drivers'.
//!
//! The last line is `bench-run: name=… start_ms=… pss_mb=… [pss_apps_mb=…]`.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use oauth_desk_e2e::{App, app_binary, group_members, wait_for_single_instance_name_released};

/// What both apps print once their first view shows its data.
const MARK: &str = "first view painted";
/// How long one launch may take to show its first view.
const START_LIMIT: Duration = Duration::from_secs(60);

struct Args {
    name: String,
    launches: usize,
    idle: Duration,
    oauth_apps: Option<usize>,
}

fn args() -> Args {
    let mut args = Args {
        name: "app".into(),
        launches: 10,
        idle: Duration::from_secs(6),
        oauth_apps: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--name" => args.name = value(),
            "--launches" => args.launches = value().parse().expect("--launches: a number"),
            "--idle-secs" => {
                args.idle = Duration::from_secs(value().parse().expect("--idle-secs: a number"))
            }
            "--oauth-apps" => {
                args.oauth_apps = Some(value().parse().expect("--oauth-apps: a number"))
            }
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(args.launches > 0, "--launches must be at least 1");
    args
}

/// One launch of the binary, in a process group of its own (WebKit's processes inherit it).
struct Launch {
    child: Child,
    marked: mpsc::Receiver<Instant>,
    started: Instant,
}

impl Launch {
    fn start(data_dir: &Path) -> Self {
        let mut child = Command::new(app_binary())
            .process_group(0)
            .env("OAUTHDESK_DATA_DIR", data_dir)
            .env(
                "OAUTHDESK_KEYRING_SERVICE",
                format!("dev.oauthdesk.bench.{}", std::process::id()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", app_binary().display()));
        let started = Instant::now();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, marked) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end, so the app never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains(MARK) {
                    let _ = tx.send(Instant::now());
                }
            }
        });
        Self {
            child,
            marked,
            started,
        }
    }

    /// Milliseconds from spawn to the first-view mark.
    fn wait_for_mark(&self) -> f64 {
        let at = self.marked.recv_timeout(START_LIMIT).unwrap_or_else(|_| {
            panic!(
                "{} printed no {MARK:?} within {START_LIMIT:?}",
                app_binary().display()
            )
        });
        (at - self.started).as_secs_f64() * 1000.0
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// End the whole group and wait until none of it is left (and the single-instance name is free again).
    fn stop(mut self) {
        let group = self.child.id();
        for (signal, patience) in [("TERM", 10), ("KILL", 10)] {
            let _ = Command::new("kill")
                .args([&format!("-{signal}"), "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(patience);
            while Instant::now() < deadline {
                let _ = self.child.try_wait();
                if group_members(group).is_empty() {
                    wait_for_single_instance_name_released();
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!(
            "the app's processes outlived SIGKILL: {:?}",
            group_members(group)
        );
    }
}

/// The PSS, in MiB, of `root` and every process below it.
fn tree_pss_mib(root: u32) -> f64 {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, oauth_desk_e2e::proc_stat(pid)?.parent)))
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    let kib: u64 = tree.iter().map(|pid| pss_kib(*pid)).sum();
    kib as f64 / 1024.0
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Create `count` OAuth apps in the sandbox of the app whose data directory is `data_dir`, through the sandbox's
/// public OAuth Apps API with its well-known (not secret) credentials, as any Headless tool would.
async fn seed_oauth_apps(data_dir: &Path, count: usize) {
    let port = std::fs::read_to_string(data_dir.join("sandbox/port"))
        .expect("the sandbox's port file")
        .trim()
        .to_owned();
    let admin = wix_emulator::AdminCredentials::sandbox();
    let client = reqwest::Client::new();
    for i in 0..count {
        let body = serde_json::json!({"oAuthApp": {
            "name": format!("Bench app {i:04}"),
            "allowedRedirectUris": [format!("https://site{i}.example.com/callback")],
        }});
        let response = client
            .post(format!("http://127.0.0.1:{port}/oauth-app/v1/oauth-apps"))
            .header("authorization", &admin.api_key)
            .header("wix-site-id", &admin.site_id)
            .json(&body)
            .send()
            .await
            .expect("create an OAuth app in the sandbox");
        assert!(
            response.status().is_success(),
            "creating OAuth app {i}: {}",
            response.status()
        );
    }
}

/// Drive OAuth Desk to its OAuth apps view with `count` more apps in the sandbox, 100 a page, through every page;
/// then idle and measure.
async fn pss_with_oauth_apps(name: &str, count: usize, idle: Duration) -> f64 {
    let app = App::launch(&format!("bench-{name}-apps")).await;
    seed_oauth_apps(&app.profile.data_dir, count).await;
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_css("[data-testid=app-row]").await;
    let size = app.wait_for_css("[data-testid=page-size]").await;
    size.select_by_value("100").await.expect("page size 100");
    let total = count + wix_emulator::SEEDED_APP_IDS.len();
    let mut offset = 0;
    loop {
        let last = (offset + 100).min(total);
        app.wait_for_text(
            "[data-testid=page-info]",
            &format!("{}–{last} of {total}", offset + 1),
        )
        .await;
        if last == total {
            break;
        }
        app.click("[data-testid=next-page]").await;
        offset += 100;
    }
    tokio::time::sleep(idle).await;
    let pid = app
        .app_processes()
        .first()
        .map(|p| p.pid)
        .expect("the app's process");
    let pss = tree_pss_mib(pid);
    app.quit().await;
    pss
}

fn main() {
    let args = args();
    let root = oauth_desk_e2e::workspace_root()
        .join("target/bench")
        .join(&args.name);
    let _ = std::fs::remove_dir_all(&root);
    let data_dir: PathBuf = root.join("data");
    std::fs::create_dir_all(&data_dir).unwrap();

    // Warm-up: the page cache, and the app's own files (a first start creates its sandbox state).
    let warm = Launch::start(&data_dir);
    warm.wait_for_mark();
    warm.stop();

    let mut starts = Vec::with_capacity(args.launches);
    for _ in 0..args.launches {
        let launch = Launch::start(&data_dir);
        starts.push(launch.wait_for_mark());
        launch.stop();
    }
    let start_ms = median(starts.clone());

    let launch = Launch::start(&data_dir);
    launch.wait_for_mark();
    std::thread::sleep(args.idle);
    let pss = tree_pss_mib(launch.pid());
    launch.stop();

    let starts: Vec<String> = starts.iter().map(|ms| format!("{ms:.0}")).collect();
    println!("{}: starts (ms) {}", args.name, starts.join(" "));
    let mut line = format!(
        "bench-run: name={} start_ms={start_ms:.0} pss_mb={pss:.1}",
        args.name
    );
    if let Some(count) = args.oauth_apps {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let pss_apps = runtime.block_on(pss_with_oauth_apps(&args.name, count, args.idle));
        line.push_str(&format!(" pss_apps_mb={pss_apps:.1}"));
    }
    println!("{line}");
}
