//! Toolchain discovery against fake layouts built in a temp dir: ROCm under
//! `/opt/rocm`, Debian's packages, the `nvidia-cuda-nvcc-cu12` wheel, and
//! the precedence env var > PATH > well-known dir.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use iree_build::toolchain::{Origin, Probe, Tool, Toolchain, ENV_VARS};

/// An executable that prints a version banner like the real tool's.
fn fake_tool(path: &Path, banner: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\necho '{banner}'\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

fn file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn bitcode_dir(dir: &Path) {
    file(&dir.join("ocml.bc"), "BC");
    file(&dir.join("ockl.bc"), "BC");
}

fn hip_headers(include: &Path, minor: u32) {
    file(&include.join("hip/hip_runtime.h"), "");
    file(
        &include.join("hip/hip_version.h"),
        &format!("#define HIP_VERSION_MAJOR 6\n#define HIP_VERSION_MINOR {minor}\n#define HIP_VERSION_PATCH 1\n"),
    );
}

/// `<root>/opt/rocm`: clang and lld in llvm/bin, bitcode in amdgcn/bitcode.
fn rocm_layout(root: &Path) -> PathBuf {
    let rocm = root.join("opt/rocm");
    fake_tool(
        &rocm.join("llvm/bin/clang"),
        "AMD clang version 19.0.0git (rocm)",
    );
    fake_tool(
        &rocm.join("llvm/bin/ld.lld"),
        "AMD LLD 19.0.0 (compatible with GNU linkers)",
    );
    bitcode_dir(&rocm.join("amdgcn/bitcode"));
    hip_headers(&rocm.join("include"), 3);
    file(&rocm.join(".info/version"), "6.3.1-48\n");
    rocm
}

/// Debian: clang-19 in /usr/lib/llvm-19/bin, bitcode in the multiarch dir.
fn debian_layout(root: &Path) {
    fake_tool(
        &root.join("usr/lib/llvm-19/bin/clang"),
        "Debian clang version 19.1.7 (3+b1)",
    );
    fake_tool(
        &root.join("usr/lib/llvm-19/bin/ld.lld"),
        "Debian LLD 19.1.7 (compatible with GNU linkers)",
    );
    bitcode_dir(&root.join("usr/lib/x86_64-linux-gnu/amdgcn/bitcode"));
    hip_headers(&root.join("usr/include"), 2);
    file(
        &root.join("var/lib/dpkg/status"),
        "Package: clang-19\nVersion: 1:19.1.7-3\n\nPackage: rocm-device-libs\nStatus: install ok installed\nVersion: 5.2.3-2\n",
    );
}

/// The wheel as `pip install --target <dir>` leaves it.
fn wheel_layout(dir: &Path) {
    let nvcc = dir.join("nvidia/cuda_nvcc");
    fake_tool(
        &nvcc.join("bin/ptxas"),
        "ptxas: NVIDIA (R) Ptx optimizing assembler\nCuda compilation tools, release 12.9, V12.9.86",
    );
    file(&nvcc.join("nvvm/libdevice/libdevice.10.bc"), "BC");
}

fn located(tc: &Toolchain, tool: Tool) -> (PathBuf, Option<String>, Origin) {
    let l = tc.get(tool).unwrap_or_else(|m| panic!("{m}"));
    (l.path.clone(), l.version.clone(), l.origin.clone())
}

#[test]
fn rocm_layout_under_opt_rocm() {
    let root = tempfile::tempdir().unwrap();
    let rocm = rocm_layout(root.path());
    let tc = Toolchain::discover_with(&Probe::fake(root.path()));
    let wk = |d: &str| Origin::WellKnown(rocm.join(d));
    assert_eq!(
        located(&tc, Tool::Clang),
        (
            rocm.join("llvm/bin/clang"),
            Some("19.0.0git".into()),
            wk("llvm/bin")
        )
    );
    assert_eq!(located(&tc, Tool::Lld).0, rocm.join("llvm/bin/ld.lld"));
    assert_eq!(
        located(&tc, Tool::DeviceLibs),
        (
            rocm.join("amdgcn/bitcode"),
            Some("6.3.1-48".into()),
            Origin::WellKnown(rocm.clone())
        )
    );
    assert_eq!(
        located(&tc, Tool::HipInclude),
        (
            rocm.join("include"),
            Some("6.3.1".into()),
            Origin::WellKnown(rocm.clone())
        )
    );
    assert!(tc.require_for(&"gfx1100".parse().unwrap()).is_ok());
    assert!(tc.require_for(&"sm_90".parse().unwrap()).is_err());
}

#[test]
fn rocm_path_env_names_the_install() {
    let root = tempfile::tempdir().unwrap();
    let elsewhere = root.path().join("rocm-6.3");
    rocm_layout(&elsewhere);
    debian_layout(root.path());
    let rocm = elsewhere.join("opt/rocm");
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_env("ROCM_PATH", &rocm));
    let env = Origin::Env("ROCM_PATH".into());
    assert_eq!(located(&tc, Tool::Clang).0, rocm.join("llvm/bin/clang"));
    assert_eq!(located(&tc, Tool::Clang).2, env);
    assert_eq!(
        located(&tc, Tool::DeviceLibs).0,
        rocm.join("amdgcn/bitcode")
    );
    assert_eq!(located(&tc, Tool::DeviceLibs).2, env);
    assert_eq!(located(&tc, Tool::HipInclude).2, env);
}

