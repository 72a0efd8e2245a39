//! AMD: HIP globals, kernel stamps, O3, object, `ld.lld -shared` → HSACO.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Once;

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::types::{AnyTypeEnum, BasicMetadataTypeEnum};
use inkwell::values::FunctionValue;
use inkwell::OptimizationLevel;

use super::{clang, link, llvm_err, Dumper, LlvmError, LlvmJob, Result, Scratch};
use crate::target::{AmdChip, Feature, TargetId};

/// `llvm::CallingConv::AMDGPU_KERNEL`.
const AMDGPU_KERNEL: u32 = 91;

/// The most kernel arguments we hint for preloading: the user SGPRs of a
/// wave; LLVM preloads as many of the hinted ones as actually fit.
const MAX_PRELOAD_ARGS: u32 = 16;

/// gfx9 chips whose LLVM 19 subtarget has `FeatureKernargPreload`
/// (AMDGPU.td: the gfx90a and gfx940 families). Elsewhere the hint would be
/// ignored at best, so it is not added.
const KERNARG_PRELOAD_CHIPS: &[&str] = &["gfx90a", "gfx940", "gfx941", "gfx942"];

/// The HSACO and the warnings clang and ld.lld printed.
pub fn compile(job: &LlvmJob) -> Result<(Vec<u8>, String)> {
    let TargetId::Amd {
        chip,
        xnack,
        sramecc,
    } = &job.target
    else {
        return Err(LlvmError::UnsupportedTarget {
            target: job.target.to_string(),
            why: "compile_amd takes an AMD gfx target".into(),
        });
    };
    let info = job
        .target
        .amd_chip()
        .ok_or_else(|| LlvmError::UnsupportedTarget {
            target: job.target.to_string(),
            why: format!("`{chip}` is not in the AMD chip table"),
        })?;
    let wave = wavefront_size(job, info)?;
    let dump = Dumper::new(job)?;
    let scratch = Scratch::new("amd")?;
    let bitcode = scratch.path().join(format!("{}.bc", job.name));
    let mut warnings = clang::emit(job, &bitcode)?;

    let machine = target_machine(info, *xnack, *sramecc, wave)?;
    let context = Context::create();
    let module = link::load(&context, &bitcode)?;
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());

    link::link_user_bitcode(&module, &job.user_bitcode)?;
    let is_kernel = |f: FunctionValue<'_>| {
        f.get_call_conventions() == AMDGPU_KERNEL
            || job
                .kernel_workgroup_sizes
                .contains_key(&*f.get_name().to_string_lossy())
    };
    link::internalize_non_kernels(&module, is_kernel);
    run_passes(&module, "globaldce", &machine)?;
    link_hip_bitcode_if_needed(job, &module)?;
    set_hip_globals(&module, info, wave);
    stamp_kernels(job, &module, info, is_kernel);
    module
        .verify()
        .map_err(|e| llvm_err("verifying the linked module", None, e))?;
    dump.module(".linked.ll", &module)?;

    run_passes(&module, "default<O3>", &machine)?;
    dump.module(".optimized.ll", &module)?;

    if dump.wanted() {
        // Code generation changes the module; the object comes from the original.
        let copy = module.clone();
        let asm = machine
            .write_to_memory_buffer(&copy, FileType::Assembly)
            .map_err(|e| llvm_err("emitting assembly", None, e))?;
        dump.text(".rocmasm", asm.as_slice())?;
    }
    let object = machine
        .write_to_memory_buffer(&module, FileType::Object)
        .map_err(|e| llvm_err("emitting the object", None, e))?;
    let object_path = scratch.path().join(format!("{}.o", job.name));
    let hsaco_path = scratch.path().join(format!("{}.hsaco", job.name));
    std::fs::write(&object_path, object.as_slice()).map_err(|source| LlvmError::Io {
        path: object_path.clone(),
        source,
    })?;
    let mut lld = Command::new(&job.lld);
    lld.arg("-flavor")
        .arg("gnu")
        .arg("-shared")
        .arg("-o")
        .arg(&hsaco_path)
        .arg(&object_path);
    // `-flavor` is only understood by the multi-call `lld`; `ld.lld` knows its flavour.
    if job
        .lld
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("ld."))
    {
        lld = Command::new(&job.lld);
        lld.arg("-shared")
            .arg("-o")
            .arg(&hsaco_path)
            .arg(&object_path);
    }
    warnings += &clang::run(lld, "ld.lld", &job.lld)?;
    let hsaco = std::fs::read(&hsaco_path).map_err(|source| LlvmError::Io {
        path: hsaco_path,
        source,
    })?;
    Ok((hsaco, warnings))
}

fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| Target::initialize_amd_gpu(&InitializationConfig::default()));
}

/// The target machine for the chip and the id's xnack/sramecc settings; a
/// feature the id leaves open (`Any`) stays unset so the object says "any".
/// The wavefront size to compile for: the declared subgroup size where the
/// chip can run it, else the chip's default.
fn wavefront_size(job: &LlvmJob, chip: &AmdChip) -> Result<u32> {
    match job.subgroup_size {
        None => Ok(chip.wavefront_size),
        Some(64) => Ok(64),
        Some(32) if chip.wavefront_size == 32 => Ok(32),
        Some(n) => Err(LlvmError::UnsupportedTarget {
            target: job.target.to_string(),
            why: format!(
                "subgroup_size = {n}: {} runs wavefronts of {} only",
                chip.name, chip.wavefront_size
            ),
        }),
    }
}

fn target_machine(
    chip: &AmdChip,
    xnack: Feature,
    sramecc: Feature,
    wave: u32,
) -> Result<TargetMachine> {
    init();
    let triple = TargetTriple::create("amdgcn-amd-amdhsa");
    let target =
        Target::from_triple(&triple).map_err(|e| llvm_err("looking up amdgcn", None, e))?;
    let mut features = Vec::new();
    for (name, setting) in [("xnack", xnack), ("sramecc", sramecc)] {
        match setting {
            Feature::On => features.push(format!("+{name}")),
            Feature::Off => features.push(format!("-{name}")),
            Feature::Any => {}
        }
    }
    // Only chips that can run both sizes name one; gfx9 rejects the feature.
    if chip.wavefront_size != 64 {
        features.push(format!("+wavefrontsize{wave}"));
    }
    target
        .create_target_machine(
            &triple,
            chip.name,
            &features.join(","),
            OptimizationLevel::Aggressive,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| llvm_err("creating the target machine", None, chip.name))
}

pub(super) fn run_passes(module: &Module<'_>, passes: &str, machine: &TargetMachine) -> Result<()> {
    module
        .run_passes(passes, machine, PassBuilderOptions::create())
        .map_err(|e| LlvmError::Llvm {
            stage: "running passes",
            input: None,
            message: format!("{passes}: {e}"),
        })
}

/// The device libraries the AMD path links on demand, each with the prefix
/// of the symbols it defines: `ocml` (math), `ockl` (work-item builtins)
/// and `hip.bc`, whose one symbol is `__atomic_work_item_fence`, what HIP's
/// `__syncthreads()` fences with.
pub(crate) const DEVICE_LIBS: &[(&str, &str)] = &[
    ("__ocml_", "ocml.bc"),
    ("__ockl_", "ockl.bc"),
    ("__atomic_work_item_fence", "hip.bc"),
];

/// Links the [`DEVICE_LIBS`] when, after dead helpers are gone, the module
/// still calls into them (the seed's `linkHIPBitcodeIfNeeded`). A library can
/// pull in the other (`ocml` uses `__ockl_*` in places), so the check repeats
/// until nothing new is needed.
fn link_hip_bitcode_if_needed(job: &LlvmJob, module: &Module<'_>) -> Result<()> {
    let mut linked = BTreeSet::new();
    loop {
        let missing = link::missing_symbols(module);
        let mut progressed = false;
        for &(prefix, lib) in DEVICE_LIBS {
            let needed: BTreeSet<String> = missing
                .iter()
                .filter(|n| n.starts_with(prefix) && !linked.contains(*n))
                .cloned()
                .collect();
            let Some(example) = needed.first() else {
                continue;
            };
            let path = job.device_lib_dir.as_ref().map(|d| d.join(lib));
            let Some(path) = path.filter(|p| p.is_file()) else {
                return Err(LlvmError::MissingLibrary {
                    what: lib.into(),
                    needed: example.clone(),
                    path: job.device_lib_dir.as_ref().map(|d| d.join(lib)),
                });
            };
            let provided = link::link_needed(module, &path, &needed)?;
            progressed |= !provided.is_empty();
            linked.extend(needed);
        }
        if !progressed {
            return Ok(());
        }
    }
}

