//! `IREE_HOST_CHECK=1`: host kernels run with their bindings bounds-checked.
//!
//! On a GPU an out-of-bounds index in a kernel faults the device (or
//! silently reads another buffer); on the host it reads or corrupts this
//! process's memory. In check mode the host device catches such accesses
//! and reports them as [`Error::KernelOutOfBounds`](crate::Error::KernelOutOfBounds), naming the kernel, the
//! binding, the byte index and the buffer's length, instead of corrupting
//! anything. It costs a memory mapping per allocation and a few
//! instructions per block, so it is for testing kernels, not for speed.
//!
//! # How
//!
//! * **Placement.** Every allocation of a checked device is its own
//!   mapping: [`GUARD`] bytes of `PROT_NONE` pages, the data pages, and
//!   [`GUARD`] more `PROT_NONE` bytes. The buffer *ends exactly* at the
//!   first byte of the rear guard, so the first byte past its end, and
//!   everything up to [`GUARD`] bytes beyond, faults. Its start is
//!   therefore aligned only to the largest power of two dividing its length
//!   (at least its element's alignment, since the element size divides the
//!   length), not to the 64 bytes of unchecked allocations.
//! * **Catching.** A `SIGSEGV` handler (installed once, chaining to the
//!   previous one for every fault that is not ours) looks at the faulting
//!   address. If the thread is running a block of a checked launch and the
//!   address lies in a guard of one of that launch's bindings, it records
//!   the binding, the offset and whether the access was a read or a write,
//!   and makes the thread resume in [`call`]'s landing code instead of at
//!   the faulting instruction: the kernel is abandoned at the bad access
//!   (kernels are C++ built with `-fno-exceptions`, so there is nothing to
//!   unwind), and `call` returns the fault.
//! * **Reporting.** The block's chunk stops; the grid's other blocks still
//!   run; the stream reports the fault at its next `synchronize`, as any
//!   failed launch.
//!
//! # What it catches, what it cannot
//!
//! * Any access from one past the end up to [`GUARD`] bytes beyond: exact.
//! * Accesses before the start that land in the front guard: exact when the
//!   buffer's length is a multiple of the page size (the start is then
//!   page-aligned). Otherwise the part of the first page below the start
//!   (less than a page) is mapped padding filled with [`CANARY`]: a write
//!   there is found when the launch completes (the kernel ran to its end;
//!   no other data lives there), a read there is not reported (it reads
//!   the canary).
//! * A sub-slice bound as a binding is checked against its whole buffer:
//!   an index past the slice but inside the buffer is not caught.
//! * Wild pointers far from any binding's guards are not ours: they crash
//!   as without check mode.
//!
//! # Safety argument
//!
//! The jump out of the kernel skips frames. It is sound because (1) the
//! skipped frames are the kernel's (C++ without exceptions, holding no
//! Rust values) and, for barrier kernels, `barrier/fiber.rs`'s `run_block`
//! and `fiber_entry` (a checked device always switches barrier kernel
//! threads by fibers), which hold only raw pointers and `Copy` values while a
//! kernel runs, no locks, borrows or values with destructors; afterwards
//! [`barrier::abandon_block`](super::barrier) resets the fiber state the
//! next block would otherwise trust; (2) the landing code restores exactly
//! the callee-saved registers and stack pointer that [`call`]'s assembly
//! saved on entry, so to its Rust caller `call` is an ordinary function
//! that returned once (no `setjmp`-style "returns twice"); (3) the handler
//! only reads a thread-local pointer set by `call` on the same thread and
//! the launch's guard table it points to, which outlives the call, and
//! writes the fault into that frame: it allocates nothing and takes no
//! lock. A fault inside a library call the kernel made (`printf` of a bad
//! string) could leave that library's lock held; check mode is a debugging
//! aid, and such a fault is still reported.
//!
//! Only x86-64 Linux has the handler and the jump; elsewhere
//! `IREE_HOST_CHECK=1` is refused with a warning and kernels run unchecked.
//!
//! Under AddressSanitizer (`cargo xtask test`'s ASan step) check mode works
//! too: ASan lets a program install its own `SIGSEGV` handler, and the
//! guard pages are plain mappings outside ASan's heap.