#[test]
fn debian_layout_under_usr() {
    let root = tempfile::tempdir().unwrap();
    debian_layout(root.path());
    let tc = Toolchain::discover_with(&Probe::fake(root.path()));
    let llvm = root.path().join("usr/lib/llvm-19/bin");
    assert_eq!(
        located(&tc, Tool::Clang),
        (
            llvm.join("clang"),
            Some("19.1.7".into()),
            Origin::WellKnown(llvm.clone())
        )
    );
    assert_eq!(located(&tc, Tool::Lld).1.as_deref(), Some("19.1.7"));
    let multiarch = root.path().join("usr/lib/x86_64-linux-gnu");
    assert_eq!(
        located(&tc, Tool::DeviceLibs),
        (
            multiarch.join("amdgcn/bitcode"),
            Some("5.2.3-2".into()),
            Origin::WellKnown(multiarch)
        )
    );
    assert_eq!(
        located(&tc, Tool::HipInclude).0,
        root.path().join("usr/include")
    );
    assert_eq!(located(&tc, Tool::HipInclude).1.as_deref(), Some("6.2.1"));
}

#[test]
fn wheel_in_the_default_home_and_in_iree_toolchain_home() {
    let root = tempfile::tempdir().unwrap();
    let user = root.path().join("home/me");
    let home = user.join(".cache/iree-rs");
    wheel_layout(&home);
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_env("HOME", &user));
    let nvcc = home.join("nvidia/cuda_nvcc");
    let from_home = Origin::Home(home.clone());
    assert_eq!(tc.home(), Some(home.as_path()));
    assert_eq!(
        located(&tc, Tool::Ptxas),
        (
            nvcc.join("bin/ptxas"),
            Some("12.9".into()),
            from_home.clone()
        )
    );
    assert_eq!(
        located(&tc, Tool::Libdevice),
        (
            nvcc.join("nvvm/libdevice/libdevice.10.bc"),
            Some("10".into()),
            from_home
        )
    );
    // XDG_CACHE_HOME moves the default home.
    let xdg = root.path().join("xdg");
    wheel_layout(&xdg.join("iree-rs"));
    let probe = Probe::fake(root.path())
        .with_env("HOME", &user)
        .with_env("XDG_CACHE_HOME", &xdg);
    let tc = Toolchain::discover_with(&probe);
    assert_eq!(
        located(&tc, Tool::Ptxas).2,
        Origin::Home(xdg.join("iree-rs"))
    );

    // IREE_TOOLCHAIN_HOME wins over the default home, and replaces it.
    let custom = root.path().join("custom");
    wheel_layout(&custom);
    let probe = Probe::fake(root.path())
        .with_env("HOME", &user)
        .with_env("IREE_TOOLCHAIN_HOME", &custom);
    let tc = Toolchain::discover_with(&probe);
    let env = Origin::Env("IREE_TOOLCHAIN_HOME".into());
    assert_eq!(
        located(&tc, Tool::Ptxas).0,
        custom.join("nvidia/cuda_nvcc/bin/ptxas")
    );
    assert_eq!(located(&tc, Tool::Ptxas).2, env);
    assert_eq!(located(&tc, Tool::Libdevice).2, env);
    let empty = root.path().join("empty");
    let probe = Probe::fake(root.path())
        .with_env("HOME", &user)
        .with_env("IREE_TOOLCHAIN_HOME", &empty);
    let missing = Toolchain::discover_with(&probe);
    let m = missing.get(Tool::Libdevice).unwrap_err();
    assert_eq!(m.home.as_deref(), Some(empty.as_path()));
    assert!(m
        .install_command()
        .contains(&format!("--target {}", empty.display())));

    // ptxas on PATH brings its libdevice along.
    let probe = Probe::fake(root.path()).with_path_dir(custom.join("nvidia/cuda_nvcc/bin"));
    let tc = Toolchain::discover_with(&probe);
    assert_eq!(located(&tc, Tool::Ptxas).2, Origin::Path);
    assert_eq!(located(&tc, Tool::Libdevice).2, Origin::Path);
}

