//! Entry point of `cargo bench -p perf --bench perf` (what `cargo xtask
//! bench` runs): see the `perf` library for the figures.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    perf::main_with_args(&args)
}