use super::registry::Registry;
use crate::backend::DevicePtr;

/// What the padding below a checked buffer's start holds; a launch that
/// changed it wrote before the start of a binding.
pub(crate) const CANARY: u8 = 0xa5;

/// Bytes of `PROT_NONE` on each side of a checked allocation: reserved
/// address space only (no memory), wide enough to catch a kernel that runs
/// a long way past the end before it stops.
pub(crate) const GUARD: usize = 1 << 20;

/// Whether `IREE_HOST_CHECK=1` asks for check mode (read once per process);
/// on a platform without it, warns once and says no.
pub(crate) fn requested() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        let asked = std::env::var("IREE_HOST_CHECK").is_ok_and(|v| v.trim() == "1");
        if asked && !imp::SUPPORTED {
            eprintln!(
                "runtime-hip: IREE_HOST_CHECK=1 is only implemented on x86-64 Linux; \
                 host kernels run unchecked"
            );
        }
        asked && imp::SUPPORTED
    })
}

/// One binding of a checked launch, as the fault handler compares it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Guarded {
    /// Position of the binding among the launch's bindings.
    pub binding: usize,
    /// The address the kernel received.
    pub ptr: DevicePtr,
    /// The allocation holding it: start and length in bytes.
    pub start: DevicePtr,
    pub len: usize,
}

/// What a checked launch carries: its bindings.
#[derive(Debug)]
pub(crate) struct Launch {
    pub bindings: Vec<Guarded>,
}

/// The checked form of one launch on a checked `registry`: for each
/// binding, the allocation its guards belong to (bindings in no
/// allocation, the null pointer of an empty slice, have none).
pub(crate) fn launch(registry: &Registry, bindings: &[DevicePtr]) -> Launch {
    Launch {
        bindings: bindings
            .iter()
            .enumerate()
            .filter_map(|(binding, &ptr)| {
                let (start, len) = registry.allocation(ptr)?;
                Some(Guarded {
                    binding,
                    ptr,
                    start,
                    len,
                })
            })
            .collect(),
    }
}

/// The fault the handler recorded.
#[derive(Clone, Copy, Debug, Default)]
struct Fault {
    addr: usize,
    write: bool,
    /// Index into [`Launch::bindings`] of the binding whose guard it hit.
    guarded: usize,
}

/// An out-of-bounds access of a checked launch: the facts of
/// [`Error::KernelOutOfBounds`](crate::Error::KernelOutOfBounds) but which launch it was, which the stream
/// adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OutOfBounds {
    /// Position of the binding among the launch's bindings.
    pub binding: usize,
    /// A store (else a load).
    pub write: bool,
    /// Offset of the faulting byte from the binding's address.
    pub offset: i64,
    /// Bytes from the binding's address to the end of its buffer.
    pub len: usize,
}

impl Launch {
    /// The index of the binding whose guards hold `addr`, if any.
    fn hit(&self, addr: usize) -> Option<usize> {
        self.bindings.iter().position(|b| {
            let (lo, hi) = mapping(b.start as usize, b.len);
            let data_lo = lo + GUARD;
            let data_hi = hi - GUARD;
            (lo..data_lo).contains(&addr) || (data_hi..hi).contains(&addr)
        })
    }

