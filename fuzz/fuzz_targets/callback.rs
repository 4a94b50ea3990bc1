//! Any byte string as a deep-link callback: parsing and the pending-login table must answer (accept or reject with
//! a reason) and never panic, and a rejection's message never repeats the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wix_client::callback::{PendingFlows, parse_callback};

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_callback(url);
    let flows = PendingFlows::new();
    if let Err(refused) = flows.accept(url) {
        assert!(refused.ended.is_none(), "nothing was pending, so nothing can end");
        let message = refused.rejection.to_string();
        if url.len() > 24 && !url.contains("oauthdesk://callback") {
            assert!(!message.contains(url), "the rejection repeats the input");
        }
    }
});