#[test]
fn cuda_sdk_on_path_through_a_symlink_brings_its_libdevice() {
    let root = tempfile::tempdir().unwrap();
    let cuda = root.path().join("opt/cuda-12.4");
    fake_tool(
        &cuda.join("bin/ptxas"),
        "Cuda compilation tools, release 12.4, V12.4.131",
    );
    file(&cuda.join("nvvm/libdevice/libdevice.10.bc"), "BC");
    let bin = root.path().join("usr/local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(cuda.join("bin/ptxas"), bin.join("ptxas")).unwrap();
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_path_dir(&bin));
    assert_eq!(
        located(&tc, Tool::Ptxas),
        (bin.join("ptxas"), Some("12.4".into()), Origin::Path)
    );
    assert_eq!(
        located(&tc, Tool::Libdevice).0,
        cuda.join("nvvm/libdevice/libdevice.10.bc")
    );
}

#[test]
fn wheel_installed_by_plain_pip_into_site_packages_or_a_virtualenv() {
    let root = tempfile::tempdir().unwrap();
    // `pip install --user`: the user site, found by its usual layout.
    let user = root.path().join("home/me");
    let user_site = user.join(".local/lib/python3.11/site-packages");
    wheel_layout(&user_site);
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_env("HOME", &user));
    assert_eq!(
        located(&tc, Tool::Libdevice).2,
        Origin::PythonSite(user_site.clone())
    );
    // An active virtualenv comes first.
    let venv = root.path().join("venv");
    let venv_site = venv.join("lib/python3.12/site-packages");
    wheel_layout(&venv_site);
    let probe = Probe::fake(root.path())
        .with_env("HOME", &user)
        .with_env("VIRTUAL_ENV", &venv);
    let tc = Toolchain::discover_with(&probe);
    assert_eq!(
        located(&tc, Tool::Ptxas).0,
        venv_site.join("nvidia/cuda_nvcc/bin/ptxas")
    );
    assert_eq!(
        located(&tc, Tool::Libdevice).2,
        Origin::PythonSite(venv_site)
    );
    // The system's dist-packages (`sudo pip install` on Debian).
    let root2 = tempfile::tempdir().unwrap();
    let system = root2.path().join("usr/local/lib/python3.11/dist-packages");
    wheel_layout(&system);
    let tc = Toolchain::discover_with(&Probe::fake(root2.path()));
    assert_eq!(located(&tc, Tool::Libdevice).2, Origin::PythonSite(system));
}

