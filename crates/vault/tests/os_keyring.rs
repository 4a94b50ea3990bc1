//! Round trips against the real OS keyring. On Linux they need a Secret Service provider on the session bus:
//! the README's test command runs them inside `dbus-run-session` with an unlocked `gnome-keyring-daemon`.
//! They fail (not skip) without one: a missing keyring is exactly what they exist to catch.

use vault::{KeyringStore, Secret, SecretStore};

fn store() -> KeyringStore {
    // A service of its own per test process: parallel runs never see each other's entries.
    KeyringStore::new(format!("dev.oauthdesk.test.{}", std::process::id()))
}

#[test]
fn stores_reads_and_deletes_a_secret_in_the_os_keyring() {
    let store = store();
    let name = "api-key/round-trip";
    store
        .set(name, &Secret::from("IST.round-trip-value"))
        .expect("store");
    assert_eq!(
        store.get(name).unwrap().unwrap().expose(),
        "IST.round-trip-value"
    );
    store
        .set(name, &Secret::from("IST.replaced"))
        .expect("replace");
    assert_eq!(store.get(name).unwrap().unwrap().expose(), "IST.replaced");
    assert!(store.delete(name).unwrap());
    assert!(store.get(name).unwrap().is_none());
    assert!(!store.delete(name).unwrap(), "second delete finds nothing");
}

#[test]
fn a_value_over_the_windows_limit_survives_a_round_trip_in_chunks() {
    let store = store();
    let name = "member-tokens/chunked";
    let long: String = (0..9000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    store
        .set(name, &Secret::new(long.clone()))
        .expect("store long");
    assert_eq!(store.get(name).unwrap().unwrap().expose(), long);
    // Shrinking it must not leave stale chunks behind that a later read could join.
    store
        .set(name, &Secret::from("short"))
        .expect("store short");
    assert_eq!(store.get(name).unwrap().unwrap().expose(), "short");
    assert!(store.delete(name).unwrap());
    assert!(store.get(&format!("{name}#1")).unwrap().is_none());
}

#[test]
fn the_value_is_in_the_secret_service_not_a_mock() {
    // A second, independent store object must see the value: the keyring crate's mock keeps values per entry
    // object, so this fails if the mock backend were ever selected.
    let a = store();
    let b = store();
    a.set("api-key/shared", &Secret::from("seen-by-both"))
        .unwrap();
    assert_eq!(
        b.get("api-key/shared").unwrap().unwrap().expose(),
        "seen-by-both"
    );
    assert!(b.delete("api-key/shared").unwrap());
}

#[cfg(target_os = "linux")]
#[test]
fn the_secret_service_search_lists_every_item_of_the_service_chunks_included() {
    let store = KeyringStore::new(format!("dev.oauthdesk.test.search.{}", std::process::id()));
    assert_eq!(store.names_in_keyring().unwrap(), Vec::<String>::new());
    store.set("api-key/a", &Secret::from("IST.a")).unwrap();
    store
        .set("member-tokens/a/c", &Secret::new("t".repeat(2500)))
        .unwrap();
    let names = store.names_in_keyring().unwrap();
    assert!(names.contains(&"api-key/a".to_owned()), "{names:?}");
    assert!(
        names.contains(&"member-tokens/a/c#1".to_owned()),
        "{names:?}"
    );
    store.delete("api-key/a").unwrap();
    store.delete("member-tokens/a/c").unwrap();
    assert_eq!(store.names_in_keyring().unwrap(), Vec::<String>::new());
}
