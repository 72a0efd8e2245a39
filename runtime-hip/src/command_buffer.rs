//! Recorded work replayed cheaply: [`CommandBuffer`], IREE's command
//! buffers.
//!
//! A command buffer is recorded once through the ordinary API (the typed
//! `#[extern_dispatch]` wrappers, [`Stream::copy`], [`Stream::fill`]) on a
//! recording stream, which checks each launch as a launch is checked
//! (counts, limits, bindings live, shared memory) and keeps it instead of
//! queuing it. A replay queues the whole sequence on a stream with one
//! pass of the buffer tracking instead of one per launch.
//!
//! # Why replays are sound
//!
//! A command buffer does not borrow its buffers (it would hold every
//! writable one `&mut` for its whole life). Instead it remembers, for each
//! allocation it binds, the allocation's process-unique number
//! (`hazards::Uses::id`), and each replay checks, under the device's
//! tracking lock, that every one of them is still live with that number:
//! a buffer freed since recording (its address possibly reused by
//! another) makes the replay `Err(StaleCommandBuffer)` before anything is
//! queued. The replay is then tracked as one piece of work writing every
//! allocation any of its commands writes and reading the others, exactly
//! as a launch is: it waits for their other users on other streams, and
//! their reads, writes and drops wait for it. Parameter types were the
//! recording launch's `unsafe` contract, which does not depend on when the
//! launch runs; writable bindings were exclusive when recorded, and each
//! replay binds the same allocations.

use std::sync::{Arc, Mutex};

use crate::backend::{
    self, BackendStream, DevicePtr, FenceRef, Graph, KernelHandle, LaunchSpec, Transfer,
};
use crate::device::Device;
use crate::dispatch::ParamSlot;
use crate::hazards::Access;
use crate::kernel_args::default_slot;
use crate::param::{put_value, words_of, KernelParam};
use crate::stream::Stream;
use crate::Error;

/// One recorded launch, owning what a [`LaunchSpec`] borrows.
#[derive(Clone, Debug)]
struct Dispatch {
    kernel: KernelHandle,
    name: &'static str,
    grid: [u32; 3],
    block: [u32; 3],
    shared_bytes: u32,
    bindings: Vec<DevicePtr>,
    constants: Vec<u32>,
    params: &'static [ParamSlot],
}

impl Dispatch {
    fn spec(&self) -> LaunchSpec<'_> {
        LaunchSpec {
            kernel: self.kernel,
            name: self.name,
            grid: self.grid,
            block: self.block,
            shared_bytes: self.shared_bytes,
            bindings: &self.bindings,
            constants: &self.constants,
            params: self.params,
        }
    }
}

/// One recorded command.
#[derive(Clone, Debug)]
enum Command {
    Dispatch(Dispatch),
    Transfer(Transfer),
}

#[derive(Default)]
struct Recording {
    closed: bool,
    commands: Vec<Command>,
    /// One per allocation used, with its number, writing if any command
    /// writes it.
    accesses: Vec<Access>,
}

/// What a recording [`Stream`] records into.
pub(crate) struct Recorder {
    state: Mutex<Recording>,
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a launch the dispatch layer checked, binding `accesses`
    /// (`params` is `spec.params`, which lives in the wrapper's export).
    pub(crate) fn dispatch(
        &self,
        device: &Device,
        spec: &LaunchSpec<'_>,
        params: &'static [ParamSlot],
        accesses: &[Access],
    ) -> Result<(), Error> {
        let d = Dispatch {
            kernel: spec.kernel,
            name: spec.name,
            grid: spec.grid,
            block: spec.block,
            shared_bytes: spec.shared_bytes,
            bindings: spec.bindings.to_vec(),
            constants: spec.constants.to_vec(),
            params,
        };
        self.add(device, Command::Dispatch(d), accesses)
    }

    /// Records a copy or fill whose ranges were checked live.
    pub(crate) fn transfer(
        &self,
        device: &Device,
        t: Transfer,
        accesses: &[Access],
    ) -> Result<(), Error> {
        self.add(device, Command::Transfer(t), accesses)
    }

    fn add(&self, device: &Device, c: Command, accesses: &[Access]) -> Result<(), Error> {
        let mut r = self.lock();
        if r.closed {
            return Err(Error::StaleCommandBuffer {
                reason: "its recording is over: a clone of the recording stream outlived \
                         `CommandBuffer::record`"
                    .into(),
            });
        }
        for a in accesses.iter().filter(|a| a.bytes > 0) {
            // Checked live by the caller, under the borrow that keeps it so.
            let Some(id) = device.hazards().id_of(a.ptr) else {
                continue;
            };
            match r.accesses.iter_mut().find(|b| b.id == id) {
                Some(b) => b.writes |= a.writes,
                None => r.accesses.push(Access { id, ..*a }),
            }
        }
        r.commands.push(c);
        Ok(())
    }
}

