//! The layer `#[extern_dispatch]` wrappers call.
//!
//! A wrapper holds one `static` [`Kernel`] describing its export; the first
//! launch on a device parses the bundle, picks the variant for that device
//! ([`select_variant`]), loads it and resolves the function, checks the
//! export's block size against the device, and caches the result in a
//! per-device slot. Later launches on that device read the slot (one atomic
//! load), check the launch's arguments and queue it.

use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use crate::backend::{DevicePtr, KernelHandle, LaunchSpec};
use crate::bundle::{Bundle, ExecutableView, ExportView, VariantView, BINDING_READ_ONLY};
use crate::device::{Device, Limits};
use crate::drivers::{MAX_BINDINGS, MAX_CONSTANTS};
use crate::hazards::Access;
use crate::host::HostEntry;
pub use crate::kernel_args::{ParamSlot, MAX_PARAM_ALIGN};
use crate::memory::DeviceSlice;
use crate::stream::Stream;
use crate::target::{Platform, TargetId};
use crate::Error;

/// Where an export lives, as the macro writes it.
#[derive(Clone, Copy, Debug)]
pub struct ExportRef {
    /// The bundle bytes (`include_bytes!` of the build's bundle file).
    pub bundle: &'static [u8],
    /// Index of the executable in the bundle.
    pub executable: u32,
    /// Ordinal of the export in the executable.
    pub ordinal: u32,
    /// Export name, for errors and for resolving the function.
    pub name: &'static str,
    /// Host entry points when the bundle has a host variant.
    pub host: Option<HostEntry>,
    /// The kernel's parameters in its own order (the declaration's): for
    /// each, the binding or the push-constant words that hold it. Empty
    /// means IREE's order: every binding, then every constant as a 4-byte
    /// value. Checked against the export's counts when it is resolved.
    pub params: &'static [ParamSlot],
}

/// Devices whose resolution lives in a lock-free slot; devices with a
/// larger id (only when a process opens many) use the mutex-guarded list.
const SLOTS: usize = 8;

/// What a launch needs, resolved once per (kernel, device).
#[derive(Clone, Copy, Debug)]
struct Resolved {
    handle: KernelHandle,
    block: [u32; 3],
    /// The export's constant `workgroup_local_memory`.
    shared_bytes: u32,
    /// The loaded function's static shared memory.
    static_shared: u32,
    /// The device's shared memory per workgroup.
    shared_limit: u32,
    bindings: u32,
    constants: u32,
    /// Bit `i` set: binding `i` is ReadOnly in the export.
    read_only: u64,
    max_grid: [u32; 3],
}

/// One export, resolved lazily per device and cached.
pub struct Kernel {
    export: ExportRef,
    slots: [OnceLock<Resolved>; SLOTS],
    overflow: Mutex<Vec<(usize, Resolved)>>,
    /// Serialises first resolutions so each (kernel, device) loads once.
    resolving: Mutex<()>,
}

impl Kernel {
    /// A kernel for `export`; `const` so wrappers can keep it in a `static`.
    pub const fn new(export: ExportRef) -> Kernel {
        Kernel {
            export,
            slots: [const { OnceLock::new() }; SLOTS],
            overflow: Mutex::new(Vec::new()),
            resolving: Mutex::new(()),
        }
    }

    /// The export this kernel launches.
    pub fn export(&self) -> &ExportRef {
        &self.export
    }

    /// The resolution for `device`, computing it on first use.
    fn resolved(&self, device: &Device) -> Result<Resolved, Error> {
        let id = device.id();
        if let Some(r) = self.slots.get(id).and_then(OnceLock::get) {
            return Ok(*r);
        }
        self.resolve_slow(device)
    }

