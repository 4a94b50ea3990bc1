//! `oauthdesk` run as a process against the emulator and the real OS keyring (inside
//! `scripts/desktop-session.sh`). Each test has its own data folder and keyring service.

mod common;

use common::{Emulator, Env, expect, json};
use predicates::prelude::*;

/// A connected project whose "Wix" is an `oauthdesk emulator` child process.
fn env_with_wix() -> (Env, Emulator) {
    let mut env = Env::new();
    let wix = Emulator::start(&env, &[]);
    env.wix_base = Some(wix.var("WIX_BASE_URL").to_owned());
    (env, wix)
}

fn add_staging(env: &Env, wix: &Emulator) -> serde_json::Value {
    let (out, _) = expect(
        env.cmd()
            .args(["projects", "add", "--name", "Staging", "--api-key-stdin"])
            .args(["--site-id", wix.var("WIX_SITE_ID"), "--json"])
            .write_stdin(format!("{}\n", wix.var("WIX_API_KEY"))),
        0,
    );
    json(&out)
}

#[test]
fn projects_add_list_test_remove_with_the_key_in_the_keyring() {
    let (env, wix) = env_with_wix();
    let added = add_staging(&env, &wix);
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["name"], "Staging");
    assert_eq!(added["target"]["siteId"], wix.var("WIX_SITE_ID"));
    // The key went to the OS keyring, and nowhere in the data folder.
    assert_eq!(env.keyring_names(), vec![format!("api-key/{id}")]);
    for file in ["projects.json", "keyring-entries.json"] {
        let text = std::fs::read_to_string(env.data.path().join(file)).unwrap();
        assert!(
            !text.contains(wix.var("WIX_API_KEY")),
            "{file} holds the API key"
        );
    }

    let (out, _) = expect(env.cmd().args(["projects", "list", "--json"]), 0);
    let names: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Sandbox (local emulator)", "Staging"]);
    let (out, _) = expect(env.cmd().args(["projects", "list"]), 0);
    assert!(out.starts_with("NAME"), "{out}");
    assert!(
        out.contains(&format!("site {}", wix.var("WIX_SITE_ID"))),
        "{out}"
    );

    let (out, _) = expect(env.cmd().args(["projects", "test", "Staging"]), 0);
    assert!(out.starts_with("“Staging” works: "), "{out}");
    let (out, _) = expect(
        env.cmd()
            .args(["--project", "Staging", "projects", "test", "--json"]),
        0,
    );
    assert!(json(&out)["oauthApps"].as_u64().unwrap() > 0, "{out}");
    // The same project by its ID; its apps are the "Wix" emulator's seeded ones.
    let (out, _) = expect(
        env.cmd().args(["--project", &id, "apps", "list", "--json"]),
        0,
    );
    assert!(!json(&out)["apps"].as_array().unwrap().is_empty(), "{out}");

    // A second project of the same name is refused before anything is stored.
    let (_, err) = expect(
        env.cmd()
            .args(["projects", "add", "--name", "Staging", "--api-key-stdin"])
            .args(["--account-id", wix.var("WIX_ACCOUNT_ID")])
            .write_stdin(wix.var("WIX_API_KEY")),
        1,
    );
    assert!(err.contains("already named “Staging”"), "{err}");

    let (out, _) = expect(env.cmd().args(["projects", "remove", "Staging"]), 0);
    assert!(out.contains("Removed “Staging”"), "{out}");
    assert!(env.keyring_names().is_empty(), "{:?}", env.keyring_names());
    let (out, _) = expect(env.cmd().args(["projects", "list", "--json"]), 0);
    assert_eq!(json(&out).as_array().unwrap().len(), 1, "{out}");
}

