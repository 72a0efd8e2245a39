// Warps on the host: `warpSize`, block barriers and every warp operation
// (shuffles, votes, `__activemask`, `__syncwarp`, matches, reductions),
// exchanging values across the lanes of a warp exactly as a GPU does.
// Included by hip/hip_runtime.h after the thread context; not for direct use.
//
// Why a warp needs more than the block's threads taking turns: GPU kernels
// are written for lanes that run together (a `__shfl_down_sync` reads the
// value another lane has *now*). The host runs a block's threads one at a
// time, so every warp operation is a rendezvous of its warp:
//   * each lane writes its operand into its exchange slot (`Lane`), marks
//     itself at a warp point and yields;
//   * when every live lane of the warp is parked (at a warp point, at a
//     block barrier, or returned), the lane that sees it resolves the
//     operation for every lane at a warp point, each by its own record
//     (source lane, width, mask), and writes each lane's result into that
//     lane's slot; the lanes then resume and read their own result.
// Results are written before any lane resumes, so a lane that runs ahead to
// its next warp operation never overwrites what another has yet to read.
//
// The yield is `__iree_host_barrier()`, the runtime's "suspend until every
// thread of the block has called it or returned" (one pass of the block's
// fibers or coroutines, or a segment end for iree-build's lockstep pass).
// Block barriers are built on it the same way (`__syncthreads` below), so
// barriers and warp points compose: a thread waits at either until its
// condition holds, then continues, in all three ways of running a block.
//
// Lanes: thread `t` of a block (linear, x fastest) is lane `t % warpSize` of
// warp `t / warpSize`, as on a GPU. Lanes past the block's last thread do
// not exist; lanes that returned are inactive (0 in `__activemask` and
// `__ballot_sync`). A shuffle from a lane that does not exist returns the
// caller's own value. `__activemask()` is the set of lanes of the warp at a
// warp point when it resolves: on a GPU it is the lanes that reached this
// very instruction together, which differs only when diverged lanes of one
// warp wait at two different warp operations at once.
#ifndef IREE_HOST_WARP_H_
#define IREE_HOST_WARP_H_

/// The warp size of this object: 32 (NVIDIA, AMD wave32) unless iree-build
/// compiles it with `-DIREE_HOST_WARP_SIZE=64` (a declaration with
/// `subgroup_size = 64`: AMD wave64 kernels). A compile-time constant, as
/// kernels' `warpSize / 2` loops and `32`-sized arrays expect.
#ifndef IREE_HOST_WARP_SIZE
#define IREE_HOST_WARP_SIZE 32
#endif
static_assert(IREE_HOST_WARP_SIZE == 32 || IREE_HOST_WARP_SIZE == 64,
              "IREE_HOST_WARP_SIZE must be 32 or 64");
#define warpSize IREE_HOST_WARP_SIZE

