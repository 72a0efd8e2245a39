// Cooperative groups in HIP spelling (<hip/hip_cooperative_groups.h>):
// 8-lane tiles of the block, a tile reduction and the tile's shuffles.
#include <hip/hip_cooperative_groups.h>
#include <hip/hip_runtime.h>

namespace cg = cooperative_groups;

/// Per thread: the tile's sum (`cg::reduce`), `shfl_xor(v, 1)`, `shfl_up(v, 2)`.
extern "C" __global__ void groups_hip(const int* in, int* out) {
  cg::thread_block block = cg::this_thread_block();
  auto tile = cg::tiled_partition<8>(block);
  const unsigned i = hipBlockIdx_x * hipBlockDim_x + block.thread_rank();
  const int v = in[i];
  out[3 * i + 0] = cg::reduce(tile, v, cg::plus<int>());
  out[3 * i + 1] = tile.shfl_xor(v, 1);
  out[3 * i + 2] = tile.shfl_up(v, 2);
}