    /// After the launch: the first binding whose padding below its start
    /// no longer holds [`CANARY`] (the canary is restored).
    pub(crate) fn padding_written(&self) -> Option<OutOfBounds> {
        let page = imp::page_size();
        self.bindings.iter().enumerate().find_map(|(guarded, b)| {
            let start = b.start as usize;
            let lo = start & !(page - 1);
            // SAFETY: `[lo, start)` is the padding of a live checked
            // allocation (the launch contract keeps it alive until the
            // launch completes, which it has); nothing else writes it.
            let padding = unsafe { std::slice::from_raw_parts_mut(lo as *mut u8, start - lo) };
            // Report the lowest byte of the changed run nearest the start:
            // the start of the element written there.
            let last = padding.iter().rposition(|&x| x != CANARY)?;
            let first = padding[..last]
                .iter()
                .rposition(|&x| x == CANARY)
                .map_or(0, |i| i + 1);
            padding.fill(CANARY);
            Some(self.locate(Fault {
                addr: lo + first,
                write: true,
                guarded,
            }))
        })
    }

    /// The out-of-bounds access `fault` describes.
    fn locate(&self, fault: Fault) -> OutOfBounds {
        let b = &self.bindings[fault.guarded];
        OutOfBounds {
            binding: b.binding,
            write: fault.write,
            offset: fault.addr as i64 - b.ptr as i64,
            len: (b.start as usize + b.len).saturating_sub(b.ptr as usize),
        }
    }
}

/// `[start, end)` of the whole mapping of a checked allocation of `len`
/// bytes at `start` (guards included): a function of the two alone, so
/// nothing else needs recording.
fn mapping(start: usize, len: usize) -> (usize, usize) {
    let page = imp::page_size();
    let end = start + len;
    let data_lo = start & !(page - 1);
    let data_hi = end.div_ceil(page) * page;
    (data_lo - GUARD, data_hi + GUARD)
}

/// Allocates `bytes` (> 0) zeroed bytes ending exactly at a guard.
pub(crate) fn alloc(bytes: usize) -> Result<DevicePtr, String> {
    imp::alloc(bytes)
}

/// Frees an allocation made by [`alloc`].
///
/// # Safety
/// `ptr` and `bytes` are an allocation of [`alloc`], freed once, unused.
pub(crate) unsafe fn free(ptr: DevicePtr, bytes: usize) {
    // SAFETY: forwarded.
    unsafe { imp::free(ptr, bytes) }
}