namespace iree_host {
constexpr unsigned kWarpSize = IREE_HOST_WARP_SIZE;
/// The object's warp size, read by iree-build's inspection (the host's
/// answer to AMD's `.wavefront_size`) to check declared `subgroup_size`s.
extern "C" __attribute__((used, weak)) const unsigned __iree_host_warp_size = kWarpSize;

/// Where a thread of the running block is.
enum LaneState : unsigned char {
  kLaneRunning = 0,
  kLaneAtWarp = 1,     // at a warp point, unresolved (parked)
  kLaneAtBarrier = 2,  // at a block barrier, not released (parked)
  kLaneDone = 3,       // returned (parked for good)
  kLaneResolved = 4,   // its warp operation resolved, not yet resumed
};

/// The warp operations a lane can wait at.
enum WarpOp : unsigned {
  kOpSync,
  kOpShfl,
  kOpShflUp,
  kOpShflDown,
  kOpShflXor,
  kOpBallot,
  kOpAny,
  kOpAll,
  kOpActive,
  kOpMatchAny,
  kOpMatchAll,
  kOpAddU,
  kOpMinU,
  kOpMaxU,
  kOpMinI,
  kOpMaxI,
  kOpAnd,
  kOpOr,
  kOpXor,
  kOpReduce,  // a whole tile reduction at once (`cg::reduce`, see warp_reduce)
};

/// A lane's exchange slot: its operand, and its result once resolved.
struct Lane {
  unsigned long long value;
  unsigned long long mask;
  unsigned long long result;
  unsigned op;
  unsigned arg;
  unsigned width;
  unsigned fused;   // kOpReduce: 1 if resolved whole, 0 if the lane must shuffle
  const void* tag;  // kOpReduce: which reduction (type and operator)
};

/// The running block's warp and barrier state, one per worker thread (which
/// runs one block at a time). Trivially destructible, like the lockstep
/// scratch (see hip_runtime.h): a pthread key frees the memory.
struct BlockState {
  Lane* lanes;
  unsigned char* state;
  unsigned* parked;  // per warp: lanes at a warp point, at a barrier or done
  unsigned capacity;
  unsigned n;        // threads of the block
  unsigned alive;    // threads not returned
  unsigned arrived;  // threads at the block barrier
};
inline thread_local BlockState block_state __attribute__((tls_model(IREE_HOST_TLS_MODEL))) = {};

static inline void block_state_free(void* p) { free(p); }

/// Starts a block of `n` threads: all running, none parked. Called before
/// any of its threads runs (the lockstep scheduler), or by its thread 0,
/// which both fibers and coroutines start first.
__attribute__((noinline)) static inline void warp_begin_block(unsigned n) {
  BlockState& b = block_state;
  const unsigned warps = (n + kWarpSize - 1) / kWarpSize;
  if (n > b.capacity) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static pthread_key_t key;
    pthread_once(&once, [] { pthread_key_create(&key, block_state_free); });
    free(b.lanes);
    const unsigned cap = (n + kWarpSize - 1) / kWarpSize * kWarpSize;
    const size_t lanes = size_t(cap) * sizeof(Lane);
    const size_t parked = size_t(cap / kWarpSize) * sizeof(unsigned);
    unsigned char* mem = static_cast<unsigned char*>(calloc(1, lanes + parked + cap));
    if (mem == nullptr) {
      fprintf(stderr, "iree host: cannot allocate warp state for %u threads\n", n);
      abort();
    }
    pthread_setspecific(key, mem);
    b.lanes = reinterpret_cast<Lane*>(mem);
    b.parked = reinterpret_cast<unsigned*>(mem + lanes);
    b.state = mem + lanes + parked;
    b.capacity = cap;
  }
  memset(b.state, kLaneRunning, n);
  memset(b.parked, 0, warps * sizeof(unsigned));
  b.n = n;
  b.alive = n;
  b.arrived = 0;
}

/// The linear index of the calling thread in its block.
static __forceinline__ unsigned warp_tid() {
  const Context& c = ctx;
  return c.thread_idx.x + c.block_dim.x * (c.thread_idx.y + c.block_dim.y * c.thread_idx.z);
}

/// Lanes of warp `w` that exist (the last warp of a block may be partial).
static __forceinline__ unsigned warp_lanes(const BlockState& b, unsigned w) {
  const unsigned first = w * kWarpSize;
  return b.n - first < kWarpSize ? b.n - first : kWarpSize;
}

/// Releases every thread at the block barrier.
__attribute__((noinline)) static inline void barrier_release(BlockState& b) {
  for (unsigned t = 0; t < b.n; ++t)
    if (b.state[t] == kLaneAtBarrier) {
      b.state[t] = kLaneRunning;
      --b.parked[t / kWarpSize];
    }
  b.arrived = 0;
}

/// Thread `t` returned: inactive in its warp, arrived at every later barrier.
static __forceinline__ void warp_thread_exit(unsigned t) {
  BlockState& b = block_state;
  b.state[t] = kLaneDone;
  ++b.parked[t / kWarpSize];
  --b.alive;
  if (b.alive != 0 && b.arrived == b.alive) barrier_release(b);
}

