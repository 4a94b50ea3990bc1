//! AFL target `callback`: see `oauth_desk_fuzz::callback` for the input and the invariants.

fn main() {
    afl::fuzz!(|data: &[u8]| oauth_desk_fuzz::callback::check(data));
}
