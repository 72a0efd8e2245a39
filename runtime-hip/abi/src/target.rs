//! The target table: the one place that knows what a target id means.
//!
//! Both halves of the project read it: `iree-build` to decide how to compile
//! a source and to check what came out (the ELF `e_flags` of an AMD code
//! object must match the id that was asked for), and the runtime to pick the
//! variant of an executable that fits the device it runs on. Per-target
//! limits the build verifies live here too, beside the chips they belong to.

use std::fmt;
use std::str::FromStr;

/// A target-id feature setting (`xnack` or `sramecc`), as in LLVM's
/// AMDGPUUsage "Target ID" section.
///
/// `Any` is what a plain `gfx90a` means: code that runs whether the feature is
/// on or off. A device always reports `On` or `Off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Feature {
    /// The id does not mention the feature: the code works either way.
    #[default]
    Any,
    /// `feature+`
    On,
    /// `feature-`
    Off,
}

impl Feature {
    /// Whether code compiled with `self` runs on every device whose setting
    /// `target` covers.
    ///
    /// `Any` code runs everywhere; pinned code only where the setting is
    /// pinned the same way. A `target` of `Any` (a build asked for plain
    /// `gfx90a`, or a device that does not say) admits only `Any` code, since
    /// pinned code would not run on every device it stands for.
    pub fn runs_on(self, target: Feature) -> bool {
        self == Feature::Any || self == target
    }
}

/// One row of the AMD GPU table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AmdChip {
    /// The processor name, `gfx90a`.
    pub name: &'static str,
    /// `EF_AMDGPU_MACH_*` in the low byte of the ELF `e_flags`.
    pub elf_mach: u32,
    /// The value of `__oclc_ISA_version` (major * 1000 + minor * 100 + stepping).
    pub isa_version: u32,
    /// The wavefront size HIP compiles for by default on this chip.
    pub wavefront_size: u32,
    /// Whether the chip has the `xnack` target feature.
    pub has_xnack: bool,
    /// Whether the chip has the `sramecc` target feature.
    pub has_sramecc: bool,
    /// Static LDS (`__shared__`) available to one workgroup, in bytes.
    pub lds_bytes: u32,
}

/// The AMD chips this project knows, from LLVM's AMDGPUUsage processor table
/// and `EF_AMDGPU_MACH_*` values in `llvm/BinaryFormat/ELF.h`.
pub const AMD_CHIPS: &[AmdChip] = &[
    amd("gfx900", 0x2c, 9000, 64, true, false, 65536),
    amd("gfx906", 0x2f, 9006, 64, true, true, 65536),
    amd("gfx908", 0x30, 9008, 64, true, true, 65536),
    amd("gfx90a", 0x3f, 9010, 64, true, true, 65536),
    amd("gfx940", 0x40, 9400, 64, true, true, 65536),
    amd("gfx941", 0x4b, 9401, 64, true, true, 65536),
    amd("gfx942", 0x4c, 9402, 64, true, true, 65536),
    amd("gfx1030", 0x36, 10300, 32, false, false, 65536),
    amd("gfx1100", 0x41, 11000, 32, false, false, 65536),
    amd("gfx1101", 0x46, 11001, 32, false, false, 65536),
    amd("gfx1102", 0x47, 11002, 32, false, false, 65536),
    amd("gfx1200", 0x48, 12000, 32, false, false, 65536),
    amd("gfx1201", 0x4e, 12001, 32, false, false, 65536),
];

const fn amd(
    name: &'static str,
    elf_mach: u32,
    isa_version: u32,
    wavefront_size: u32,
    has_xnack: bool,
    has_sramecc: bool,
    lds_bytes: u32,
) -> AmdChip {
    AmdChip {
        name,
        elf_mach,
        isa_version,
        wavefront_size,
        has_xnack,
        has_sramecc,
        lds_bytes,
    }
}

/// Looks a chip up by its processor name.
pub fn amd_chip(name: &str) -> Option<&'static AmdChip> {
    AMD_CHIPS.iter().find(|c| c.name == name)
}

/// Looks a chip up by the `EF_AMDGPU_MACH_*` value of a code object.
pub fn amd_chip_by_mach(mach: u32) -> Option<&'static AmdChip> {
    AMD_CHIPS.iter().find(|c| c.elf_mach == mach)
}

