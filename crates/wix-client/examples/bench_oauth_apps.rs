//! Benchmark: the OAuth apps table with 1,000 apps in the sandbox emulator. Prints figures; asserts nothing.
//!
//!     cargo run --release -p wix-client --example bench_oauth_apps
//!
//! Measures, over loopback HTTP against the in-process emulator: creating 1,000 apps (sequentially, as the UI
//! would), one table page (25 rows sorted by name; median and p95 of 200), and streaming all 1,000 apps.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use wix_client::oauth_apps::{OAuthAppFields, OAuthAppsClient, Query, SortField, SortOrder};
use wix_client::{AdminAuth, ClientConfig};

#[tokio::main]
async fn main() {
    let emulator = wix_emulator::start(wix_emulator::EmulatorConfig {
        seed: false,
        ..Default::default()
    })
    .await
    .expect("start the emulator");
    let client =
        OAuthAppsClient::new(ClientConfig::with_base_url(emulator.base_url().clone())).unwrap();
    let admin = emulator.admin();
    let auth = AdminAuth::site(admin.api_key.clone().into(), &admin.site_id);

    let started = Instant::now();
    for i in 0..1000 {
        let mut fields = OAuthAppFields::named(&format!("App {:04}", (i * 7919) % 1000));
        fields.allowed_redirect_uris = vec![format!("https://site{i}.example.com/callback")];
        client.create(&auth, &fields).await.unwrap();
    }
    let create = started.elapsed();

    let mut pages: Vec<Duration> = Vec::new();
    for i in 0..200u32 {
        let query = Query {
            sort: Some((SortField::Name, SortOrder::Asc)),
            offset: (i * 25) % 1000,
            limit: 25,
            id: None,
        };
        let t = Instant::now();
        let page = client.query(&auth, &query).await.unwrap();
        pages.push(t.elapsed());
        assert_eq!(page.apps.len(), 25);
    }
    pages.sort();

    let t = Instant::now();
    let all: Vec<_> = client
        .all(&auth, Some((SortField::CreatedDate, SortOrder::Desc)))
        .try_collect()
        .await
        .unwrap();
    let stream = t.elapsed();

    println!(
        "OAuth apps with {} apps in the emulator (loopback HTTP):",
        all.len()
    );
    println!(
        "  create 1,000 apps one by one: {:>8.1} ms total, {:.2} ms each",
        ms(create),
        ms(create) / 1000.0
    );
    println!(
        "  one table page (25, by name): median {:.2} ms, p95 {:.2} ms",
        ms(pages[100]),
        ms(pages[190])
    );
    println!("  stream all 1,000 (10 pages):  {:>8.1} ms", ms(stream));
    emulator.shutdown().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
