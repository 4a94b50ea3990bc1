//! What the command line's tests share: a data folder and a keyring service of their own per test, the binary
//! run as a process with them, and `oauthdesk emulator` as a child process standing in for Wix.
//!
//! The keyring is the real OS keyring: run inside `scripts/desktop-session.sh` (a private D-Bus and GNOME Keyring).
#![allow(dead_code)]

use std::io::BufRead;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

/// One test's world: a fresh data folder and a keyring service no other test uses.
pub struct Env {
    pub data: tempfile::TempDir,
    pub service: String,
    /// Where connected projects' "Wix" is (an `oauthdesk emulator`), when set.
    pub wix_base: Option<String>,
}

impl Env {
    pub fn new() -> Self {
        Self {
            data: tempfile::tempdir().unwrap(),
            service: format!("oauthdesk-cli-test-{}", uuid::Uuid::new_v4()),
            wix_base: None,
        }
    }

    /// `oauthdesk` with this world's folder and keyring (and nothing else from the caller's environment that
    /// could move it).
    pub fn cmd(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd())
    }

    pub fn std_cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("oauthdesk").unwrap();
        cmd.env("OAUTHDESK_DATA_DIR", self.data.path())
            .env("OAUTHDESK_KEYRING_SERVICE", &self.service)
            .env_remove("OAUTHDESK_WIX_API_BASE")
            .env_remove("RUST_LOG");
        if let Some(base) = &self.wix_base {
            cmd.env("OAUTHDESK_WIX_API_BASE", base);
        }
        cmd
    }

    /// What the Secret Service itself holds under this world's service (not OAuth Desk's ledger).
    pub fn keyring_names(&self) -> Vec<String> {
        let mut names = vault::KeyringStore::new(&self.service)
            .names_in_keyring()
            .unwrap();
        names.sort();
        names
    }
}

/// Run `cmd` to its end; its stdout, and its stderr, as text; panics with both unless it exited with `code`.
pub fn expect(cmd: &mut assert_cmd::Command, code: i32) -> (String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// `oauthdesk emulator --port 0` running as a child process, with the `KEY=value` lines it printed.
pub struct Emulator {
    child: Child,
    _stdout: std::io::BufReader<ChildStdout>,
    pub vars: Vec<(String, String)>,
}

impl Emulator {
    pub fn start(env: &Env, extra: &[&str]) -> Self {
        let mut child = env
            .std_cmd()
            .args(["emulator", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut vars = Vec::new();
        // The lines come before the emulator serves; each read waits for one (or for the end, if it died).
        let json = extra.contains(&"--json");
        let mut document = String::new();
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap() == 0 {
                panic!(
                    "`oauthdesk emulator` ended before printing its variables: {:?}",
                    child.wait()
                );
            }
            if json {
                document.push_str(&line);
                if line == "}\n" {
                    let object: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(&document).unwrap();
                    vars = object
                        .into_iter()
                        .map(|(k, v)| (k, v.as_str().unwrap().to_owned()))
                        .collect();
                    break;
                }
            } else {
                let (key, value) = line.trim_end().split_once('=').expect("a KEY=value line");
                vars.push((key.to_owned(), value.to_owned()));
                if vars.len() == 5 {
                    break;
                }
            }
        }
        Self {
            child,
            _stdout: stdout,
            vars,
        }
    }

    pub fn var(&self, name: &str) -> &str {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.vars))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send SIGTERM and wait (up to 10 s) for the process to end; its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "`oauthdesk emulator` did not end within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