#[test]
fn precedence_env_over_path_over_well_known() {
    let root = tempfile::tempdir().unwrap();
    debian_layout(root.path());
    let on_path = fake_tool(&root.path().join("bin/clang-19"), "clang version 19.1.0");
    let from_env = fake_tool(&root.path().join("custom/my-clang"), "clang version 19.1.1");

    let well_known = Toolchain::discover_with(&Probe::fake(root.path()));
    assert!(matches!(
        located(&well_known, Tool::Clang).2,
        Origin::WellKnown(_)
    ));

    let probe = Probe::fake(root.path()).with_path_dir(root.path().join("bin"));
    let path = Toolchain::discover_with(&probe);
    assert_eq!(
        located(&path, Tool::Clang),
        (on_path, Some("19.1.0".into()), Origin::Path)
    );

    let probe = Probe::fake(root.path())
        .with_path_dir(root.path().join("bin"))
        .with_env("CLANG", &from_env);
    let env = Toolchain::discover_with(&probe);
    assert_eq!(
        located(&env, Tool::Clang),
        (from_env, Some("19.1.1".into()), Origin::Env("CLANG".into()))
    );
}

#[test]
fn an_old_unversioned_clang_on_path_is_passed_over() {
    let root = tempfile::tempdir().unwrap();
    debian_layout(root.path());
    fake_tool(
        &root.path().join("bin/clang"),
        "Debian clang version 14.0.6",
    );
    let tc =
        Toolchain::discover_with(&Probe::fake(root.path()).with_path_dir(root.path().join("bin")));
    assert!(matches!(located(&tc, Tool::Clang).2, Origin::WellKnown(_)));
}

#[test]
fn clang_env_pointing_nowhere_stops_the_search() {
    let root = tempfile::tempdir().unwrap();
    debian_layout(root.path());
    let probe = Probe::fake(root.path()).with_env("CLANG", "/nonexistent");
    let tc = Toolchain::discover_with(&probe);
    let missing = tc.get(Tool::Clang).unwrap_err();
    assert_eq!(
        missing.bad_env,
        Some(("CLANG".into(), PathBuf::from("/nonexistent")))
    );
    let text = tc
        .require_for(&"host".parse().unwrap())
        .unwrap_err()
        .to_string();
    assert!(text.contains("environment variable CLANG"), "{text}");
    assert!(
        text.contains("`/nonexistent`, which does not exist"),
        "{text}"
    );
    // The report says the same, and still lists what was found.
    let report = tc.to_string();
    assert!(report.contains("MISSING  clang-19"), "{report}");
    assert!(report.contains("ok       ld.lld"), "{report}");
}

