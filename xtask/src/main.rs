//! `cargo xtask`. (Skeleton.)
fn main() {}
