//! `--help` of every command, checked against the committed snapshots in `tests/snapshots/` (insta). A changed
//! help text fails here until the snapshot is reviewed: `cargo insta review`, or `INSTA_UPDATE=always cargo test
//! -p oauthdesk-cli --test help` and read the diff. Commands are found from the same definitions the parser uses,
//! so a new command gets a snapshot (and fails until it is committed).

use assert_cmd::Command;
use clap::CommandFactory;
use oauthdesk_cli::cli::Cli;

/// Every command's path of subcommand names, the top level first.
fn paths(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    for sub in command.get_subcommands() {
        let mut path = prefix.clone();
        path.push(sub.get_name().to_owned());
        paths(sub, path, out);
    }
}

#[test]
fn every_commands_help_matches_its_snapshot() {
    let mut all = Vec::new();
    paths(&Cli::command(), Vec::new(), &mut all);
    assert!(all.len() > 15, "{all:?}");
    for path in all {
        let out = Command::cargo_bin("oauthdesk")
            .unwrap()
            // Plain text whatever the caller's terminal settings.
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{path:?}");
        let name = if path.is_empty() {
            "oauthdesk".to_owned()
        } else {
            format!("oauthdesk-{}", path.join("-"))
        };
        insta::assert_snapshot!(name, String::from_utf8(out.stdout).unwrap());
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_same_definitions() {
    let out = Command::cargo_bin("oauthdesk")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for word in [
        "oauthdesk",
        "--api-key-stdin",
        "--add-redirect-uri",
        "--show-secret",
    ] {
        assert!(script.contains(word), "no {word} in the bash completions");
    }
    let out = Command::cargo_bin("oauthdesk")
        .unwrap()
        .arg("man")
        .output()
        .unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH oauthdesk"),
        "{page}"
    );
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("oauthdesk")
        .unwrap()
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    for page in ["oauthdesk.1", "oauthdesk-apps.1", "oauthdesk-apps-update.1"] {
        assert!(dir.path().join(page).exists(), "no {page}");
    }
}
