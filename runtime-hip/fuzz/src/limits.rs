//! The "huge allocation" check: a global allocator that turns an
//! allocation past [`MAX_ONE`] bytes, or more than [`MAX_LIVE`] bytes live
//! at once, into a finding (the current input is saved and the process
//! aborts, as libFuzzer's `-malloc_limit_mb`/`-rss_limit_mb` do). A parser
//! must bound what it allocates by what its input can justify; the largest
//! allocation this workspace allows itself is an offload bundle's 256 MiB
//! decompression limit.
//!
//! Install it in a binary that runs the driver:
//! `#[global_allocator] static A: runtime_hip_fuzz::limits::Capped = runtime_hip_fuzz::limits::Capped;`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The largest single allocation allowed: just over the offload bundle
/// reader's 256 MiB decompression limit.
pub const MAX_ONE: usize = 300 << 20;
/// The most bytes live at once, over every thread of the process.
pub const MAX_LIVE: usize = 2 << 30;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Set once a violation is being reported, so the report's own
/// allocations pass.
static TRIPPED: AtomicBool = AtomicBool::new(false);

/// [`System`] with the limits above.
pub struct Capped;

impl Capped {
    fn check(size: usize) {
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        if (size > MAX_ONE || live > MAX_LIVE) && !TRIPPED.swap(true, Ordering::SeqCst) {
            crate::driver::abort_with_finding(&format!(
                "huge allocation: {size} bytes in one request, {live} bytes live \
                 (limits: {MAX_ONE} in one, {MAX_LIVE} live)"
            ));
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments;
// the counting around it never touches the memory.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout (every
        // allocation of this allocator does).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::check(new_size);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as in `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