#[test]
fn missing_everything_says_where_and_what_to_install() {
    let root = tempfile::tempdir().unwrap();
    let probe = Probe::fake(root.path()).with_env("HOME", root.path().join("me"));
    let tc = Toolchain::discover_with(&probe);
    let report = tc.to_string();
    let home = root.path().join("me/.cache/iree-rs");
    let pip = format!(
        "python3 -m pip install --target {} nvidia-cuda-nvcc-cu12",
        home.display()
    );
    for hint in [
        "apt-get update && apt-get install -y clang-19",
        "apt-get update && apt-get install -y lld-19",
        "apt-get update && apt-get install -y rocm-device-libs",
        "apt-get update && apt-get install -y libamdhip64-dev",
        "apt-get update && apt-get install -y llvm-19-dev",
        &pip,
        &format!(
            "python3 -m pip install --target {} nvidia-cuda-runtime-cu12==12.9.79",
            home.display()
        ),
        &format!(
            "python3 -m pip install --target {} nvidia-cuda-cccl-cu12==12.9.27",
            home.display()
        ),
    ] {
        assert!(report.contains(hint), "{hint} in\n{report}");
    }
    let ptxas = tc.get(Tool::Ptxas).unwrap_err();
    let wheel = home.join("nvidia/cuda_nvcc/bin/ptxas");
    assert!(
        ptxas
            .looked
            .iter()
            .any(|l| l.contains(&*wheel.to_string_lossy())),
        "{:?}",
        ptxas.looked
    );
    assert!(ptxas.looked.iter().any(|l| l == "$CUDA_PATH (not set)"));
    assert!(ptxas.looked.iter().any(|l| l == "PATH: ptxas (not found)"));
    let headers = tc.get(Tool::CudaHeaders).unwrap_err();
    let wheel = home.join("nvidia/cuda_runtime/include");
    assert!(
        headers
            .looked
            .iter()
            .any(|l| l.contains(&*wheel.to_string_lossy())),
        "{:?}",
        headers.looked
    );
    // An NVIDIA target cannot be built without them, and says so.
    let e = tc.require_for(&"sm_80".parse().unwrap()).unwrap_err();
    assert!(e.to_string().starts_with("cannot build for sm_80:"), "{e}");
    // One command installs everything the target lacks.
    let fix = e.to_string();
    let fix = fix.lines().find(|l| l.contains("to install it:")).unwrap();
    for pkg in [
        "clang-19",
        "nvidia-cuda-nvcc-cu12==12.9.86",
        "nvidia-cuda-runtime-cu12==12.9.79",
        "nvidia-cuda-cccl-cu12==12.9.27",
    ] {
        assert!(fix.contains(pkg), "{pkg} not in {fix}");
    }
}

/// CUDA's device headers, `crt/` and CCCL as the runtime, nvcc and cccl
/// wheels lay them out below `dir` (`pip install --target`).
fn cuda_header_wheels(dir: &Path) {
    let rt = dir.join("nvidia/cuda_runtime/include");
    for h in [
        "cuda_runtime.h",
        "cuda_fp16.h",
        "cuda_bf16.h",
        "cooperative_groups.h",
    ] {
        file(&rt.join(h), "");
    }
    file(&rt.join("cuda.h"), "#define CUDA_VERSION 12090\n");
    let nvcc = dir.join("nvidia/cuda_nvcc/include");
    file(&nvcc.join("crt/host_config.h"), "");
    file(&nvcc.join("crt/host_defines.h"), "");
    let cccl = dir.join("nvidia/cuda_cccl/include");
    for h in ["nv/target", "cub/cub.cuh", "cuda/std/version"] {
        file(&cccl.join(h), "");
    }
    file(
        &dir.join("nvidia_cuda_runtime_cu12-12.9.79.dist-info/METADATA"),
        "",
    );
}

