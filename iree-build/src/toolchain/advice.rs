//! What to run to install a missing piece: one shell command, which pasted
//! as it is into a shell on a fresh Debian 12 fixes the error it is printed
//! under (so `apt-get update` comes first, `-y` answers apt's question, pip
//! installs into the toolchain home discovery searches, and pip itself is
//! installed first where `python3 -m pip` does not run).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// A package that provides a piece of the toolchain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Package {
    /// A Debian package (`apt-get install`).
    Apt(&'static str),
    /// A PyPI package, installed with `pip install --target <toolchain home>`.
    Pip(&'static str),
}

/// The PyPI wheels and the version each is installed at: one CUDA release
/// for all three, so ptxas, libdevice, `crt/`, the runtime headers and CCCL
/// agree. 12.9 is the last release of the `cu12` line: clang-19 knows CUDA
/// up to 12.5 and compiles against newer headers as if they were 12.5
/// (iree-build silences its `-Wunknown-cuda-version` warning), and its
/// ptxas assembles the PTX ISA 8.5 that clang-19 emits for every `sm_*`.
pub const PIP_PINS: &[(&str, &str)] = &[
    ("nvidia-cuda-nvcc-cu12", "12.9.86"),
    ("nvidia-cuda-runtime-cu12", "12.9.79"),
    ("nvidia-cuda-cccl-cu12", "12.9.27"),
];

impl Package {
    /// What pip is asked for: `name==version` where [`PIP_PINS`] pins it,
    /// else the name (Debian packages are always the name).
    pub fn requirement(self) -> String {
        match self {
            Package::Pip(n) => match PIP_PINS.iter().find(|(p, _)| *p == n) {
                Some((_, v)) => format!("{n}=={v}"),
                None => n.to_string(),
            },
            Package::Apt(n) => n.to_string(),
        }
    }

    /// The package name.
    pub fn name(self) -> &'static str {
        match self {
            Package::Apt(n) | Package::Pip(n) => n,
        }
    }

    /// Why the toolchain needs it, one line.
    pub fn why(self) -> &'static str {
        match self.name() {
            "clang-19" => "compiles the HIP kernels (.cu) for AMD, NVIDIA and the host CPU",
            "lld-19" => "links AMD GPU code objects (HSACO)",
            "clang-tools-19" => "clang-offload-bundler: clang's multi-target offload bundles",
            "libclang-rt-19-dev" => "clang's sanitizer runtimes, for the ASan step of the tests",
            "llvm-19-dev" => {
                "LLVM 19 headers and libraries: the host lockstep pass plugin, and iree-build's in-process `llvm` feature"
            }
            "rocm-device-libs" => "ROCm device bitcode (ocml/ockl): math and builtins on AMD",
            "libamdhip64-dev" => "HIP headers (hip_runtime.h) for AMD kernels",
            "nvidia-cuda-nvcc-cu12" => {
                "ptxas (PTX to cubin), libdevice (math on NVIDIA) and CUDA's crt/ headers"
            }
            "nvidia-cuda-runtime-cu12" => {
                "CUDA's device headers (cuda_runtime.h, cuda_fp16.h, cuda_bf16.h, cooperative_groups) for NVIDIA kernels"
            }
            "nvidia-cuda-cccl-cu12" => {
                "CUDA's C++ core libraries (nv/target, CUB, Thrust), which cuda_fp16.h and cooperative groups include"
            }
            "hipcc" => "Debian's HIP 5.2 compiler: tests/amd_hipcc.rs compares our AMD metadata with its",
            "python3-pip" => "pip, to install the CUDA wheels into the toolchain home",
            _ => "toolchain",
        }
    }
}

/// The one shell command that installs `packages` (apt ones first, pip
/// ones into `home`), with `python3-pip` added when pip is needed and
/// `python3 -m pip` does not run. `sudo ` prefixes apt when not root.
pub fn install_command(packages: &[Package], home: Option<&Path>) -> String {
    install_command_with(packages, home, pip_available(), is_root())
}

/// [`install_command`] with the two facts about the machine given (tests).
pub fn install_command_with(
    packages: &[Package],
    home: Option<&Path>,
    pip_available: bool,
    root: bool,
) -> String {
    let mut apt: Vec<&str> = Vec::new();
    let mut pip: Vec<String> = Vec::new();
    for p in packages {
        match p {
            Package::Apt(n) if !apt.contains(n) => apt.push(n),
            Package::Pip(_) if !pip.contains(&p.requirement()) => pip.push(p.requirement()),
            _ => {}
        }
    }
    if !pip.is_empty() && !pip_available && !apt.contains(&"python3-pip") {
        apt.push("python3-pip");
    }
    let sudo = if root { "" } else { "sudo " };
    let mut parts = Vec::new();
    if !apt.is_empty() {
        parts.push(format!("{sudo}apt-get update"));
        parts.push(format!("{sudo}apt-get install -y {}", apt.join(" ")));
    }
    if !pip.is_empty() {
        let target = match home {
            Some(h) => shell_quote(&h.to_string_lossy()),
            None => "\"${XDG_CACHE_HOME:-$HOME/.cache}/iree-rs\"".to_string(),
        };
        let mut cmd = format!("python3 -m pip install --target {target}");
        for n in &pip {
            let _ = write!(cmd, " {n}");
        }
        parts.push(cmd);
    }
    parts.join(" && ")
}

/// `s` as one shell word: as it is when it is plain, else in single quotes.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether `python3 -m pip` runs here (asked once per process).
pub fn pip_available() -> bool {
    static PIP: OnceLock<bool> = OnceLock::new();
    *PIP.get_or_init(|| {
        Command::new("python3")
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Whether this process runs as root (then apt needs no `sudo`).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_then_pip_one_line() {
        let pkgs = [
            Package::Apt("clang-19"),
            Package::Pip("nvidia-cuda-nvcc-cu12"),
            Package::Apt("lld-19"),
        ];
        let home = Path::new("/root/.cache/iree-rs");
        assert_eq!(
            install_command_with(&pkgs, Some(home), true, true),
            "apt-get update && apt-get install -y clang-19 lld-19 && \
             python3 -m pip install --target /root/.cache/iree-rs nvidia-cuda-nvcc-cu12==12.9.86"
        );
        // Without pip, apt installs it first; without root, through sudo.
        assert_eq!(
            install_command_with(&pkgs[1..2], Some(home), false, false),
            "sudo apt-get update && sudo apt-get install -y python3-pip && \
             python3 -m pip install --target /root/.cache/iree-rs nvidia-cuda-nvcc-cu12==12.9.86"
        );
        assert_eq!(
            install_command_with(&pkgs[1..2], Some(Path::new("/my home")), true, true),
            "python3 -m pip install --target '/my home' nvidia-cuda-nvcc-cu12==12.9.86"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a/b-c_d.e"), "/a/b-c_d.e");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