/// The value lane `l` of warp `w` reads from lane `src` (its own past the
/// block's last thread).
static __forceinline__ unsigned long long lane_value(const Lane* lanes, unsigned l, unsigned src,
                                                     unsigned count) {
  return src < count ? lanes[src].value : lanes[l].value;
}

static inline void warp_resolve_each(Lane* lanes, unsigned long long active, unsigned count);

/// The lanes of warp `w` (of `count` lanes) at a warp point.
static __forceinline__ unsigned long long warp_active(const BlockState& b, unsigned w,
                                                      unsigned count) {
  const unsigned char* state = b.state + w * kWarpSize;
  unsigned long long active = 0;
  for (unsigned l = 0; l < count; ++l)
    active |= static_cast<unsigned long long>(state[l] == kLaneAtWarp) << l;
  return active;
}

/// The lanes of `active` have their results: they may resume.
static __forceinline__ void warp_resolved(BlockState& b, unsigned w, unsigned long long active) {
  unsigned char* state = b.state + w * kWarpSize;
  for (unsigned long long pending = active; pending != 0; pending &= pending - 1)
    state[__builtin_ctzll(pending)] = kLaneResolved;
  b.parked[w] -= unsigned(__builtin_popcountll(active));
}

/// The one shuffle every lane of `active` is at, if they all are at the
/// same kind with the same source or delta and width (a warp's lanes
/// running the same `__shfl_*_sync`, the common case): each lane's result,
/// by the same rules as warp_resolve_each, in one loop per kind. False
/// (nothing written) otherwise.
static __forceinline__ bool warp_resolve_shuffle(Lane* lanes, unsigned long long active,
                                                 unsigned count) {
  if (active == 0) return false;
  const Lane& first = lanes[__builtin_ctzll(active)];
  const unsigned op = first.op, arg = first.arg, w0 = first.width;
  if (op < kOpShfl || op > kOpShflXor) return false;
  for (unsigned long long p = active; p != 0; p &= p - 1) {
    const Lane& o = lanes[__builtin_ctzll(p)];
    if ((o.op ^ op) | (o.arg ^ arg) | (o.width ^ w0)) return false;
  }
  const unsigned width = w0 - 1 < kWarpSize ? w0 : kWarpSize;
  auto each = [&](auto src_of) {
    for (unsigned long long p = active; p != 0; p &= p - 1) {
      const unsigned l = unsigned(__builtin_ctzll(p));
      lanes[l].result = src_of(l);
    }
  };
  switch (op) {
    case kOpShfl:
      each([&](unsigned l) { return lane_value(lanes, l, (l & ~(width - 1)) | (arg & (width - 1)), count); });
      break;
    case kOpShflUp:
      each([&](unsigned l) {
        return (l & (width - 1)) < arg ? lanes[l].value : lane_value(lanes, l, l - arg, count);
      });
      break;
    case kOpShflDown:
      each([&](unsigned l) {
        return (l & (width - 1)) + arg >= width ? lanes[l].value : lane_value(lanes, l, l + arg, count);
      });
      break;
    default:
      each([&](unsigned l) {
        const unsigned src = l ^ arg;
        return src >= (l & ~(width - 1)) + width ? lanes[l].value : lane_value(lanes, l, src, count);
      });
      break;
  }
  return true;
}

/// Resolves warp `w`: every lane at a warp point gets its result, by its
/// own record, from the operands of the lanes at warp points now.
__attribute__((noinline)) static inline void warp_resolve(BlockState& b, unsigned w) {
  const unsigned count = warp_lanes(b, w);
  Lane* lanes = b.lanes + w * kWarpSize;
  const unsigned long long active = warp_active(b, w, count);
  if (!warp_resolve_shuffle(lanes, active, count)) warp_resolve_each(lanes, active, count);
  warp_resolved(b, w, active);
}