/// The NVIDIA compute capabilities we compile for, lowest first.
pub const NVIDIA_SMS: &[u32] = &[70, 75, 80, 86, 89, 90, 100, 120];

/// NVIDIA's limit on `blockDim.z`.
pub const NVIDIA_MAX_BLOCK_Z: u32 = 64;

/// Static shared memory one NVIDIA block may use without opting in
/// (`cudaFuncAttributeMaxDynamicSharedMemorySize`): 48 KiB.
pub const NVIDIA_SHARED_BYTES: u32 = 48 * 1024;

/// Shared memory one host block may use, static and dynamic together; also
/// the size of the storage every `extern __shared__` array of a host
/// object starts at.
pub const HOST_SHARED_BYTES: u32 = 64 * 1024;

/// `warpSize` on the host platform unless a declaration asks for
/// [`HOST_WIDE_WARP_SIZE`]: the host runs warps of 32 lanes that exchange
/// values as a GPU's do (see the host header's `iree_host_warp.h`).
pub const HOST_WARP_SIZE: u32 = 32;

/// The other warp size the host honours: a host object of a kernel file
/// with a `subgroup_size = 64` declaration (AMD wave64 code) is compiled
/// with 64-lane warps.
pub const HOST_WIDE_WARP_SIZE: u32 = 64;

/// What a target id names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetId {
    /// An AMD GPU: `gfx90a`, `gfx90a:xnack-`, `gfx942:sramecc+:xnack-`.
    Amd {
        /// Processor name, always a row of [`AMD_CHIPS`].
        chip: String,
        /// `xnack` setting.
        xnack: Feature,
        /// `sramecc` setting.
        sramecc: Feature,
    },
    /// An NVIDIA GPU by compute capability: `sm_90` is `Nvidia { sm: 90 }`.
    Nvidia {
        /// Major * 10 + minor.
        sm: u32,
    },
    /// The host CPU, running kernels through the host platform.
    Host,
}

/// The platform a target belongs to; also the platforms the runtime opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// AMD GPUs through `libamdhip64`.
    Amd,
    /// NVIDIA GPUs through `libcuda`.
    Nvidia,
    /// The CPU of this process.
    Host,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Amd => "amd",
            Platform::Nvidia => "nvidia",
            Platform::Host => "host",
        })
    }
}

/// The kind of bytes a variant holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Format {
    /// An AMD code object (ELF, `e_machine` 224).
    Hsaco = 1,
    /// NVIDIA PTX text.
    Ptx = 2,
    /// An NVIDIA cubin (ELF, `e_machine` 190) for exactly one sm.
    Cubin = 3,
    /// Host kernels: linked into the program; the variant's bytes are the
    /// host object, kept for inspection and for the symbols it exports.
    Host = 4,
}

impl Format {
    /// Decodes the byte written into a bundle.
    pub fn from_u8(v: u8) -> Option<Format> {
        match v {
            1 => Some(Format::Hsaco),
            2 => Some(Format::Ptx),
            3 => Some(Format::Cubin),
            4 => Some(Format::Host),
            _ => None,
        }
    }