#[test]
fn a_wrong_api_key_is_refused_and_nothing_is_kept() {
    let (env, wix) = env_with_wix();
    let (_, err) = expect(
        env.cmd()
            .args(["projects", "add", "--name", "Wrong", "--api-key-stdin"])
            .args(["--site-id", wix.var("WIX_SITE_ID")])
            .write_stdin("not-the-right-key\n"),
        1,
    );
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        !err.contains("not-the-right-key"),
        "the key was echoed: {err}"
    );
    assert!(env.keyring_names().is_empty());
    let (out, _) = expect(env.cmd().args(["projects", "list", "--json"]), 0);
    assert_eq!(json(&out).as_array().unwrap().len(), 1, "{out}");
    // An empty stdin is bad usage.
    expect(
        env.cmd()
            .args(["projects", "add", "--name", "Empty", "--api-key-stdin"])
            .args(["--site-id", wix.var("WIX_SITE_ID")])
            .write_stdin(""),
        2,
    );
}

#[test]
fn apps_create_list_get_update_secret_delete_on_the_sandbox() {
    let env = Env::new();
    let (out, _) = expect(
        env.cmd()
            .args(["apps", "create", "--name", "Storefront", "--json"])
            .args(["--redirect-uri", "https://shop.example.com/callback"])
            .args(["--redirect-uri", "http://localhost:3000/callback"])
            .args(["--type", "web", "--technology", "react"]),
        0,
    );
    let created = json(&out);
    let id = created["app"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["secretStorage"]["kind"], "saved");
    assert!(
        created.get("secret").is_none(),
        "printed without --show-secret: {out}"
    );
    assert_eq!(created["app"]["fields"]["technology"], "REACT");
    assert_eq!(
        env.keyring_names(),
        vec![format!("oauth-app-secret/sandbox/{id}")]
    );

    // The saved secret is the real one, and no earlier output showed it.
    let (secret, _) = expect(env.cmd().args(["apps", "secret", &id]), 0);
    let secret = secret.trim_end().to_owned();
    assert!(secret.len() >= 8, "{secret}");
    assert!(!out.contains(&secret));
    let (out, _) = expect(env.cmd().args(["apps", "secret", &id, "--json"]), 0);
    assert_eq!(json(&out)["secret"], secret.as_str());

    let (out, _) = expect(
        env.cmd().args([
            "apps", "list", "--sort", "name", "--desc", "--limit", "100", "--json",
        ]),
        0,
    );
    let page = json(&out);
    let rows = page["apps"].as_array().unwrap();
    let row = rows.iter().find(|a| a["id"] == id.as_str()).unwrap();
    assert_eq!(row["secretSaved"], true);
    assert_eq!(row["redirectUriCount"], 2);
    let names: Vec<&str> = rows.iter().map(|a| a["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "not sorted by name, descending");
    let (out, _) = expect(
        env.cmd().args(["apps", "list", "--limit", "1", "--json"]),
        0,
    );
    assert_eq!(json(&out)["apps"].as_array().unwrap().len(), 1);
    let (out, _) = expect(env.cmd().args(["apps", "list"]), 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with(&id) && l.contains("Storefront") && l.ends_with("saved")),
        "{out}"
    );

    // Add one redirect URI and rename: the two it did not mention stay, in order.
    let (out, _) = expect(
        env.cmd()
            .args(["apps", "update", &id, "--name", "Storefront 2"])
            .args(["--add-redirect-uri", "https://shop.example.com/alt"]),
        0,
    );
    assert!(out.contains("name: Storefront 2"), "{out}");
    let (out, _) = expect(env.cmd().args(["apps", "get", &id, "--json"]), 0);
    let fields = &json(&out)["fields"];
    assert_eq!(
        fields["allowedRedirectUris"],
        serde_json::json!([
            "https://shop.example.com/callback",
            "http://localhost:3000/callback",
            "https://shop.example.com/alt",
        ])
    );
    assert_eq!(fields["name"], "Storefront 2");
    assert_eq!(
        fields["technology"], "REACT",
        "an unmentioned field changed"
    );
    // Remove one; a URI the app does not have is refused and nothing changes.
    expect(
        env.cmd().args([
            "apps",
            "update",
            &id,
            "--remove-redirect-uri",
            "http://localhost:3000/callback",
        ]),
        0,
    );
    let (_, err) = expect(
        env.cmd()
            .args(["apps", "update", &id, "--name", "Not applied"])
            .args(["--remove-redirect-uri", "https://nowhere.example/cb"]),
        1,
    );
    assert!(
        err.contains("no redirect URI “https://nowhere.example/cb”"),
        "{err}"
    );
    let (out, _) = expect(env.cmd().args(["apps", "get", &id, "--json"]), 0);
    let fields = &json(&out)["fields"];
    assert_eq!(
        fields["allowedRedirectUris"],
        serde_json::json!([
            "https://shop.example.com/callback",
            "https://shop.example.com/alt"
        ])
    );
    assert_eq!(fields["name"], "Storefront 2");

    // Delete: refused with no terminal and no --yes (bad usage), and the app is still there.
    let (_, err) = expect(
        env.cmd().args(["apps", "delete", &id]).write_stdin("y\n"),
        2,
    );
    assert!(err.contains("pass --yes"), "{err}");
    expect(env.cmd().args(["apps", "get", &id]), 0);
    let (out, _) = expect(
        env.cmd().args(["apps", "delete", &id, "--yes", "--json"]),
        0,
    );
    assert_eq!(json(&out)["deleted"], id.as_str());
    assert!(env.keyring_names().is_empty(), "{:?}", env.keyring_names());
    let (_, err) = expect(env.cmd().args(["apps", "get", &id]), 1);
    assert!(err.starts_with("error: "), "{err}");
    let (_, err) = expect(env.cmd().args(["apps", "secret", &id]), 1);
    assert!(
        err.contains("OAuth Desk holds no secret for this app"),
        "{err}"
    );
}

#[test]
fn show_secret_prints_the_secret_that_was_saved() {
    let env = Env::new();
    let (out, _) = expect(
        env.cmd()
            .args(["apps", "create", "--name", "Shown", "--show-secret"])
            .args(["--redirect-uri", "https://shop.example.com/callback"]),
        0,
    );
    let shown = out
        .lines()
        .find_map(|l| l.strip_prefix("client secret: "))
        .unwrap()
        .to_owned();
    let id = out.lines().find_map(|l| l.strip_prefix("id: ")).unwrap();
    let (saved, _) = expect(env.cmd().args(["apps", "secret", id]), 0);
    assert_eq!(saved.trim_end(), shown);
    expect(env.cmd().args(["apps", "delete", id, "--yes"]), 0);
    assert!(env.keyring_names().is_empty());
}

#[test]
fn usage_errors_exit_with_2() {
    let env = Env::new();
    for args in [
        &["apps", "list", "--limit", "many"][..],
        &["apps", "list", "--limit", "0"],
        &["apps", "list", "--limit", "101"],
        &["projects", "add", "--name", "No target", "--api-key-stdin"],
        &["projects", "add", "--name", "No stdin", "--site-id", "x"],
        &["apps", "create", "--type", "desktop", "--name", "x"],
        &["apps", "frobnicate"],
        &[],
    ] {
        env.cmd().args(args).assert().code(2);
    }
    // No state was made by any of them.
    assert!(env.keyring_names().is_empty());
}

#[test]
fn an_unknown_project_fails_with_the_apps_words() {
    let env = Env::new();
    env.cmd()
        .args(["--project", "Nope", "apps", "list"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: there is no project Nope; it may have been removed — pick another project\n",
        );
    env.cmd()
        .args(["projects", "remove", "Nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("there is no project Nope"));
    env.cmd()
        .args(["projects", "remove", "sandbox"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the sandbox project is built in and cannot be removed",
        ));
}

/// Two processes never run the sandbox on one data folder: while another process (here this test, as the app
/// would) holds it, a sandbox command fails and says what to do; reading a connected project still works, and
/// changing OAuth Desk's own files (which the app would overwrite) is refused with nothing changed. Once the holder
/// ends, everything works.
#[test]
fn the_sandbox_and_the_apps_files_are_refused_while_another_process_holds_them() {
    let (env, wix) = env_with_wix();
    add_staging(&env, &wix);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let holder = runtime
        .block_on(desk_core::sandbox::Sandbox::start(env.data.path(), None))
        .unwrap();
    let (_, err) = expect(env.cmd().args(["apps", "list"]), 1);
    assert!(
        err.starts_with(
            "error: the sandbox (local Wix emulator) is in use by another OAuth Desk process"
        ),
        "{err}"
    );
    assert!(err.contains("pass `--project NAME`"), "{err}");
    // The sandbox by its name is the sandbox too.
    expect(
        env.cmd()
            .args(["--project", "Sandbox (local emulator)", "apps", "list"]),
        1,
    );
    expect(env.cmd().args(["projects", "list"]), 0);
    expect(
        env.cmd()
            .args(["--project", "Staging", "apps", "list", "--json"]),
        0,
    );
    let keyring = env.keyring_names();
    for args in [
        &[
            "--project",
            "Staging",
            "apps",
            "create",
            "--name",
            "Refused",
        ][..],
        &["projects", "remove", "Staging"],
    ] {
        let (_, err) = expect(env.cmd().args(args), 1);
        assert!(
            err.contains("close it and run the command again (nothing was changed)"),
            "{err}"
        );
    }
    let (_, err) = expect(
        env.cmd()
            .args(["projects", "add", "--name", "Later", "--api-key-stdin"])
            .args(["--site-id", wix.var("WIX_SITE_ID")])
            .write_stdin(wix.var("WIX_API_KEY")),
        1,
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(env.keyring_names(), keyring);
    let (out, _) = expect(
        env.cmd()
            .args(["--project", "Staging", "apps", "list", "--json"]),
        0,
    );
    assert!(!out.contains("Refused"), "{out}");

    drop(holder);
    let (out, _) = expect(env.cmd().args(["apps", "list", "--json"]), 0);
    assert!(!json(&out)["apps"].as_array().unwrap().is_empty());
    expect(env.cmd().args(["projects", "remove", "Staging"]), 0);
    assert!(env.keyring_names().is_empty());
}

/// The printed lines can be sourced by a shell, and are the emulator's real credentials: `oauthdesk` connects to
/// it with them. SIGTERM ends it cleanly (exit status 0).
#[test]
fn the_emulator_prints_sourceable_credentials_and_ends_on_sigterm() {
    let (env, mut wix) = env_with_wix();
    let names: Vec<&str> = wix.vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "WIX_BASE_URL",
            "WIX_API_KEY",
            "WIX_SITE_ID",
            "WIX_ACCOUNT_ID",
            "WIX_EMULATOR_ADMIN_TOKEN"
        ]
    );
    let lines: String = wix.vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let sourced = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{lines}printf '%s\\n' \"$WIX_BASE_URL\" \"$WIX_SITE_ID\""
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(sourced.stdout).unwrap(),
        format!("{}\n{}\n", wix.var("WIX_BASE_URL"), wix.var("WIX_SITE_ID"))
    );
    add_staging(&env, &wix);
    // With `--json`, the same values in one object; with `--data`, the state is kept in that file (and it is no
    // sandbox of the data folder: it takes no lock).
    let state = env.data.path().join("ci-state.json");
    let mut own = Emulator::start(&env, &["--data", state.to_str().unwrap(), "--json"]);
    assert_eq!(own.var("WIX_SITE_ID"), wix.var("WIX_SITE_ID"));
    assert_ne!(own.var("WIX_BASE_URL"), wix.var("WIX_BASE_URL"));
    let status = own.terminate();
    assert!(status.success(), "{status:?}");
    assert!(state.exists(), "--data wrote no state file");
    let status = wix.terminate();
    assert!(status.success(), "{status:?}");
}
