//! `cargo xtask demo`, `cargo xtask run <example>` and `run --list`: the
//! sample runner over the crates in `examples/`.

use std::env;

use anyhow::{bail, Context as _, Result};

use crate::cli::RunArgs;
use crate::runner::cargo;
use crate::Ctx;

/// The examples `cargo xtask demo` runs, in order: IREE's two samples.
pub const DEMO: &[&str] = &["custom_dispatch", "inline_dispatch"];

/// An example crate: a workspace package under `examples/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The package name (what `cargo run -p` takes).
    pub name: String,
    /// Its description from Cargo.toml.
    pub description: Option<String>,
    /// Whether it has a binary target (something `cargo run` can run).
    pub runnable: bool,
}

/// The workspace packages whose manifest lies under `<root>/examples/`.
pub fn list(ctx: &Ctx) -> Result<Vec<Example>> {
    let meta = cargo_metadata::MetadataCommand::new()
        .cargo_path(&ctx.cargo)
        .manifest_path(ctx.root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .context("reading the workspace with `cargo metadata`")?;
    let dir = ctx.root.join("examples");
    let mut out: Vec<Example> = meta
        .packages
        .iter()
        .filter(|p| p.manifest_path.as_std_path().starts_with(&dir))
        .map(|p| Example {
            name: p.name.to_string(),
            description: p.description.clone(),
            runnable: p
                .targets
                .iter()
                .any(|t| t.kind.contains(&cargo_metadata::TargetKind::Bin)),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `cargo xtask run --list`.
pub fn print_list(ctx: &Ctx) -> Result<()> {
    let ex = list(ctx)?;
    if ex.is_empty() {
        println!("no examples yet: crates under examples/ that are workspace members show up here");
    }
    for e in ex {
        println!("{:<28} {}", e.name, e.description.as_deref().unwrap_or(""));
    }
    Ok(())
}

/// Runs one example with `cargo run`, its output straight to the terminal.
fn run_example(ctx: &Ctx, name: &str, args: &RunArgs) -> Result<()> {
    let device = args
        .device
        .map(|d| d.as_env().to_string())
        .or_else(|| env::var("IREE_DEVICE").ok())
        .unwrap_or_else(|| "not set: the example picks AMD, else NVIDIA, else host".into());
    let targets = args
        .targets
        .clone()
        .or_else(|| env::var("IREE_BUILD_TARGETS").ok())
        .unwrap_or_else(|| "the example's own list".into());
    println!("== {name} (IREE_DEVICE {device}; targets {targets})");
    let start = std::time::Instant::now();
    let mut c = cargo(ctx);
    c.args(["run", "-p", name]);
    if args.release {
        c.arg("--release");
    }
    if let Some(d) = args.device {
        c.env("IREE_DEVICE", d.as_env());
    }
    if let Some(t) = &args.targets {
        c.env("IREE_BUILD_TARGETS", t);
    }
    if !args.rest.is_empty() {
        c.arg("--").args(&args.rest);
    }
    let status = c
        .status()
        .with_context(|| format!("could not start cargo to run {name}"))?;
    if !status.success() {
        bail!("example {name} failed ({status}); rerun it alone with `cargo xtask run {name}`");
    }
    println!(
        "== {name}: ok ({:.1}s, build and run)",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask run <example> …`.
pub fn run(ctx: &Ctx, args: &RunArgs) -> Result<()> {
    if args.list {
        return print_list(ctx);
    }
    let name = args.example.as_deref().unwrap_or_default();
    let known = list(ctx)?;
    if !known.iter().any(|e| e.name == name) {
        let names: Vec<_> = known.iter().map(|e| e.name.as_str()).collect();
        bail!(
            "no example named {name:?}; the examples are: {} (`cargo xtask run --list`)",
            if names.is_empty() {
                "none yet".to_string()
            } else {
                names.join(", ")
            }
        );
    }
    crate::provision::provision()?;
    run_example(ctx, name, args)
}

/// `cargo xtask demo`: provision, then run the IREE samples in release mode.
pub fn demo(ctx: &Ctx) -> Result<()> {
    crate::provision::provision()?;
    let known = list(ctx)?;
    let (present, absent): (Vec<&str>, Vec<&str>) = DEMO
        .iter()
        .partition(|d| known.iter().any(|e| e.name == **d));
    for a in &absent {
        println!("demo: example {a} is not in the workspace yet (in progress), skipping it");
    }
    if present.is_empty() {
        bail!(
            "nothing to demo yet: none of the examples {} exists in examples/ (in progress)",
            DEMO.join(", ")
        );
    }
    let args = RunArgs {
        release: true,
        ..RunArgs::default()
    };
    for name in present {
        run_example(ctx, name, &args)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// `list` finds the workspace packages under examples/ (and only those),
    /// with their description and whether they can be run.
    #[test]
    fn lists_packages_under_examples() {
        let root = std::env::temp_dir().join(format!("xtask-examples-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let pkg = |dir: &str, name: &str, bin: bool| {
            let d = root.join(dir);
            fs::create_dir_all(d.join("src")).unwrap();
            fs::write(
                d.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                     description = \"the {name} sample\"\n"
                ),
            )
            .unwrap();
            let file = if bin { "main.rs" } else { "lib.rs" };
            fs::write(d.join("src").join(file), "fn main() {}").unwrap();
        };
        pkg("tool", "tool", true);
        pkg("examples/b_demo", "b_demo", true);
        pkg("examples/a_lib", "a_lib", false);
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nresolver = \"2\"\nmembers = [\"tool\", \"examples/*\"]\n",
        )
        .unwrap();
        let ctx = Ctx {
            root: root.clone(),
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        };
        let got = list(&ctx).unwrap();
        let _ = fs::remove_dir_all(&root);
        assert_eq!(
            got,
            vec![
                Example {
                    name: "a_lib".into(),
                    description: Some("the a_lib sample".into()),
                    runnable: false
                },
                Example {
                    name: "b_demo".into(),
                    description: Some("the b_demo sample".into()),
                    runnable: true
                },
            ]
        );
    }
}
