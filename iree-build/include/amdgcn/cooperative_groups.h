// CUDA's <cooperative_groups.h> on AMD `gfx*`: HIP's spelling of it, which
// this directory supplies (hip/hip_cooperative_groups.h).
#include "hip/hip_cooperative_groups.h"
