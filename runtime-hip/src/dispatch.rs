//! The layer `#[extern_dispatch]` wrappers call.
//!
//! A wrapper holds one `static` [`Kernel`] describing its export; the first
//! launch on a device parses the bundle, picks the variant for that device,
//! loads it and resolves the function, and later launches reuse that.
//! (Skeleton: bodies come with the runtime issue.)

use std::marker::PhantomData;

use crate::host::HostEntry;
use crate::memory::DeviceSlice;
use crate::stream::Stream;
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
}

/// One export, resolved lazily per device and cached.
pub struct Kernel {
    export: ExportRef,
}

impl Kernel {
    /// A kernel for `export`; `const` so wrappers can keep it in a `static`.
    pub const fn new(export: ExportRef) -> Kernel {
        Kernel { export }
    }

    /// The export this kernel launches.
    pub fn export(&self) -> &ExportRef {
        &self.export
    }

    /// Queues one launch of `workgroups` blocks on `stream`.
    ///
    /// Checks before launching: binding and constant counts against the
    /// export, block dims and workgroup counts against the device's limits;
    /// zero workgroups in any dimension queues nothing.
    ///
    /// # Safety
    /// The kernel's parameters are exactly these bindings (pointers to the
    /// element types the kernel was written for) followed by these 32-bit
    /// constants, and the kernel stays within each binding's length.
    /// `#[extern_dispatch]` upholds the first part by checking the
    /// declaration against the compiled kernel at build time.
    pub unsafe fn launch(
        &self,
        stream: &Stream,
        workgroups: [u32; 3],
        bindings: &[Binding<'_>],
        constants: &[u32],
    ) -> Result<(), Error> {
        let _ = (stream, workgroups, bindings, constants);
        todo!()
    }
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
        todo!()
    }
    /// This slice as a writable binding; `&mut` guarantees no other binding
    /// of the same launch aliases it.
    pub fn binding_mut(&mut self) -> Binding<'_> {
        todo!()
    }
}

/// Scalars that travel as 32-bit push constants.
pub trait PushConstant: Copy {
    /// The bits as the kernel receives them.
    fn to_bits(self) -> u32;
}

impl PushConstant for i32 {
    fn to_bits(self) -> u32 {
        self as u32
    }
}
impl PushConstant for u32 {
    fn to_bits(self) -> u32 {
        self
    }
}
impl PushConstant for f32 {
    fn to_bits(self) -> u32 {
        f32::to_bits(self)
    }
}
