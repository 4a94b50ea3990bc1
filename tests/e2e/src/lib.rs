//! The end-to-end harness: launches the **real app binary** through `tauri-driver` (which drives Debian's
//! `WebKitWebDriver`), and gives tests a few verbs — click, wait for text, screenshot, launch a second instance.
//!
//! Every [`App`] gets its own data directory and its own OS-keyring service name, so tests never see each other's
//! (or a user's) files and secrets. The tests must run one at a time (`--test-threads=1`): the app is
//! single-instance per desktop session, which is the very behaviour the deep-link tests rely on.
//!
//! Run them through the README's test command, which builds the app and provides the desktop session (Xvfb,
//! D-Bus, GNOME Keyring). Environment:
//! - `OAUTHDESK_APP_BIN`: the app binary (default `target/debug/oauth-desk`).
//! - `TAURI_DRIVER`: the `tauri-driver` binary (default: on `PATH`, or `~/.cargo/bin/tauri-driver`).
//! - `OAUTHDESK_SCREENSHOTS`: where screenshots go (default `target/e2e/screenshots`).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub use fantoccini::error::CmdError;

/// How long a test waits for something to appear before failing.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

pub fn app_binary() -> PathBuf {
    std::env::var_os("OAUTHDESK_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/oauth-desk"))
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let in_cargo = home.join(".cargo/bin/tauri-driver");
    if in_cargo.exists() {
        in_cargo
    } else {
        PathBuf::from("tauri-driver")
    }
}

pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("OAUTHDESK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/e2e/screenshots"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private place for one app's files and secrets.
pub struct Profile {
    pub data_dir: PathBuf,
    pub keyring_service: String,
    /// The admin token the app's sandbox is started with (a test switch of debug builds), so a test can drive
    /// the sandbox's `/_emulator/v1` routes.
    pub sandbox_admin_token: String,
}

impl Profile {
    pub fn new(name: &str) -> Self {
        // Under target/, so a failed run's files (logs, tauri-driver.log) stay there to be read.
        let data_dir = workspace_root().join("target/e2e/profiles").join(name);
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir).unwrap();
        Self {
            data_dir,
            keyring_service: format!("dev.oauthdesk.e2e.{name}.{}", std::process::id()),
            sandbox_admin_token: format!("e2e-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// Where this profile's app keeps its config (the window's size and place) and cache: its own folders, so no
    /// test sees another's window state, and none lands in the developer's home.
    pub fn config_home(&self) -> PathBuf {
        self.data_dir.join("xdg-config")
    }

    pub fn cache_home(&self) -> PathBuf {
        self.data_dir.join("xdg-cache")
    }

    /// The environment the app reads its overrides from.
    pub fn env(&self) -> [(&'static str, String); 5] {
        [
            ("XDG_CONFIG_HOME", self.config_home().display().to_string()),
            ("XDG_CACHE_HOME", self.cache_home().display().to_string()),
            ("OAUTHDESK_DATA_DIR", self.data_dir.display().to_string()),
            ("OAUTHDESK_KEYRING_SERVICE", self.keyring_service.clone()),
            (
                "OAUTHDESK_TEST_SANDBOX_ADMIN_TOKEN",
                self.sandbox_admin_token.clone(),
            ),
        ]
    }

    /// Everything the app wrote into its log files.
    pub fn logs(&self) -> String {
        read_logs(&self.data_dir)
    }
}

/// Everything an app with this data directory wrote into its log files.
pub fn read_logs(data_dir: &Path) -> String {
    let mut all = String::new();
    if let Ok(entries) = std::fs::read_dir(data_dir.join("logs")) {
        for entry in entries.flatten() {
            all.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    all
}

/// The running app, driven over WebDriver.
pub struct App {
    pub client: Client,
    pub profile: Profile,
    _driver: DriverGuard,
}

impl App {
    pub async fn launch(name: &str) -> Self {
        Self::launch_with_args(name, &[]).await
    }

    /// Start the app with `args` (e.g. a deep link, as the desktop does on a cold start).
    pub async fn launch_with_args(name: &str, args: &[&str]) -> Self {
        Self::launch_with(name, args, &[]).await
    }

    /// Start the app after `prepare` has put files in its (fresh) data directory.
    pub async fn launch_prepared(name: &str, prepare: impl FnOnce(&Path)) -> Self {
        Self::launch_inner(name, &[], &[], prepare).await
    }

    /// Start the app with `args` and extra environment (e.g. `OAUTHDESK_WIX_API_BASE` to point "real" Wix
    /// projects at an emulator the test started).
    pub async fn launch_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::launch_inner(name, args, env, |_| {}).await
    }

    async fn launch_inner(
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
        prepare: impl FnOnce(&Path),
    ) -> Self {
        let profile = Profile::new(name);
        prepare(&profile.data_dir);
        Self::launch_profile(profile, args, env).await
    }

    /// Quit, then start the app again on the same files and keyring (a restart), with `args` (e.g. a deep link:
    /// a cold start).
    pub async fn restart(self, args: &[&str], env: &[(&str, &str)]) -> Self {
        self.exit_gracefully().await;
        let App {
            client,
            profile,
            _driver,
        } = self;
        let _ = client.close().await;
        drop(_driver);
        Self::launch_profile(profile, args, env).await
    }

    async fn launch_profile(profile: Profile, args: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let native_port = free_port();
        let log = std::fs::File::create(profile.data_dir.join("tauri-driver.log")).unwrap();
        // A process group of its own, led by tauri-driver: WebKitWebDriver and the app inherit it, so the guard can
        // end exactly this launch's processes.
        let driver = Command::new(tauri_driver())
            .process_group(0)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(profile.env())
            .envs(env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start tauri-driver (installed by the README's test command)");
        // From here on the guard stops the drivers and any app instance, however this launch ends.
        let guard = DriverGuard {
            driver,
            data_dir: profile.data_dir.clone(),
        };
        // tauri-driver listens at once, but proxies to WebKitWebDriver, which takes a moment longer to listen.
        wait_for_port(port).await;
        wait_for_port(native_port).await;

        let binary = app_binary();
        assert!(
            binary.exists(),
            "no app binary at {} (build it first)",
            binary.display()
        );
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({"application": binary, "args": args}),
        );
        // Plain HTTP to a loopback driver: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let session = builder.connect(&url);
        let client = tokio::time::timeout(Duration::from_secs(60), session)
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "the app did not start within 60 s; see {}",
                    profile.data_dir.display()
                )
            })
            .unwrap_or_else(|e| {
                panic!(
                    "no WebDriver session with the app: {e}; see {}",
                    profile.data_dir.display()
                )
            });
        let app = Self {
            client,
            profile,
            _driver: guard,
        };
        app.wait_for_css("nav.sidebar").await;
        app
    }

    pub async fn wait_for_css(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    /// Wait until the element matched by `css` contains `text`, and return its whole text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    if let Ok(t) = element.text().await {
                        if t.contains(text) {
                            return t;
                        }
                        last = t;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never contained {text:?}; last text: {last:?}");
    }

    /// Open the Members view and pick the OAuth app `client_id` once the app list has it; wait until the
    /// sign-in redirect URI is shown as allowed.
    pub async fn open_members(&self, client_id: &str) {
        self.click("[data-testid=nav-members]").await;
        let select = self.wait_for_css("[data-testid=member-app]").await;
        self.wait_for_css(&format!(
            "[data-testid=member-app] option[value=\"{client_id}\"]"
        ))
        .await;
        select.select_by_value(client_id).await.unwrap();
        self.wait_for_text(
            "[data-testid=member-callback-status]",
            "allowed by this OAuth app",
        )
        .await;
    }

    /// Type `value` into the connect-a-project form's field `name`.
    pub async fn fill_project_form(&self, name: &str, value: &str) {
        let input = self
            .wait_for_css(&format!(
                "[data-testid=add-project-form] input[name={name}]"
            ))
            .await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.wait_for_css(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The rendered text of every element matching `css`, read in one script so a re-render in between cannot
    /// leave a stale element behind.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim())";
        let value = self
            .client
            .execute(script, vec![json!(css)])
            .await
            .expect("read texts");
        serde_json::from_value(value).expect("a list of strings")
    }

    /// Save what the user sees as `<screenshot dir>/<name>.png` and return its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // WebKit's snapshot is of the last frame it painted: wait until the current state has been painted.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .expect("the window paints frames");
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        path
    }

    /// Launch the binary a second time with `args` — what the desktop does when the browser opens a deep link —
    /// and return how it exited. A second instance forwards its argv to this one and exits.
    pub fn launch_second_instance(&self, args: &[&str]) -> ExitStatus {
        let mut child = Command::new(app_binary())
            .args(args)
            .envs(self.profile.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a second instance");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the second instance did not exit: it did not find the running app");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The address of the app's sandbox emulator, as Settings shows it (this leaves the window on Settings).
    pub async fn sandbox_url(&self) -> url::Url {
        self.click("[data-testid=nav-settings]").await;
        let text = self
            .wait_for_text("[data-testid=sandbox-url]", "http://127.0.0.1:")
            .await;
        url::Url::parse(text.trim()).expect("the sandbox URL")
    }

    /// A client for the app's sandbox admin routes (members, outbox, settings, faults), with the run's token.
    pub async fn sandbox_admin(&self) -> wix_emulator::test_support::AdminClient {
        wix_emulator::test_support::AdminClient::new(&self.sandbox_url().await)
            .with_token(self.profile.sandbox_admin_token.clone())
    }

    /// The process group this launch runs in (tauri-driver's, inherited by WebKitWebDriver and the app).
    pub fn process_group(&self) -> u32 {
        self._driver.group()
    }

    /// The running app's processes (found by this profile's data directory in their environment) other than the
    /// drivers: the binary WebKitWebDriver launched.
    pub fn app_processes(&self) -> Vec<ProcStat> {
        let binary = app_binary();
        processes_with_data_dir(&self.profile.data_dir)
            .into_iter()
            .filter(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
            })
            .filter_map(proc_stat)
            .collect()
    }

    /// Wait until the app's process has exited (it quit by itself, or on a signal the test sent); panic if it
    /// does not within [`WAIT`].
    pub async fn wait_until_exited(&self) {
        let deadline = Instant::now() + WAIT;
        while !self.app_processes().is_empty() {
            assert!(Instant::now() < deadline, "the app did not exit");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The names stored under this profile's keyring service, asked of the Secret Service itself (its search API),
    /// not of the ledger OAuth Desk keeps.
    pub fn keyring_names(&self) -> Vec<String> {
        vault::KeyringStore::new(self.profile.keyring_service.clone())
            .names_in_keyring()
            .expect("the Secret Service answers")
    }

    /// Quit the app as a desktop session does (SIGTERM, which it answers by leaving through its event loop and
    /// writing the sandbox's last changes), and wait until it is gone. Ending the WebDriver session alone may kill
    /// it outright, losing what the sandbox had not written yet: not how a user quits.
    async fn exit_gracefully(&self) {
        let pids: Vec<String> = self
            .app_processes()
            .iter()
            .map(|p| p.pid.to_string())
            .collect();
        if !pids.is_empty() {
            signal_pids("TERM", &pids);
            self.wait_until_exited().await;
        }
    }

    /// Quit the app (see `exit_gracefully`), then end the WebDriver session and stop the drivers.
    pub async fn quit(self) {
        self.exit_gracefully().await;
        let _ = self.client.clone().close().await;
        // Drop does the rest.
    }
}

/// Owns tauri-driver, which runs in a process group of its own with everything it starts (WebKitWebDriver, and
/// the app WebKitWebDriver launches). On drop it ends that group, and only that group, and waits until none of it
/// is left, even after a failed assertion: a survivor would be "the running instance" for the next test's launches.
/// Other processes (a developer's own OAuth Desk, a parallel run) are never signalled.
struct DriverGuard {
    driver: Child,
    data_dir: PathBuf,
}

impl DriverGuard {
    /// The process group of tauri-driver and its descendants (its own PID: it leads the group).
    fn group(&self) -> u32 {
        self.driver.id()
    }

    /// Every live process this launch started: the group's, and any that left the group but carries this profile's
    /// data directory in its environment.
    fn survivors(&self) -> Vec<u32> {
        let mut pids = group_members(self.group());
        for pid in processes_with_data_dir(&self.data_dir) {
            if !pids.contains(&pid) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Signal the group, then the stragglers found by data directory, by PID.
    fn signal(&self, signal: &str) {
        signal_pids(signal, &[format!("-{}", self.group())]);
        let strays: Vec<String> = processes_with_data_dir(&self.data_dir)
            .iter()
            .map(u32::to_string)
            .collect();
        if !strays.is_empty() {
            signal_pids(signal, &strays);
        }
    }

    /// Wait (bounded) until this launch's processes are gone; reap tauri-driver meanwhile.
    fn wait_gone(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let _ = self.driver.try_wait();
            if self.survivors().is_empty() {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        // SIGTERM first: tauri-driver stops WebKitWebDriver on SIGTERM, and the app gets its own SIGTERM.
        self.signal("TERM");
        if self.wait_gone(Duration::from_secs(5)) {
            wait_for_single_instance_name_released();
            return;
        }
        self.signal("KILL");
        if !self.wait_gone(Duration::from_secs(5)) {
            eprintln!(
                "processes of this test's app outlived SIGKILL: {:?}",
                self.survivors()
            );
        }
    }
}

/// The D-Bus name the single-instance plugin holds while the app runs (`<identifier>.SingleInstance`).
const SINGLE_INSTANCE_NAME: &str = "dev.oauthdesk.app.SingleInstance";

/// Wait (bounded) until no process owns the single-instance name on the session bus. The bus notices a dead
/// process a moment after it is gone; an app launched in that moment would find the name still owned, forward its
/// argv to the dead instance and fail to start ("recipient disconnected without replying").
pub fn wait_for_single_instance_name_released() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let owned = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                &format!("string:{SINGLE_INSTANCE_NAME}"),
            ])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).contains("boolean true"));
        match owned {
            Ok(true) => std::thread::sleep(Duration::from_millis(50)),
            // Released, or no bus to ask (then there is nothing to wait for).
            _ => return,
        }
    }
    eprintln!(
        "the single-instance D-Bus name was still owned 10 s after the app's processes were gone"
    );
}

/// `kill -<signal> -- <targets>` (a negative target is a process group).
fn signal_pids(signal: &str, targets: &[String]) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .args(targets)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A process as `/proc/<pid>/stat` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: u32,
    pub state: char,
    pub parent: u32,
    pub group: u32,
}

/// Read `/proc/<pid>/stat`: the fields after the command name (which may hold spaces and parentheses).
pub fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut rest = text[text.rfind(')')? + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let parent = rest.next()?.parse().ok()?;
    let group = rest.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        parent,
        group,
    })
}

