//! AFL target `jwt_claims`: see `oauth_desk_fuzz::jwt` for the input and the invariants.

fn main() {
    afl::fuzz!(|data: &[u8]| oauth_desk_fuzz::jwt::check(data));
}