/// Runs `f` (one or more blocks of `launch`) with the fault handler armed
/// for `launch`'s bindings; `Err` when a guard was hit, in which case `f`
/// was abandoned at the faulting access.
///
/// # Safety
/// `f` runs kernel code whose bindings are `launch.bindings`, all in live
/// checked allocations for the duration; `f` holds no value with a
/// destructor, lock or borrow across the kernel code (the jump skips its
/// frames; see the module's safety argument).
pub(crate) unsafe fn call<F: FnMut()>(launch: &Launch, f: F) -> Result<(), OutOfBounds> {
    // SAFETY: forwarded.
    match unsafe { imp::call(launch, f) } {
        None => Ok(()),
        Some(fault) => Err(launch.locate(fault)),
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod imp {
    use std::cell::Cell;
    use std::ffi::c_void;
    use std::sync::OnceLock;

    use super::{mapping, Fault, Launch, GUARD};
    use crate::backend::DevicePtr;

    pub(super) const SUPPORTED: bool = true;

    pub(super) fn page_size() -> usize {
        static PAGE: OnceLock<usize> = OnceLock::new();
        // SAFETY: sysconf has no preconditions.
        *PAGE.get_or_init(|| unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize)
    }

    pub(super) fn alloc(bytes: usize) -> Result<DevicePtr, String> {
        install_handler()?;
        let page = page_size();
        let data = bytes
            .checked_next_multiple_of(page)
            .filter(|&d| d <= isize::MAX as usize - 2 * GUARD)
            .ok_or("the size overflows")?;
        let total = data + 2 * GUARD;
        // SAFETY: a fresh anonymous mapping; no existing memory is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(format!("mmap: {}", std::io::Error::last_os_error()));
        }
        let data_lo = base as usize + GUARD;
        // SAFETY: `[data_lo, data_lo + data)` is inside the mapping above.
        if unsafe {
            libc::mprotect(
                data_lo as *mut c_void,
                data,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        } != 0
        {
            let e = std::io::Error::last_os_error();
            // SAFETY: the mapping made above, not yet handed out.
            unsafe { libc::munmap(base, total) };
            return Err(format!("mprotect: {e}"));
        }
        let start = data_lo + data - bytes;
        // SAFETY: `[data_lo, start)` is the padding of the fresh mapping,
        // readable and writable, below the buffer.
        unsafe { std::ptr::write_bytes(data_lo as *mut u8, super::CANARY, start - data_lo) };
        debug_assert_eq!(
            mapping(start, bytes),
            (base as usize, base as usize + total)
        );
        Ok(start as DevicePtr)
    }

    pub(super) unsafe fn free(ptr: DevicePtr, bytes: usize) {
        let (lo, hi) = mapping(ptr as usize, bytes);
        // SAFETY: the caller passes an allocation of `alloc`, whose mapping
        // is exactly `[lo, hi)`, and nothing uses it any more.
        unsafe { libc::munmap(lo as *mut c_void, hi - lo) };
    }

    /// What `iree_host_check_call` saved and the handler fills in.
    #[repr(C)]
    struct Frame {
        /// The stack pointer after the saved registers (read by the
        /// landing code: keep it first).
        sp: usize,
        launch: *const Launch,
        fault: Cell<Option<Fault>>,
    }

    thread_local! {
        /// The frame of the checked call running on this thread, or null.
        /// Const-initialised without a destructor: reading it in the signal
        /// handler allocates nothing.
        static CURRENT: Cell<*mut Frame> = const { Cell::new(std::ptr::null_mut()) };
    }

    // `iree_host_check_call(f, ctx, frame)`: saves the callee-saved
    // registers and the stack pointer (into `frame->sp`), calls `f(ctx)`,
    // returns 0. `iree_host_check_landing(frame)`, where the handler sends
    // a faulting thread: restores that stack pointer and those registers
    // and returns 1 from `iree_host_check_call` to its caller.
    std::arch::global_asm!(
        ".pushsection .text.iree_host_check,\"ax\",@progbits",
        ".p2align 4",
        ".globl iree_host_check_call",
        ".hidden iree_host_check_call",
        ".type iree_host_check_call,@function",
        "iree_host_check_call:",
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "sub rsp, 8",
        "mov [rdx], rsp",
        "mov rax, rdi",
        "mov rdi, rsi",
        "call rax",
        "xor eax, eax",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
        ".size iree_host_check_call, .-iree_host_check_call",
        ".p2align 4",
        ".globl iree_host_check_landing",
        ".hidden iree_host_check_landing",
        ".type iree_host_check_landing,@function",
        "iree_host_check_landing:",
        "mov rsp, [rdi]",
        "mov eax, 1",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
        ".size iree_host_check_landing, .-iree_host_check_landing",
        ".popsection",
    );

    extern "C" {
        /// `sp` is `&mut frame.sp`, the start of the `#[repr(C)]` frame.
        fn iree_host_check_call(
            f: unsafe extern "C" fn(*mut c_void),
            ctx: *mut c_void,
            sp: *mut usize,
        ) -> u32;
        /// Never called: the handler makes a faulting thread resume here,
        /// with `rdi` = the frame.
        fn iree_host_check_landing();
    }

    /// Calls the closure behind `ctx`.
    unsafe extern "C" fn trampoline<F: FnMut()>(ctx: *mut c_void) {
        // SAFETY: `call` passes a pointer to its `F`, alive for the call.
        unsafe { (*(ctx as *mut F))() }
    }

    pub(super) unsafe fn call<F: FnMut()>(launch: &Launch, mut f: F) -> Option<Fault> {
        let mut frame = Frame {
            sp: 0,
            launch,
            fault: Cell::new(None),
        };
        // One pointer for the assembly, the handler and the read below.
        let fp = std::ptr::addr_of_mut!(frame);
        let previous = CURRENT.with(|c| c.replace(fp));
        // SAFETY: the assembly calls `trampoline::<F>(&mut f)` on this
        // stack and returns once: 0 when it returned, 1 when the handler
        // sent the thread to the landing code (module docs).
        let jumped = unsafe {
            iree_host_check_call(
                trampoline::<F>,
                (&mut f as *mut F).cast(),
                std::ptr::addr_of_mut!((*fp).sp),
            )
        };
        CURRENT.with(|c| c.set(previous));
        if jumped != 0 {
            super::super::barrier::abandon_block();
        }
        // SAFETY: `fp` points at `frame`, alive; the handler is done with it.
        unsafe { (*fp).fault.get() }
    }

    /// The handler that was installed before ours, to chain to.
    static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

    fn install_handler() -> Result<(), String> {
        static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
        INSTALLED
            .get_or_init(|| {
                // SAFETY: zeroed `sigaction` structs are valid; `on_segv`
                // has the SA_SIGINFO signature.
                unsafe {
                    let mut new: libc::sigaction = std::mem::zeroed();
                    new.sa_sigaction = on_segv as *const () as usize;
                    new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                    libc::sigemptyset(&mut new.sa_mask);
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(libc::SIGSEGV, &new, &mut old) != 0 {
                        return Err(format!("sigaction: {}", std::io::Error::last_os_error()));
                    }
                    let _ = PREVIOUS.set(old);
                }
                Ok(())
            })
            .clone()
    }

    /// x86's page-fault error code bit for a write access.
    const PF_WRITE: i64 = 2;

    extern "C" fn on_segv(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
        let frame = CURRENT.with(Cell::get);
        // SAFETY: the kernel passes a valid siginfo and ucontext; `frame`,
        // when non-null, is the live frame of `call` on this thread, whose
        // launch outlives it.
        unsafe {
            let addr = (*info).si_addr() as usize;
            let hit = if frame.is_null() {
                None
            } else {
                (*(*frame).launch).hit(addr)
            };
            if let Some(guarded) = hit {
                let uc = ctx as *mut libc::ucontext_t;
                let gregs = &mut (*uc).uc_mcontext.gregs;
                let write = gregs[libc::REG_ERR as usize] & PF_WRITE != 0;
                (*frame).fault.set(Some(Fault {
                    addr,
                    write,
                    guarded,
                }));
                gregs[libc::REG_RIP as usize] = iree_host_check_landing as *const () as i64;
                gregs[libc::REG_RDI as usize] = frame as i64;
                return;
            }
            chain(sig, info, ctx);
        }
    }

    /// Hands a fault that is not ours to the handler installed before.
    ///
    /// # Safety
    /// Called from the signal handler with its arguments.
    unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
        let Some(old) = PREVIOUS.get() else {
            // Not installed yet (a fault while installing): die as usual.
            // SAFETY: resetting a signal's disposition.
            unsafe { libc::signal(sig, libc::SIG_DFL) };
            return;
        };
        match old.sa_sigaction {
            libc::SIG_DFL | libc::SIG_IGN => {
                // Restore the default and return: the access faults again
                // and the process dies of SIGSEGV, as without us.
                // SAFETY: resetting a signal's disposition.
                unsafe { libc::signal(sig, libc::SIG_DFL) };
            }
            h if old.sa_flags & libc::SA_SIGINFO != 0 => {
                // SAFETY: the previous handler's own signature.
                let h: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                    unsafe { std::mem::transmute(h) };
                h(sig, info, ctx);
            }
            h => {
                // SAFETY: as above, the plain form.
                let h: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(h) };
                h(sig);
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod imp {
    use super::{Fault, Launch};
    use crate::backend::DevicePtr;

    pub(super) const SUPPORTED: bool = false;

    pub(super) fn page_size() -> usize {
        4096
    }

    pub(super) fn alloc(_bytes: usize) -> Result<DevicePtr, String> {
        Err("IREE_HOST_CHECK is only implemented on x86-64 Linux".into())
    }

    pub(super) unsafe fn free(_ptr: DevicePtr, _bytes: usize) {}

    pub(super) unsafe fn call<F: FnMut()>(_launch: &Launch, mut f: F) -> Option<Fault> {
        f();
        None
    }
}

#[cfg(all(test, target_arch = "x86_64", target_os = "linux"))]
mod tests {
    use super::super::abi::HostEntry;
    use super::super::tests::{entry, Dev};
    use crate::backend::{Backend, DevicePtr, KernelHandle, LaunchSpec};
    use crate::Error;

    /// Queues kernel `name` as a wrapper does (the name reaches the error).
    fn launch(
        d: &Dev,
        name: &'static str,
        e: HostEntry,
        grid: u32,
        block: u32,
        bindings: &[DevicePtr],
        constants: &[u32],
    ) {
        let spec = LaunchSpec {
            kernel: KernelHandle::Host(e),
            name,
            grid: [grid, 1, 1],
            block: [block, 1, 1],
            shared_bytes: 0,
            bindings,
            constants,
            params: &[],
        };
        // SAFETY: the tests pass exactly each kernel's parameters; what
        // they index out of bounds lands in check mode's guards.
        unsafe { d.stream.submit(&spec).unwrap() }
    }

    /// `shifted` over `i <= n` with buffers of `lens` floats and the given
    /// shifts; what the stream's synchronize said.
    fn shifted(d: &Dev, lens: [usize; 3], n: usize, shifts: [i32; 3]) -> Result<(), Error> {
        let a = d.upload(&vec![1.0f32; lens[0]]);
        let b = d.upload(&vec![2.0f32; lens[1]]);
        let out = d.zeros::<f32>(lens[2]);
        let [sa, sb, so] = shifts.map(|s| s as u32);
        let grid = (n as u32 + 1).div_ceil(64);
        let c = [n as u32, sa, sb, so];
        launch(
            d,
            "shifted",
            entry("shifted", false),
            grid,
            64,
            &[a, b, out],
            &c,
        );
        d.stream.synchronize()
    }

    fn fault(r: Result<(), Error>) -> (String, usize, bool, i64, usize) {
        match r {
            Err(Error::KernelOutOfBounds {
                kernel,
                binding,
                write,
                offset,
                len,
                ..
            }) => (kernel, binding, write, offset, len),
            other => panic!("expected KernelOutOfBounds, got {other:?}"),
        }
    }

    #[test]
    fn a_write_one_past_the_end_is_an_error_naming_it() {
        let d = Dev::with_check(true);
        let n = 1000;
        let r = shifted(&d, [n + 1, n + 1, n], n, [0, 0, 0]);
        let e = r.as_ref().unwrap_err().to_string();
        assert_eq!(fault(r), ("shifted".into(), 2, true, 4000, 4000));
        assert!(
            e.contains("kernel `shifted` (grid [16, 1, 1]) on stream #")
                && e.contains(" wrote binding 2 out of bounds: byte offset 4000")
                && e.contains("which has 4000 bytes")
                && e.contains("IREE_HOST_CHECK=1"),
            "{e}"
        );
        // Reported once; the device keeps working.
        d.stream.synchronize().unwrap();
        shifted(&d, [n + 1; 3], n, [0, 0, 0]).unwrap();
    }

    #[test]
    fn a_read_before_the_start_is_an_error() {
        let d = Dev::with_check(true);
        // 1024 floats: a page, so the start is page-aligned and index -1 is
        // in the front guard.
        let r = shifted(&d, [1024; 3], 1023, [-1, 0, 0]);
        assert_eq!(fault(r), ("shifted".into(), 0, false, -4, 4096));
    }

    #[test]
    fn a_write_just_below_the_start_is_found_after_the_launch() {
        let d = Dev::with_check(true);
        // 1000 floats: the start is 96 bytes into its page, so out[-1] is
        // padding, not guard.
        let r = shifted(&d, [1000; 3], 999, [0, 0, -1]);
        assert_eq!(fault(r), ("shifted".into(), 2, true, -4, 4000));
        // The canary was restored: the next correct launch is clean.
        shifted(&d, [1000; 3], 999, [0, 0, 0]).unwrap();
    }

    #[test]
    fn each_binding_is_guarded() {
        let d = Dev::with_check(true);
        let n = 777;
        for (binding, shifts, write) in [
            (0, [1, 0, 0], false),
            (1, [0, 1, 0], false),
            (2, [0, 0, 1], true),
        ] {
            let r = shifted(&d, [n + 1; 3], n, shifts);
            let len = (n + 1) * 4;
            assert_eq!(
                fault(r),
                ("shifted".into(), binding, write, len as i64, len),
                "shifts {shifts:?}"
            );
        }
    }

    #[test]
    fn barrier_kernels_are_checked_and_keep_working() {
        let d = Dev::with_check(true);
        // `opaque_barrier_sum` always runs its threads as fibers;
        // `block_sum` does too unless the lockstep pass transformed it.
        for name in ["opaque_barrier_sum", "block_sum"] {
            let k = entry(name, true);
            let input = d.upload(&[1.0f32; 1024]);
            let small = d.zeros::<f32>(3);
            launch(&d, name, k, 4, 256, &[input, small], &[1024]);
            let r = d.stream.synchronize();
            assert_eq!(fault(r), (name.into(), 1, true, 12, 12), "{name}");
            // The worker's fibers were abandoned mid-block; the next
            // launch starts afresh and gives the right sums.
            let partial = d.zeros::<f32>(4);
            launch(&d, name, k, 4, 256, &[input, partial], &[1024]);
            d.stream.synchronize().unwrap();
            assert_eq!(d.download::<f32>(partial, 4), vec![256.0; 4], "{name}");
        }
    }

    #[test]
    fn a_null_binding_is_accepted_and_guards_nothing() {
        let d = Dev::with_check(true);
        let n = 1000usize;
        let input: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let (pin, pbias, pout) = (
            d.upload(&input),
            d.upload(&vec![0.5f32; n]),
            d.zeros::<f32>(n),
        );
        let grid = (n as u32).div_ceil(64);
        let e = entry("maybe_bias", false);
        for (bias, add) in [(0, 0.0), (pbias, 0.5)] {
            launch(
                &d,
                "maybe_bias",
                e,
                grid,
                64,
                &[pin, bias, pout],
                &[n as u32],
            );
            d.stream.synchronize().unwrap();
            let want: Vec<f32> = input.iter().map(|x| x + add).collect();
            assert_eq!(d.download::<f32>(pout, n), want, "bias {bias:#x}");
        }
        let checked = super::launch(d.backend.registry(), &[pin, 0, pout]);
        let guarded: Vec<usize> = checked.bindings.iter().map(|g| g.binding).collect();
        assert_eq!(guarded, [0, 2], "the null binding has no guards");
    }

    #[test]
    fn in_bounds_kernels_give_the_same_results() {
        let d = Dev::with_check(true);
        for n in [1usize, 63, 1000, 4096, 10_001] {
            let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
            let (pa, pb, pc) = (d.upload(&a), d.upload(&a), d.zeros::<f32>(n));
            // Each buffer ends exactly at a page boundary (the guard).
            for p in [pa, pb, pc] {
                assert_eq!((p as usize + n * 4) % super::imp::page_size(), 0);
                assert_eq!(p % 4, 0);
            }
            let grid = [(n as u32).div_ceil(64), 1, 1];
            d.launch(
                entry("add", false),
                grid,
                [64, 1, 1],
                &[pa, pb, pc],
                &[n as u32],
            );
            let want: Vec<f32> = a.iter().map(|x| x * 2.0).collect();
            assert_eq!(d.download::<f32>(pc, n), want);
            for p in [pa, pb, pc] {
                // SAFETY: synchronised above; each freed once.
                unsafe { d.backend.free(p as DevicePtr) };
            }
        }
        assert_eq!(d.backend.registry().len(), 0);
    }
}
