//! AFL target `deep_link`: see `oauth_desk_fuzz::deep_link` for the input and the invariants.

fn main() {
    afl::fuzz!(|data: &[u8]| oauth_desk_fuzz::deep_link::check(data));
}
