//! A slow keyring (as behind an unlock prompt) never freezes the real window.

use std::time::{Duration, Instant};

use oauth_desk_e2e::App;

#[tokio::test]
async fn the_window_answers_while_a_slow_keyring_call_runs() {
    // Every keyring call takes 4 s, as behind an unlock prompt; the keyring check makes three (12 s in all). A
    // window blocked by it would show nothing new until those 12 s are over.
    let app = App::launch_with(
        "slow-keyring",
        &[],
        &[("OAUTHDESK_TEST_KEYRING_DELAY_MS", "4000")],
    )
    .await;
    app.click("[data-testid=nav-settings]").await;
    app.wait_for_text(
        "[data-testid=test-switches]",
        "OAUTHDESK_TEST_KEYRING_DELAY_MS",
    )
    .await;
    // Timed from before the click: WebDriver itself waits on the window's main thread, so a blocked window would
    // hold the click too.
    let clicked = Instant::now();
    app.click("[data-testid=check-keyring]").await;
    // While the check runs, the window switches views and lists the sandbox's OAuth apps.
    app.click("[data-testid=nav-oauthApps]").await;
    app.wait_for_text("[data-testid=apps-table]", "Storefront")
        .await;
    let answered = clicked.elapsed();
    assert!(
        answered < Duration::from_secs(8),
        "the window showed another view only after {answered:?}, when the 12 s keyring check was (nearly) over"
    );
    // The check itself still finishes, and says so.
    app.click("[data-testid=nav-settings]").await;
    app.click("[data-testid=check-keyring]").await;
    app.wait_for_text("[data-testid=keyring-result]", "The OS keyring works")
        .await;
    app.quit().await;
}