/// Defines the `__oclc_*` control globals the device libraries read, for the
/// exact chip (the seed's `setHIPGlobals`). Only globals the module mentions
/// are touched: defining unused ones would just be dead data. Values are
/// HIP's defaults: no denormal flushing, no finite-only or unsafe math,
/// correctly rounded `sqrtf`; the ABI version clang chose is kept.
fn set_hip_globals(module: &Module<'_>, chip: &AmdChip, wave: u32) {
    let values = [
        ("__oclc_ISA_version", u64::from(chip.isa_version)),
        ("__oclc_wavefrontsize64", u64::from(wave == 64)),
        ("__oclc_daz_opt", 0),
        ("__oclc_finite_only_opt", 0),
        ("__oclc_unsafe_math_opt", 0),
        ("__oclc_correctly_rounded_sqrt32", 1),
        // Code object v5 is clang 19's default; clang defines this itself
        // (weak_odr), in which case its value is kept.
        ("__oclc_ABI_version", 500),
    ];
    for (name, value) in values {
        let Some(global) = module.get_global(name) else {
            continue;
        };
        if !global.is_declaration() && name == "__oclc_ABI_version" {
            global.set_linkage(Linkage::Private);
            continue;
        }
        let AnyTypeEnum::IntType(ty) = global.get_value_type() else {
            continue;
        };
        global.set_initializer(&ty.const_int(value, false));
        global.set_constant(true);
        global.set_linkage(Linkage::Private);
    }
}

/// Gives each kernel the calling convention and the attributes the
/// declaration implies (the per-export loop of `serializeExecutable`).
fn stamp_kernels(
    job: &LlvmJob,
    module: &Module<'_>,
    chip: &AmdChip,
    is_kernel: impl Fn(FunctionValue<'_>) -> bool,
) {
    let context = module.get_context();
    let preload = job.preload_kernargs && KERNARG_PRELOAD_CHIPS.contains(&chip.name);
    let inreg = context.create_enum_attribute(Attribute::get_named_enum_kind_id("inreg"), 0);
    let blocking = ["byref", "nest", "byval", "sret", "preallocated", "inalloca"]
        .map(Attribute::get_named_enum_kind_id);
    for f in module.get_functions() {
        if !link::is_definition(f) || !is_kernel(f) {
            continue;
        }
        let name = f.get_name().to_string_lossy().into_owned();
        f.set_call_conventions(AMDGPU_KERNEL);
        if let Some(flat) = job
            .workgroup_size_of(&name)
            .and_then(crate::ir::workgroup_threads)
        {
            set_string_attr(
                &context,
                f,
                "amdgpu-flat-work-group-size",
                &format!("1,{flat}"),
            );
        }
        if let Some(waves) = job.waves_per_eu.filter(|w| *w > 0) {
            set_string_attr(&context, f, "amdgpu-waves-per-eu", &waves.to_string());
        }
        if preload {
            for (i, param) in f
                .get_type()
                .get_param_types()
                .iter()
                .enumerate()
                .take(MAX_PRELOAD_ARGS as usize)
            {
                let loc = AttributeLoc::Param(i as u32);
                let plain = matches!(
                    param,
                    BasicMetadataTypeEnum::IntType(_)
                        | BasicMetadataTypeEnum::FloatType(_)
                        | BasicMetadataTypeEnum::PointerType(_)
                );
                if !plain
                    || blocking
                        .iter()
                        .any(|k| f.get_enum_attribute(loc, *k).is_some())
                {
                    break;
                }
                f.add_attribute(loc, inreg);
            }
        }
    }
}

fn set_string_attr(
    context: &inkwell::context::ContextRef<'_>,
    f: FunctionValue<'_>,
    key: &str,
    value: &str,
) {
    f.remove_string_attribute(AttributeLoc::Function, key);
    f.add_attribute(
        AttributeLoc::Function,
        context.create_string_attribute(key, value),
    );
}
