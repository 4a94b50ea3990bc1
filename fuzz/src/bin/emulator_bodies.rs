//! AFL target `emulator_bodies`: see `oauth_desk_fuzz::emulator` for the input and the invariants.

fn main() {
    // Seeded once before the fork server starts; each input runs against a fresh emulator with that state.
    let mut harness = std::panic::AssertUnwindSafe(oauth_desk_fuzz::emulator::Harness::new());
    afl::fuzz!(|data: &[u8]| harness.check(data));
}
