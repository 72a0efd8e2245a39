//! The SIMD block entries of a real host compile (hip_runtime.h's "SIMD
//! block entries", the plugin's simd.cpp): `simple_mul`'s AVX2 entry runs
//! eight threads per `ymm` instruction, its AVX-512 entry sixteen per `zmm`,
//! and its scalar entry neither. Read from the object clang-19 wrote, with
//! LLVM's disassembler beside it.

use std::path::Path;
use std::process::Command;

use iree_build::compile::{self, plugin, CompileJob};
use iree_build::target::TargetId;
use iree_build::toolchain::Toolchain;

/// The disassembly of every function of `object` whose (mangled) name
/// contains all of `parts`, by `llvm-objdump-19` (or the `llvm-objdump`
/// beside clang), with relocations (the names of called functions).
fn disassembly(tc: &Toolchain, object: &Path, parts: &[&str]) -> String {
    let picked = functions(tc, object, parts);
    assert!(!picked.is_empty(), "no function named like {parts:?}");
    picked
}

/// [`disassembly`], empty when no function matches.
fn functions(tc: &Toolchain, object: &Path, parts: &[&str]) -> String {
    let beside = tc
        .clang()
        .and_then(|c| c.path.parent().map(|d| d.join("llvm-objdump")));
    let tools = ["llvm-objdump-19".into()].into_iter().chain(beside);
    let out = tools
        .filter_map(|t: std::path::PathBuf| {
            Command::new(t)
                .args(["-dr", "--no-show-raw-insn"])
                .arg(object)
                .output()
                .ok()
        })
        .find(|o| o.status.success())
        .expect("this test needs llvm-objdump-19 (LLVM's binutils, installed with clang-19)");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut picked = String::new();
    let mut on = false;
    for line in text.lines() {
        if line.ends_with(">:") {
            on = parts.iter().all(|p| line.contains(p));
        }
        if on {
            picked.push_str(line);
            picked.push('\n');
        }
    }
    picked
}

/// Compiles export `export` of `kernels` (relative to this crate) for the
/// host with the pass plugin, as a build does: the toolchain, the object's
/// path and the directory holding it (kept alive by the caller).
fn host_object(
    kernels: &str,
    export: &str,
) -> (Toolchain, compile::CompiledObject, tempfile::TempDir) {
    std::env::remove_var(plugin::ENV_VAR);
    let tc = Toolchain::discover();
    assert!(
        tc.llvm_include().is_some(),
        "this test needs LLVM 19 headers (`cargo xtask provision` installs llvm-19-dev)\n{tc}"
    );
    let out = tempfile::tempdir().unwrap();
    let kernels = Path::new(env!("CARGO_MANIFEST_DIR")).join(kernels);
    let mut job = CompileJob::new(kernels, TargetId::Host, out.path());
    job.host_exports = vec![export.into()];
    let obj = compile::compile(&job, &tc).unwrap_or_else(|e| panic!("{e}"));
    (tc, obj, out)
}

#[test]
#[cfg(target_arch = "x86_64")]
fn simple_mul_avx_entries_run_threads_in_vector_lanes() {
    let (tc, obj, _dir) = host_object(
        "../examples/custom_dispatch/kernels/kernels.cu",
        "simple_mul",
    );
    assert!(
        obj.commands[0]
            .iter()
            .any(|a| a.starts_with("-fpass-plugin=")),
        "{:?}",
        obj.commands
    );
    let object = &obj.outputs[0].1;

    let avx2 = disassembly(&tc, object, &["block_avx2", "simple_mul"]);
    assert!(avx2.contains("ymm"), "no ymm instruction:\n{avx2}");
    assert!(
        avx2.contains("vmulps") && avx2.contains("vmaskmovps"),
        "the product and the `tid < dim` mask:\n{avx2}"
    );
    assert!(!avx2.contains("zmm"), "AVX-512 in the AVX2 entry:\n{avx2}");

    let avx512 = disassembly(&tc, object, &["block_avx512", "simple_mul"]);
    assert!(avx512.contains("zmm"), "no zmm instruction:\n{avx512}");

    let scalar = disassembly(&tc, object, &["__iree_host_block_simple_mul"]);
    assert!(
        !scalar.contains("ymm") && !scalar.contains("zmm"),
        "the scalar entry (run without AVX2) uses AVX:\n{scalar}"
    );
}

