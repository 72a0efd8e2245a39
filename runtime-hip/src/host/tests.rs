//! The host backend against real kernels compiled with clang-19 and the host
//! HIP header.
//!
//! The product links host objects statically into the program. These tests
//! compile the kernels into a shared library at run time and `dlopen` it
//! instead, only for convenience (no build script needed). A test
//! executable does not export `__iree_host_barrier` dynamically, so the
//! library carries a two-line shim defining it that forwards to a function
//! pointer the test sets to [`super::__iree_host_barrier`]: the same function
//! the static link resolves to directly. It is also compiled with
//! `-DIREE_HOST_TLS_MODEL="global-dynamic"`, as any host code in a shared
//! library must be (see the header).

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use libloading::Library;

use super::abi::{HostEntry, HostKernelFn};
use super::backend::{resolve, HostBackend};
use crate::backend::{Backend, BackendStream, DevicePtr, KernelHandle, LaunchSpec};

const KERNELS: &str = r#"
#include <hip/hip_runtime.h>
#include KERNELS_CU

extern "C" __global__ void add(const float* __restrict__ a, const float* __restrict__ b,
                               float* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = a[i] + b[i];
}

// One partial sum per block of 256 threads: the classic shared-memory tree.
extern "C" __global__ void block_sum(const float* __restrict__ in, float* __restrict__ partial,
                                     int n) {
  __shared__ float s[256];
  unsigned t = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x + t;
  s[t] = i < (unsigned)n ? in[i] : 0.0f;
  __syncthreads();
  for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
    if (t < k) s[t] += s[t + k];
    __syncthreads();
  }
  if (t == 0) partial[blockIdx.x] = s[0];
}

// Threads past `active` return before the barrier; the rest still meet.
extern "C" __global__ void early_exit(float* __restrict__ out, int active) {
  __shared__ float s[64];
  unsigned t = threadIdx.x;
  if ((int)t >= active) return;
  s[t] = (float)(t + 1);
  __syncthreads();
  out[blockIdx.x * active + t] = s[(t + 1) % active];
}

// out[c][r] = in[r][c] over a 2-D grid of 2-D blocks.
extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out,
                                     int rows, int cols) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  int r = blockIdx.y * blockDim.y + threadIdx.y;
  if (r < rows && c < cols) out[c * rows + r] = in[r * cols + c];
}

extern "C" __global__ void softplus(const float* __restrict__ in, float* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = logf(1.0f + expf(in[i])) + sqrtf(fmaxf(in[i], 0.0f)) * rsqrtf(4.0f);
}

extern "C" __global__ void histogram(const unsigned* __restrict__ in, unsigned* bins, int n,
                                     int nbins) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(&bins[in[i] % (unsigned)nbins], 1u);
}

extern "C" __global__ void atomics_misc(const float* __restrict__ in, float* fsum, int* imax,
                                        int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    atomicAdd(fsum, in[i]);
    atomicMax(imax, (int)in[i]);
  }
}

// The usual warp-shuffle + shared-memory reduction, written for any warpSize.
extern "C" __global__ void warp_sum(const float* __restrict__ in, float* __restrict__ out, int n) {
  __shared__ float warp_sums[1024];
  float v = 0.0f;
  for (int i = hipThreadIdx_x; i < n; i += hipBlockDim_x) v += __ldg(&in[i]);
  for (int o = warpSize / 2; o > 0; o /= 2) v += __shfl_down_sync(~0ull, v, o);
  unsigned lane = threadIdx.x % warpSize, wid = threadIdx.x / warpSize;
  if (lane == 0) warp_sums[wid] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.0f;
    for (unsigned w = 0; w < blockDim.x / warpSize; ++w) s += warp_sums[w];
    *out = s;
  }
}

// 3-D blocks in a 3-D grid, with barriers: every thread publishes its id,
// then reads its mirror image's; built-ins must survive the switches.
extern "C" __global__ void mirror3d(unsigned* __restrict__ out) {
  __shared__ unsigned ids[4 * 3 * 2];
  unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  unsigned nt = blockDim.x * blockDim.y * blockDim.z;
  unsigned b = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  ids[t] = b * 1000 + t;
  __syncthreads();
  unsigned m = ids[nt - 1 - t];
  __syncthreads();
  ids[t] = 0;
  __syncthreads();
  out[b * nt + t] = m + ((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x) * 1000000;
}

// Dynamic shared memory: reverse each block's slice through it.
extern "C" __global__ void reverse_blocks(const int* __restrict__ in, int* __restrict__ out) {
  HIP_DYNAMIC_SHARED(int, tile);
  unsigned t = threadIdx.x, n = blockDim.x, base = blockIdx.x * n;
  tile[t] = in[base + t];
  __syncthreads();
  out[base + t] = tile[n - 1 - t];
}

// A private array indexed by thread-dependent values and live across
// barriers: each thread's copy must survive while the others run (with the
// lockstep pass it lives in the thread's frame).
extern "C" __global__ void private_rotate(const int* __restrict__ in, int* __restrict__ out) {
  __shared__ int s[256];
  int mine[8];
  unsigned t = threadIdx.x, n = blockDim.x, base = (blockIdx.x * n + t) * 8;
  for (int k = 0; k < 8; ++k) mine[k] = in[base + k];
  s[t] = mine[t % 8];
  __syncthreads();
  int next = s[(t + 1) % n];
  __syncthreads();
  for (int k = 0; k < 8; ++k) out[base + k] = mine[(k + t) % 8] + next;
}

// A uniform outer loop with barriers around a per-thread strided loop (the
// loop the lockstep pass interleaves) and a loop only thread 0 runs.
extern "C" __global__ void row_sums(const float* __restrict__ in, float* __restrict__ out,
                                    int rows, int cols) {
  __shared__ float s[1024];
  unsigned t = threadIdx.x;
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    float acc = 0.0f;
    for (int c = t; c < cols; c += blockDim.x) acc += in[r * cols + c];
    s[t] = acc;
    __syncthreads();
    if (t == 0) {
      float sum = 0.0f;
      for (unsigned k = 0; k < blockDim.x; ++k) sum += s[k];
      out[r] = sum;
    }
    __syncthreads();
  }
}

