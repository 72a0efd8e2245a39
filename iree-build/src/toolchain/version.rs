//! What version a found piece is: from the tool's banner, ROCm's version
//! file, dpkg's status, or a header's defines.

use std::path::Path;
use std::process::Command;

/// `LLVM_VERSION_STRING` from `llvm/Config/llvm-config.h`.
pub(crate) fn llvm_header_version(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("llvm/Config/llvm-config.h")).ok()?;
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("#define")?.trim_start();
        let v = rest.strip_prefix("LLVM_VERSION_STRING")?.trim();
        Some(v.trim_matches('"').to_string())
    })
}

/// The major number of a dotted version.
pub(crate) fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Runs `tool --version` and picks the first dotted number out of what it
/// prints (`Debian clang version 19.1.7`, `LLD 19.1.7`, `release 12.4, V12.4.131`).
pub fn tool_version(tool: &Path) -> Option<String> {
    // ETXTBSY: a just-written executable can still be open in a child that
    // another thread forked; it goes away at that child's exec.
    let mut tries = 0;
    let out = loop {
        match Command::new(tool).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            r => break r.ok()?,
        }
    };
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    parse_version(&text)
}

/// The first whitespace- or comma-separated token that looks like a dotted
/// version number (a leading `V` is dropped).
pub fn parse_version(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim_start_matches(['V', 'v']))
        .find(|t| {
            t.starts_with(|c: char| c.is_ascii_digit())
                && t.contains('.')
                && t.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c.is_ascii_alphabetic())
        })
        .map(str::to_string)
}

/// ROCm's version file, when the device libs are inside a ROCm install.
pub(crate) fn rocm_version(bitcode_dir: &Path) -> Option<String> {
    bitcode_dir.ancestors().skip(1).take(3).find_map(|d| {
        std::fs::read_to_string(d.join(".info/version"))
            .ok()
            .map(|v| v.trim().to_string())
    })
}

/// The version dpkg records for `package` (Debian's device libraries carry
/// no version file of their own).
pub(crate) fn debian_package_version(status: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(status).ok()?;
    text.split("\n\n").find_map(|para| {
        let mut lines = para.lines();
        lines
            .any(|l| l.strip_prefix("Package: ") == Some(package))
            .then_some(())?;
        para.lines()
            .find_map(|l| l.strip_prefix("Version: "))
            .map(|v| v.trim().to_string())
    })
}

/// `HIP_VERSION_MAJOR.MINOR.PATCH` from `hip/hip_version.h`.
pub(crate) fn hip_version(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("hip/hip_version.h")).ok()?;
    let get = |name: &str| {
        text.lines().find_map(|l| {
            let rest = l.trim().strip_prefix("#define")?.trim_start();
            let value = rest.strip_prefix(name)?;
            value
                .starts_with(char::is_whitespace)
                .then(|| value.trim().to_string())
        })
    };
    Some(format!(
        "{}.{}.{}",
        get("HIP_VERSION_MAJOR")?,
        get("HIP_VERSION_MINOR")?,
        get("HIP_VERSION_PATCH").unwrap_or_else(|| "0".into())
    ))
}

/// The value of `#define <name> <value>` in `text`.
fn define<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("#define")?.trim_start();
        let value = rest.strip_prefix(name)?;
        value
            .starts_with(char::is_whitespace)
            .then(|| value.split_whitespace().next())
            .flatten()
    })
}

/// `major.minor` from `CUDA_VERSION` in `cuda.h` (`12090` → `12.9`): what
/// clang's CUDA installation detector reads too.
pub(crate) fn cuda_h_version(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("cuda.h")).ok()?;
    let v: u32 = define(&text, "CUDA_VERSION")?.parse().ok()?;
    Some(format!("{}.{}", v / 1000, (v % 1000) / 10))
}

/// `major.minor.patch` from `CCCL_VERSION` (`2008002` → `2.8.2`).
pub(crate) fn cccl_version(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("cuda/std/__cccl/version.h")).ok()?;
    let v: u32 = define(&text, "CCCL_VERSION")?.parse().ok()?;
    Some(format!(
        "{}.{}.{}",
        v / 1_000_000,
        (v / 1000) % 1000,
        v % 1000
    ))
}

/// The version of the wheel `dist` (`nvidia_cuda_runtime_cu12`) whose files
/// `dir` is among: pip leaves `<dist>-<version>.dist-info` in the directory
/// holding `nvidia/` (`<site>/nvidia/cuda_runtime/include` → `<site>`).
pub(crate) fn wheel_version(dir: &Path, dist: &str) -> Option<String> {
    let site = dir.ancestors().nth(3)?;
    let prefix = format!("{dist}-");
    std::fs::read_dir(site).ok()?.flatten().find_map(|e| {
        let name = e.file_name().into_string().ok()?;
        let v = name.strip_prefix(&prefix)?.strip_suffix(".dist-info")?;
        Some(v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_versions_from_defines_and_dist_info() {
        let t = tempfile::tempdir().unwrap();
        let inc = t.path().join("nvidia/cuda_runtime/include");
        std::fs::create_dir_all(inc.join("cuda/std/__cccl")).unwrap();
        std::fs::write(
            inc.join("cuda.h"),
            "#define CUDA_VERSION_X 1\n#define CUDA_VERSION 12090\n",
        )
        .unwrap();
        std::fs::write(
            inc.join("cuda/std/__cccl/version.h"),
            "#define CCCL_VERSION 2008002\n",
        )
        .unwrap();
        assert_eq!(cuda_h_version(&inc).as_deref(), Some("12.9"));
        assert_eq!(cccl_version(&inc).as_deref(), Some("2.8.2"));
        assert_eq!(wheel_version(&inc, "nvidia_cuda_runtime_cu12"), None);
        std::fs::create_dir(t.path().join("nvidia_cuda_runtime_cu12-12.9.79.dist-info")).unwrap();
        assert_eq!(
            wheel_version(&inc, "nvidia_cuda_runtime_cu12").as_deref(),
            Some("12.9.79")
        );
    }

    #[test]
    fn versions_from_tool_banners() {
        assert_eq!(
            parse_version("Debian clang version 19.1.7 (3+b1)\nTarget: x86_64").as_deref(),
            Some("19.1.7")
        );
        assert_eq!(
            parse_version("Debian LLD 19.1.7 (compatible with GNU linkers)").as_deref(),
            Some("19.1.7")
        );
        assert_eq!(
            parse_version(
                "ptxas: NVIDIA (R) Ptx optimizing assembler\nCopyright (c) 2005-2024 NVIDIA Corporation\nCuda compilation tools, release 12.4, V12.4.131"
            )
            .as_deref(),
            Some("12.4")
        );
    }
}