/// The matmul example's tiled kernel (two `__syncthreads()` per tile,
/// `__shared__` tiles): the lockstep pass gives its vector body one round
/// per resume state (hip_runtime.h, "vector lockstep"), and the round of
/// the tile product runs sixteen threads per `zmm` fused multiply-add
/// (threadIdx.x in the lanes, `a_tile[ty][i]` broadcast, `b_tile[i][tx]` a
/// vector load), its AVX2 copy eight per `ymm` one.
#[test]
#[cfg(target_arch = "x86_64")]
fn matmul_barrier_rounds_run_threads_in_vector_lanes() {
    let (tc, obj, _dir) = host_object("../examples/matmul/kernels/matmul.cu", "matmul_tiled");
    let object = &obj.outputs[0].1;

    let zmm_fma = |parts: &[&str]| {
        let text = disassembly(&tc, object, parts);
        text.lines()
            .filter(|l| l.contains("vfmadd") && l.contains("zmm"))
            .count()
    };
    let ymm_fma = |parts: &[&str]| {
        let text = disassembly(&tc, object, parts);
        text.lines()
            .filter(|l| l.contains("vfmadd") && l.contains("ymm"))
            .count()
    };
    // The tile product is the only round with sixteen multiply-adds per
    // thread; which state number it has is the pass's business.
    let rounds: Vec<usize> = (0..4)
        .filter(|s| {
            let name = format!("__iree_host_vround_avx512_matmul_tiled.s{s}>");
            disassembly_has(&tc, object, &name)
        })
        .map(|s| zmm_fma(&[&format!("__iree_host_vround_avx512_matmul_tiled.s{s}>")]))
        .collect();
    assert!(rounds.len() >= 2, "one round per state: {rounds:?}");
    assert!(
        rounds.iter().any(|&n| n >= 16),
        "no round with 16 zmm multiply-adds per vector of threads: {rounds:?}"
    );
    let avx2: usize = (0..4)
        .filter(|s| {
            disassembly_has(
                &tc,
                object,
                &format!("__iree_host_vround_avx2_matmul_tiled.s{s}>"),
            )
        })
        .map(|s| ymm_fma(&[&format!("__iree_host_vround_avx2_matmul_tiled.s{s}>")]))
        .sum();
    assert!(avx2 >= 16, "the AVX2 rounds' ymm multiply-adds: {avx2}");
}

/// The tile loop's index `t` is saved across the matmul's barriers, and is
/// the same in every thread: the rounds' copies for states whose saved
/// values all threads share (the state plus the pass's uniform bit,
/// 0x40000000) read it once for all threads, so the tile loads
/// `a[row * k + t + tx]` and `b[(t + ty) * n + col]` are masked vector loads,
/// where the per-thread copies of the same states gather.
#[test]
#[cfg(target_arch = "x86_64")]
fn matmul_tile_loads_are_vector_loads_when_the_tile_index_is_uniform() {
    let (tc, obj, _dir) = host_object("../examples/matmul/kernels/matmul.cu", "matmul_tiled");
    let object = &obj.outputs[0].1;
    const UNIFORM: u32 = 0x4000_0000;
    let round = |s: u32| format!("__iree_host_vround_avx512_matmul_tiled.s{s}>");
    let states: Vec<u32> = (1..8)
        .filter(|&s| disassembly_has(&tc, object, &round(s | UNIFORM)))
        .collect();
    assert!(
        states.len() >= 2,
        "uniform copies of the states after both barriers: {states:?}"
    );
    let gathers = |s: u32| {
        disassembly(&tc, object, &[&round(s)])
            .lines()
            .filter(|l| l.contains("vgather"))
            .count()
    };
    for &s in &states {
        assert_eq!(gathers(s | UNIFORM), 0, "state {s}'s uniform copy gathers");
    }
    assert!(
        states.iter().any(|&s| gathers(s) > 0),
        "no per-thread copy gathers: has the test lost its point? {states:?}"
    );
}

/// The perf example's `block_sum` (a grid-stride sum, then a tree through
/// shared memory): the pass unrolls the vector body's cut grid-stride loop,
/// so one round runs 16 iterations of every thread (16 vector adds in the
/// uniform copy of the loop's state) and its dispatch, reloads and saves are
/// paid once per 16 elements a thread instead of once per element (5 adds
/// in the best copy without the unrolling).
#[test]
#[cfg(target_arch = "x86_64")]
fn grid_stride_rounds_run_sixteen_iterations_a_segment() {
    let (tc, obj, _dir) = host_object("../examples/perf/kernels/reduce.cu", "block_sum");
    let object = &obj.outputs[0].1;
    let adds = uniform_avx512_rounds(&tc, object, "block_sum", 8)
        .iter()
        .map(|round| round.lines().filter(|l| l.contains("vaddps")).count())
        .max()
        .unwrap();
    assert!(
        adds >= 16,
        "vector adds in the loop state's uniform round: {adds}"
    );
}

