//! NVIDIA: libdevice when used, NVVM reflect, `maxntid`, O3, PTX.

use std::collections::BTreeSet;
use std::sync::Once;

use inkwell::attributes::AttributeLoc;
use inkwell::context::Context;
use inkwell::module::{FlagBehavior, Module};
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::values::{BasicMetadataValueEnum, FunctionValue};
use inkwell::OptimizationLevel;

use super::amd::run_passes;
use super::{clang, link, llvm_err, Dumper, LlvmError, LlvmJob, Result, Scratch};
use crate::target::TargetId;

/// The named metadata NVPTX in LLVM 19 reads kernel-ness and launch bounds
/// from (the `ptx_kernel` calling convention and `nvvm.maxntid` attribute
/// replace it only in LLVM 20).
const ANNOTATIONS: &str = "nvvm.annotations";

/// The lowest PTX ISA version LLVM 19 accepts for an SM (NVPTX.td), which is
/// also what the oldest driver able to run that SM can JIT.
pub(super) fn min_ptx(sm: u32) -> Option<u32> {
    Some(match sm {
        70 => 60,
        72 => 61,
        75 => 63,
        80 => 70,
        86 => 71,
        87 => 74,
        89 | 90 => 78,
        _ => return None,
    })
}

/// The PTX and the warnings clang printed.
pub fn compile(job: &LlvmJob) -> Result<(String, String)> {
    let TargetId::Nvidia { sm } = job.target else {
        return Err(LlvmError::UnsupportedTarget {
            target: job.target.to_string(),
            why: "compile_nvptx takes an NVIDIA sm_* target".into(),
        });
    };
    let ptx =
        job.ptx_version
            .or_else(|| min_ptx(sm))
            .ok_or_else(|| LlvmError::UnsupportedTarget {
                target: job.target.to_string(),
                why: "LLVM 19's NVPTX backend does not know this SM; use clang's PTX".into(),
            })?;
    let dump = Dumper::new(job)?;
    let scratch = Scratch::new("nvptx")?;
    let bitcode = scratch.path().join(format!("{}.bc", job.name));
    let warnings = clang::emit(job, &bitcode)?;

    let cpu = format!("sm_{sm}");
    // Without a CUDA installation clang assumes an old PTX (`+ptx42`), which
    // sm_80+ rejects; the functions are retargeted to this string below.
    let features = format!("+ptx{ptx},+{cpu}");
    let machine = target_machine(&cpu, &features)?;
    let context = Context::create();
    let module = link::load(&context, &bitcode)?;
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());

    link::link_user_bitcode(&module, &job.user_bitcode)?;
    let mut kernels = annotated_kernels(&module);
    kernels.extend(job.kernel_workgroup_sizes.keys().cloned());
    let is_kernel = |f: FunctionValue<'_>| kernels.contains(&*f.get_name().to_string_lossy());
    link::internalize_non_kernels(&module, is_kernel);
    run_passes(&module, "globaldce", &machine)?;
    link_libdevice_if_needed(job, &module)?;

    // libdevice branches on `__nvvm_reflect("__CUDA_FTZ")`; the reflect pass
    // answers from this flag. 0 = keep denormals, CUDA's default.
    if module.get_flag("nvvm-reflect-ftz").is_none() {
        let zero = context.i32_type().const_zero();
        module.add_basic_value_flag("nvvm-reflect-ftz", FlagBehavior::Override, zero);
    }
    for f in module.get_functions() {
        if link::is_definition(f) {
            set_string_attr(&context, f, "target-cpu", &cpu);
            set_string_attr(&context, f, "target-features", &features);
        }
    }
    annotate_kernels(job, &context, &module, &kernels)?;
    module
        .verify()
        .map_err(|e| llvm_err("verifying the linked module", None, e))?;
    dump.module(".linked.ll", &module)?;

    // NVPTX registers NVVMReflect at the pipeline start of default<O3>; running
    // it first as well makes the folding independent of that hook.
    run_passes(&module, "nvvm-reflect", &machine)?;
    run_passes(&module, "default<O3>", &machine)?;
    dump.module(".optimized.ll", &module)?;

    let asm = machine
        .write_to_memory_buffer(&module, FileType::Assembly)
        .map_err(|e| llvm_err("emitting PTX", None, e))?;
    dump.text(".ptx", asm.as_slice())?;
    let ptx = String::from_utf8(asm.as_slice().to_vec())
        .map_err(|e| llvm_err("emitting PTX", None, format!("PTX is not UTF-8: {e}")))?;
    Ok((ptx, warnings))
}