#[test]
fn cuda_headers_from_the_wheels_or_a_cuda_sdk() {
    let root = tempfile::tempdir().unwrap();
    let user = root.path().join("home/me");
    let home = user.join(".cache/iree-rs");
    wheel_layout(&home);
    cuda_header_wheels(&home);
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_env("HOME", &user));
    let from_home = Origin::Home(home.clone());
    assert_eq!(
        located(&tc, Tool::CudaHeaders),
        (
            home.join("nvidia/cuda_runtime/include"),
            Some("12.9.79".into()),
            from_home.clone()
        )
    );
    assert_eq!(
        located(&tc, Tool::CudaCrt),
        (
            home.join("nvidia/cuda_nvcc/include"),
            None,
            from_home.clone()
        )
    );
    assert_eq!(
        located(&tc, Tool::Cccl),
        (home.join("nvidia/cuda_cccl/include"), None, from_home)
    );
    let needs = Toolchain::required_for(&"sm_90".parse().unwrap());
    for tool in [Tool::CudaHeaders, Tool::CudaCrt, Tool::Cccl] {
        assert!(needs.contains(&tool), "{tool} not required for sm_90");
    }

    // A CUDA SDK named by CUDA_PATH has all three in its include/; the
    // version then comes from cuda.h.
    let sdk = root.path().join("cuda-12.4");
    let inc = sdk.join("include");
    for h in [
        "cuda_runtime.h",
        "cuda_fp16.h",
        "cuda_bf16.h",
        "cooperative_groups.h",
        "crt/host_config.h",
        "crt/host_defines.h",
        "nv/target",
        "cub/cub.cuh",
        "cuda/std/version",
    ] {
        file(&inc.join(h), "");
    }
    file(&inc.join("cuda.h"), "#define CUDA_VERSION 12040\n");
    let tc = Toolchain::discover_with(
        &Probe::fake(root.path())
            .with_env("HOME", &user)
            .with_env("CUDA_PATH", &sdk),
    );
    let env = Origin::Env("CUDA_PATH".into());
    assert_eq!(
        located(&tc, Tool::CudaHeaders),
        (inc.clone(), Some("12.4".into()), env.clone())
    );
    assert_eq!(located(&tc, Tool::CudaCrt).0, inc);
    assert_eq!(located(&tc, Tool::Cccl).2, env);
}

/// LLVM's development headers as `llvm-19-dev` lays them out.
fn llvm_headers(include: &Path, version: &str) {
    file(&include.join("llvm/Passes/PassPlugin.h"), "");
    file(
        &include.join("llvm/Config/llvm-config.h"),
        &format!(
            "#define LLVM_VERSION_MAJOR {}\n#define LLVM_VERSION_STRING \"{version}\"\n",
            &version[..2]
        ),
    );
}

#[test]
fn llvm_headers_are_optional_and_say_what_to_install() {
    let root = tempfile::tempdir().unwrap();
    debian_layout(root.path());
    let tc = Toolchain::discover_with(&Probe::fake(root.path()));
    let missing = tc.get(Tool::LlvmInclude).unwrap_err();
    assert_eq!(missing.bad_env, None);
    let debian = root.path().join("usr/lib/llvm-19/include");
    assert!(
        missing
            .looked
            .iter()
            .any(|l| l.contains(&*debian.to_string_lossy())),
        "{:?}",
        missing.looked
    );
    assert!(missing
        .looked
        .iter()
        .any(|l| l == "$IREE_LLVM_INCLUDE (not set)"));
    assert!(missing
        .looked
        .iter()
        .any(|l| l == "PATH: llvm-config-19 (not found)"));
    let text = missing.to_string();
    assert!(text.contains("apt-get install -y llvm-19-dev"), "{text}");
    // Optional: every target that was buildable still is.
    assert!(tc.require_for(&"host".parse().unwrap()).is_ok());
    assert!(tc.llvm_include().is_none());
    let report = tc.to_string();
    assert!(report.contains("MISSING  LLVM 19 headers"), "{report}");
    assert!(report.contains("optional"), "{report}");

    llvm_headers(&debian, "19.1.7");
    let tc = Toolchain::discover_with(&Probe::fake(root.path()));
    assert_eq!(
        located(&tc, Tool::LlvmInclude),
        (
            debian.clone(),
            Some("19.1.7".into()),
            Origin::WellKnown(root.path().join("usr/lib/llvm-19"))
        )
    );
}