/// The lanes of `active` (of a warp of `count` lanes), each resolved by its
/// own record: any mix of operations, widths and masks.
static inline void warp_resolve_each(Lane* lanes, unsigned long long active, unsigned count) {
  for (unsigned long long pending = active; pending != 0; pending &= pending - 1) {
    const unsigned l = unsigned(__builtin_ctzll(pending));
    Lane& me = lanes[l];
    const unsigned width = me.width - 1 < kWarpSize ? me.width : kWarpSize;
    const unsigned seg = l & ~(width - 1);
    const unsigned long long in = active & me.mask;
    unsigned long long r = 0;
    switch (me.op) {
      case kOpSync:
        break;
      case kOpReduce:
        // Resolved with lanes elsewhere: the lane reduces shuffle by shuffle.
        r = me.value;
        me.fused = 0;
        break;
      case kOpShfl:
        r = lane_value(lanes, l, seg | (me.arg & (width - 1)), count);
        break;
      case kOpShflUp:
        r = (l & (width - 1)) < me.arg ? me.value : lane_value(lanes, l, l - me.arg, count);
        break;
      case kOpShflDown:
        r = (l & (width - 1)) + me.arg >= width ? me.value : lane_value(lanes, l, l + me.arg, count);
        break;
      case kOpShflXor: {
        const unsigned src = l ^ me.arg;
        r = src >= seg + width ? me.value : lane_value(lanes, l, src, count);
        break;
      }
      case kOpBallot:
        for (unsigned k = 0; k < count; ++k)
          if ((in >> k & 1) && lanes[k].value != 0) r |= 1ull << k;
        break;
      case kOpAny:
      case kOpAll: {
        unsigned long long yes = 0;
        for (unsigned k = 0; k < count; ++k)
          if ((in >> k & 1) && lanes[k].value != 0) yes |= 1ull << k;
        r = me.op == kOpAny ? yes != 0 : yes == in;
        break;
      }
      case kOpActive:
        r = active;
        break;
      case kOpMatchAny:
        for (unsigned k = 0; k < count; ++k)
          if ((in >> k & 1) && lanes[k].value == me.value) r |= 1ull << k;
        break;
      case kOpMatchAll: {
        bool same = true;
        for (unsigned k = 0; k < count; ++k)
          if ((in >> k & 1) && lanes[k].value != me.value) same = false;
        r = same ? in : 0;
        break;
      }
      default: {
        // Reductions over the 32-bit operands of the lanes in the mask.
        bool first = true;
        for (unsigned k = 0; k < count; ++k) {
          if (!(in >> k & 1)) continue;
          const unsigned v = static_cast<unsigned>(lanes[k].value);
          unsigned acc = static_cast<unsigned>(r);
          if (first) {
            acc = v;
            first = false;
          } else {
            switch (me.op) {
              case kOpAddU: acc += v; break;
              case kOpMinU: acc = v < acc ? v : acc; break;
              case kOpMaxU: acc = v > acc ? v : acc; break;
              case kOpMinI: acc = int(v) < int(acc) ? v : acc; break;
              case kOpMaxI: acc = int(v) > int(acc) ? v : acc; break;
              case kOpAnd: acc &= v; break;
              case kOpOr: acc |= v; break;
              default: acc ^= v; break;
            }
          }
          r = acc;
        }
        break;
      }
    }
    me.result = r;
  }
}

/// A warp operation or barrier reached outside a block's cooperative
/// threads (a kernel launched through its block loop): the runtime records
/// the misuse at the yield and reports the launch as failed. (Inlined: the
/// lockstep pass sees every call of the yield.)
static __forceinline__ unsigned long long misuse(unsigned long long value) {
  __iree_host_barrier();
  return value;
}