    /// A short lowercase name (`hsaco`, `ptx`, `cubin`, `host`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Hsaco => "hsaco",
            Format::Ptx => "ptx",
            Format::Cubin => "cubin",
            Format::Host => "host",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string is not a target id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetIdError {
    /// `gfx` followed by a chip we have no table row for.
    #[error("unknown AMD GPU `{0}`; known: {known}", known = AMD_CHIPS.iter().map(|c| c.name).collect::<Vec<_>>().join(", "))]
    UnknownChip(String),
    /// A feature suffix that is not `xnack±`/`sramecc±` or that the chip lacks.
    #[error("bad target feature `{feature}` for {chip}: expected `xnack+`, `xnack-`, `sramecc+` or `sramecc-` on a chip that has it")]
    BadFeature {
        /// The chip named before the feature.
        chip: String,
        /// The offending suffix.
        feature: String,
    },
    /// `sm_` followed by something that is not a known compute capability.
    #[error("unknown NVIDIA target `{0}`; expected one of {known}", known = NVIDIA_SMS.iter().map(|s| format!("sm_{s}")).collect::<Vec<_>>().join(", "))]
    UnknownSm(String),
    /// Neither `gfx*`, `sm_*` nor `host`.
    #[error("unknown target `{0}`: expected an AMD id (`gfx90a`, `gfx942:xnack-`), an NVIDIA one (`sm_80`) or `host`")]
    Unknown(String),
}

impl FromStr for TargetId {
    type Err = TargetIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "host" {
            return Ok(TargetId::Host);
        }
        if let Some(num) = s.strip_prefix("sm_") {
            return match num.parse::<u32>() {
                Ok(sm) if NVIDIA_SMS.contains(&sm) => Ok(TargetId::Nvidia { sm }),
                _ => Err(TargetIdError::UnknownSm(s.to_string())),
            };
        }
        if s.starts_with("gfx") {
            let mut parts = s.split(':');
            let name = parts.next().unwrap_or_default();
            let chip =
                amd_chip(name).ok_or_else(|| TargetIdError::UnknownChip(name.to_string()))?;
            let (mut xnack, mut sramecc) = (Feature::Any, Feature::Any);
            for feat in parts {
                let bad = || TargetIdError::BadFeature {
                    chip: name.to_string(),
                    feature: feat.to_string(),
                };
                let (key, setting) = match feat.strip_suffix('+') {
                    Some(k) => (k, Feature::On),
                    None => (feat.strip_suffix('-').ok_or_else(bad)?, Feature::Off),
                };
                match key {
                    "xnack" if chip.has_xnack => xnack = setting,
                    "sramecc" if chip.has_sramecc => sramecc = setting,
                    _ => return Err(bad()),
                }
            }
            return Ok(TargetId::Amd {
                chip: name.to_string(),
                xnack,
                sramecc,
            });
        }
        Err(TargetIdError::Unknown(s.to_string()))
    }
}

impl fmt::Display for TargetId {
    /// The canonical spelling: LLVM's order for AMD features (`sramecc`
    /// before `xnack`), as `hipDeviceProp_t::gcnArchName` prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetId::Amd {
                chip,
                xnack,
                sramecc,
            } => {
                f.write_str(chip)?;
                for (name, feat) in [("sramecc", sramecc), ("xnack", xnack)] {
                    match feat {
                        Feature::Any => {}
                        Feature::On => write!(f, ":{name}+")?,
                        Feature::Off => write!(f, ":{name}-")?,
                    }
                }
                Ok(())
            }
            TargetId::Nvidia { sm } => write!(f, "sm_{sm}"),
            TargetId::Host => f.write_str("host"),
        }
    }
}

impl TargetId {
    /// The platform that runs this target's code.
    pub fn platform(&self) -> Platform {
        match self {
            TargetId::Amd { .. } => Platform::Amd,
            TargetId::Nvidia { .. } => Platform::Nvidia,
            TargetId::Host => Platform::Host,
        }
    }