    #[cold]
    fn resolve_slow(&self, device: &Device) -> Result<Resolved, Error> {
        let id = device.id();
        let _guard = self.resolving.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = self.slots.get(id) {
            if let Some(r) = slot.get() {
                return Ok(*r);
            }
            let r = resolve(&self.export, device)?;
            // Cannot already be set: `resolving` is held.
            let _ = slot.set(r);
            return Ok(r);
        }
        let mut overflow = self.overflow.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, r)) = overflow.iter().find(|(d, _)| *d == id) {
            return Ok(*r);
        }
        let r = resolve(&self.export, device)?;
        overflow.push((id, r));
        Ok(r)
    }

    /// Resolves this kernel for `device` now (parse, select, load), so that
    /// the first launch does not pay for it and errors surface early.
    pub fn prepare(&self, device: &Device) -> Result<(), Error> {
        self.resolved(device).map(|_| ())
    }

    /// Queues one launch of `workgroups` blocks on `stream`, with the
    /// export's constant dynamic shared memory only:
    /// [`Kernel::launch_with_shared`] with 0 more bytes.
    ///
    /// # Safety
    /// As [`Kernel::launch_with_shared`].
    pub unsafe fn launch(
        &self,
        stream: &Stream,
        workgroups: [u32; 3],
        bindings: &[Binding<'_>],
        constants: &[u32],
    ) -> Result<(), Error> {
        // SAFETY: forwarded from the caller.
        unsafe { self.launch_with_shared(stream, workgroups, 0, bindings, constants) }
    }

    /// Queues one launch of `workgroups` blocks on `stream`, giving each
    /// workgroup `dynamic_shared` bytes of dynamic shared memory
    /// (`extern __shared__` / `HIP_DYNAMIC_SHARED`) on top of the export's
    /// constant `workgroup_local_memory` (a declaration gives one or the
    /// other; wrappers pass what a `workgroup_local_memory` closure
    /// computed, else 0).
    ///
    /// Checks before launching: binding and constant counts against the
    /// export, block dims and workgroup counts against the device's limits,
    /// and the dynamic shared memory plus the kernel's static shared memory
    /// against the device's per-workgroup limit
    /// ([`Error::SharedMemoryTooLarge`]); zero workgroups in any dimension
    /// queues nothing.
    ///
    /// `bindings` are in the layout's order and `constants` are its 32-bit
    /// words (IREE's layout); the export's [`ExportRef::params`] says which
    /// of them each kernel parameter is, in the kernel's order, and the
    /// backend packs them so.
    ///
    /// # Safety
    /// The kernel's parameters are exactly what [`ExportRef::params`]
    /// describes, in that order: for each binding a pointer to the element
    /// type the kernel was written for (or null where the kernel accepts
    /// null), and for each value a parameter of exactly its size and
    /// alignment whose bytes, as they lie in its constant words, are a valid
    /// value of the kernel's type there (a `bool` is 0 or 1, a struct has the
    /// kernel's layout); and the kernel stays within each binding's length
    /// and within the dynamic shared memory it is given. `#[extern_dispatch]`
    /// upholds the first part by checking the declaration against the
    /// compiled kernel at build time and writing each value with
    /// `KernelParam`; the shared memory size is checked here against the
    /// device, so a size the device cannot give is an error, never a launch.
    pub unsafe fn launch_with_shared(
        &self,
        stream: &Stream,
        workgroups: [u32; 3],
        dynamic_shared: u32,
        bindings: &[Binding<'_>],
        constants: &[u32],
    ) -> Result<(), Error> {
        let device = stream.device();
        let r = self.resolved(device)?;
        let args = Args {
            workgroups,
            dynamic_shared,
            bindings,
            constants,
        };
        // Small launches use small arrays: initialising 64 slots per launch
        // shows up next to a driver launch of a few microseconds.
        if bindings.len() <= 8 {
            // SAFETY: forwarded from the caller.
            unsafe { self.launch_n::<8>(stream, &r, &args) }
        } else {
            // SAFETY: forwarded from the caller.
            unsafe { self.launch_n::<MAX_BINDINGS>(stream, &r, &args) }
        }
    }

    /// [`Kernel::launch`] with room for `N >= bindings.len()` bindings.
    ///
    /// # Safety
    /// As [`Kernel::launch`].
    unsafe fn launch_n<const N: usize>(
        &self,
        stream: &Stream,
        r: &Resolved,
        args: &Args<'_, '_>,
    ) -> Result<(), Error> {
        let &Args {
            workgroups,
            bindings,
            constants,
            ..
        } = args;
        let device = stream.device();
        let mut ptrs = [0 as DevicePtr; N];
        let mut ranges = [(0 as DevicePtr, 0usize); N];
        let shared_bytes = check_launch(
            self.export.name,
            r,
            args,
            &mut ptrs,
            &mut ranges,
            |ranges| device.backend().check_bindings(ranges),
        )?;
        if workgroups.contains(&0) {
            return Ok(());
        }
        let mut accesses = [Access::new(0, 0, false); N];
        for (a, b) in accesses.iter_mut().zip(bindings) {
            *a = Access::new(b.ptr, b.bytes, b.writable);
        }
        let spec = LaunchSpec {
            kernel: r.handle,
            name: self.export.name,
            grid: workgroups,
            block: r.block,
            shared_bytes,
            bindings: &ptrs[..bindings.len()],
            constants,
            params: self.export.params,
        };
        if let Some(recorder) = stream.recorder() {
            // Recording a command buffer: the checks above ran as for a
            // launch; the replay queues it (and checks the buffers again).
            return recorder.dispatch(
                device,
                &spec,
                self.export.params,
                &accesses[..bindings.len()],
            );
        }
        // SAFETY: the caller guarantees the parameter list matches the
        // kernel; every binding was checked to lie in a live allocation of
        // this device, and `Hazards::launch` records the launch's fence on
        // each of them, which their buffers wait for before being freed,
        // so they outlive the launch.
        unsafe {
            device
                .hazards()
                .launch(&*stream.inner, &accesses[..bindings.len()], &spec)
        }
    }
}

/// What one launch passes, as [`Kernel::launch_with_shared`] got it.
struct Args<'s, 'b> {
    workgroups: [u32; 3],
    dynamic_shared: u32,
    bindings: &'s [Binding<'b>],
    constants: &'s [u32],
}

