// Cooperative groups in CUDA spelling: the block, 16-lane tiles and their
// shuffles, votes, ranks and `cg::reduce` with plus, less and greater.
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>

namespace cg = cooperative_groups;

/// Per thread, 10 values: tile rank, meta-group rank and size, tile size,
/// `shfl(v, 0)`, `shfl_down(v, 1)`, `any(v > 40)`, `all(v >= 0)`,
/// `ballot(v odd)`, block rank; per tile: sum, min, max of the values.
extern "C" __global__ void groups_cuda(const int* in, int* per_thread, int* per_tile) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<16> tile = cg::tiled_partition<16>(block);
  const unsigned i = blockIdx.x * blockDim.x + block.thread_rank();
  const int v = in[i];
  int* o = per_thread + 10 * i;
  o[0] = tile.thread_rank();
  o[1] = tile.meta_group_rank();
  o[2] = tile.meta_group_size();
  o[3] = tile.size();
  o[4] = tile.shfl(v, 0);
  o[5] = tile.shfl_down(v, 1);
  o[6] = tile.any(v > 40);
  o[7] = tile.all(v >= 0);
  o[8] = tile.ballot(v & 1);
  o[9] = block.thread_rank();
  const int sum = cg::reduce(tile, v, cg::plus<int>());
  const int lo = cg::reduce(tile, v, cg::less<int>());
  const int hi = cg::reduce(tile, v, cg::greater<int>());
  block.sync();
  tile.sync();
  if (tile.thread_rank() == 0) {
    const unsigned t = i / 16;
    per_tile[3 * t + 0] = sum;
    per_tile[3 * t + 1] = lo;
    per_tile[3 * t + 2] = hi;
  }
}