/// Every live (not zombie) process on the machine.
fn live_processes() -> Vec<ProcStat> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(proc_stat)
        .filter(|p| p.state != 'Z' && p.state != 'X')
        .collect()
}

/// The live processes of process group `group`.
pub fn group_members(group: u32) -> Vec<u32> {
    live_processes()
        .into_iter()
        .filter(|p| p.group == group)
        .map(|p| p.pid)
        .collect()
}

/// The live processes whose environment has `OAUTHDESK_DATA_DIR=<data_dir>` (this profile's, exactly).
pub fn processes_with_data_dir(data_dir: &Path) -> Vec<u32> {
    let entry = format!("OAUTHDESK_DATA_DIR={}", data_dir.display());
    live_processes()
        .into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{}/environ", p.pid))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == entry.as_bytes()))
        })
        .map(|p| p.pid)
        .collect()
}

async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every file under `dir`, recursively (for scans of what the app wrote).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A fresh file for `OAUTHDESK_BROWSER_RECORD`: the app appends each URL it would open in the system browser.
pub fn browser_record(name: &str) -> PathBuf {
    let path = workspace_root().join(format!("target/e2e/browser-{name}.txt"));
    let _ = std::fs::remove_file(&path);
    path
}

/// The `count`-th URL (1-based) the app sent to the "system browser", waiting for it to arrive.
pub async fn opened_url(record: &Path, count: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(record).unwrap_or_default();
        if let Some(line) = text.lines().nth(count - 1) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the app opened no browser page #{count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