/// Whether the calling code runs as a segment of iree-build's lockstep pass,
/// whose every resume restores `threadIdx` (the prologue), so that a wait
/// need keep nothing of the thread's own across its yield. The pass folds
/// the call to true in the segments it makes; everywhere else (a kernel the
/// pass left alone runs on fibers or coroutines) the weak definition
/// answers false.
///
/// Whether, in such a segment, a block barrier is the bare yield: the
/// lockstep scheduler alone keeps it (a thread waiting at one resumes once
/// every thread that has not returned waits at one), with none of the
/// warp bookkeeping below, which every thread updates and the last one to
/// arrive acts on, so that threads would not all leave a barrier in the
/// same round and a round over them could not run in SIMD lanes. The pass
/// folds it to true in the vector body of a kernel that has no warp
/// operation (each calls `warp_point()`, which the pass looks for and
/// deletes): lanes at a barrier are what a warp operation must know of.
#ifdef IREE_HOST_LOCKSTEP
extern "C" __attribute__((weak, noinline)) bool __iree_host_in_lockstep(void) { return false; }
extern "C" __attribute__((weak, noinline)) bool __iree_host_plain_barriers(void) { return false; }
extern "C" __attribute__((weak, noinline)) void __iree_host_warp_point(void) {}
static __forceinline__ bool in_lockstep() { return __iree_host_in_lockstep(); }
static __forceinline__ bool plain_barriers() { return in_lockstep() && __iree_host_plain_barriers(); }
static __forceinline__ void warp_point() {
  if (in_lockstep()) __iree_host_warp_point();
}
#else
static __forceinline__ bool in_lockstep() { return false; }
static __forceinline__ bool plain_barriers() { return false; }
static __forceinline__ void warp_point() {}
#endif

/// Waits (yielding to the block's other threads) while `*state` is `s`.
/// Other threads overwrite `threadIdx` meanwhile (the rest of the context
/// is the block's), so it is saved around the yields.
template <typename Until>
static __forceinline__ void warp_wait(Until done) {
  const uint3 saved = ctx.thread_idx;
  do {
    __iree_host_barrier();
    ctx.thread_idx = saved;
  } while (!done());
}

/// One warp operation of the calling lane: its record once every live lane
/// of its warp is parked and `resolve(b, w)` (or another lane's resolver)
/// has resolved it.
template <typename Resolve>
static __forceinline__ const Lane& warp_op_with(unsigned op, unsigned long long value,
                                                unsigned arg, unsigned width,
                                                unsigned long long mask, const void* tag,
                                                Resolve resolve) {
  warp_point();
  BlockState& b = block_state;
  const unsigned t = warp_tid(), w = t / kWarpSize;
  Lane& me = b.lanes[t];
  me.value = value;
  me.mask = mask;
  me.op = op;
  me.arg = arg;
  me.width = width;
  me.tag = tag;
  b.state[t] = kLaneAtWarp;
  if (++b.parked[w] == warp_lanes(b, w)) {
    resolve(b, w);
  } else if (in_lockstep()) {
    // A segment of the lockstep pass: the lane's index is recomputed after
    // the yield (the prologue restored `threadIdx`), so the lane keeps
    // nothing of its own across it.
    unsigned u;
    do {
      __iree_host_barrier();
      u = warp_tid();
      const unsigned v = u / kWarpSize;
      if (b.state[u] == kLaneAtWarp && b.parked[v] == warp_lanes(b, v)) resolve(b, v);
    } while (b.state[u] != kLaneResolved);
    b.state[u] = kLaneRunning;
    return b.lanes[u];
  } else {
    warp_wait([&b, t, w, resolve] {
      if (b.state[t] == kLaneAtWarp && b.parked[w] == warp_lanes(b, w)) resolve(b, w);
      return b.state[t] == kLaneResolved;
    });
  }
  b.state[t] = kLaneRunning;
  return b.lanes[t];
}

/// One warp operation of the calling lane: its result.
static __forceinline__ unsigned long long warp_op(unsigned op, unsigned long long value,
                                                  unsigned arg, unsigned width,
                                                  unsigned long long mask) {
  if (__builtin_expect(block_state.n == 0, 0)) return misuse(value);
  return warp_op_with(op, value, arg, width, mask, nullptr,
                      [](BlockState& b, unsigned w) { warp_resolve(b, w); })
      .result;
}

static __forceinline__ unsigned long long segment_mask(unsigned width);

/// Identifies the reduction `warp_reduce<N, T, Op>` (its address).
template <unsigned N, typename T, typename Op>
inline const char reduce_tag = 0;