/// The stream a recording [`Stream`] stands on: refuses everything (its
/// launches and copies go to the recorder before reaching it).
pub(crate) struct NotAStream;

fn recording(what: &str) -> Error {
    Error::StreamUnavailable {
        reason: format!("{what} on a stream that records a command buffer"),
    }
}

impl BackendStream for NotAStream {
    fn id(&self) -> u64 {
        0
    }
    unsafe fn submit(&self, _: &LaunchSpec<'_>) -> Result<(), Error> {
        Err(recording("a launch"))
    }
    fn fence(&self) -> Result<FenceRef, Error> {
        Err(recording("a fence"))
    }
    fn wait_fence(&self, _: &FenceRef) -> Result<(), Error> {
        Err(recording("a wait"))
    }
    fn synchronize(&self) -> Result<(), Error> {
        Err(recording("synchronize"))
    }
}

/// Launches, device copies and fills recorded once and replayed on any
/// stream of their device, each replay queued with one pass of the buffer
/// tracking (see the module documentation of `src/command_buffer.rs` for why replays are
/// sound).
///
/// ```
/// use runtime_hip::{CommandBuffer, Device, Platform};
/// # fn main() -> Result<(), runtime_hip::Error> {
/// let device = Device::open(Platform::Host, 0)?;
/// let src = device.upload(&[7u32; 16])?;
/// let mut dst = device.alloc_zeroed::<u32>(16)?;
/// let cb = CommandBuffer::record(&device, |s| {
///     s.fill(&mut dst, 1)?;
///     s.copy(&src, &mut dst) // typed kernel wrappers record the same way
/// })?;
/// let stream = device.stream()?;
/// for _ in 0..3 {
///     cb.replay(&stream)?;
/// }
/// assert_eq!(dst.download()?, vec![7; 16]);
/// # Ok(()) }
/// ```
pub struct CommandBuffer {
    device: Device,
    commands: Vec<Command>,
    accesses: Vec<Access>,
    /// The driver graph replaying `commands` (CUDA / HIP graphs); `None`:
    /// replays queue the list (the host platform, or a capture the driver
    /// refused, whose error is kept in `capture_error`).
    graph: Option<Box<dyn Graph>>,
    capture_error: Option<Error>,
}

impl CommandBuffer {
    /// Records what `f` queues on the stream it is given: launches through
    /// the typed wrappers (checked as launches are), [`Stream::copy`] and
    /// [`Stream::fill`]. Nothing runs while recording; host copies, reads,
    /// events and `synchronize` on that stream are errors.
    pub fn record(
        device: &Device,
        f: impl FnOnce(&Stream) -> Result<(), Error>,
    ) -> Result<CommandBuffer, Error> {
        let recorder = Arc::new(Recorder {
            state: Mutex::default(),
        });
        let stream = Stream::recording(device.clone(), recorder.clone());
        let result = f(&stream);
        let mut r = recorder.lock();
        r.closed = true;
        result?;
        let commands = std::mem::take(&mut r.commands);
        let accesses = std::mem::take(&mut r.accesses);
        drop(r);
        let (graph, capture_error) = capture(device, &commands);
        Ok(CommandBuffer {
            device: device.clone(),
            commands,
            accesses,
            graph,
            capture_error,
        })
    }

    /// Whether replays launch a driver graph (CUDA / HIP graphs) instead
    /// of queuing the commands one by one.
    pub fn uses_graph(&self) -> bool {
        self.graph.is_some()
    }

    /// Why the driver could not capture this command buffer as a graph,
    /// if it tried and failed (replays then queue the commands one by one).
    pub fn capture_error(&self) -> Option<&Error> {
        self.capture_error.as_ref()
    }

    /// Queues every recorded command, in order, on `stream` and returns at
    /// once. `Err(StaleCommandBuffer)` before anything is queued when a
    /// buffer it binds was freed since recording or `stream` is of another
    /// device.
    pub fn replay(&self, stream: &Stream) -> Result<(), Error> {
        stream.not_recording("replaying a command buffer")?;
        if stream.device() != &self.device {
            return Err(Error::StaleCommandBuffer {
                reason: format!(
                    "recorded for {}, replayed on a stream of {}",
                    self.device,
                    stream.device()
                ),
            });
        }
        let inner = &*stream.inner;
        if let Some(graph) = &self.graph {
            // SAFETY: as for the list below; the graph holds the same
            // commands and is of this device.
            return unsafe {
                self.device
                    .hazards()
                    .enqueue(inner, &self.accesses, None, || {
                        inner.launch_graph(&**graph).map_err(|e| (e, false))
                    })
            };
        }
        let submit = || {
            for (i, c) in self.commands.iter().enumerate() {
                // SAFETY: every launch was checked when recorded and its
                // parameters are the recording launch's `unsafe` contract;
                // `enqueue` checked every allocation is the one recorded
                // and records the replay's fence on each.
                let r = unsafe {
                    match c {
                        Command::Dispatch(d) => inner.submit(&d.spec()),
                        Command::Transfer(t) => inner.transfer(t),
                    }
                };
                r.map_err(|e| (e, i > 0))?;
            }
            Ok(())
        };
        // SAFETY: `accesses` are every allocation the commands use, with
        // whether any of them writes it.
        unsafe {
            self.device
                .hazards()
                .enqueue(inner, &self.accesses, None, submit)
        }
    }