// The barrier sits in a function that is not inlined: the lockstep pass
// cannot see it and leaves the kernel to the coroutines.
__device__ __noinline__ void opaque_sync() { __syncthreads(); }
extern "C" __global__ void opaque_barrier_sum(const float* __restrict__ in,
                                              float* __restrict__ partial, int n) {
  __shared__ float s[256];
  unsigned t = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x + t;
  s[t] = i < (unsigned)n ? in[i] : 0.0f;
  opaque_sync();
  for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
    if (t < k) s[t] += s[t + k];
    opaque_sync();
  }
  if (t == 0) partial[blockIdx.x] = s[0];
}

// IREE_HOST_CHECK tests (check.rs): out[i + so] = a[i + sa] + b[i + sb]
// for i <= n, the classic `<=` bug, with shifts to reach either side of any
// binding.
extern "C" __global__ void shifted(const float* __restrict__ a, const float* __restrict__ b,
                                   float* __restrict__ out, int n, int sa, int sb, int so) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i <= n) out[i + so] = a[i + sa] + b[i + sb];
}

IREE_HOST_EXPORT(simple_mul)
IREE_HOST_EXPORT(simple_mul_inplace)
IREE_HOST_EXPORT(shifted)
IREE_HOST_EXPORT(add)
IREE_HOST_EXPORT(block_sum)
IREE_HOST_EXPORT(early_exit)
IREE_HOST_EXPORT(transpose)
IREE_HOST_EXPORT(softplus)
IREE_HOST_EXPORT(histogram)
IREE_HOST_EXPORT(atomics_misc)
IREE_HOST_EXPORT(warp_sum)
IREE_HOST_EXPORT(mirror3d)
IREE_HOST_EXPORT(reverse_blocks)
IREE_HOST_EXPORT(private_rotate)
IREE_HOST_EXPORT(row_sums)
IREE_HOST_EXPORT(opaque_barrier_sum)
"#;

const SHIM: &str = r#"
static void (*iree_test_barrier)(void);
extern "C" void iree_test_set_barrier(void (*f)(void)) { iree_test_barrier = f; }
extern "C" void __iree_host_barrier(void) { iree_test_barrier(); }
"#;

/// The flags `iree-build` uses for the host target.
const HOST_FLAGS: &[&str] = &[
    "-x",
    "c++",
    "-std=c++17",
    "-O3",
    "-fPIC",
    "-fno-exceptions",
    "-fno-rtti",
    "-ffunction-sections",
];

/// `IREE_HOST_TEST_TLS=initial-exec` compiles the test kernels with
/// initial-exec TLS throughout, as fast as a static link's local-exec; the
/// process then needs `GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536`
/// to dlopen them.
fn tls_flags() -> Vec<String> {
    match std::env::var("IREE_HOST_TEST_TLS").as_deref() {
        Ok("initial-exec") => vec![
            "-ftls-model=initial-exec".into(),
            "-DIREE_HOST_TLS_MODEL=\"initial-exec\"".into(),
        ],
        _ => vec!["-DIREE_HOST_TLS_MODEL=\"global-dynamic\"".into()],
    }
}

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::temp_dir().join(format!("iree-host-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("kernels.cc");
        let shim = dir.join("shim.cc");
        std::fs::write(&src, KERNELS).unwrap();
        std::fs::write(&shim, SHIM).unwrap();
        let so = dir.join("libkernels.so");
        let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang++-19".to_string());
        let cu = root.join("examples/custom_dispatch/kernels/kernels.cu");
        let out = Command::new(&clang)
            .args(HOST_FLAGS)
            .arg("-Wall")
            .arg("-Werror")
            .arg("-I")
            .arg(root.join("iree-build/include/host"))
            .arg(format!("-DKERNELS_CU=\"{}\"", cu.display()))
            // A dlopened library cannot use initial-exec TLS for kilobytes
            // of `__shared__` (see the header). Benchmarks may ask for the
            // TLS code a static link produces (see `bench`).
            .args(tls_flags())
            // e.g. `-fsanitize=address` when the tests run under ASan.
            .args(
                std::env::var("IREE_HOST_TEST_CFLAGS")
                    .unwrap_or_default()
                    .split_whitespace(),
            )
            .arg("-shared")
            .arg("-o")
            .arg(&so)
            .arg(&src)
            .arg(&shim)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {clang} (set CLANG): {e}"));
        assert!(
            out.status.success(),
            "{clang} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // SAFETY: a library we just built; its initialisers are the C++
        // runtime's for trivial globals.
        let lib = unsafe { Library::new(&so) }.unwrap();
        // SAFETY: the shim's setter has exactly this signature.
        unsafe {
            let set: libloading::Symbol<unsafe extern "C" fn(extern "C" fn())> =
                lib.get(b"iree_test_set_barrier").unwrap();
            set(super::__iree_host_barrier);
        }
        let _ = std::fs::remove_dir_all(&dir);
        lib
    })
}

