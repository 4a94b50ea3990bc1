//! The minimal Tauri 2 app: its page asks Rust for a line of text (its "data"), shows it, and after the next paint
//! says so on stdout — the moment `scripts/bench-app.sh` times, as it times OAuth Desk's first view with its data.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[tauri::command]
fn greeting() -> &'static str {
    "Hello from Rust"
}

#[tauri::command]
fn first_view_painted() {
    println!("first view painted");
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![greeting, first_view_painted])
        .run(tauri::generate_context!())
        .expect("the minimal app could not start");
}