/// Resolves warp `w` where a lane at `warp_reduce<N, T, Op>` completed the
/// rendezvous: if every lane at a warp point is at that very reduction and
/// every tile of N lanes with one of them in it has all its lanes there,
/// each tile's butterfly (`v = op(v, shfl_xor(v, o))` for o = N/2 .. 1, in
/// that order, so floating-point results are the shuffles' bit for bit) is
/// computed here at once; otherwise (diverged lanes) as warp_resolve would,
/// and the reducing lanes then shuffle step by step.
template <unsigned N, typename T, typename Op>
__attribute__((noinline)) static void warp_resolve_reduce(BlockState& b, unsigned w) {
  const unsigned count = warp_lanes(b, w);
  Lane* lanes = b.lanes + w * kWarpSize;
  const unsigned long long active = warp_active(b, w, count);
  bool whole = active != 0;
  for (unsigned long long p = active; p != 0; p &= p - 1) {
    const Lane& o = lanes[__builtin_ctzll(p)];
    whole &= o.op == kOpReduce && o.tag == &reduce_tag<N, T, Op> && o.width == N;
  }
  for (unsigned s = 0; whole && s < count; s += N) {
    const unsigned k = count - s < N ? count - s : N;
    const unsigned long long tile = (k >= 64 ? ~0ull : (1ull << k) - 1) << s;
    whole = (active & tile) == 0 || (active & tile) == tile;
  }
  if (!whole) {
    if (!warp_resolve_shuffle(lanes, active, count)) warp_resolve_each(lanes, active, count);
    warp_resolved(b, w, active);
    return;
  }
  const Op op{};
  for (unsigned s = 0; s < count; s += N) {
    if (!(active >> s & 1)) continue;
    const unsigned k = count - s < N ? count - s : N;  // lanes of the tile that exist
    T v[N], next[N];
    for (unsigned i = 0; i < k; ++i) memcpy(&v[i], &lanes[s + i].value, sizeof(T));
    for (unsigned o = N / 2; o > 0; o /= 2) {
      // A lane past the warp's last reads its own value, as a shuffle does.
      for (unsigned i = 0; i < k; ++i) next[i] = op(v[i], (i ^ o) < k ? v[i ^ o] : v[i]);
      for (unsigned i = 0; i < k; ++i) v[i] = next[i];
    }
    for (unsigned i = 0; i < k; ++i) {
      unsigned long long bits = 0;
      memcpy(&bits, &v[i], sizeof(T));
      lanes[s + i].result = bits;
      lanes[s + i].fused = 1;
    }
  }
  warp_resolved(b, w, active);
}

/// `op` over the values of the calling lane's tile of N lanes, as
/// cooperative groups' `reduce` (a butterfly of `shfl_xor`s) gives it, in
/// one rendezvous instead of log2(N) when the tile's lanes are all here;
/// false (and `*out` untouched) when they were not, and the caller must
/// shuffle. For values of up to 8 bytes and stateless operators.
template <unsigned N, typename T, typename Op>
static __forceinline__ bool warp_reduce(T v, T* out) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T> && std::is_empty_v<Op>,
                "whole-tile reductions take values of up to 8 bytes and stateless operators");
  if (__builtin_expect(block_state.n == 0, 0)) {
    misuse(0);
    return false;
  }
  unsigned long long bits = 0;
  memcpy(&bits, &v, sizeof(T));
  const Lane& me = warp_op_with(kOpReduce, bits, 0, N, segment_mask(N), &reduce_tag<N, T, Op>,
                                [](BlockState& b, unsigned w) { warp_resolve_reduce<N, T, Op>(b, w); });
  if (!me.fused) return false;
  memcpy(out, &me.result, sizeof(T));
  return true;
}