/// Whether iree-build's lockstep pass transformed kernel `name` (the test
/// kernels are compiled with it when `IREE_HOST_TEST_CFLAGS` loads it): its
/// block entry then runs whole blocks, barriers included.
fn lockstep(name: &str) -> bool {
    // SAFETY: only the symbol's presence is read.
    unsafe {
        library()
            .get::<*const u8>(format!("__iree_host_lockstep_{name}").as_bytes())
            .is_ok()
    }
}

/// The entry points of kernel `name`; `uses_barrier` is what the build
/// would record without the lockstep pass (with it, the build records false
/// for the kernels the pass transformed, as done here).
pub(super) fn entry(name: &str, uses_barrier: bool) -> HostEntry {
    let lockstep = lockstep(name);
    let uses_barrier = uses_barrier && !lockstep;
    let lib = library();
    let get = |prefix: &str| -> HostKernelFn {
        // SAFETY: the header defines `__iree_host_{block,thread}_<k>` with
        // the `HostKernelFn` signature.
        unsafe {
            *lib.get::<HostKernelFn>(format!("{prefix}{name}").as_bytes())
                .unwrap()
        }
    };
    HostEntry {
        block: get("__iree_host_block_"),
        thread: get("__iree_host_thread_"),
        uses_barrier,
        lockstep,
    }
}

fn sig(name: &str) -> Vec<u32> {
    let lib = library();
    // SAFETY: the header defines `__iree_host_sig_<k>` as `unsigned[]`
    // starting with its own argument count.
    unsafe {
        let p = *lib
            .get::<*const u32>(format!("__iree_host_sig_{name}").as_bytes())
            .unwrap();
        let argc = *p as usize;
        std::slice::from_raw_parts(p, argc + 1).to_vec()
    }
}

pub(super) struct Dev {
    pub(super) backend: Arc<HostBackend>,
    pub(super) stream: Arc<dyn BackendStream>,
}

impl Dev {
    fn new() -> Dev {
        Dev::with_check(false)
    }

    /// A device whose kernels run bounds-checked when `checked` (check.rs).
    pub(super) fn with_check(checked: bool) -> Dev {
        let backend = HostBackend::with_check(checked);
        let stream = backend.create_stream().unwrap();
        Dev { backend, stream }
    }

    pub(super) fn upload<T: bytemuck::Pod>(&self, data: &[T]) -> DevicePtr {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let p = self.backend.alloc_zeroed(bytes.len().max(1)).unwrap();
        // SAFETY: a fresh allocation of at least this size, unused by work.
        unsafe { self.backend.copy_h2d(p, bytes).unwrap() };
        p
    }

    pub(super) fn zeros<T: bytemuck::Pod>(&self, n: usize) -> DevicePtr {
        self.backend.alloc_zeroed(n * size_of::<T>()).unwrap()
    }

    pub(super) fn download<T: bytemuck::Pod>(&self, p: DevicePtr, n: usize) -> Vec<T> {
        self.backend.synchronize().unwrap();
        let mut v = vec![T::zeroed(); n];
        // SAFETY: `p` is an allocation of at least `n` elements; the device
        // is synchronised.
        unsafe {
            self.backend
                .copy_d2h(bytemuck::cast_slice_mut(&mut v), p)
                .unwrap()
        };
        v
    }

    pub(super) fn launch(
        &self,
        e: HostEntry,
        grid: [u32; 3],
        block: [u32; 3],
        bindings: &[DevicePtr],
        constants: &[u32],
    ) {
        for &b in bindings {
            self.backend.check_binding(b, 4).unwrap();
        }
        // SAFETY: each test passes exactly the kernel's parameters, with
        // buffers large enough for the indices the kernel touches.
        unsafe {
            self.stream
                .submit(&LaunchSpec {
                    grid,
                    block,
                    bindings,
                    constants,
                    ..LaunchSpec::test(KernelHandle::Host(e))
                })
                .unwrap()
        }
    }
}

#[test]
fn iree_sample_mixed_invocation_gives_96() {
    let d = Dev::new();
    let n = 8usize;
    let a = d.upload(&[2.0f32; 8]);
    let b = d.upload(&[4.0f32; 8]);
    let t0 = d.zeros::<f32>(n);
    let t1 = d.zeros::<f32>(n);
    let count = [(n as u32).div_ceil(64), 1, 1];
    // %0 = simple_mul(a, b); %1 = %0 + b; simple_mul_inplace(%0, %1)
    d.launch(
        entry("simple_mul", false),
        count,
        [64, 1, 1],
        &[a, b, t0],
        &[n as u32],
    );
    d.launch(
        entry("add", false),
        count,
        [64, 1, 1],
        &[t0, b, t1],
        &[n as u32],
    );
    d.launch(
        entry("simple_mul_inplace", false),
        count,
        [64, 1, 1],
        &[t0, t1],
        &[n as u32],
    );
    d.stream.synchronize().unwrap();
    assert_eq!(d.download::<f32>(t1, n), vec![96.0; 8]);
}

