//! The state file: changes reach it within a second without the requests waiting for the disk, a clean stop
//! writes the last ones, a SIGKILL under load leaves a whole file with everything older than a second, anonymous
//! grants add nothing to it, and what expired is pruned.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wix_emulator::test_support::AdminClient;
use wix_emulator::{AdminCredentials, EmulatorConfig, SEEDED_APP_IDS};

const ADMIN_TOKEN: &str = "persistence-test-admin-token";

/// A fresh folder for one test's state file (removed when dropped).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "wix-emulator-persistence-{name}-{}",
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn state(&self) -> PathBuf {
        self.0.join("state.json")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The state file, parsed; `None` while it cannot be read.
fn read_state(path: &Path) -> Option<Value> {
    let bytes = std::fs::read(path).ok()?;
    Some(serde_json::from_slice(&bytes).expect("the state file is always whole, valid JSON"))
}

fn has_app(state: &Value, id: &str) -> bool {
    state["apps"].get(id).is_some()
}

/// Poll `check` every 20 ms until it holds; `Err(waited)` once `limit` has passed.
async fn poll_until(
    limit: Duration,
    mut check: impl FnMut() -> bool,
) -> Result<Duration, Duration> {
    let started = Instant::now();
    loop {
        if check() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            return Err(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Calls to an emulator over HTTP, as the SDK and the admin API make them.
#[derive(Clone)]
struct Wix {
    http: reqwest::Client,
    base: url::Url,
    admin: AdminCredentials,
}

impl Wix {
    fn new(base: url::Url) -> Self {
        Self {
            http: reqwest::Client::new(),
            base,
            admin: AdminCredentials::sandbox(),
        }
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: Value) -> (u16, Value) {
        let mut request = self.http.post(self.base.join(path).unwrap()).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A new OAuth app through the Wix API; its ID.
    async fn create_app(&self, name: &str) -> String {
        let (status, body) = self
            .post(
                "oauth-app/v1/oauth-apps",
                &[
                    ("authorization", &self.admin.api_key),
                    ("wix-site-id", &self.admin.site_id),
                ],
                json!({"oAuthApp": {"name": name}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["oAuthApp"]["id"].as_str().unwrap().to_owned()
    }

    async fn app_name(&self, id: &str) -> Option<String> {
        let response = self
            .http
            .get(
                self.base
                    .join(&format!("oauth-app/v1/oauth-apps/{id}"))
                    .unwrap(),
            )
            .header("authorization", &self.admin.api_key)
            .header("wix-site-id", &self.admin.site_id)
            .send()
            .await
            .unwrap();
        if response.status() != 200 {
            return None;
        }
        let body: Value = response.json().await.unwrap();
        body["oAuthApp"]["name"].as_str().map(str::to_owned)
    }

    /// `(access_token, refresh_token)` of a new visitor of the first seeded app.
    async fn visitor(&self) -> (String, String) {
        let (status, body) = self
            .post(
                "oauth2/token",
                &[],
                json!({"clientId": SEEDED_APP_IDS[0], "grantType": "anonymous"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let token = |name: &str| body[name].as_str().unwrap().to_owned();
        (token("access_token"), token("refresh_token"))
    }

    async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.post(
            "oauth2/token",
            &[],
            json!({"clientId": SEEDED_APP_IDS[0], "grantType": "refresh_token", "refreshToken": refresh_token}),
        )
        .await
    }

    /// A call only a live visitor (or member) access token may make: 200, or 401 when the token is refused.
    async fn as_visitor(&self, access_token: &str) -> u16 {
        let email = format!("{}@example.com", uuid::Uuid::new_v4());
        self.post(
            "_api/iam/authentication/v2/register",
            &[("authorization", access_token)],
            json!({"loginId": {"email": email}, "password": "pa55word"}),
        )
        .await
        .0
    }
}

/// The `wix-emulator` binary, serving with `--data <path>`; killed when dropped if still running.
struct Binary {
    child: Child,
    wix: Wix,
}

impl Binary {
    fn start(path: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wix-emulator"))
            .args(["--port", "0", "--admin-token", ADMIN_TOKEN, "--data"])
            .arg(path)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the wix-emulator binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = url::Url::parse(line.trim()).expect("the first line is the base URL");
        // Keep reading, so the emulator never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Self {
            child,
            wix: Wix::new(base),
        }
    }

    /// Wait for the process to end by itself (after a signal); its exit status.
    async fn exited(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the emulator did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Load while the test waits: visitors (reads only) and new OAuth apps (writes) from 16 clients, until stopped.
/// The number of apps the emulator acknowledged.
fn drive_load(
    wix: &Wix,
    stop: &Arc<AtomicBool>,
) -> (Vec<tokio::task::JoinHandle<()>>, Arc<AtomicU64>) {
    let created = Arc::new(AtomicU64::new(0));
    let tasks = (0..16)
        .map(|i| {
            let (wix, stop, created) = (wix.clone(), stop.clone(), created.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // A killed emulator answers nothing: requests then fail, and that is expected.
                    if i % 2 == 0 {
                        let anonymous =
                            json!({"clientId": SEEDED_APP_IDS[0], "grantType": "anonymous"});
                        let _ = wix
                            .http
                            .post(wix.base.join("oauth2/token").unwrap())
                            .json(&anonymous)
                            .send()
                            .await;
                    } else {
                        let answer = wix
                            .http
                            .post(wix.base.join("oauth-app/v1/oauth-apps").unwrap())
                            .header("authorization", &wix.admin.api_key)
                            .header("wix-site-id", &wix.admin.site_id)
                            .json(&json!({"oAuthApp": {"name": format!("Load {i}-{n}")}}))
                            .send()
                            .await;
                        if answer.is_ok_and(|a| a.status() == 200) {
                            created.fetch_add(1, Ordering::Relaxed);
                        }
                        n += 1;
                    }
                }
            })
        })
        .collect();
    (tasks, created)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_under_load_keeps_a_whole_file_with_every_change_older_than_a_second() {
    let dir = TempDir::new("sigkill");
    let path = dir.state();
    let mut survivors: Vec<(String, String)> = Vec::new();
    for round in 0..2 {
        let mut emulator = Binary::start(&path);
        // What earlier rounds made came back after their SIGKILL.
        for (id, name) in &survivors {
            assert_eq!(
                emulator.wix.app_name(id).await.as_deref(),
                Some(name.as_str()),
                "round {round}: {name} was lost by the SIGKILL"
            );
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (load, created) = drive_load(&emulator.wix, &stop);
        let name = format!("Survivor {round}");
        let id = emulator.wix.create_app(&name).await;
        let made = Instant::now();
        // The write-behind's promise: within a second (plus slack for a busy machine), under load.
        let lag = poll_until(Duration::from_millis(1500), || {
            read_state(&path).is_some_and(|s| has_app(&s, &id))
        })
        .await
        .unwrap_or_else(|waited| panic!("{name} was not in the state file after {waited:?}"));
        // The load goes on for 1.5 s after the change, then the emulator dies mid-flight.
        poll_until(Duration::from_secs(10), || {
            made.elapsed() >= Duration::from_millis(1500)
        })
        .await
        .unwrap();
        emulator.child.kill().unwrap();
        emulator.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for task in load {
            task.await.unwrap();
        }
        let state = read_state(&path).expect("the state file is still there");
        assert!(
            has_app(&state, &id),
            "round {round}: {name} is not in the file after the SIGKILL"
        );
        let apps = state["apps"].as_object().unwrap().len();
        eprintln!(
            "round {round}: {name} reached the file {lag:?} after it was made; the load made {} apps, \
             the file holds {apps} apps (4 seeded)",
            created.load(Ordering::Relaxed)
        );
        survivors.push((id, name));
    }
    let emulator = Binary::start(&path);
    for (id, name) in &survivors {
        assert_eq!(
            emulator.wix.app_name(id).await.as_deref(),
            Some(name.as_str())
        );
    }
}

#[tokio::test]
async fn sigterm_writes_the_last_changes_at_once() {
    let dir = TempDir::new("sigterm");
    let path = dir.state();
    let mut emulator = Binary::start(&path);
    let id = emulator.wix.create_app("Made just before SIGTERM").await;
    let status = Command::new("kill")
        .args(["-TERM", &emulator.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(emulator.exited(Duration::from_secs(10)).await.success());
    assert!(
        has_app(&read_state(&path).unwrap(), &id),
        "SIGTERM did not write the last change"
    );
}

#[tokio::test]
async fn shutdown_and_drop_write_the_last_changes_and_admin_resets_persist_before_answering() {
    let dir = TempDir::new("in-process");
    let path = dir.state();
    let config = EmulatorConfig {
        data_path: Some(path.clone()),
        ..EmulatorConfig::default()
    };
    let emulator = wix_emulator::start(config.clone()).await.unwrap();
    let id = Wix::new(emulator.base_url().clone())
        .create_app("Before shutdown")
        .await;
    emulator.shutdown().await;
    assert!(
        has_app(&read_state(&path).unwrap(), &id),
        "shutdown did not write it"
    );

    let emulator = wix_emulator::start(config.clone()).await.unwrap();
    let wix = Wix::new(emulator.base_url().clone());
    assert_eq!(wix.app_name(&id).await.as_deref(), Some("Before shutdown"));
    let dropped = wix.create_app("Before drop").await;
    drop(emulator);
    assert!(
        has_app(&read_state(&path).unwrap(), &dropped),
        "drop did not write it"
    );

    // An admin reset is on disk when it answers.
    let emulator = wix_emulator::start(config).await.unwrap();
    AdminClient::of(&emulator).reset().await.unwrap();
    let state = read_state(&path).unwrap();
    assert!(
        !has_app(&state, &id) && !has_app(&state, &dropped),
        "the reset is not on disk"
    );
    assert_eq!(
        state["apps"].as_object().unwrap().len(),
        SEEDED_APP_IDS.len()
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn visitor_tokens_add_nothing_to_the_state_file_outlive_a_restart_and_die_at_a_reset() {
    let dir = TempDir::new("visitors");
    let path = dir.state();
    let config = EmulatorConfig {
        data_path: Some(path.clone()),
        ..EmulatorConfig::default()
    };
    let emulator = wix_emulator::start(config.clone()).await.unwrap();
    let wix = Wix::new(emulator.base_url().clone());
    let size_before = std::fs::metadata(&path).unwrap().len();
    let mut visitors = Vec::new();
    for _ in 0..500 {
        visitors.push(wix.visitor().await);
    }
    let (access, refresh) = visitors.pop().unwrap();
    let (status, renewed) = wix.refresh(&refresh).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(
        renewed["refresh_token"],
        refresh.as_str(),
        "visitor refresh tokens are kept"
    );
    let exported = AdminClient::of(&emulator).export_state().await.unwrap();
    assert!(exported.access_tokens.is_empty() && exported.refresh_tokens.is_empty());
    emulator.shutdown().await;
    let size_after = std::fs::metadata(&path).unwrap().len();
    assert!(
        size_after <= size_before,
        "500 visitors grew the state file from {size_before} to {size_after} bytes"
    );

    // The signing key is in the file: the tokens work after a restart.
    let emulator = wix_emulator::start(config).await.unwrap();
    let wix = Wix::new(emulator.base_url().clone());
    assert_eq!(wix.as_visitor(&access).await, 200);
    assert_eq!(wix.refresh(&refresh).await.0, 200);
    // A forged signature, or another state's token, is refused.
    let (signed, signature) = access.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let forged = format!("{signed}.{flipped}{}", &signature[1..]);
    assert_eq!(wix.as_visitor(&forged).await, 401);
    let other = wix_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let (stranger, stranger_refresh) = Wix::new(other.base_url().clone()).visitor().await;
    other.shutdown().await;
    assert_eq!(wix.as_visitor(&stranger).await, 401);
    assert_eq!(wix.refresh(&stranger_refresh).await.0, 400);
    // A reset makes a new key: every visitor token dies.
    AdminClient::of(&emulator).reset().await.unwrap();
    assert_eq!(wix.as_visitor(&access).await, 401);
    let (status, body) = wix.refresh(&refresh).await;
    assert_eq!(
        (status, &body["details"]["applicationError"]["code"]),
        (400, &json!("invalid_grant"))
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn what_expired_an_hour_ago_is_pruned_from_memory_and_file() {
    let dir = TempDir::new("prune");
    let path = dir.state();
    let emulator = wix_emulator::start(EmulatorConfig {
        data_path: Some(path.clone()),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let admin = AdminClient::of(&emulator);
    let now = admin.advance_clock(0).await.unwrap().timestamp();
    // Stored things that expired two hours ago, half an hour ago (still in the grace hour), and in ten minutes.
    let mut state = serde_json::to_value(admin.export_state().await.unwrap()).unwrap();
    for (label, expires_at) in [
        ("old", now - 7200),
        ("recent", now - 1800),
        ("live", now + 600),
    ] {
        let grant = json!({"client_id": SEEDED_APP_IDS[0], "role": "member", "subject": "m1", "expires_at": expires_at});
        state["access_tokens"][label] = grant.clone();
        state["refresh_tokens"][label] = json!({"client_id": SEEDED_APP_IDS[0], "role": "member", "subject": "m1", "expires_at": null});
        state["codes"][label] = json!({"client_id": SEEDED_APP_IDS[0], "member_id": "m1", "redirect_uri": null, "code_challenge": "c", "expires_at": expires_at});
        state["sessions"][label] = json!({"member_id": "m1", "expires_at": expires_at});
        state["install_tokens"][label] =
            json!({"app_id": "a", "instance_id": null, "expires_at": expires_at});
        state["install_codes"][label] =
            json!({"app_id": "a", "instance_id": "i", "expires_at": expires_at});
    }
    admin
        .import_state(&serde_json::from_value(state).unwrap())
        .await
        .unwrap();
    let kinds = [
        "access_tokens",
        "codes",
        "sessions",
        "install_tokens",
        "install_codes",
    ];
    let keys = |state: &Value, kind: &str| -> Vec<String> {
        let mut keys: Vec<String> = state[kind].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let exported = serde_json::to_value(admin.export_state().await.unwrap()).unwrap();
    let on_disk = read_state(&path).unwrap();
    for kind in kinds {
        assert_eq!(
            keys(&exported, kind),
            ["live", "recent"],
            "{kind} in memory"
        );
        assert_eq!(keys(&on_disk, kind), ["live", "recent"], "{kind} on disk");
    }
    // Refresh tokens do not expire.
    assert_eq!(keys(&exported, "refresh_tokens"), ["live", "old", "recent"]);

    // Two hours on, the next change prunes what has expired since.
    admin.advance_clock(2 * 3600).await.unwrap();
    let wix = Wix::new(emulator.base_url().clone());
    wix.create_app("A change").await;
    let exported = serde_json::to_value(admin.export_state().await.unwrap()).unwrap();
    for kind in kinds {
        assert!(
            keys(&exported, kind).is_empty(),
            "{kind}: {:?}",
            keys(&exported, kind)
        );
    }
    emulator.shutdown().await;
    let on_disk = read_state(&path).unwrap();
    for kind in kinds {
        assert!(keys(&on_disk, kind).is_empty(), "{kind} on disk");
    }
}