/// A warp operation on a value of any trivially copyable type: moved as
/// 8-byte pieces, one operation each.
template <typename T>
static __forceinline__ T warp_move(unsigned op, T v, unsigned arg, unsigned width,
                                   unsigned long long mask) {
  static_assert(std::is_trivially_copyable_v<T>, "warp shuffles move trivially copyable values");
  if constexpr (sizeof(T) <= 8) {
    unsigned long long bits = 0;
    memcpy(&bits, &v, sizeof(T));
    bits = warp_op(op, bits, arg, width, mask);
    T out;
    memcpy(&out, &bits, sizeof(T));
    return out;
  } else {
    unsigned char bytes[sizeof(T)];
    memcpy(bytes, &v, sizeof(T));
    for (size_t at = 0; at < sizeof(T); at += 8) {
      unsigned long long bits = 0;
      const size_t k = sizeof(T) - at < 8 ? sizeof(T) - at : 8;
      memcpy(&bits, bytes + at, k);
      bits = warp_op(op, bits, arg, width, mask);
      memcpy(bytes + at, &bits, k);
    }
    T out;
    memcpy(&out, bytes, sizeof(T));
    return out;
  }
}

/// Block barrier: waits until every thread of the block that has not
/// returned is here too.
static __forceinline__ void block_barrier() {
  if (plain_barriers()) {
    __iree_host_barrier();
    return;
  }
  BlockState& b = block_state;
  if (__builtin_expect(b.n == 0, 0)) {
    misuse(0);
    return;
  }
  const unsigned t = warp_tid();
  b.state[t] = kLaneAtBarrier;
  ++b.parked[t / kWarpSize];
  if (++b.arrived == b.alive) {
    barrier_release(b);
  } else if (in_lockstep()) {
    do __iree_host_barrier();
    while (b.state[warp_tid()] == kLaneAtBarrier);
  } else {
    warp_wait([&b, t] { return b.state[t] != kLaneAtBarrier; });
  }
}

/// The mask of `width` lanes starting at the caller's segment.
static __forceinline__ unsigned long long segment_mask(unsigned width) {
  const unsigned lane = warp_tid() % kWarpSize;
  const unsigned long long ones = width >= 64 ? ~0ull : (1ull << width) - 1;
  return ones << (lane & ~(width - 1));
}
}  // namespace iree_host

// ---- block barrier ----------------------------------------------------------
static __forceinline__ void __syncthreads() { ::iree_host::block_barrier(); }
static __forceinline__ int __syncthreads_count(int p) {
  // Counted through a block-wide slot in the lanes: barrier, add, barrier.
  static thread_local int count;
  __syncthreads();
  if (::iree_host::warp_tid() == 0) count = 0;
  __syncthreads();
  if (p) __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
  __syncthreads();
  const int r = count;
  __syncthreads();
  return r;
}
static __forceinline__ int __syncthreads_and(int p) {
  return __syncthreads_count(p != 0) == int(::iree_host::block_state.alive);
}
static __forceinline__ int __syncthreads_or(int p) { return __syncthreads_count(p != 0) != 0; }

// ---- warp intrinsics ----------------------------------------------------------
// Masks are 64-bit (HIP's); a CUDA 32-bit mask converts. Widths default to
// the warp size.
static __forceinline__ unsigned __lane_id() { return ::iree_host::warp_tid() % warpSize; }
static __forceinline__ void __syncwarp(unsigned long long mask = ~0ull) {
  ::iree_host::warp_op(::iree_host::kOpSync, 0, 0, warpSize, mask);
}
static __forceinline__ unsigned long long __activemask() {
  return ::iree_host::warp_op(::iree_host::kOpActive, 0, 0, warpSize, ~0ull);
}
static __forceinline__ unsigned long long __ballot_sync(unsigned long long mask, int p) {
  return ::iree_host::warp_op(::iree_host::kOpBallot, p != 0, 0, warpSize, mask);
}
static __forceinline__ int __all_sync(unsigned long long mask, int p) {
  return int(::iree_host::warp_op(::iree_host::kOpAll, p != 0, 0, warpSize, mask));
}
static __forceinline__ int __any_sync(unsigned long long mask, int p) {
  return int(::iree_host::warp_op(::iree_host::kOpAny, p != 0, 0, warpSize, mask));
}
static __forceinline__ unsigned long long __ballot(int p) { return __ballot_sync(~0ull, p); }
static __forceinline__ int __any(int p) { return __any_sync(~0ull, p); }
static __forceinline__ int __all(int p) { return __all_sync(~0ull, p); }
namespace iree_host {
/// The first 8 bytes of `v`, the key matches compare.
template <typename T>
static __forceinline__ unsigned long long match_key(T v) {
  unsigned long long b = 0;
  memcpy(&b, &v, sizeof(T) < 8 ? sizeof(T) : 8);
  return b;
}
}  // namespace iree_host
template <typename T>
static __forceinline__ unsigned long long __match_any_sync(unsigned long long mask, T v) {
  return ::iree_host::warp_op(::iree_host::kOpMatchAny, ::iree_host::match_key(v), 0, warpSize,
                              mask);
}
template <typename T>
static __forceinline__ unsigned long long __match_all_sync(unsigned long long mask, T v, int* pred) {
  const unsigned long long r = ::iree_host::warp_op(::iree_host::kOpMatchAll,
                                                    ::iree_host::match_key(v), 0, warpSize, mask);
  *pred = r != 0;
  return r;
}
#define IREE_HOST_WARP_REDUCE(name, T, op)                                         \
  static __forceinline__ T name(unsigned long long mask, T v) {                    \
    return static_cast<T>(::iree_host::warp_op(::iree_host::op,                    \
                                               static_cast<unsigned>(v), 0, warpSize, mask)); \
  }