/// The launch-time checks, factored out of [`Kernel::launch`] so that they
/// can be tested without a device. Fills `ptrs` with the binding addresses
/// (0 for empty and absent bindings) and `ranges` with what to check; both
/// hold at least `bindings.len()` entries. Zero workgroups pass: the caller
/// skips the launch. Returns the launch's dynamic shared memory in bytes.
fn check_launch(
    kernel: &str,
    r: &Resolved,
    args: &Args<'_, '_>,
    ptrs: &mut [DevicePtr],
    ranges: &mut [(DevicePtr, usize)],
    check_bindings: impl FnOnce(&[(DevicePtr, usize)]) -> Result<(), (usize, Error)>,
) -> Result<u32, Error> {
    let &Args {
        workgroups,
        dynamic_shared,
        bindings,
        constants,
    } = args;
    let kernel = || kernel.to_string();
    // `bindings.len() <= ptrs.len()` follows: `launch` sizes `ptrs` for
    // every export the runtime accepts (`check_export`).
    if bindings.len() != r.bindings as usize
        || constants.len() != r.constants as usize
        || bindings.len() > ptrs.len()
    {
        return Err(Error::WrongArguments {
            kernel: kernel(),
            expected_bindings: r.bindings,
            expected_constants: r.constants,
            bindings: bindings.len(),
            constants: constants.len(),
        });
    }
    if workgroups.iter().zip(&r.max_grid).any(|(n, max)| n > max) {
        return Err(Error::GridTooLarge {
            kernel: kernel(),
            grid: workgroups,
            max: r.max_grid,
        });
    }
    for (i, b) in bindings.iter().enumerate() {
        if r.read_only & (1 << i) == 0 && !b.writable {
            return Err(Error::ReadOnlyBinding {
                kernel: kernel(),
                binding: i,
            });
        }
        // Empty bindings pass a null pointer; their address is never used.
        ptrs[i] = if b.bytes == 0 { 0 } else { b.ptr };
        ranges[i] = (b.ptr, b.bytes);
    }
    check_bindings(&ranges[..bindings.len()]).map_err(|(i, e)| Error::BadBinding {
        kernel: kernel(),
        binding: i,
        source: Box::new(e),
    })?;
    shared_memory(r, dynamic_shared).map_err(|requested| Error::SharedMemoryTooLarge {
        kernel: kernel(),
        requested,
        static_bytes: r.static_shared,
        limit: r.shared_limit,
    })
}

/// The dynamic shared memory of a launch (the export's constant plus the
/// launch's own bytes), or the bytes asked for when they and the kernel's
/// static shared memory do not fit the device's per-workgroup limit.
/// Computed in `u64`: no sum wraps.
fn shared_memory(r: &Resolved, dynamic: u32) -> Result<u32, u64> {
    let requested = u64::from(r.shared_bytes) + u64::from(dynamic);
    if requested + u64::from(r.static_shared) > u64::from(r.shared_limit) {
        return Err(requested);
    }
    // Fits: at most `shared_limit`, a u32.
    u32::try_from(requested).map_err(|_| requested)
}