#[test]
fn signature_tables_give_argument_sizes() {
    assert_eq!(sig("simple_mul"), vec![4, 8, 8, 8, 4]);
    assert_eq!(sig("simple_mul_inplace"), vec![3, 8, 8, 4]);
    assert_eq!(sig("histogram"), vec![4, 8, 8, 4, 4]);
}

#[test]
fn odd_sizes_and_many_blocks() {
    let d = Dev::new();
    for n in [1usize, 63, 65, 1000, 100_003] {
        let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..n).map(|i| 0.5 - i as f32 * 0.25).collect();
        let (pa, pb, pc) = (d.upload(&a), d.upload(&b), d.zeros::<f32>(n));
        d.launch(
            entry("simple_mul", false),
            [(n as u32).div_ceil(64), 1, 1],
            [64, 1, 1],
            &[pa, pb, pc],
            &[n as u32],
        );
        let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        assert_eq!(d.download::<f32>(pc, n), want, "n = {n}");
    }
}

#[test]
fn shared_memory_reduction_with_barriers() {
    let d = Dev::new();
    for n in [256usize, 1000, 70_001] {
        let x: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1000) as f32 / 8.0).collect();
        let blocks = n.div_ceil(256);
        let (px, pp) = (d.upload(&x), d.zeros::<f32>(blocks));
        d.launch(
            entry("block_sum", true),
            [blocks as u32, 1, 1],
            [256, 1, 1],
            &[px, pp],
            &[n as u32],
        );
        let got = d.download::<f32>(pp, blocks);
        for (blk, g) in got.iter().enumerate() {
            let want: f64 = x[blk * 256..((blk + 1) * 256).min(n)]
                .iter()
                .map(|&v| f64::from(v))
                .sum();
            assert!(
                (f64::from(*g) - want).abs() <= 1e-3 * want.max(1.0),
                "block {blk}: {g} vs {want}"
            );
        }
    }
}

#[test]
fn private_arrays_survive_barriers() {
    let d = Dev::new();
    let (blocks, threads) = (3usize, 64usize);
    let input: Vec<i32> = (0..(blocks * threads * 8) as i32)
        .map(|v| v * 3 + 1)
        .collect();
    let (pin, pout) = (d.upload(&input), d.zeros::<i32>(input.len()));
    d.launch(
        entry("private_rotate", true),
        [blocks as u32, 1, 1],
        [threads as u32, 1, 1],
        &[pin, pout],
        &[],
    );
    let got = d.download::<i32>(pout, input.len());
    for b in 0..blocks {
        for t in 0..threads {
            let mine = |k: usize| input[(b * threads + t) * 8 + k];
            let u = (t + 1) % threads;
            let next = input[(b * threads + u) * 8 + u % 8];
            for k in 0..8 {
                assert_eq!(
                    got[(b * threads + t) * 8 + k],
                    mine((k + t) % 8) + next,
                    "block {b} thread {t} k {k}"
                );
            }
        }
    }
}

#[test]
fn strided_loops_inside_a_barrier_loop() {
    let d = Dev::new();
    for (rows, cols, blocks, threads) in [(37usize, 1000usize, 4u32, 96u32), (5, 3, 2, 64)] {
        let x: Vec<f32> = (0..rows * cols).map(|i| (i % 17) as f32).collect();
        let (px, po) = (d.upload(&x), d.zeros::<f32>(rows));
        d.launch(
            entry("row_sums", true),
            [blocks, 1, 1],
            [threads, 1, 1],
            &[px, po],
            &[rows as u32, cols as u32],
        );
        let got = d.download::<f32>(po, rows);
        for (r, g) in got.iter().enumerate() {
            let want: f32 = x[r * cols..(r + 1) * cols].iter().sum();
            assert_eq!(*g, want, "row {r} of {rows}x{cols}");
        }
    }
}

#[test]
fn kernels_the_lockstep_pass_leaves_run_with_coroutines() {
    let d = Dev::new();
    let n = 1000usize;
    let x: Vec<f32> = (0..n).map(|i| (i % 13) as f32).collect();
    let blocks = n.div_ceil(256);
    let (px, pp) = (d.upload(&x), d.zeros::<f32>(blocks));
    d.launch(
        entry("opaque_barrier_sum", true),
        [blocks as u32, 1, 1],
        [256, 1, 1],
        &[px, pp],
        &[n as u32],
    );
    let got = d.download::<f32>(pp, blocks);
    for (b, g) in got.iter().enumerate() {
        let want: f32 = x[b * 256..((b + 1) * 256).min(n)].iter().sum();
        assert_eq!(*g, want, "block {b}");
    }
}

/// With `IREE_HOST_TEST_LOCKSTEP=1` (`cargo xtask test` sets it together
/// with the plugin flags), the pass must have transformed exactly the
/// kernels it can: those with barriers it sees or a loop it interleaves.
#[test]
fn lockstep_pass_transforms_the_kernels_it_can() {
    if std::env::var("IREE_HOST_TEST_LOCKSTEP").as_deref() != Ok("1") {
        return;
    }
    for k in [
        "block_sum",
        "early_exit",
        "warp_sum",
        "mirror3d",
        "reverse_blocks",
        "private_rotate",
        "row_sums",
    ] {
        assert!(lockstep(k), "{k} was not transformed");
    }
    for k in [
        "simple_mul",
        "add",
        "transpose",
        "histogram",
        "opaque_barrier_sum",
    ] {
        assert!(!lockstep(k), "{k} was transformed");
    }
}

