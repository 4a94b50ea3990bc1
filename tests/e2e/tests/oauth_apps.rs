//! Managing the sandbox's OAuth apps in the real window: table, create with the secret shown once (and found in
//! the real keyring), edit sending only what changed, delete, and bad input refused with field-named errors.

use std::time::{Duration, Instant};

use oauth_desk_e2e::{App, WAIT, files_under};
use serde_json::Value;
use vault::{KeyringStore, SecretStore};

/// The sandbox emulator's persisted state: what the "server" holds, read behind the app's back.
fn sandbox_state(app: &App) -> Value {
    let path = app.profile.data_dir.join("sandbox/state.json");
    serde_json::from_slice(&std::fs::read(path).expect("the sandbox state file")).unwrap()
}

/// The sandbox's state file once `ready` holds for it: the emulator writes its changes within a second.
async fn sandbox_state_when(app: &App, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let state = sandbox_state(app);
        if ready(&state) {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the sandbox state file to show {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stored_app<'a>(state: &'a Value, name: &str) -> Option<&'a Value> {
    state["apps"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| &s["app"])
        .find(|a| a["name"] == name)
}

async fn set_input(app: &App, css: &str, value: &str) {
    let input = app.wait_for_css(css).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

async fn wait_until<F: Fn() -> bool>(what: &str, check: F) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the button matched by `css` is disabled (its `disabled` attribute is set).
async fn is_disabled(app: &App, css: &str) -> bool {
    app.wait_for_css(css)
        .await
        .attr("disabled")
        .await
        .unwrap()
        .is_some()
}

/// Wait until the table is not loading.
async fn wait_until_table_idle(app: &App) {
    let deadline = Instant::now() + WAIT;
    while !app
        .texts("[data-testid=apps-table][aria-busy=true]")
        .await
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the table kept loading");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_sandbox_opens_with_seeded_apps_sorted_and_paged() {
    let app = App::launch("apps-table").await;
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront (Next.js)")
        .await;
    assert_eq!(app.texts("[data-testid=app-row]").await.len(), 4);
    app.click("[data-testid=sort-name]").await;
    app.wait_for_text(
        "[data-testid=apps-table] tbody tr:first-child",
        "Booking widget",
    )
    .await;
    app.click("[data-testid=sort-name]").await;
    app.wait_for_text(
        "[data-testid=apps-table] tbody tr:first-child",
        "Storefront",
    )
    .await;
    app.click("[data-testid=sort-created]").await;
    let oldest_first = [
        "Storefront (Next.js)",
        "Mobile shop",
        "Booking widget",
        "Internal tools",
    ];
    let deadline = Instant::now() + WAIT;
    loop {
        let names = app.texts("[data-testid=app-row] td:first-child").await;
        let busy = app.texts("[data-testid=apps-table][aria-busy=true]").await;
        if names == oldest_first && busy.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not sorted by creation date: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.screenshot("oauth-apps-table").await;

    // Readable at 900×600: nothing runs off the side. Wait until the page really is laid out at 900 px (the
    // resize reaches the web view asynchronously), then measure.
    let inner_width = async || {
        app.client
            .execute("return window.innerWidth", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap()
    };
    let wide = inner_width().await;
    assert!(
        wide > 900,
        "the window starts {wide} px wide, not wider than 900"
    );
    app.client.set_window_size(900, 600).await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let width = inner_width().await;
        if width <= 900 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page never narrowed to a 900 px window (still {width} px)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let overflow = app
        .client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the page is {overflow} px wider than a 900 px window"
    );
    app.screenshot("oauth-apps-900x600").await;
    app.client.set_window_size(1200, 780).await.unwrap();

    // Page size 10 does not page 4 apps; searching loaded names narrows the rows.
    app.wait_for_text("[data-testid=page-info]", "1–4 of 4")
        .await;
    set_input(&app, "[data-testid=search-names]", "shop").await;
    app.wait_for_text("[data-testid=apps-table] tbody", "Mobile shop")
        .await;
    let deadline = Instant::now() + WAIT;
    while app.texts("[data-testid=app-row]").await.len() != 1 {
        assert!(Instant::now() < deadline, "search did not narrow the rows");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_field_named_errors_and_nothing_sent() {
    let app = App::launch("apps-invalid").await;
    let sandbox = app.sandbox_admin().await;
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront")
        .await;
    let before = sandbox_state(&app)["apps"].as_object().unwrap().len();
    app.click("[data-testid=create-app]").await;
    // Empty name
    app.click("[data-testid=submit-app]").await;
    app.wait_for_text("[data-testid=form-errors]", "Name: use 2 to 256 characters")
        .await;
    // An invalid URI and then 21 of them
    set_input(&app, "[data-testid=app-form] input[name=name]", "Checkout").await;
    app.click("[data-testid=add-allowedRedirectUris]").await;
    set_input(
        &app,
        "[data-testid=app-form] input[name=allowedRedirectUris-0]",
        "not a uri",
    )
    .await;
    app.wait_for_text("[data-testid=form-errors]", "Allowed redirect URI 1")
        .await;
    set_input(
        &app,
        "[data-testid=app-form] input[name=allowedRedirectUris-0]",
        "https://shop.example.com/cb0",
    )
    .await;
    for i in 1..21 {
        app.click("[data-testid=add-allowedRedirectUris]").await;
        set_input(
            &app,
            &format!("[data-testid=app-form] input[name=allowedRedirectUris-{i}]"),
            &format!("https://shop.example.com/cb{i}"),
        )
        .await;
    }
    app.wait_for_text(
        "[data-testid=form-errors]",
        "Allowed redirect URIs: at most 20 (now 21)",
    )
    .await;
    app.click("[data-testid=submit-app]").await;
    app.screenshot("oauth-apps-invalid").await;
    // A positive signal that the app is done with the refused submit: leave the form, refresh the table, and wait
    // until the sandbox has received that later request and the table shows its answer.
    app.click("[data-testid=app-form] .actions button[type=button]")
        .await;
    let requests_before = sandbox.health().await.unwrap().requests;
    app.click("[data-testid=refresh]").await;
    let deadline = Instant::now() + WAIT;
    let mut polls = 0;
    loop {
        // Each health call counts itself: anything beyond them is the app's refresh.
        let requests = sandbox.health().await.unwrap().requests;
        polls += 1;
        if requests > requests_before + polls {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the refresh never reached the sandbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_until_table_idle(&app).await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront")
        .await;
    // Now: nothing on the server, nothing in the table, no secret dialog.
    assert_eq!(
        sandbox_state(&app)["apps"].as_object().unwrap().len(),
        before,
        "something was created"
    );
    assert_eq!(sandbox.oauth_apps().await.unwrap().len(), before);
    let names = app.texts("[data-testid=app-row] td:first-child").await;
    assert!(
        !names.iter().any(|n| n == "Checkout"),
        "the refused app is listed: {names:?}"
    );
    assert!(
        app.texts("[data-testid=created-client-id]")
            .await
            .is_empty(),
        "a secret dialog opened for a refused app"
    );
    app.quit().await;
}

#[tokio::test]
async fn create_shows_the_secret_once_saves_it_in_the_keyring_then_edit_and_delete() {
    let app = App::launch("apps-lifecycle").await;
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront")
        .await;
    app.click("[data-testid=create-app]").await;
    app.screenshot("oauth-apps-create-form").await;
    set_input(
        &app,
        "[data-testid=app-form] input[name=name]",
        "E2E Checkout",
    )
    .await;
    app.click("[data-testid=add-allowedRedirectUris]").await;
    set_input(
        &app,
        "[data-testid=app-form] input[name=allowedRedirectUris-0]",
        "https://checkout.example.com/callback",
    )
    .await;
    app.click("[data-testid=submit-app]").await;

    // The secret dialog: shown once, saved to the keyring.
    app.wait_for_text("[data-testid=secret-storage]", "Saved to your OS keyring")
        .await;
    let client_id = app
        .wait_for_text("[data-testid=created-client-id]", "-")
        .await;
    let secret = app
        .wait_for_text("[data-testid=created-secret]", "emu-secret-")
        .await;
    app.screenshot("oauth-apps-secret-dialog").await;
    let keyring = KeyringStore::new(app.profile.keyring_service.clone());
    let saved = keyring
        .get(&format!("oauth-app-secret/sandbox/{client_id}"))
        .unwrap()
        .expect("secret in the keyring");
    assert_eq!(saved.expose(), secret);
    app.click("[data-testid=close-secret-dialog]").await;
    app.wait_for_text("[data-testid=apps-table]", "E2E Checkout")
        .await;

    // Edit one field: only it changes on the server.
    let before = stored_app(
        &sandbox_state_when(&app, "the new app", |s| {
            stored_app(s, "E2E Checkout").is_some()
        })
        .await,
        "E2E Checkout",
    )
    .unwrap()
    .clone();
    app.click("[data-testid=apps-table] tbody tr:first-child button.link")
        .await;
    let name = app.wait_for_text("[data-testid=app-details] h2", "").await;
    if name != "E2E Checkout" {
        // The table's default order is by ID; open the right row by its name.
        app.click("[data-testid=back-to-table]").await;
        let script = "Array.from(document.querySelectorAll('[data-testid=app-row] td:first-child button')).find(b => b.innerText === 'E2E Checkout').click()";
        app.client.execute(script, vec![]).await.unwrap();
    }
    app.wait_for_text("[data-testid=app-details]", "E2E Checkout")
        .await;
    app.click("[data-testid=edit-app]").await;
    set_input(
        &app,
        "[data-testid=app-form] input[name=loginUrl]",
        "https://checkout.example.com/login",
    )
    .await;
    app.wait_for_text("[data-testid=submit-app]", "Save 1 change")
        .await;
    app.click("[data-testid=submit-app]").await;
    app.wait_for_text("[data-testid=details-notice]", "Saved")
        .await;
    let after = stored_app(
        &sandbox_state_when(&app, "the edit", |s| {
            stored_app(s, "E2E Checkout").is_some_and(|a| a != &before)
        })
        .await,
        "E2E Checkout",
    )
    .unwrap()
    .clone();
    assert_eq!(after["loginUrl"], "https://checkout.example.com/login");
    let mut expected = before.clone();
    expected["loginUrl"] = after["loginUrl"].clone();
    assert_eq!(after, expected, "a field other than loginUrl changed");

    // The sign-in redirect URI is not allowed yet: one click adds it, and only it.
    app.wait_for_text("[data-testid=callback-status]", "does not allow it yet")
        .await;
    app.click("[data-testid=add-callback]").await;
    app.wait_for_text("[data-testid=callback-status]", "This OAuth app allows it")
        .await;
    let with_callback = stored_app(
        &sandbox_state_when(&app, "the added callback", |s| {
            stored_app(s, "E2E Checkout").is_some_and(|a| a != &after)
        })
        .await,
        "E2E Checkout",
    )
    .unwrap()
    .clone();
    assert_eq!(
        with_callback["allowedRedirectUris"],
        serde_json::json!([
            "https://checkout.example.com/callback",
            "oauthdesk://callback"
        ])
    );
    assert_eq!(with_callback["loginUrl"], after["loginUrl"]);

    // The saved secret can be revealed after an explicit click.
    app.click("[data-testid=reveal-secret]").await;
    app.wait_for_text("[data-testid=revealed-secret]", &secret)
        .await;

    // Delete: confirmation names the app and says the client ID stops working; its saved secret goes too.
    app.click("[data-testid=delete-app]").await;
    let confirm = app
        .wait_for_text("[data-testid=confirm-delete]", "Delete “E2E Checkout”?")
        .await;
    assert!(confirm.contains("stops working"), "{confirm}");
    app.click("[data-testid=confirm-delete-button]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront")
        .await;
    wait_until("the app to be gone from the server", || {
        stored_app(&sandbox_state(&app), "E2E Checkout").is_none()
    })
    .await;
    assert!(
        !app.texts("[data-testid=app-row]")
            .await
            .iter()
            .any(|r| r.contains("E2E Checkout"))
    );
    assert!(
        keyring
            .get(&format!("oauth-app-secret/sandbox/{client_id}"))
            .unwrap()
            .is_none()
    );

    // Never in the app's files or logs.
    let data_dir = app.profile.data_dir.clone();
    app.quit().await;
    for entry in files_under(&data_dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        if entry.ends_with("sandbox/state.json") {
            continue; // the emulator's own database: the server side, which does keep its apps' secrets
        }
        assert!(
            !text.contains(&secret),
            "the secret leaked into {}",
            entry.display()
        );
    }
}

#[tokio::test]
async fn a_thousand_apps_page_on_the_server() {
    // The sandbox loads its state file at start: give it 1,000 apps.
    let mut apps = serde_json::Map::new();
    for i in 0..1000 {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let app = serde_json::json!({
            "app": {
                "id": id, "name": format!("Bulk app {i:04}"), "description": "",
                "allowedRedirectUris": [], "allowedRedirectDomains": [],
                "applicationType": "WEB_APP", "technology": "REACT", "wixPagesDomainsMappings": [],
                "createdDate": format!("2026-01-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60)
            },
            "secret": format!("emu-secret-bulk-{i}")
        });
        apps.insert(id, app);
    }
    let state = serde_json::json!({ "apps": apps });
    let app = App::launch_prepared("apps-thousand", |dir| {
        std::fs::create_dir_all(dir.join("sandbox")).unwrap();
        std::fs::write(dir.join("sandbox/state.json"), state.to_string()).unwrap();
    })
    .await;
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=page-info]", "1–25 of 1000")
        .await;
    assert!(
        is_disabled(&app, "[data-testid=prev-page]").await,
        "Previous is enabled on the first page"
    );
    app.click("[data-testid=sort-name]").await;
    app.wait_for_text(
        "[data-testid=apps-table] tbody tr:first-child",
        "Bulk app 0000",
    )
    .await;
    app.click("[data-testid=next-page]").await;
    app.wait_for_text("[data-testid=page-info]", "26–50 of 1000")
        .await;
    app.wait_for_text(
        "[data-testid=apps-table] tbody tr:first-child",
        "Bulk app 0025",
    )
    .await;
    assert!(
        !is_disabled(&app, "[data-testid=prev-page]").await,
        "Previous is disabled on page 2"
    );
    let size = app.wait_for_css("[data-testid=page-size]").await;
    size.select_by_value("100").await.unwrap();
    app.wait_for_text("[data-testid=page-info]", "1–100 of 1000")
        .await;
    assert_eq!(app.texts("[data-testid=app-row]").await.len(), 100);
    // A new page size starts again at the first page, where Previous is disabled; from page 2 it goes back.
    assert!(
        is_disabled(&app, "[data-testid=prev-page]").await,
        "Previous is enabled on the first page"
    );
    app.click("[data-testid=next-page]").await;
    app.wait_for_text("[data-testid=page-info]", "101–200 of 1000")
        .await;
    assert!(!is_disabled(&app, "[data-testid=prev-page]").await);
    app.click("[data-testid=prev-page]").await;
    app.wait_for_text("[data-testid=page-info]", "1–100 of 1000")
        .await;
    app.wait_for_text(
        "[data-testid=apps-table] tbody tr:first-child",
        "Bulk app 0000",
    )
    .await;
    assert!(
        is_disabled(&app, "[data-testid=prev-page]").await,
        "Previous is enabled back on the first page"
    );
    app.screenshot("oauth-apps-thousand").await;
    app.quit().await;
}