/// Finds, checks and loads an export for a device.
fn resolve(export: &ExportRef, device: &Device) -> Result<Resolved, Error> {
    let bundle = Bundle::parse(export.bundle)?;
    let exe = bundle
        .executable(export.executable as usize)
        .ok_or_else(|| Error::MissingExport {
            what: format!(
                "executable {} (it has {}); the wrapper of `{}` is out of date with its bundle",
                export.executable,
                bundle.executable_count(),
                export.name
            ),
        })?;
    let (position, ex) = exe
        .exports()
        .enumerate()
        .find(|(_, e)| e.ordinal() == export.ordinal)
        .ok_or_else(|| Error::MissingExport {
            what: format!(
                "export ordinal {} in executable `{}` (wanted `{}`)",
                export.ordinal,
                exe.name(),
                export.name
            ),
        })?;
    if ex.name() != export.name {
        return Err(Error::MissingExport {
            what: format!(
                "export `{}`: ordinal {} of `{}` is `{}`; the wrapper is out of date with its bundle",
                export.name,
                export.ordinal,
                exe.name(),
                ex.name()
            ),
        });
    }
    let info = device.info();
    let params = crate::kernel_args::check_slots(
        export.params,
        ex.binding_count() as usize,
        ex.constant_count() as usize,
    )
    .map_err(|e| format!("the wrapper's parameter list does not fit the export: {e}"));
    params
        .and_then(|()| check_export(&ex, &info.limits))
        .map_err(|reason| Error::KernelUnfit {
            kernel: export.name.to_string(),
            device: device.to_string(),
            reason,
        })?;
    let (_, variant) = select_variant(&exe, &info.target)?;
    record_load(LoadedVariant {
        export: export.name.to_string(),
        executable: exe.name().to_string(),
        device: device.to_string(),
        variant: format!("{} ({})", variant.target_str(), variant.format()),
        host_path: (info.platform == Platform::Host)
            .then_some(export.host)
            .flatten()
            .map(|h| h.path()),
    });
    let name_error = |mut e: Error| {
        if let Error::ModuleLoad { executable, .. } = &mut e {
            *executable = exe.name().to_string();
        }
        e
    };
    let backend = device.backend();
    let handle = if info.platform == Platform::Host {
        // Host entry points come per export from the wrapper.
        let h = backend
            .load(&variant, &[export.name], &[export.host])
            .map_err(name_error)?;
        first(h, export.name)?
    } else {
        // One module per executable and device; every export's function
        // resolved once, by the symbol this variant names it (a C++
        // kernel's mangled name on this target), while messages keep the
        // name the declaration wrote.
        let names: Vec<&str> = exe.functions(&variant);
        let key = (
            export.bundle.as_ptr() as usize,
            export.bundle.len(),
            export.executable,
        );
        let handles = device.executable(key, || {
            backend
                .load(&variant, &names, &vec![None; names.len()])
                .map_err(name_error)
        })?;
        first(
            handles.get(position..).unwrap_or_default().to_vec(),
            export.name,
        )?
    };
    let mut read_only = 0u64;
    for (i, f) in ex.binding_flags().enumerate() {
        if f & BINDING_READ_ONLY != 0 && i < 64 {
            read_only |= 1 << i;
        }
    }
    let static_shared = backend.static_shared_bytes(handle)?;
    Ok(Resolved {
        handle,
        block: ex.block_dims(),
        shared_bytes: ex.workgroup_local_memory(),
        static_shared,
        shared_limit: info.limits.shared_memory_per_block,
        bindings: ex.binding_count(),
        constants: ex.constant_count(),
        read_only,
        max_grid: info.limits.max_grid_dims,
    })
}

fn first(handles: Vec<KernelHandle>, name: &str) -> Result<KernelHandle, Error> {
    handles.first().copied().ok_or_else(|| Error::NoSuchKernel {
        kernel: name.to_string(),
        reason: "the backend resolved no function".into(),
    })
}

/// Checks an export's fixed launch shape against a device's limits, once
/// per device (IREE's HIP driver does the same before each launch).
pub(crate) fn check_export(ex: &ExportView<'_>, limits: &Limits) -> Result<(), String> {
    let block = ex.block_dims();
    if block.contains(&0) {
        return Err(format!("block size {block:?} has a zero dimension"));
    }
    for i in 0..3 {
        if block[i] > limits.max_block_dims[i] {
            return Err(format!(
                "block size {block:?} exceeds the device's maximum {:?}",
                limits.max_block_dims
            ));
        }
    }
    let threads = block.iter().map(|&d| u64::from(d)).product::<u64>();
    if threads > u64::from(limits.max_threads_per_block) {
        return Err(format!(
            "block size {block:?} has {threads} threads; the device allows {}",
            limits.max_threads_per_block
        ));
    }
    if ex.workgroup_local_memory() > limits.shared_memory_per_block {
        return Err(format!(
            "{} bytes of workgroup local memory exceed the device's {}",
            ex.workgroup_local_memory(),
            limits.shared_memory_per_block
        ));
    }
    if ex.binding_count() as usize > MAX_BINDINGS || ex.constant_count() as usize > MAX_CONSTANTS {
        return Err(format!(
            "{} bindings and {} constants exceed the runtime's limits ({MAX_BINDINGS}, {MAX_CONSTANTS})",
            ex.binding_count(),
            ex.constant_count()
        ));
    }
    Ok(())
}