#[test]
fn finished_threads_count_as_arrived() {
    let d = Dev::new();
    let active = 40usize;
    let blocks = 3usize;
    let out = d.zeros::<f32>(blocks * active);
    d.launch(
        entry("early_exit", true),
        [blocks as u32, 1, 1],
        [64, 1, 1],
        &[out],
        &[active as u32],
    );
    let want: Vec<f32> = (0..blocks)
        .flat_map(|_| (0..active).map(|t| ((t + 1) % active + 1) as f32))
        .collect();
    assert_eq!(d.download::<f32>(out, blocks * active), want);
}

#[test]
fn barrier_kernel_run_as_loop_is_reported() {
    // A kernel the lockstep pass leaves alone, so that this holds with and
    // without it; `HostEntry` built by hand to say "no barrier" wrongly.
    let d = Dev::new();
    let (px, pp) = (d.upload(&[1.0f32; 256]), d.zeros::<f32>(1));
    let mut wrong = entry("opaque_barrier_sum", true);
    wrong.uses_barrier = false;
    d.launch(wrong, [1, 1, 1], [256, 1, 1], &[px, pp], &[256]);
    let err = d.stream.synchronize().unwrap_err().to_string();
    assert!(err.contains("__syncthreads"), "{err}");
    // Reported once; the stream keeps working.
    d.stream.synchronize().unwrap();
}

#[test]
fn warp_shuffle_reduction_with_warp_size_one() {
    let d = Dev::new();
    let n = 5000usize;
    let x: Vec<f32> = (0..n).map(|i| (i % 10) as f32).collect();
    let (px, ps) = (d.upload(&x), d.zeros::<f32>(1));
    d.launch(
        entry("warp_sum", true),
        [1, 1, 1],
        [128, 1, 1],
        &[px, ps],
        &[n as u32],
    );
    assert_eq!(d.download::<f32>(ps, 1)[0], x.iter().sum::<f32>());
}

#[test]
fn three_dimensional_blocks_keep_their_built_ins_across_barriers() {
    let d = Dev::new();
    let (grid, block) = ([3u32, 2, 2], [4u32, 3, 2]);
    let nt = 24usize;
    let nb = 12usize;
    let out = d.zeros::<u32>(nb * nt);
    d.launch(entry("mirror3d", true), grid, block, &[out], &[]);
    let want: Vec<u32> = (0..nb)
        .flat_map(|b| (0..nt).map(move |t| (b * 1000 + (nt - 1 - t) + t * 1_000_000) as u32))
        .collect();
    assert_eq!(d.download::<u32>(out, nb * nt), want);
}

#[test]
fn dynamic_shared_memory() {
    let d = Dev::new();
    let (blocks, n) = (50usize, 96usize);
    let x: Vec<i32> = (0..(blocks * n) as i32).collect();
    let (pin, pout) = (d.upload(&x), d.zeros::<i32>(blocks * n));
    let e = KernelHandle::Host(entry("reverse_blocks", true));
    // SAFETY: `reverse_blocks` reads and writes `blocks * n` ints and uses
    // `n` ints of dynamic shared memory.
    unsafe {
        d.stream
            .submit(&LaunchSpec {
                grid: [blocks as u32, 1, 1],
                block: [n as u32, 1, 1],
                shared_bytes: (n * 4) as u32,
                bindings: &[pin, pout],
                ..LaunchSpec::test(e)
            })
            .unwrap()
    };
    let want: Vec<i32> = x.chunks(n).flat_map(|c| c.iter().rev().copied()).collect();
    assert_eq!(d.download::<i32>(pout, blocks * n), want);
    // SAFETY: refused before running.
    let r = unsafe {
        d.stream.submit(&LaunchSpec {
            shared_bytes: 64 * 1024 + 1,
            bindings: &[pin, pout],
            ..LaunchSpec::test(e)
        })
    };
    assert!(r.is_err());
}

#[test]
fn two_dimensional_grid() {
    let d = Dev::new();
    let (rows, cols) = (37usize, 53usize);
    let m: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
    let (pin, pout) = (d.upload(&m), d.zeros::<f32>(rows * cols));
    d.launch(
        entry("transpose", false),
        [(cols as u32).div_ceil(16), (rows as u32).div_ceil(8), 1],
        [16, 8, 1],
        &[pin, pout],
        &[rows as u32, cols as u32],
    );
    let got = d.download::<f32>(pout, rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            assert_eq!(got[c * rows + r], m[r * cols + c]);
        }
    }
}

