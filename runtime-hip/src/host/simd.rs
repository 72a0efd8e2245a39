//! Which SIMD block entry host kernels run: the widest the CPU has, or the
//! scalar one.
//!
//! Why: with iree-build's pass plugin, the block entry of a barrier-free
//! kernel also exists compiled for AVX2+FMA and for AVX-512 (the host
//! header's "SIMD block entries"), its thread loop vectorised so that
//! consecutive threads run in the vector lanes; a barrier kernel the
//! lockstep pass cut also has vector rounds for AVX2 and AVX-512 (the
//! header's "vector lockstep"), which its scheduler asks for the same way.
//! The object cannot know the
//! CPU it will run on, so the entry asks [`__iree_host_simd_level`] each
//! call; the answer is the launch's [`Level`], which the worker running the
//! launch's blocks sets for itself (`Level::enter`).
//!
//! `IREE_HOST_SIMD=0` (or `off`, `false`, `no`) forces the scalar entry for
//! the whole process; [`capped`] does it for the launches one thread makes,
//! so that a test can run every kernel both ways and compare.
//!
//! # Safety argument
//!
//! An entry compiled for AVX-512 executed on a CPU without it is an illegal
//! instruction (or worse, on a CPU with other meanings for the encoding), so
//! a level above [`Level::Scalar`] is only ever made by [`Level::detected`]
//! from `is_x86_feature_detected!`, or by [`Level::at_most`], which never
//! raises a level: there is no way to set an arbitrary level.

use std::cell::Cell;
use std::sync::OnceLock;

/// `IREE_HOST_SIMD`: `0`, `off`, `false` or `no` run the scalar entries.
pub const ENV_VAR: &str = "IREE_HOST_SIMD";

/// A SIMD block entry, by the number the header's dispatch compares
/// (`__iree_host_simd_level` in hip_runtime.h: 0, 1 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u32)]
pub enum Level {
    /// The block entry compiled for the baseline x86-64 (or any other CPU).
    Scalar = 0,
    /// The entry compiled with `target("avx2,fma")`: 8 float lanes.
    Avx2 = 1,
    /// The entry compiled for AVX-512 (F, VL, BW, DQ): 16 float lanes.
    Avx512 = 2,
}

impl Level {
    /// The widest entry this CPU runs, or [`Level::Scalar`] under
    /// `IREE_HOST_SIMD=0`; found once per process.
    pub fn detected() -> Level {
        static LEVEL: OnceLock<Level> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            if turned_off(std::env::var(ENV_VAR).ok().as_deref()) {
                Level::Scalar
            } else {
                cpu_level()
            }
        })
    }

    /// The lower of this level and `cap`: how a test runs the scalar path
    /// on a CPU that has a wider one (never a level the CPU lacks).
    pub fn at_most(self, cap: Level) -> Level {
        self.min(cap)
    }

    /// The level a launch made now on this thread runs: [`Level::detected`]
    /// under this thread's [`capped`] limit.
    pub fn for_launch() -> Level {
        Level::detected().at_most(LAUNCH_CAP.with(Cell::get))
    }

    /// The entry's name, as the bench reports it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// Makes this the level the calling thread's block entries run, until
    /// the guard drops (it restores the previous one).
    pub(crate) fn enter(self) -> Entered {
        Entered(CURRENT.with(|c| c.replace(self)))
    }
}

/// Restores the calling thread's previous level when dropped.
pub(crate) struct Entered(Level);

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

thread_local! {
    /// The level of the launch this thread runs blocks of: scalar outside
    /// one (a host entry called directly, as some tests do).
    static CURRENT: Cell<Level> = const { Cell::new(Level::Scalar) };
    /// The widest level of the launches this thread makes ([`capped`]).
    static LAUNCH_CAP: Cell<Level> = const { Cell::new(Level::Avx512) };
}

/// Runs `f` with every host launch this thread makes in it running SIMD
/// entries no wider than `cap` (the scalar entries for [`Level::Scalar`]),
/// wherever its blocks run: the level is part of the launch. What a test
/// comparing the vector and the scalar path of a kernel uses; other
/// threads' launches are unaffected.
pub fn capped<R>(cap: Level, f: impl FnOnce() -> R) -> R {
    struct Restore(Level);
    impl Drop for Restore {
        fn drop(&mut self) {
            LAUNCH_CAP.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(LAUNCH_CAP.with(|c| c.replace(cap)));
    f()
}

/// Whether `IREE_HOST_SIMD` set to `value` turns the SIMD entries off.
fn turned_off(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "0" | "off" | "false" | "no"
        )
    })
}

#[cfg(target_arch = "x86_64")]
fn cpu_level() -> Level {
    if is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
    {
        Level::Avx512
    } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        Level::Avx2
    } else {
        Level::Scalar
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_level() -> Level {
    Level::Scalar
}

/// The SIMD block entry the calling thread's host kernels run (the host
/// header's SIMD dispatch calls it; the object references it weakly, so a
/// kernel linked without this crate runs its scalar entry).
#[no_mangle]
pub extern "C" fn __iree_host_simd_level() -> u32 {
    CURRENT.with(|c| c.get()) as u32
}

/// Keeps `__iree_host_simd_level` in every program that links this crate:
/// host objects reference it from outside Rust's view (weakly, so nothing
/// else would pull it in).
#[used]
static KEEP_SIMD_LEVEL: extern "C" fn() -> u32 = __iree_host_simd_level;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entered_levels_nest_and_restore() {
        assert_eq!(__iree_host_simd_level(), 0);
        let cpu = Level::detected();
        {
            let _a = cpu.enter();
            assert_eq!(__iree_host_simd_level(), cpu as u32);
            {
                let _b = cpu.at_most(Level::Scalar).enter();
                assert_eq!(__iree_host_simd_level(), 0);
            }
            assert_eq!(__iree_host_simd_level(), cpu as u32);
        }
        assert_eq!(__iree_host_simd_level(), 0);
    }

    #[test]
    fn capped_limits_this_threads_launches_only() {
        let cpu = Level::detected();
        assert_eq!(Level::for_launch(), cpu);
        capped(Level::Scalar, || {
            assert_eq!(Level::for_launch(), Level::Scalar);
            let other = std::thread::spawn(Level::for_launch).join().unwrap();
            assert_eq!(other, cpu);
        });
        assert_eq!(Level::for_launch(), cpu);
    }

    #[test]
    fn iree_host_simd_0_off_false_no_turn_it_off() {
        for v in ["0", "off", " OFF ", "false", "no"] {
            assert!(turned_off(Some(v)), "{v:?}");
        }
        for v in [None, Some("1"), Some(""), Some("avx2")] {
            assert!(!turned_off(v), "{v:?}");
        }
    }

    #[test]
    fn at_most_never_raises() {
        assert_eq!(Level::Scalar.at_most(Level::Avx512), Level::Scalar);
        assert_eq!(Level::Avx512.at_most(Level::Avx2), Level::Avx2);
    }
}