/// Picks the variant of `exe` that best fits a device whose target is
/// `device` ([`TargetId::fitness`], lowest wins, the first on ties), with
/// its index among the executable's variants.
///
/// `Err(NoVariant)` lists every `target (format)` the executable holds and
/// the device's target. Variants whose target id this runtime cannot parse
/// (from a newer build) are skipped but still listed.
pub fn select_variant<'a>(
    exe: &ExecutableView<'a>,
    device: &TargetId,
) -> Result<(usize, VariantView<'a>), Error> {
    let mut best: Option<(u32, usize, VariantView<'a>)> = None;
    for (i, v) in exe.variants().enumerate() {
        let Ok(t) = v.target() else { continue };
        if let Some(f) = t.fitness(v.format(), device) {
            if best.as_ref().is_none_or(|(bf, _, _)| f < *bf) {
                best = Some((f, i, v));
            }
        }
    }
    best.map(|(_, i, v)| (i, v))
        .ok_or_else(|| Error::NoVariant {
            executable: exe.name().to_string(),
            device_target: device.to_string(),
            available: exe
                .variants()
                .map(|v| format!("{} ({})", v.target_str(), v.format()))
                .collect(),
        })
}

/// Which variant an export was loaded as, on which device: what a program
/// prints to show where its kernels really ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedVariant {
    /// The export name.
    pub export: String,
    /// Its executable.
    pub executable: String,
    /// The device (its `Display`).
    pub device: String,
    /// The variant chosen, `target (format)`.
    pub variant: String,
    /// On a host device, how the executor runs the kernel's blocks.
    pub host_path: Option<crate::host::HostPath>,
}

static LOADED: Mutex<Vec<LoadedVariant>> = Mutex::new(Vec::new());

fn record_load(v: LoadedVariant) {
    LOADED.lock().unwrap_or_else(|e| e.into_inner()).push(v);
}

/// Every export resolved so far in this process, in order: one entry per
/// (export, device), recorded when the first launch on that device picked
/// its variant.
pub fn loaded_variants() -> Vec<LoadedVariant> {
    LOADED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A buffer passed to a launch, borrowed for the duration of the call.
/// Made by [`DeviceSlice::binding`] / [`DeviceSlice::binding_mut`].
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    pub(crate) ptr: u64,
    pub(crate) bytes: usize,
    pub(crate) writable: bool,
    pub(crate) _borrow: PhantomData<&'a ()>,
}

impl<T> DeviceSlice<T> {
    /// This slice as a ReadOnly binding.
    pub fn binding(&self) -> Binding<'_> {
        Binding {
            ptr: self.addr(),
            bytes: self.byte_len(),
            writable: false,
            _borrow: PhantomData,
        }
    }
    /// This slice as a writable binding; `&mut` guarantees no other binding
    /// of the same launch aliases it.
    pub fn binding_mut(&mut self) -> Binding<'_> {
        Binding {
            ptr: self.addr(),
            bytes: self.byte_len(),
            writable: true,
            _borrow: PhantomData,
        }
    }
}

impl<'a> Binding<'a> {
    /// An `Option<&DeviceSlice<T>>` parameter as a ReadOnly binding: the
    /// slice's, or for `None` a null pointer of no bytes (the kernel's
    /// pointer "may be NULL"). A null binding bounds nothing, records no
    /// hazard and is accepted by every platform's binding check.
    pub fn optional<T>(slice: Option<&'a DeviceSlice<T>>) -> Binding<'a> {
        slice.map_or(Binding::null(false), DeviceSlice::binding)
    }

    /// An `Option<&mut DeviceSlice<T>>` parameter as a writable binding:
    /// the slice's, or a null one for `None`.
    pub fn optional_mut<T>(slice: Option<&'a mut DeviceSlice<T>>) -> Binding<'a> {
        slice.map_or(Binding::null(true), DeviceSlice::binding_mut)
    }

    /// A null binding of no bytes, in a slot that is `writable` or not (a
    /// writable slot of the export needs a writable binding, even a null
    /// one: the kernel may write through the pointer when it is not null).
    fn null(writable: bool) -> Binding<'a> {
        Binding {
            ptr: 0,
            bytes: 0,
            writable,
            _borrow: PhantomData,
        }
    }
}

pub use crate::param::{put_value, words_of, KernelParam};