IREE_HOST_WARP_REDUCE(__reduce_add_sync, unsigned, kOpAddU)
IREE_HOST_WARP_REDUCE(__reduce_add_sync, int, kOpAddU)
IREE_HOST_WARP_REDUCE(__reduce_min_sync, unsigned, kOpMinU)
IREE_HOST_WARP_REDUCE(__reduce_max_sync, unsigned, kOpMaxU)
IREE_HOST_WARP_REDUCE(__reduce_min_sync, int, kOpMinI)
IREE_HOST_WARP_REDUCE(__reduce_max_sync, int, kOpMaxI)
IREE_HOST_WARP_REDUCE(__reduce_and_sync, unsigned, kOpAnd)
IREE_HOST_WARP_REDUCE(__reduce_or_sync, unsigned, kOpOr)
IREE_HOST_WARP_REDUCE(__reduce_xor_sync, unsigned, kOpXor)
#undef IREE_HOST_WARP_REDUCE

template <typename T>
static __forceinline__ T __shfl_sync(unsigned long long mask, T v, int src, int width = warpSize) {
  return ::iree_host::warp_move(::iree_host::kOpShfl, v, unsigned(src), unsigned(width), mask);
}
template <typename T>
static __forceinline__ T __shfl_up_sync(unsigned long long mask, T v, unsigned delta,
                                        int width = warpSize) {
  return ::iree_host::warp_move(::iree_host::kOpShflUp, v, delta, unsigned(width), mask);
}
template <typename T>
static __forceinline__ T __shfl_down_sync(unsigned long long mask, T v, unsigned delta,
                                          int width = warpSize) {
  return ::iree_host::warp_move(::iree_host::kOpShflDown, v, delta, unsigned(width), mask);
}
template <typename T>
static __forceinline__ T __shfl_xor_sync(unsigned long long mask, T v, int lane_mask,
                                         int width = warpSize) {
  return ::iree_host::warp_move(::iree_host::kOpShflXor, v, unsigned(lane_mask), unsigned(width),
                                mask);
}
template <typename T>
static __forceinline__ T __shfl(T v, int src, int width = warpSize) {
  return __shfl_sync(~0ull, v, src, width);
}
template <typename T>
static __forceinline__ T __shfl_up(T v, unsigned delta, int width = warpSize) {
  return __shfl_up_sync(~0ull, v, delta, width);
}
template <typename T>
static __forceinline__ T __shfl_down(T v, unsigned delta, int width = warpSize) {
  return __shfl_down_sync(~0ull, v, delta, width);
}
template <typename T>
static __forceinline__ T __shfl_xor(T v, int lane_mask, int width = warpSize) {
  return __shfl_xor_sync(~0ull, v, lane_mask, width);
}

#endif  // IREE_HOST_WARP_H_