#[test]
fn math_functions() {
    let d = Dev::new();
    let n = 1001usize;
    let x: Vec<f32> = (0..n).map(|i| (i as f32 - 500.0) / 50.0).collect();
    let (px, py) = (d.upload(&x), d.zeros::<f32>(n));
    d.launch(
        entry("softplus", false),
        [(n as u32).div_ceil(128), 1, 1],
        [128, 1, 1],
        &[px, py],
        &[n as u32],
    );
    let got = d.download::<f32>(py, n);
    for (v, g) in x.iter().zip(got) {
        let want = (1.0 + v.exp()).ln() + v.max(0.0).sqrt() * 0.5;
        assert!(
            (g - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{v}: {g} vs {want}"
        );
    }
}

#[test]
fn atomics_histogram_and_float_add() {
    let d = Dev::new();
    let n = 50_000usize;
    let nbins = 17usize;
    let data: Vec<u32> = (0..n as u32)
        .map(|i| i.wrapping_mul(2_654_435_761) >> 7)
        .collect();
    let (pd, pb) = (d.upload(&data), d.zeros::<u32>(nbins));
    d.launch(
        entry("histogram", false),
        [(n as u32).div_ceil(64), 1, 1],
        [64, 1, 1],
        &[pd, pb],
        &[n as u32, nbins as u32],
    );
    let mut want = vec![0u32; nbins];
    for v in &data {
        want[(*v % nbins as u32) as usize] += 1;
    }
    assert_eq!(d.download::<u32>(pb, nbins), want);

    let vals: Vec<f32> = (0..n).map(|i| (i % 100) as f32).collect();
    let (pv, ps, pm) = (d.upload(&vals), d.zeros::<f32>(1), d.zeros::<i32>(1));
    d.launch(
        entry("atomics_misc", false),
        [(n as u32).div_ceil(64), 1, 1],
        [64, 1, 1],
        &[pv, ps, pm],
        &[n as u32],
    );
    // Integers below 2^24 sum exactly in f32 in any order.
    assert_eq!(d.download::<f32>(ps, 1)[0], vals.iter().sum::<f32>());
    assert_eq!(d.download::<i32>(pm, 1)[0], 99);
}

#[test]
fn streams_run_in_order_and_in_parallel() {
    let d = Dev::new();
    let other = d.backend.create_stream().unwrap();
    let n = 10_000usize;
    let a = d.upload(&vec![1.5f32; n]);
    let b = d.zeros::<f32>(n);
    let c = d.upload(&vec![3.0f32; n]);
    let count = [(n as u32).div_ceil(64), 1, 1];
    // b = a * a, then 20 times b *= a, all queued before any wait.
    d.launch(
        entry("simple_mul", false),
        count,
        [64, 1, 1],
        &[a, a, b],
        &[n as u32],
    );
    for _ in 0..20 {
        d.launch(
            entry("simple_mul_inplace", false),
            count,
            [64, 1, 1],
            &[a, b],
            &[n as u32],
        );
    }
    // SAFETY: `c` is a live buffer of `n` floats, used by this stream only.
    unsafe {
        other
            .submit(&LaunchSpec {
                grid: count,
                block: [64, 1, 1],
                bindings: &[c, c],
                constants: &[n as u32],
                ..LaunchSpec::test(KernelHandle::Host(entry("simple_mul_inplace", false)))
            })
            .unwrap()
    };
    d.backend.synchronize().unwrap();
    let mut want = 1.5f32 * 1.5;
    for _ in 0..20 {
        want *= 1.5;
    }
    assert!(
        d.download::<f32>(b, n).iter().all(|&v| v == want),
        "want {want}"
    );
    assert!(d.download::<f32>(c, n).iter().all(|&v| v == 9.0));
}

#[test]
fn bindings_must_be_live_host_allocations() {
    let d = Dev::new();
    let p = d.zeros::<f32>(16);
    let be = &d.backend;
    be.check_binding(p, 64).unwrap();
    be.check_binding(p + 60, 4).unwrap();
    be.check_binding(p + 64, 0).unwrap();
    assert!(be.check_binding(p + 60, 8).is_err());
    assert!(be.check_binding(p - 4, 4).is_err());
    assert!(be.check_binding(0x7f00_0000_0000, 4).is_err()); // e.g. a GPU address
    be.check_binding(0, 0).unwrap(); // an empty buffer without memory
    assert!(be.check_binding(0, 4).is_err());
    let other = HostBackend::new();
    assert!(other.check_binding(p, 4).is_err()); // another device's memory
    assert_eq!(p % 64, 0);
    let n = be.registry().len();
    // SAFETY: nothing was queued on `p`.
    unsafe { be.free(p) };
    assert_eq!(be.registry().len(), n - 1);
    assert!(be.check_binding(p, 4).is_err());
    // A launch naming freed memory is refused before it is queued.
    // SAFETY: refused before running.
    let r = unsafe {
        d.stream.submit(&LaunchSpec {
            bindings: &[p, p, p],
            constants: &[1],
            ..LaunchSpec::test(KernelHandle::Host(entry("simple_mul", false)))
        })
    };
    assert!(r.is_err());
    // SAFETY: out of range, so refused before copying.
    assert!(unsafe { be.copy_h2d(p, &[0u8; 4]) }.is_err());
}

#[test]
fn executor_panics_are_reported_at_the_next_sync() {
    let d = Dev::new();
    let out = d.zeros::<f32>(1);
    let e = entry("simple_mul", false);
    d.launch(
        e,
        [20, 1, 1], // 20 blocks of 343 threads: big enough for the worker pool
        super::pool::tests::PANIC_BLOCK,
        &[out, out, out],
        &[0],
    );
    // The device's wait does not consume the stream's failure.
    d.backend.synchronize().unwrap();
    let err = d.stream.synchronize().unwrap_err().to_string();
    assert!(err.contains("injected executor panic"), "{err}");
    // Reported once; the workers survive and keep running launches.
    d.stream.synchronize().unwrap();
    let n = 10_000usize;
    let v = d.upload(&vec![3.0f32; n]);
    let e = entry("simple_mul_inplace", false);
    d.launch(e, [100, 1, 1], [100, 1, 1], &[v, v], &[n as u32]);
    assert!(d.download::<f32>(v, n).iter().all(|&x| x == 9.0));
}

#[test]
fn dropping_a_stream_waits_for_its_work() {
    let d = Dev::new();
    let n = 100_000usize;
    let v = d.upload(&vec![2.0f32; n]);
    let s = d.backend.create_stream().unwrap();
    let e = KernelHandle::Host(entry("simple_mul_inplace", false));
    for _ in 0..5 {
        // SAFETY: `v` holds `n` floats.
        unsafe {
            s.submit(&LaunchSpec {
                grid: [(n as u32).div_ceil(64), 1, 1],
                block: [64, 1, 1],
                bindings: &[v, v],
                constants: &[n as u32],
                ..LaunchSpec::test(e)
            })
        }
        .unwrap();
    }
    drop(s);
    let mut want = 2.0f32;
    for _ in 0..5 {
        want *= want;
    }
    assert!(d.download::<f32>(v, n).iter().all(|&x| x == want));
}

#[test]
fn limits_and_loading() {
    let d = Dev::new();
    let info = d.backend.info();
    assert_eq!(info.target, crate::TargetId::Host);
    assert!(info.name.starts_with("host ("));
    assert_eq!(info.limits.warp_size, 1);
    // SAFETY: refused before running.
    let r = unsafe {
        d.stream.submit(&LaunchSpec {
            block: [1025, 1, 1],
            ..LaunchSpec::test(KernelHandle::Host(entry("simple_mul", false)))
        })
    };
    assert!(r.is_err());
    // SAFETY: refused before running.
    let r = unsafe { d.stream.submit(&LaunchSpec::test(KernelHandle::Gpu(1))) };
    assert!(r.is_err());
    let e = entry("simple_mul", false);
    assert!(matches!(
        resolve(&["simple_mul"], &[Some(e)]).unwrap()[..],
        [KernelHandle::Host(_)]
    ));
    let err = resolve(&["simple_mul"], &[None]).unwrap_err().to_string();
    assert!(err.contains("without the `host` target"), "{err}");
}

/// Timings for the performance issue: `cargo test -p runtime-hip --release
/// host::tests::bench -- --ignored --nocapture --exact`; add
/// `IREE_HOST_TEST_TLS=initial-exec
/// GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536` for the TLS code of
/// a statically linked program.
#[test]
#[ignore]
fn bench() {
    let d = Dev::new();
    let workers = super::pool::Pool::global().workers();
    let n = 1usize << 24;
    let a = d.upload(&vec![1.25f32; n]);
    let b = d.upload(&vec![2.0f32; n]);
    let c = d.zeros::<f32>(n);
    let e = entry("simple_mul", false);
    let count = [(n as u32).div_ceil(64), 1, 1];
    // CPU time of the whole process (all threads; workers block rather
    // than spin), which stays meaningful on a loaded machine; 10 ms ticks.
    fn cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }
    // Returns (wall, cpu) seconds per call, repeating for at least 1 s.
    let time = |f: &dyn Fn()| {
        f();
        let (t, c) = (Instant::now(), cpu_seconds());
        let mut reps = 0;
        while t.elapsed().as_secs_f64() < 1.0 || reps < 3 {
            f();
            reps += 1;
        }
        (
            t.elapsed().as_secs_f64() / reps as f64,
            (cpu_seconds() - c) / reps as f64,
        )
    };
    let show = |what: &str, kernel: (f64, f64), rust: (f64, f64)| {
        println!(
            "{what}: wall kernel {:.3} ms / rust {:.3} ms = {:.2}; cpu kernel {:.3} ms / rust {:.3} ms = {:.2}",
            kernel.0 * 1e3,
            rust.0 * 1e3,
            kernel.0 / rust.0,
            kernel.1 * 1e3,
            rust.1 * 1e3,
            kernel.1 / rust.1
        )
    };
    let kernel = time(&|| {
        d.launch(e, count, [64, 1, 1], &[a, b, c], &[n as u32]);
        d.stream.synchronize().unwrap();
    });
    // The Rust loop on the same number of threads.
    let x = vec![1.25f32; n];
    let y = vec![2.0f32; n];
    let mut z = vec![0.0f32; n];
    let rust = time(&|| {
        let chunk = n.div_ceil(workers);
        let zp = z.as_ptr() as usize;
        std::thread::scope(|s| {
            for w in 0..workers {
                let (x, y) = (&x, &y);
                s.spawn(move || {
                    let lo = w * chunk;
                    let hi = ((w + 1) * chunk).min(n);
                    // SAFETY: disjoint ranges of `z` per thread.
                    let z = unsafe {
                        std::slice::from_raw_parts_mut((zp as *mut f32).add(lo), hi - lo)
                    };
                    for ((z, x), y) in z.iter_mut().zip(&x[lo..hi]).zip(&y[lo..hi]) {
                        *z = x * y;
                    }
                });
            }
        });
    });
    let _ = &mut z;
    show(
        &format!("simple_mul 2^24 on {workers} workers"),
        kernel,
        rust,
    );

    // Barrier kernel: block_sum over 2^20 floats vs the same tree in Rust.
    let m = 1usize << 20;
    let xs: Vec<f32> = (0..m).map(|i| (i % 7) as f32).collect();
    let px = d.upload(&xs);
    let blocks = m / 256;
    let pp = d.zeros::<f32>(blocks);
    let eb = entry("block_sum", true);
    let kernel = time(&|| {
        d.launch(
            eb,
            [blocks as u32, 1, 1],
            [256, 1, 1],
            &[px, pp],
            &[m as u32],
        );
        d.stream.synchronize().unwrap();
    });
    let rust = time(&|| {
        let per = blocks.div_ceil(workers);
        std::thread::scope(|s| {
            for w in 0..workers {
                let xs = &xs;
                s.spawn(move || {
                    let mut sh = [0.0f32; 256];
                    let mut out = 0.0f32;
                    for blk in w * per..((w + 1) * per).min(blocks) {
                        sh.copy_from_slice(&xs[blk * 256..blk * 256 + 256]);
                        let mut k = 128;
                        while k > 0 {
                            for t in 0..k {
                                sh[t] += sh[t + k];
                            }
                            k >>= 1;
                        }
                        out += sh[0];
                    }
                    std::hint::black_box(out);
                });
            }
        });
    });
    show(
        "block_sum 2^20 (256-thread blocks, 9 barriers)",
        kernel,
        rust,
    );

    // Launch overhead: one 64-thread block.
    let v = d.upload(&[1.0f32; 64]);
    let em = entry("simple_mul_inplace", false);
    let (queued, _) = time(&|| {
        for _ in 0..100 {
            d.launch(em, [1, 1, 1], [64, 1, 1], &[v, v], &[64]);
        }
        d.stream.synchronize().unwrap();
    });
    let (round_trip, _) = time(&|| {
        d.launch(em, [1, 1, 1], [64, 1, 1], &[v, v], &[64]);
        d.stream.synchronize().unwrap();
    });
    println!(
        "tiny launch: {:.1} us each when queued back to back, {:.1} us launch + sync",
        queued / 100.0 * 1e6,
        round_trip * 1e6
    );
}