fn target_machine(cpu: &str, features: &str) -> Result<TargetMachine> {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| Target::initialize_nvptx(&InitializationConfig::default()));
    let triple = TargetTriple::create("nvptx64-nvidia-cuda");
    let target =
        Target::from_triple(&triple).map_err(|e| llvm_err("looking up nvptx64", None, e))?;
    target
        .create_target_machine(
            &triple,
            cpu,
            features,
            OptimizationLevel::Aggressive,
            RelocMode::Default,
            CodeModel::Default,
        )
        .ok_or_else(|| llvm_err("creating the target machine", None, cpu))
}

/// Functions `nvvm.annotations` marks `kernel` (clang's `__global__`).
fn annotated_kernels(module: &Module<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for node in module.get_global_metadata(ANNOTATIONS) {
        let Some(values) = node.get_node_values() else {
            continue;
        };
        if let [BasicMetadataValueEnum::PointerValue(f), BasicMetadataValueEnum::MetadataValue(key), ..] =
            values.as_slice()
        {
            if key.get_string_value() == Some(b"kernel".as_slice()) {
                out.insert(f.get_name().to_string_lossy().into_owned());
            }
        }
    }
    out
}

/// Adds `kernel` where missing and `maxntid{x,y,z}` from the declared
/// workgroup size, so the PTX carries `.maxntid` and ptxas budgets registers
/// for the block size that will actually be launched.
fn annotate_kernels<'ctx>(
    job: &LlvmJob,
    context: &'ctx Context,
    module: &Module<'ctx>,
    kernels: &BTreeSet<String>,
) -> Result<()> {
    let already = annotated_kernels(module);
    let i32_ty = context.i32_type();
    for name in kernels {
        let Some(f) = module
            .get_function(name)
            .filter(|f| link::is_definition(*f))
        else {
            continue;
        };
        let ptr = f.as_global_value().as_pointer_value();
        let mut entries = Vec::new();
        if !already.contains(name) {
            entries.push(("kernel", 1));
        }
        if let Some([x, y, z]) = job.workgroup_size_of(name) {
            entries.extend([("maxntidx", x), ("maxntidy", y), ("maxntidz", z)]);
        }
        for (key, value) in entries {
            let node = context.metadata_node(&[
                ptr.into(),
                context.metadata_string(key).into(),
                i32_ty.const_int(u64::from(value), false).into(),
            ]);
            module
                .add_global_metadata(ANNOTATIONS, &node)
                .map_err(|e| llvm_err("annotating kernels", None, e))?;
        }
    }
    Ok(())
}

/// Links the needed part of libdevice when the module calls `__nv_*`.
fn link_libdevice_if_needed(job: &LlvmJob, module: &Module<'_>) -> Result<()> {
    let needed: BTreeSet<String> = link::missing_symbols(module)
        .into_iter()
        .filter(|n| n.starts_with("__nv_"))
        .collect();
    let Some(example) = needed.first() else {
        return Ok(());
    };
    let Some(path) = job.libdevice.as_ref().filter(|p| p.is_file()) else {
        return Err(LlvmError::MissingLibrary {
            what: "libdevice.10.bc".into(),
            needed: example.clone(),
            path: job.libdevice.clone(),
        });
    };
    link::link_needed(module, path, &needed)?;
    Ok(())
}

fn set_string_attr(context: &Context, f: FunctionValue<'_>, key: &str, value: &str) {
    f.remove_string_attribute(AttributeLoc::Function, key);
    f.add_attribute(
        AttributeLoc::Function,
        context.create_string_attribute(key, value),
    );
}