#[test]
fn llvm_headers_from_llvm_config_must_match_clangs_major_version() {
    let root = tempfile::tempdir().unwrap();
    debian_layout(root.path());
    let debian = root.path().join("usr/lib/llvm-19/include");
    llvm_headers(&debian, "19.1.7");
    // An llvm-config of LLVM 18 on PATH is passed over...
    let old = root.path().join("llvm18/include");
    llvm_headers(&old, "18.1.8");
    let bin = root.path().join("bin");
    fake_tool(&bin.join("llvm-config"), &old.to_string_lossy());
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_path_dir(&bin));
    assert_eq!(located(&tc, Tool::LlvmInclude).0, debian);
    let skipped = tc.get(Tool::LlvmInclude).unwrap();
    assert_eq!(
        skipped.origin,
        Origin::WellKnown(root.path().join("usr/lib/llvm-19"))
    );
    // ...while one of LLVM 19 is taken, from PATH.
    let new = root.path().join("llvm19/include");
    llvm_headers(&new, "19.1.0");
    fake_tool(&bin.join("llvm-config-19"), &new.to_string_lossy());
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_path_dir(&bin));
    assert_eq!(
        located(&tc, Tool::LlvmInclude),
        (new.clone(), Some("19.1.0".into()), Origin::Path)
    );
    // $LLVM_CONFIG comes before PATH (and is passed over for LLVM 18 too);
    // IREE_LLVM_INCLUDE comes before both.
    let with_config = |tool: &str| {
        Toolchain::discover_with(
            &Probe::fake(root.path())
                .with_path_dir(&bin)
                .with_env("LLVM_CONFIG", bin.join(tool)),
        )
    };
    assert_eq!(
        located(&with_config("llvm-config-19"), Tool::LlvmInclude),
        (
            new.clone(),
            Some("19.1.0".into()),
            Origin::Env("LLVM_CONFIG".into())
        )
    );
    assert_eq!(
        located(&with_config("llvm-config"), Tool::LlvmInclude),
        (new.clone(), Some("19.1.0".into()), Origin::Path)
    );
    let tc = Toolchain::discover_with(
        &Probe::fake(root.path())
            .with_path_dir(&bin)
            .with_env("IREE_LLVM_INCLUDE", &debian),
    );
    assert_eq!(
        located(&tc, Tool::LlvmInclude).2,
        Origin::Env("IREE_LLVM_INCLUDE".into())
    );
    // An override naming headers clang cannot load a plugin from stops the
    // search: the user asked for those.
    let tc =
        Toolchain::discover_with(&Probe::fake(root.path()).with_env("IREE_LLVM_INCLUDE", &old));
    let missing = tc.get(Tool::LlvmInclude).unwrap_err();
    assert_eq!(
        missing.bad_env,
        Some(("IREE_LLVM_INCLUDE".into(), old.clone()))
    );
    assert!(
        missing
            .looked
            .iter()
            .any(|l| l.contains("LLVM 18.1.8 headers, but clang is version 19")),
        "{:?}",
        missing.looked
    );
}

#[test]
fn every_variable_read_is_listed_for_rerun_if_env_changed() {
    let root = tempfile::tempdir().unwrap();
    let probe = Probe::fake(root.path());
    let tc = Toolchain::discover_with(&probe);
    for var in [
        "CLANG",
        "LLD",
        "ROCM_PATH",
        "HIP_PATH",
        "HIP_CLANG_PATH",
        "CUDA_PATH",
        "IREE_TOOLCHAIN_HOME",
        "XDG_CACHE_HOME",
        "HOME",
        "VIRTUAL_ENV",
        "IREE_LLVM_INCLUDE",
        "LLVM_CONFIG",
    ] {
        assert!(tc.env_vars().iter().any(|v| v == var), "{var}");
        assert!(ENV_VARS.contains(&var), "{var}");
    }
    for var in probe.vars_read() {
        assert!(
            ENV_VARS.contains(&var.as_str()),
            "{var} read but not in ENV_VARS"
        );
    }
}

#[test]
fn this_machine_has_a_clang() {
    let tc = Toolchain::discover();
    let clang = tc.clang().unwrap_or_else(|| panic!("{tc}"));
    assert!(
        clang
            .version
            .as_deref()
            .is_some_and(|v| v.starts_with("19")),
        "{clang:?}"
    );
}