    /// Changes parameter `param` (in the kernel's order, as its
    /// declaration lists them) of recorded launch `command` (in recording
    /// order) to `value`, for the replays queued from now on; replays
    /// already queued keep the value they were queued with (the host
    /// packs a launch's arguments when it is queued, and a driver copies
    /// them or its graph). Checked: `command` is a launch, and `param` one
    /// of its values (not a binding) of `size_of::<T>()` bytes and
    /// `align_of::<T>()` alignment; `Err(Launch)` naming the kernel
    /// otherwise.
    ///
    /// Where replays launch a driver graph, it is captured again with the
    /// new value (the drivers' per-node update,
    /// `hipGraphExecKernelNodeSetParams` / `cuGraphExecKernelNodeSetParams`,
    /// is not used yet); if that capture fails, replays queue the list and
    /// [`CommandBuffer::capture_error`] says why.
    ///
    /// # Safety
    /// `value` is a valid value of the kernel's parameter type, as the
    /// value given to the launch that recorded it had to be (the launch's
    /// contract, `Kernel::launch`): the size and alignment are checked,
    /// the type is not (a `bool` parameter must get 0 or 1).
    pub unsafe fn set_scalar<T: KernelParam>(
        &mut self,
        command: usize,
        param: usize,
        value: T,
    ) -> Result<(), Error> {
        let count = self.commands.len();
        let refuse = |kernel: &str, reason: String| Error::Launch {
            kernel: kernel.to_string(),
            reason: format!("set_scalar({command}, {param}): {reason}"),
        };
        let d = match self.commands.get_mut(command) {
            Some(Command::Dispatch(d)) => d,
            Some(Command::Transfer(t)) => {
                let (what, _) = t.what();
                return Err(refuse(
                    "(none)",
                    format!("command {command} is {what}, not a launch"),
                ));
            }
            None => {
                return Err(refuse(
                    "(none)",
                    format!("the command buffer has {count} commands"),
                ))
            }
        };
        let slot = if d.params.is_empty() {
            let params = d.bindings.len() + d.constants.len();
            (param < params).then(|| default_slot(param, d.bindings.len()))
        } else {
            d.params.get(param).copied()
        };
        let (size, align) = (size_of::<T>(), align_of::<T>());
        let word = match slot {
            None => return Err(refuse(d.name, "the kernel has fewer parameters".into())),
            Some(ParamSlot::Binding(_)) => {
                return Err(refuse(
                    d.name,
                    "the parameter is a buffer; replays bind what was recorded".into(),
                ))
            }
            Some(ParamSlot::Value {
                word,
                size: s,
                align: a,
            }) => {
                if (usize::from(s), usize::from(a)) != (size, align) {
                    return Err(refuse(
                        d.name,
                        format!(
                            "the parameter is {s} bytes aligned to {a}, the value {size} bytes \
                             aligned to {align}"
                        ),
                    ));
                }
                usize::from(word)
            }
        };
        if word + words_of::<T>() > d.constants.len() {
            return Err(refuse(
                d.name,
                "the parameter's words lie outside the recorded constants".into(),
            ));
        }
        put_value(&mut d.constants, word, &value);
        if self.graph.is_some() {
            // The old graph's queued launches finish first (the driver
            // defers its destruction).
            self.graph = None;
            (self.graph, self.capture_error) = capture(&self.device, &self.commands);
        }
        Ok(())
    }

    /// How many commands were recorded.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// The device it replays on.
    pub fn device(&self) -> &Device {
        &self.device
    }
}

/// Captures `commands` as a driver graph where the device has them: the
/// graph, or why not (`None` for both on the host and for no commands).
fn capture(device: &Device, commands: &[Command]) -> (Option<Box<dyn Graph>>, Option<Error>) {
    if commands.is_empty() {
        return (None, None);
    }
    let specs: Vec<backend::Command<'_>> = commands
        .iter()
        .map(|c| match c {
            Command::Dispatch(d) => backend::Command::Launch(d.spec()),
            Command::Transfer(t) => backend::Command::Transfer(*t),
        })
        .collect();
    // SAFETY: every command was checked when recorded, and each graph
    // launch happens in `replay`, after the same checks as a list.
    match unsafe { device.backend().capture(&specs) } {
        Ok(g) => (g, None),
        Err(e) => (None, Some(e)),
    }
}

impl std::fmt::Debug for CommandBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CommandBuffer({} commands on {:?})",
            self.commands.len(),
            self.device
        )
    }
}
