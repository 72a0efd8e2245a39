//! Fuzz targets for every parser of untrusted bytes in the workspace, and a
//! mutation driver for them that runs on stable Rust.
//!
//! * [`targets`]: one function per parser (the runtime's bundle reader;
//!   iree-build's AMD code objects and their msgpack metadata, PTX, cubins,
//!   host objects, clang offload bundles, IREE layout strings and
//!   `#[extern_dispatch]` declarations, reached through
//!   `iree_build::fuzzing`), each with its seeds and a dictionary.
//! * [`seeds`]: real objects the repository already holds (compiled by
//!   clang-19 and ptxas), the committed `seeds/` and seeds made by the
//!   writers (bundles from `BundleSpec::to_bytes`, metadata notes cut out of
//!   real AMD objects).
//! * [`driver`]: replays the seeds, then mutates them ([`mutate`]) for an
//!   iteration and time budget; a panic, an input that runs too long or an
//!   allocation past [`limits`] is a finding, saved to a file and reported.
//!
//! `cargo test -p runtime-hip-fuzz` replays every target's seeds plus a
//! fixed number of mutations; `cargo run -p runtime-hip-fuzz -- --seconds N`
//! (what `cargo xtask test` runs) fuzzes for a bounded time. The same
//! targets build as libFuzzer binaries with `--features libfuzzer`
//! (README.md).

pub mod driver;
pub mod limits;
pub mod mutate;
pub mod seeds;
pub mod targets;