    /// The table row of an AMD target.
    pub fn amd_chip(&self) -> Option<&'static AmdChip> {
        match self {
            TargetId::Amd { chip, .. } => amd_chip(chip),
            _ => None,
        }
    }

    /// How well code compiled for `self` in `format` fits `target`; `None`
    /// when it does not run on every device `target` stands for.
    ///
    /// This is the one compatibility rule of the project: the runtime ranks
    /// an executable's variants by it against the device's own target id,
    /// and the build ([`runs_on`](TargetId::runs_on)) accepts an object for
    /// a requested target id only if it fits.
    ///
    /// Lower is better. The rules follow what the drivers accept: an AMD code
    /// object runs only on its own chip, each feature either `Any` in the code
    /// or as `target` pins it ([`Feature::runs_on`]; an exact match is
    /// preferred); a cubin only on exactly its sm; PTX on its sm or any newer
    /// one, the nearest preferred, since the driver JIT-compiles it forward
    /// but never backward; host code on the host.
    pub fn fitness(&self, format: Format, target: &TargetId) -> Option<u32> {
        match (self, target) {
            (
                TargetId::Amd {
                    chip,
                    xnack,
                    sramecc,
                },
                TargetId::Amd {
                    chip: dchip,
                    xnack: dx,
                    sramecc: ds,
                },
            ) if format == Format::Hsaco => {
                if chip != dchip || !xnack.runs_on(*dx) || !sramecc.runs_on(*ds) {
                    return None;
                }
                Some(u32::from(xnack != dx) + u32::from(sramecc != ds))
            }
            (TargetId::Nvidia { sm }, TargetId::Nvidia { sm: dsm }) => match format {
                Format::Cubin if sm == dsm => Some(0),
                Format::Ptx if sm <= dsm => Some(1 + (dsm - sm)),
                _ => None,
            },
            (TargetId::Host, TargetId::Host) if format == Format::Host => Some(0),
            _ => None,
        }
    }

    /// Whether code compiled for `self` in `format` runs on every device
    /// `target` stands for: [`fitness`](TargetId::fitness) is `Some`.
    pub fn runs_on(&self, format: Format, target: &TargetId) -> bool {
        self.fitness(format, target).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> TargetId {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_canonically() {
        for (input, canon) in [
            ("gfx90a", "gfx90a"),
            ("gfx90a:xnack-", "gfx90a:xnack-"),
            ("gfx942:xnack-:sramecc+", "gfx942:sramecc+:xnack-"),
            ("gfx1100", "gfx1100"),
            ("sm_80", "sm_80"),
            ("host", "host"),
        ] {
            assert_eq!(t(input).to_string(), canon);
        }
    }

    #[test]
    fn rejects_what_the_chip_lacks_and_unknown_names() {
        assert!(matches!(
            "gfx1100:xnack+".parse::<TargetId>(),
            Err(TargetIdError::BadFeature { .. })
        ));
        assert!(matches!(
            "gfx9999".parse::<TargetId>(),
            Err(TargetIdError::UnknownChip(_))
        ));
        assert!(matches!(
            "sm_81".parse::<TargetId>(),
            Err(TargetIdError::UnknownSm(_))
        ));
        assert!(matches!(
            "gfx90a:xnack".parse::<TargetId>(),
            Err(TargetIdError::BadFeature { .. })
        ));
        assert!("cpu".parse::<TargetId>().is_err());
    }

    #[test]
    fn variant_fitness_table() {
        let dev = t("gfx90a:sramecc+:xnack-");
        let cases: &[(&str, Format, Option<u32>)] = &[
            ("gfx90a:sramecc+:xnack-", Format::Hsaco, Some(0)),
            ("gfx90a:xnack-", Format::Hsaco, Some(1)),
            ("gfx90a", Format::Hsaco, Some(2)),
            ("gfx90a:xnack+", Format::Hsaco, None),
            ("gfx90a:sramecc-", Format::Hsaco, None),
            ("gfx942", Format::Hsaco, None),
            ("sm_80", Format::Ptx, None),
            ("host", Format::Host, None),
        ];
        for (variant, format, want) in cases {
            assert_eq!(t(variant).fitness(*format, &dev), *want, "{variant}");
        }
        // A target that leaves a feature open admits only code that runs
        // either way.
        assert_eq!(t("gfx90a").fitness(Format::Hsaco, &t("gfx90a")), Some(0));
        assert_eq!(
            t("gfx90a:xnack+").fitness(Format::Hsaco, &t("gfx90a")),
            None
        );
        assert!(t("gfx90a").runs_on(Format::Hsaco, &t("gfx90a:xnack-")));
        assert!(!t("gfx1100").runs_on(Format::Hsaco, &t("gfx90a")));
        assert!(!t("sm_90").runs_on(Format::Host, &t("sm_90")));
        let sm90 = t("sm_90");
        assert_eq!(t("sm_90").fitness(Format::Cubin, &sm90), Some(0));
        assert_eq!(t("sm_80").fitness(Format::Cubin, &sm90), None);
        assert_eq!(t("sm_90").fitness(Format::Ptx, &sm90), Some(1));
        assert_eq!(t("sm_80").fitness(Format::Ptx, &sm90), Some(11));
        assert_eq!(t("sm_90").fitness(Format::Ptx, &t("sm_80")), None);
        assert_eq!(
            TargetId::Host.fitness(Format::Host, &TargetId::Host),
            Some(0)
        );
    }

    #[test]
    fn elf_mach_lookup_round_trips() {
        for chip in AMD_CHIPS {
            assert_eq!(amd_chip_by_mach(chip.elf_mach).unwrap().name, chip.name);
        }
    }
}