/// The AVX-512 rounds take 16 threads a vector (the pass's width hint on
/// their thread loops): the matmul's rows of 16 threads are one zmm vector
/// each, with no 8-lane loop beside it, which the vectoriser's own choice
/// kept and ran at about 0.6 of the speed.
#[test]
#[cfg(target_arch = "x86_64")]
fn avx512_rounds_take_sixteen_threads_a_vector() {
    let (tc, obj, _dir) = host_object("../examples/matmul/kernels/matmul.cu", "matmul_tiled");
    let rounds = disassembly(
        &tc,
        &obj.outputs[0].1,
        &["__iree_host_vround_avx512_matmul_tiled.s"],
    );
    let count = |what: &dyn Fn(&str) -> bool| rounds.lines().filter(|l| what(l)).count();
    let ymm = count(&|l| l.contains("ymm") && (l.contains("vfmadd") || l.contains("{%k")));
    let zmm = count(&|l| l.contains("zmm") && (l.contains("vfmadd") || l.contains("{%k")));
    assert_eq!(
        ymm, 0,
        "8-lane multiply-adds or masked accesses in the AVX-512 rounds"
    );
    assert!(
        zmm >= 16,
        "16-lane multiply-adds and masked accesses: {zmm}"
    );
}

/// The softmax's loops stride by the block over a row (4 iterations a
/// thread here), so the pass does not unroll them, and their `expf` has
/// libmvec variants of 8 lanes but none of 16, so the AVX-512 rounds keep
/// the vectoriser's width: each round copy calls the 8-lane `expf` a few
/// times. Unrolled, a copy called it 16 times per pass, masked-off lanes
/// and all (the softmax ran 2 times slower); at 16 lanes, the rounds called
/// the scalar `expf` per lane (2.5 times slower).
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn softmax_avx512_rounds_call_eight_lane_expf_a_few_times() {
    let (tc, obj, _dir) = host_object("../examples/softmax/kernels/softmax.cu", "softmax_rows");
    let object = &obj.outputs[0].1;
    let calls: Vec<usize> = uniform_avx512_rounds(&tc, object, "softmax_rows", 16)
        .iter()
        .map(|round| {
            round
                .lines()
                .filter(|l| l.contains("R_X86_64_PLT32") && l.contains("_ZGVdN8v_expf"))
                .count()
        })
        .collect();
    assert!(
        calls.iter().any(|&n| n > 0),
        "no 8-lane expf call: {calls:?}"
    );
    assert!(
        calls.iter().all(|&n| n <= 4),
        "8-lane expf calls per round copy: {calls:?}"
    );
}

/// The disassembly of `kernel`'s AVX-512 round copies for resume states
/// 1..`states` with the lockstep pass's uniform bit (0x40000000: every
/// thread's saved counters read once for all), one string per state (empty
/// where the pass made no such copy).
fn uniform_avx512_rounds(tc: &Toolchain, object: &Path, kernel: &str, states: u32) -> Vec<String> {
    (1..states)
        .map(|s| {
            let name = format!("__iree_host_vround_avx512_{kernel}.s{}>", s | 0x4000_0000);
            functions(tc, object, &[&name])
        })
        .collect()
}

/// Whether `object` has a function whose name contains `name`.
fn disassembly_has(tc: &Toolchain, object: &Path, name: &str) -> bool {
    !functions(tc, object, &[name]).is_empty()
}

/// The softmax example (`expf` in each thread's strided loops, between
/// barriers): its vector rounds call glibc's vector `expf` (libmvec, eight
/// lanes per call) instead of the scalar one per lane, which the build then
/// links; the program that ran it in the example's tests is the proof that
/// it links.
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn softmax_rounds_call_vector_expf() {
    let (_tc, obj, _dir) = host_object("../examples/softmax/kernels/softmax.cu", "softmax_rows");
    assert!(
        obj.commands[0].iter().any(|a| a == "-fveclib=libmvec"),
        "{:?}",
        obj.commands
    );
    use object::{Object, ObjectSymbol};
    let bytes = std::fs::read(&obj.outputs[0].1).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let undefined: Vec<&str> = file
        .symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok())
        .collect();
    assert!(
        undefined.contains(&"_ZGVdN8v_expf"),
        "no call of libmvec's 8-lane expf: {undefined:?}"
    );
}