/// Cost of one barrier round trip per thread, without kernel work:
/// `cargo test -p runtime-hip --release host::tests::bench_switch -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_switch() {
    unsafe extern "C" fn nine_barriers(
        _: *const super::HostLaunch,
        _: *const *mut std::ffi::c_void,
    ) {
        for _ in 0..9 {
            super::__iree_host_barrier();
        }
    }
    for threads in [4u32, 64, 256, 1024] {
        let launch = super::HostLaunch {
            grid_dim: [1; 3],
            block_dim: [threads, 1, 1],
            ..Default::default()
        };
        let blocks = 500_000 / threads as usize;
        // SAFETY: the thread function ignores its arguments.
        let run = || unsafe {
            super::barrier::run_block(nine_barriers, &launch, std::ptr::null()).unwrap()
        };
        run();
        let t = Instant::now();
        for _ in 0..blocks {
            run();
        }
        let per = t.elapsed().as_secs_f64() / (blocks * threads as usize * 10) as f64;
        println!(
            "{:.1} ns per coroutine resume ({threads} threads, 9 barriers)",
            per * 1e9
        );
    }
}

/// The block entry's code against a Rust loop, one thread, no executor:
/// `cargo test -p runtime-hip --release host::tests::bench_single -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_single() {
    let n = 1usize << 22;
    let x = vec![1.25f32; n];
    let y = vec![2.0f32; n];
    let mut z = vec![0.0f32; n];
    let e = entry("simple_mul", false);
    let (mut px, mut py, mut pz, mut dim) = (x.as_ptr(), y.as_ptr(), z.as_mut_ptr(), n as i32);
    let args = [
        &mut px as *mut _ as *mut std::ffi::c_void,
        &mut py as *mut _ as *mut std::ffi::c_void,
        &mut pz as *mut _ as *mut std::ffi::c_void,
        &mut dim as *mut _ as *mut std::ffi::c_void,
    ];
    let blocks = (n / 64) as u32;
    let mut best = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..20 {
        let t = Instant::now();
        let mut l = super::HostLaunch {
            grid_dim: [blocks, 1, 1],
            block_dim: [64, 1, 1],
            ..Default::default()
        };
        for b in 0..blocks {
            l.block_idx[0] = b;
            // SAFETY: the arguments are simple_mul's, over `n` floats.
            unsafe { (e.block)(&l, args.as_ptr()) };
        }
        best.0 = best.0.min(t.elapsed().as_secs_f64());
        // The executor hands row segments to one call.
        let t = Instant::now();
        l.block_idx[0] = 0;
        l.block_count = blocks;
        // SAFETY: as above.
        unsafe { (e.block)(&l, args.as_ptr()) };
        best.2 = best.2.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for ((z, x), y) in z.iter_mut().zip(&x).zip(&y) {
            *z = x * y;
        }
        std::hint::black_box(&mut z);
        best.1 = best.1.min(t.elapsed().as_secs_f64());
    }
    println!(
        "simple_mul 2^22, one thread, best of 20: one call per block {:.3} ms, one call {:.3} ms, \
         rust {:.3} ms, rust/kernel = {:.2}",
        best.0 * 1e3,
        best.2 * 1e3,
        best.1 * 1e3,
        best.1 / best.2
    );
}
