// Lockstep blocks for the host target: an LLVM pass plugin that clang loads
// (`-fpass-plugin`) when iree-build compiles kernels for the CPU.
//
// Why: the host platform runs a GPU block's threads on one CPU thread. Run
// one after another, each thread's grid-stride loop walks the whole input
// with a stride of the grid (a new cache line, often a new page, per
// element), and every `__syncthreads()` costs a coroutine switch per thread.
// A GPU runs the threads of a block together; so does this pass, as far as
// it matters for memory order: it turns each kernel's thread body into a
// resumable segment function that returns at every barrier and every few
// iterations of each barrier-free loop, and the header's scheduler runs the
// block's threads round-robin, segment by segment (see the contract in
// iree-build/include/host/hip/hip_runtime.h, "lockstep blocks").
//
// How, on `__iree_host_tbody_<k>` (the kernel inlined after a marker call):
//  0. fold the header's `__iree_host_in_lockstep()` to true (its waits then
//     keep nothing across their yield);
//  1. split blocks after each `__iree_host_barrier()` call and drop the call;
//  2. choose the loops to cut: outermost loops without a barrier whose trip
//     count is not a small constant and whose accesses do not all walk
//     short constant strides;
//  3. liveness: the SSA values live into each cut point get a slot in the
//     thread's frame, as do the kernel's allocas (private arrays);
//  4. at each cut, store the live values and return the resume state; a
//     dispatch on `state` right after the prologue jumps to the resume
//     blocks, which reload them (SSAUpdater rebuilds SSA form);
//  5. inline the segment into the scheduler, which replaces
//     `__iree_host_block_<k>`, and define `__iree_host_lockstep_<k>`.
// Why this is allowed: between two barriers, the threads of a GPU block may
// run in any interleaving (a kernel that depends on one has a data race),
// so any schedule that keeps every barrier a barrier is a correct one; the
// scheduler never lets a thread pass a barrier before every running thread
// has reached one. Each thread's saved values and private arrays live in
// its own frame, so no thread sees another's.
// Calls of the module's own functions that reach a barrier are inlined
// first (unless marked noinline). Anything it does not handle (a barrier
// inside a call that was not inlined, a dynamic alloca, a marker inside a loop) leaves the module as
// it was without the lockstep functions: the kernel then runs as it does
// without the plugin. The work is done on a clone that is verified before
// it replaces anything. Set IREE_HOST_LOCKSTEP_VERBOSE=1 to see, per
// kernel, what the pass did or why it did not.
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/ConstantFolding.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"
#include "llvm/Transforms/Utils/UnrollLoop.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <set>
#include <string>

using namespace llvm;

namespace {

constexpr const char* kBodyPrefix = "__iree_host_tbody_";
// The vector lockstep functions (hip_runtime.h, "vector lockstep"): the
// thread body with frames in planes, their size, and the rounds per level.
constexpr const char* kVBodyPrefix = "__iree_host_vbody_";
constexpr const char* kVFramePrefix = "__iree_host_vframe_";
constexpr const char* kVRoundPrefixes[] = {"__iree_host_vround_avx2_", "__iree_host_vround_avx512_"};
// 32-bit lanes per vector at each round's level, in kVRoundPrefixes' order.
constexpr unsigned kVRoundLanes[] = {8, 16};
// Threads per plane of a vector body's frames; in step with the header.
constexpr uint64_t kVecMaxThreads = 1024;
// In step with kLockstepMixed in the header.
constexpr uint32_t kMixed = 0xffffffffu;
// A vector body's state with this bit resumes a cut whose uniform slots
// (see UniformSlot) every thread of the block has the same values of: it
// reads them from words no thread writes, which the loop vectoriser then
// sees as one value for all lanes. Only the pass's rounds pass it, after
// checking.
constexpr uint32_t kUniformBit = 0x40000000u;
// `HostLaunch::block_dim`'s offset: in step with the header's static_assert.
constexpr uint64_t kLaunchBlockDim = 12;
constexpr const char* kSchedPrefix = "__iree_host_lsched_";
constexpr const char* kBlockPrefix = "__iree_host_block_";
constexpr const char* kFramePrefix = "__iree_host_frame_";
constexpr const char* kMarkerPrefix = "__iree_host_lockstep_";
constexpr const char* kBegin = "__iree_host_lockstep_begin";
constexpr const char* kBarrier = "__iree_host_barrier";
// The header's "am I a segment?" query (iree_host_warp.h): true in the
// segments this pass makes, folded before the cuts so that the header's
// lockstep-only waits are all that is left of its waits.
constexpr const char* kInLockstep = "__iree_host_in_lockstep";
// The header's context of built-in variables (`iree_host::ctx`).
constexpr const char* kContext = "_ZN9iree_host3ctxE";
// The bytes of `Context::grid_dim` (after thread_idx, block_idx and
// block_dim, three uint3): in step with the header.
constexpr uint64_t kContextGridDim = 36, kContextGridDimEnd = 48;
// The header's "are barriers the bare yield?" query and the call every
// warp operation makes (iree_host_warp.h): the query is true in a vector
// body without warp operations, false elsewhere; the calls are deleted.
constexpr const char* kPlainBarriers = "__iree_host_plain_barriers";
constexpr const char* kWarpPoint = "__iree_host_warp_point";
// In step with kLockstepBarrier in the header.
constexpr uint32_t kBarrierBit = 0x80000000u;
// Iterations of a cut loop a thread runs before it yields: enough to pay
// for saving and reloading its live values, few enough that the threads'
// working sets (a cache line or page per thread and iteration) stay in
// cache. 8 was best for a grid-stride sum (1 and 2: scheduling dominates;
// 16 and more: the order degrades towards one thread after another).
constexpr uint32_t kItersPerSegment = 8;
// Iterations of a cut loop a vector body runs per segment, by unrolling
// the loop that many times (each copy keeps its exit) before the cut: a
// round's dispatch, its frame reloads and saves then pay for this many
// iterations of every thread instead of one, while the segment stays free
// of loops (the vectoriser takes the round's thread loop). 16 was best for
// the perf example's grid-stride sum (2^24 floats: 5 GB/s without the
// unrolling, 9 to 12 with 8, 15 with 16, 11 with 32). Only grid-stride
// loops (stridesByTheGrid) without sub-loops, of at most kUnrollBodyLimit
// instructions, are unrolled, so the round copies stay small.
constexpr unsigned kVectorItersPerSegment = 16;
constexpr unsigned kUnrollBodyLimit = 80;
// Loops with at most this many iterations (a known constant) are not cut:
// they gain nothing from interleaving and would pay the yields.
constexpr unsigned kSmallTripCount = 64;
// A loop whose every access advances by at most this many bytes per
// iteration is not cut either: the thread walks its data a cache line or
// two at a time (a warp's lane striding over one row, `c += 32`), so
// interleaving the threads orders memory no better, and the yields only
// cost (a row softmax or layer norm paid one every 8 elements, more than
// its arithmetic). The grid-stride loops the cuts are for stride by the
// whole grid, a value only known at run time.
constexpr int64_t kShortStrideBytes = 256;

bool verbose() {
  const char* v = std::getenv("IREE_HOST_LOCKSTEP_VERBOSE");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

bool isCallTo(const Instruction& I, StringRef name) {
  if (const auto* CB = dyn_cast<CallBase>(&I))
    if (const Function* F = CB->getCalledFunction()) return F->getName() == name;
  return false;
}

// Functions of the module from which a barrier call can be reached.
std::set<const Function*> functionsReachingBarrier(Module& M) {
  std::set<const Function*> reach;
  if (Function* B = M.getFunction(kBarrier)) reach.insert(B);
  bool changed = true;
  while (changed) {
    changed = false;
    for (Function& F : M) {
      if (reach.count(&F) || F.isDeclaration()) continue;
      for (Instruction& I : instructions(F)) {
        const auto* CB = dyn_cast<CallBase>(&I);
        if (!CB) continue;
        const Function* callee = CB->getCalledFunction();
        // An indirect call could reach the barrier too; treat it as such
        // only if the module has a barrier at all.
        if ((callee && reach.count(callee)) || (!callee && !CB->isInlineAsm() && !reach.empty())) {
          reach.insert(&F);
          changed = true;
          break;
        }
      }
    }
  }
  return reach;
}

// Whether every memory access of loop `L` is a load or store whose address
// advances by a constant, non-zero number of bytes of at most
// kShortStrideBytes per iteration of `L`, and there is at least one. Calls
// (libm's expf) are ignored; an access of a sub-loop, a loop-invariant
// address (a flag another thread may set), a volatile or atomic access, or
// an address SCEV cannot follow all answer no, and the loop is cut as before.
bool walksShortStrides(Loop* L, ScalarEvolution& SE) {
  bool any = false;
  for (BasicBlock* B : L->blocks())
    for (Instruction& I : *B) {
      Value* ptr = nullptr;
      if (auto* Ld = dyn_cast<LoadInst>(&I)) {
        if (!Ld->isSimple()) return false;
        ptr = Ld->getPointerOperand();
      } else if (auto* St = dyn_cast<StoreInst>(&I)) {
        if (!St->isSimple()) return false;
        ptr = St->getPointerOperand();
      } else if (isa<AtomicRMWInst>(I) || isa<AtomicCmpXchgInst>(I) || isa<FenceInst>(I)) {
        return false;
      }
      if (!ptr) continue;
      const auto* AR = dyn_cast<SCEVAddRecExpr>(SE.getSCEV(ptr));
      if (!AR || AR->getLoop() != L || !AR->isAffine()) return false;
      const auto* step = dyn_cast<SCEVConstant>(AR->getStepRecurrence(SE));
      if (!step) return false;
      const int64_t bytes = step->getAPInt().getSExtValue();
      if (bytes == 0 || bytes > kShortStrideBytes || bytes < -kShortStrideBytes) return false;
      any = true;
    }
  return any;
}

struct Cut {
  BasicBlock* block;    // where the thread resumes
  bool barrier;         // a barrier (the thread waits) or a loop header
  Loop* loop = nullptr; // the loop, for a loop cut
  uint32_t id = 0;      // resume state (1-based)
  SetVector<Instruction*> live;  // values to save and reload
  // Values recomputed at the resume instead (operands first): pure
  // arithmetic on the prologue's values, such as the addresses of the
  // kernel's `__shared__` arrays, which every thread would otherwise save.
  SetVector<Instruction*> remat;
  // A vector body's induction variables of the cut loop that are not
  // saved: each is `start + k * step` with `start` and `step` recomputed
  // at the resume and `k` the loop's iteration counter (a phi the pass
  // adds, saved instead), so that a grid-stride index stays an affine
  // function of threadIdx.x (a vector load) rather than a value loaded per
  // thread (a gather).
  struct Induction {
    PHINode* iv;
    Value* start;
    Value* step;
    Type* gepType;  // the element type of a pointer induction, or null
  };
  std::vector<Induction> inductions;
  PHINode* counter = nullptr;
  // Iterations per segment: the copies the loop was unrolled into (vector
  // bodies), each advancing every induction once.
  unsigned unrolled = 1;
  // Saved values (vector bodies) likely the same in every thread: each a
  // UniformSlot of the cut.
  SetVector<Instruction*> uniform;
  BasicBlock* resume = nullptr;
};

// How a thread body keeps its frame: one block of bytes per thread (the
// scalar body) or planes, one per saved value, kVecMaxThreads threads long
// (the vector body: its argument 6 is the thread's index `t`). A vector body
// also yields after every pass through a cut loop (kVectorItersPerSegment
// iterations once unrolled, else one), so that no segment has a loop of its
// own and a round over the threads is a loop the vectoriser takes.
enum class Layout { PerThread, Planes };

// A saved value a vector round reads once for all threads when every
// thread's is the same (checked by the round's dispatch, which copies
// thread 0's into `word`, a frame word no thread writes): an iteration
// counter, a tile loop's index across its barriers. Each one the same
// for all lanes keeps the addresses computed from it affine in threadIdx.x
// (vector loads, not gathers).
struct UniformSlot {
  uint64_t plane;  // the frame offset of the value's plane
  uint64_t word;   // the frame offset of the round's copy
  unsigned bytes;  // the value's size: 4 or 8, also its plane's stride
};
using UniformSlots = std::map<uint32_t, std::vector<UniformSlot>>;

class Transform {
 public:
  Transform(Function& G, const std::set<const Function*>& reach, FunctionAnalysisManager& FAM,
            Layout layout)
      : G(G), M(*G.getParent()), DL(M.getDataLayout()), reach(reach), FAM(FAM), layout(layout) {}

  // The resume states of the cuts made (1-based), for the vector rounds.
  std::vector<uint32_t> states;
  // Whether the kernel has warp operations (see kWarpPoint).
  bool warps = false;
  // Per cut with uniform slots (vector bodies), the slots: the round's
  // dispatch writes their words, no thread does, so a value stays one
  // value for the whole round while the threads update their own.
  UniformSlots uniformSlots;
  // Cut loops of a vector body unrolled to kVectorItersPerSegment copies.
  unsigned unrolledLoops = 0;

  // Whether `F` is a C library function (TargetLibraryInfo knows it): one
  // that cannot reach the host barrier except through a callback we pass.
  bool isLibraryFunction(const Function& F) {
    const TargetLibraryInfo& TLI = FAM.getResult<TargetLibraryAnalysis>(G);
    LibFunc lf;
    return TLI.getLibFunc(F, lf) && TLI.has(lf);
  }

  // Rewrites G into a segment function; false (with `why`) if it cannot.
  bool run(std::string& why, uint32_t& frameBytes, unsigned& loopCuts, unsigned& barrierCuts,
           unsigned& shortLoops) {
    foldCalls(kInLockstep, true);
    for (Instruction& I : make_early_inc_range(instructions(G)))
      if (isCallTo(I, kWarpPoint)) {
        warps = true;
        I.eraseFromParent();
      }
    foldCalls(kPlainBarriers, layout == Layout::Planes && !warps);
    removeUnreachableBlocks(G);
    Argument* frame = G.getArg(1);
    Argument* state = G.getArg(2);

    // The marker: exactly one, splitting prologue from kernel.
    CallInst* marker = nullptr;
    for (Instruction& I : instructions(G))
      if (isCallTo(I, kBegin)) {
        if (marker) return fail(why, "more than one lockstep marker");
        marker = cast<CallInst>(&I);
      }
    if (!marker) return fail(why, "no lockstep marker (was the kernel inlined?)");
    BasicBlock* pro = marker->getParent();
    BasicBlock* body = pro->splitBasicBlock(marker->getNextNode(), "ls.body");
    marker->eraseFromParent();

    // Blocks of the kernel proper: reachable from `body`. The prologue must
    // not be among them (it runs again at every resume).
    std::set<BasicBlock*> kernel;
    // Function order, for deterministic output (cut ids, frame layout).
    auto inOrder = [&]() {
      std::vector<BasicBlock*> v;
      for (BasicBlock& B : G)
        if (kernel.count(&B)) v.push_back(&B);
      return v;
    };
    auto findKernel = [&]() {
      kernel.clear();
      SmallVector<BasicBlock*, 16> stack{body};
      while (!stack.empty()) {
        BasicBlock* B = stack.pop_back_val();
        if (!kernel.insert(B).second) continue;
        for (BasicBlock* S : successors(B)) stack.push_back(S);
      }
    };
    findKernel();
    for (BasicBlock& B : G)
      if (!kernel.count(&B))
        for (Instruction& I : B)
          if (isCallTo(I, kBarrier)) return fail(why, "barrier in the prologue");
    if (kernel.count(pro) || kernel.count(&G.getEntryBlock()))
      return fail(why, "the lockstep marker is inside a loop");

    // Every call the kernel makes must be one we can see barriers through.
    for (BasicBlock* B : kernel)
      for (Instruction& I : *B) {
        if (isa<InvokeInst>(I) || isa<CallBrInst>(I)) return fail(why, "invoke/callbr in the kernel");
        const auto* CB = dyn_cast<CallBase>(&I);
        if (!CB || isCallTo(I, kBarrier)) continue;
        const Function* callee = CB->getCalledFunction();
        if (callee && callee->isIntrinsic()) continue;
        if ((callee && reach.count(callee)) || (!callee && !CB->isInlineAsm() && reach.size() > 1))
          return fail(why, "a barrier inside a call that was not inlined (" +
                               (callee ? callee->getName().str() : std::string("indirect")) + ")");
        // A function this object does not define (another kernel file's
        // `__device__` function, say) may reach a barrier we cannot see;
        // only the C library's functions are known not to. A callback we
        // pass one (qsort's comparator) must not reach one either.
        if (callee && callee->isDeclaration() && !isLibraryFunction(*callee))
          return fail(why, "a call to `" + callee->getName().str() +
                               "`, which this object does not define (it may reach a barrier)");
        for (const Use& arg : CB->args())
          if (const auto* F = dyn_cast<Function>(arg->stripPointerCasts()); F && reach.count(F))
            return fail(why, "a callback that reaches a barrier (" + F->getName().str() + ")");
        if (I.getType()->isTokenTy()) return fail(why, "token-typed call");
      }

    if (layout == Layout::Planes) markParameterLoadsInvariant(kernel);

    // 1. Barriers become cut points.
    std::vector<Cut> cuts;
    {
      std::vector<CallInst*> barriers;
      for (BasicBlock* B : inOrder())
        for (Instruction& I : *B)
          if (isCallTo(I, kBarrier)) barriers.push_back(cast<CallInst>(&I));
      for (CallInst* C : barriers) {
        BasicBlock* cont = C->getParent()->splitBasicBlock(C->getNextNode(), "ls.barrier");
        kernel.insert(cont);
        C->eraseFromParent();
        Cut cut;
        cut.block = cont;
        cut.barrier = true;
        cuts.push_back(cut);
      }
    }
    barrierCuts = cuts.size();

    // 2. Loops to cut.
    FAM.invalidate(G, PreservedAnalyses::none());
    auto& LI = FAM.getResult<LoopAnalysis>(G);
    auto& SE = FAM.getResult<ScalarEvolutionAnalysis>(G);
    std::set<BasicBlock*> barrierBlocks;  // blocks that end at a barrier
    for (const Cut& c : cuts) barrierBlocks.insert(c.block->getSinglePredecessor());
    std::vector<Loop*> work(LI.begin(), LI.end());
    while (!work.empty()) {
      Loop* L = work.back();
      work.pop_back();
      if (!kernel.count(L->getHeader())) continue;
      bool hasBarrier = false;
      for (BasicBlock* B : L->blocks()) hasBarrier |= barrierBlocks.count(B) > 0;
      if (hasBarrier) {
        for (Loop* S : L->getSubLoops()) work.push_back(S);
        continue;
      }
      unsigned trip = SE.getSmallConstantMaxTripCount(L);
      if (trip != 0 && trip <= kSmallTripCount) continue;
      if (walksShortStrides(L, SE)) {
        ++shortLoops;
        continue;
      }
      SmallVector<BasicBlock*, 4> latches;
      L->getLoopLatches(latches);
      for (BasicBlock* Lt : latches)
        if (!isa<BranchInst>(Lt->getTerminator()))
          return fail(why, "a loop latch that is not a branch");
      Cut cut;
      cut.block = L->getHeader();
      cut.barrier = false;
      cut.loop = L;
      cuts.push_back(cut);
    }
    loopCuts = cuts.size() - barrierCuts;
    if (layout == Layout::Planes) {
      for (Cut& c : cuts)
        if (c.loop) {
          c.unrolled = unrollForRounds(c.loop, LI, SE);
          unrolledLoops += c.unrolled > 1;
        }
      if (unrolledLoops > 0) findKernel();  // the copies are kernel blocks too
    }
    if (cuts.empty()) return fail(why, "nothing to interleave (no barrier, no long loop)");
    for (size_t i = 0; i < cuts.size(); ++i) {
      cuts[i].id = static_cast<uint32_t>(i + 1);
      states.push_back(cuts[i].id);
    }

    // Collect the latches now: the edits below invalidate LoopInfo.
    std::map<BasicBlock*, SmallVector<BasicBlock*, 4>> latchesOf;
    for (Cut& c : cuts)
      if (c.loop) c.loop->getLoopLatches(latchesOf[c.block]);

    // 3. Liveness over the kernel's blocks (prologue values are recomputed
    // at every resume and arguments are always there: neither is saved).
    auto tracked = [&](Value* V) -> Instruction* {
      auto* I = dyn_cast<Instruction>(V);
      if (!I || !kernel.count(I->getParent()) || isa<AllocaInst>(I)) return nullptr;
      return I;
    };
    std::map<BasicBlock*, std::set<Instruction*>> liveIn, liveOut, upward, defs, phiUses;
    for (BasicBlock* B : kernel) {
      for (Instruction& I : *B) {
        defs[B].insert(&I);
        if (auto* P = dyn_cast<PHINode>(&I)) {
          for (unsigned k = 0; k < P->getNumIncomingValues(); ++k)
            if (Instruction* V = tracked(P->getIncomingValue(k)))
              phiUses[P->getIncomingBlock(k)].insert(V);
          continue;
        }
        for (Value* Op : I.operands())
          if (Instruction* V = tracked(Op))
            if (V->getParent() != B) upward[B].insert(V);
      }
    }
    bool changed = true;
    while (changed) {
      changed = false;
      for (BasicBlock* B : kernel) {
        std::set<Instruction*> out = phiUses[B];
        for (BasicBlock* S : successors(B))
          for (Instruction* V : liveIn[S])
            if (!(isa<PHINode>(V) && V->getParent() == S)) out.insert(V);
        std::set<Instruction*> in = upward[B];
        for (PHINode& P : B->phis()) in.insert(&P);
        for (Instruction* V : out)
          if (!defs[B].count(V)) in.insert(V);
        if (out != liveOut[B] || in != liveIn[B]) {
          liveOut[B] = std::move(out);
          liveIn[B] = std::move(in);
          changed = true;
        }
      }
    }
    std::map<Instruction*, size_t> position;
    for (Instruction& I : instructions(G)) position.emplace(&I, position.size());
    for (Cut& c : cuts) {
      std::vector<Instruction*> live(liveIn[c.block].begin(), liveIn[c.block].end());
      std::sort(live.begin(), live.end(),
                [&](Instruction* a, Instruction* b) { return position[a] < position[b]; });
      for (Instruction* V : live) {
        if (V->getType()->isTokenTy()) return fail(why, "a token value live across a cut");
        if (rematerializable(V, tracked))
          addRemat(c, V, tracked);
        else
          c.live.insert(V);
      }
    }

    if (layout == Layout::Planes)
      for (Cut& c : cuts) {
        if (c.loop) countInductions(c, latchesOf[c.block], tracked);
        for (Instruction* V : c.live)
          if (likelyUniform(V)) c.uniform.insert(V);
      }

    // 4. The frame: allocas first, then one slot per saved value. With
    // planes, a slot's offset is its plane's and each thread's element is
    // `stride` bytes after the previous thread's; a cache line between the
    // planes keeps them from all mapping to the same cache sets.
    const bool planes = layout == Layout::Planes;
    Value* tIndex = nullptr;
    if (planes) {
      IRBuilder<> tb(&*G.getEntryBlock().getFirstInsertionPt());
      tIndex = tb.CreateZExtOrBitCast(G.getArg(6), Type::getInt64Ty(G.getContext()), "ls.t");
    }
    uint64_t offset = 0;
    std::map<uint64_t, uint64_t> strideAt;  // plane offset -> element stride
    auto place = [&](uint64_t size, Align align) {
      if (planes) {
        const uint64_t stride = alignTo(std::max<uint64_t>(size, 1), align);
        offset = alignTo(offset, Align(64));
        uint64_t at = offset;
        offset += stride * kVecMaxThreads + 64;
        strideAt[at] = stride;
        return at;
      }
      offset = alignTo(offset, align);
      uint64_t at = offset;
      offset += size;
      return at;
    };
    // The address of this thread's bytes at frame offset `at`.
    auto frameAt = [&](IRBuilder<>& B, uint64_t at, const Twine& name = "") -> Value* {
      if (!planes) return B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), frame, at, name);
      Value* off = B.CreateAdd(B.CreateMul(tIndex, B.getInt64(strideAt[at]), "", true, true),
                               B.getInt64(at), "", true, true);
      return B.CreateInBoundsGEP(B.getInt8Ty(), frame, off, name);
    };
    std::vector<AllocaInst*> allocas;
    for (Instruction& I : instructions(G))
      if (auto* A = dyn_cast<AllocaInst>(&I)) allocas.push_back(A);
    for (AllocaInst* A : allocas) {
      if (!A->isStaticAlloca()) return fail(why, "a dynamic alloca");
      std::optional<TypeSize> size = A->getAllocationSize(DL);
      if (!size || size->isScalable()) return fail(why, "an alloca of unknown size");
      uint64_t at = place(size->getFixedValue(), std::max(A->getAlign(), Align(1)));
      IRBuilder<> ab(A);
      Value* addr = frameAt(ab, at, A->getName());
      // Lifetime markers would make the frame slot dead between segments.
      for (User* U : make_early_inc_range(A->users()))
        if (auto* II = dyn_cast<IntrinsicInst>(U))
          if (II->isLifetimeStartOrEnd()) II->eraseFromParent();
      A->replaceAllUsesWith(addr);
      A->eraseFromParent();
    }
    std::map<Instruction*, uint64_t> slot;
    for (Cut& c : cuts)
      for (Instruction* V : c.live)
        if (!slot.count(V)) {
          Type* T = V->getType();
          slot[V] = place(DL.getTypeStoreSize(T), DL.getABITypeAlign(T));
        }
    for (Cut& c : cuts) {
      std::vector<UniformSlot>& slots = uniformSlots[c.id];
      for (Instruction* V : c.uniform) {
        const uint64_t word = alignTo(offset, Align(8));
        offset = word + 8;
        slots.push_back({slot[V], word, static_cast<unsigned>(DL.getTypeStoreSize(V->getType()))});
      }
      if (slots.empty()) uniformSlots.erase(c.id);
      else states.push_back(c.id | kUniformBit);
    }
    frameBytes = static_cast<uint32_t>(alignTo(std::max<uint64_t>(offset, 1), 16));
    if (offset > (planes ? kVecMaxThreads : 1u) << 20)
      return fail(why, "frame larger than 1 MiB per thread");

    auto addr = [&](IRBuilder<>& B, Instruction* V) { return frameAt(B, slot[V]); };
    // Thread 0's bytes at `at` (planes only).
    auto frameAtFirst = [&](IRBuilder<>& B, uint64_t at) {
      return B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), frame, at);
    };
    auto save = [&](IRBuilder<>& B, Instruction* V, Value* value) {
      B.CreateAlignedStore(value, addr(B, V), DL.getABITypeAlign(V->getType()));
    };
    Type* i32 = Type::getInt32Ty(G.getContext());

    // 5. Resume blocks and the dispatch after the prologue.
    std::map<Instruction*, SmallVector<std::pair<BasicBlock*, Value*>, 4>> reloads;
    std::set<LoadInst*> uniformLoads;
    pro->getTerminator()->eraseFromParent();
    IRBuilder<> db(pro);
    Value* uniform = nullptr;
    Value* key = state;
    if (planes) {
      uniform = db.CreateICmpNE(db.CreateAnd(state, kUniformBit), db.getInt32(0), "ls.uniform");
      key = db.CreateAnd(state, ~kUniformBit);
    }
    SwitchInst* sw = db.CreateSwitch(key, body, cuts.size());
    for (Cut& c : cuts) {
      c.resume = BasicBlock::Create(G.getContext(), "ls.resume", &G, c.block);
      IRBuilder<> rb(c.resume);
      ValueToValueMapTy copies;
      for (Instruction* R : c.remat) {
        Instruction* copy = R->clone();
        copy->setName(R->getName() + ".remat");
        rb.Insert(copy);
        RemapInstruction(copy, copies, RF_IgnoreMissingLocals | RF_NoModuleLevelChanges);
        copies[R] = copy;
        reloads[R].push_back({c.resume, copy});
      }
      const auto found = uniformSlots.find(c.id);
      const std::vector<UniformSlot> none;
      const std::vector<UniformSlot>& slots = found == uniformSlots.end() ? none : found->second;
      for (Instruction* V : c.live) {
        Value* at = addr(rb, V);
        const size_t u = std::find(c.uniform.begin(), c.uniform.end(), V) - c.uniform.begin();
        if (u < c.uniform.size()) at = rb.CreateSelect(uniform, frameAtFirst(rb, slots[u].word), at);
        LoadInst* ld = rb.CreateAlignedLoad(V->getType(), at, DL.getABITypeAlign(V->getType()),
                                            V->getName() + ".reload");
        if (u < c.uniform.size()) uniformLoads.insert(ld);
        auto* P = dyn_cast<PHINode>(V);
        if (P && P->getParent() == c.block)
          P->addIncoming(ld, c.resume);
        else
          reloads[V].push_back({c.resume, ld});
      }
      for (const Cut::Induction& d : c.inductions) {
        auto here = [&](Value* v) -> Value* {
          auto it = copies.find(v);
          return it == copies.end() ? v : static_cast<Value*>(it->second);
        };
        Value* k = c.counter->getIncomingValueForBlock(c.resume);
        Value* now;
        if (d.gepType) {
          Value* idx = rb.CreateMul(rb.CreateZExtOrTrunc(k, d.step->getType()), here(d.step));
          now = rb.CreateGEP(d.gepType, here(d.start), idx, d.iv->getName() + ".resume");
        } else {
          Value* kk = rb.CreateZExtOrTrunc(k, d.iv->getType());
          now = rb.CreateAdd(here(d.start), rb.CreateMul(kk, here(d.step)), d.iv->getName() + ".resume");
        }
        d.iv->addIncoming(now, c.resume);
      }
      rb.CreateBr(c.block);
      sw->addCase(ConstantInt::get(cast<IntegerType>(i32), c.id), c.resume);
    }

    // 6. The cuts themselves.
    for (Cut& c : cuts) {
      if (c.barrier) {
        BasicBlock* pred = c.block->getSinglePredecessor();
        // The split left `br c.block` there; the resume block is now the
        // other predecessor, so find the split one.
        for (BasicBlock* P : predecessors(c.block))
          if (P != c.resume) pred = P;
        pred->getTerminator()->eraseFromParent();
        IRBuilder<> sb(pred);
        for (Instruction* V : c.live) save(sb, V, V);
        sb.CreateRet(ConstantInt::get(i32, c.id | kBarrierBit));
        continue;
      }
      BasicBlock* H = c.block;
      if (planes) {
        yieldEveryIteration(c, latchesOf[H], save);
        continue;
      }
      PHINode* count = PHINode::Create(i32, 0, "ls.iters", H->getFirstNonPHIIt());
      const auto& latches = latchesOf[H];
      for (BasicBlock* P : predecessors(H)) {
        bool isLatch = std::find(latches.begin(), latches.end(), P) != latches.end();
        if (!isLatch) count->addIncoming(ConstantInt::get(i32, 0), P);
      }
      for (BasicBlock* Lt : latches) {
        BasicBlock* edge = BasicBlock::Create(G.getContext(), "ls.latch", &G, H);
        BasicBlock* stub = BasicBlock::Create(G.getContext(), "ls.yield", &G, H);
        Lt->getTerminator()->replaceSuccessorWith(H, edge);
        for (PHINode& P : H->phis())
          if (&P != count) P.replaceIncomingBlockWith(Lt, edge);
        IRBuilder<> eb(edge);
        Value* next = eb.CreateAdd(count, ConstantInt::get(i32, 1), "ls.next");
        eb.CreateCondBr(eb.CreateICmpULT(next, ConstantInt::get(i32, kItersPerSegment)), H, stub);
        count->addIncoming(next, edge);
        IRBuilder<> yb(stub);
        for (Instruction* V : c.live) {
          auto* P = dyn_cast<PHINode>(V);
          save(yb, V, P && P->getParent() == H ? P->getIncomingValueForBlock(edge) : V);
        }
        yb.CreateRet(ConstantInt::get(i32, c.id));
      }
    }

    // 7. SSA form again: a value saved at a cut now reaches its uses from
    // its definition or from the reloads.
    for (auto& [V, avail] : reloads) {
      SSAUpdater ssa;
      ssa.Initialize(V->getType(), V->getName());
      ssa.AddAvailableValue(V->getParent(), V);
      for (auto& [B, ld] : avail) ssa.AddAvailableValue(B, ld);
      for (Use& U : make_early_inc_range(V->uses())) {
        auto* UI = cast<Instruction>(U.getUser());
        if (UI->getParent() == V->getParent() && !isa<PHINode>(UI)) continue;
        ssa.RewriteUse(U);
      }
    }

    scopeUniformLoads(uniformLoads);

    std::string err;
    raw_string_ostream os(err);
    if (verifyFunction(G, &os)) return fail(why, "internal error, the result does not verify: " + os.str());
    return true;
  }

 private:
  // The uniform slots' loads get a scope of their own that every other
  // memory access of the body is outside of: in a round reading one value
  // for all threads, its word is written by no thread (see UniformSlot),
  // and saying so lets LLVM load it once per round.
  void scopeUniformLoads(const std::set<LoadInst*>& loads) {
    if (loads.empty()) return;
    MDBuilder MDB(G.getContext());
    MDNode* domain = MDB.createAnonymousAliasScopeDomain("iree.lockstep.uniform");
    MDNode* scope = MDNode::get(G.getContext(), {MDB.createAnonymousAliasScope(domain, "uniform")});
    for (Instruction& I : instructions(G)) {
      if (!I.mayReadOrWriteMemory()) continue;
      if (auto* L = dyn_cast<LoadInst>(&I); L && loads.count(L))
        I.setMetadata(LLVMContext::MD_alias_scope, scope);
      else
        I.setMetadata(LLVMContext::MD_noalias,
                      MDNode::concatenate(I.getMetadata(LLVMContext::MD_noalias), scope));
    }
  }

  // Unrolls cut loop `L` of a vector body kVectorItersPerSegment times,
  // each copy keeping its exit (the trip count is only known at run time,
  // so there is no remainder loop); answers the iterations a pass through
  // the loop now runs (1: left as it was).
  unsigned unrollForRounds(Loop* L, LoopInfo& LI, ScalarEvolution& SE) {
    if (!L->isInnermost() || !stridesByTheGrid(L)) return 1;
    unsigned size = 0;
    for (BasicBlock* B : L->blocks()) size += B->size();
    if (size > kUnrollBodyLimit) return 1;
    auto& TTI = FAM.getResult<TargetIRAnalysis>(G);
    auto& DT = FAM.getResult<DominatorTreeAnalysis>(G);
    auto& AC = FAM.getResult<AssumptionAnalysis>(G);
    simplifyLoop(L, &DT, &LI, &SE, &AC, nullptr, false);
    formLCSSA(*L, DT, &LI, &SE);
    OptimizationRemarkEmitter ORE(&G);
    UnrollLoopOptions ULO{};
    ULO.Count = kVectorItersPerSegment;
    ULO.Force = true;
    // Never FullyUnrolled (which would free `L`): a cut loop's trip count
    // is unknown or above kSmallTripCount, more than the copies made.
    LoopUnrollResult r = UnrollLoop(L, ULO, &LI, &SE, &DT, &AC, &TTI, &ORE, true);
    return r == LoopUnrollResult::PartiallyUnrolled ? kVectorItersPerSegment : 1;
  }

  // Whether a header phi of `L` advances by a step computed from
  // `gridDim`: a grid-stride loop, which a launch gives many iterations a
  // thread (that is what it is for). A loop striding by the block over a
  // row (`c += blockDim.x`) often runs a handful, and a vector round runs
  // every unrolled copy in every lane, masked off or not: the softmax's
  // row maximum (4 iterations a thread) ran half as fast unrolled.
  bool stridesByTheGrid(Loop* L) const {
    BasicBlock* latch = L->getLoopLatch();
    if (!latch) return false;
    for (PHINode& P : L->getHeader()->phis()) {
      Value* step = nullptr;
      Type* gepType = nullptr;
      if (advances(P.getIncomingValueForBlock(latch), &P, 1, step, gepType) && readsGridDim(step))
        return true;
    }
    return false;
  }

  // Whether `V`'s data flow (a few steps deep) loads a field of `gridDim`.
  bool readsGridDim(Value* V, unsigned depth = 0) const {
    auto* I = dyn_cast<Instruction>(V);
    if (!I || depth > 6) return false;
    if (auto* Ld = dyn_cast<LoadInst>(I); Ld && readsContext(Ld)) {
      APInt offset(DL.getIndexTypeSizeInBits(Ld->getPointerOperandType()), 0);
      Ld->getPointerOperand()->stripAndAccumulateConstantOffsets(DL, offset, true);
      const uint64_t at = offset.getZExtValue();
      return at >= kContextGridDim && at < kContextGridDimEnd;
    }
    for (Value* op : I->operands())
      if (readsGridDim(op, depth + 1)) return true;
    return false;
  }

  // Whether `v` is `P` advanced `m` times by the same `step` (an add or a
  // one-index GEP of `gepType`), the value an unrolled loop's latch gives
  // an induction; sets `step` and `gepType` from the first advance.
  static bool advances(Value* v, PHINode* P, unsigned m, Value*& step, Type*& gepType) {
    if (m == 0) return v == P;
    if (auto* B = dyn_cast<BinaryOperator>(v); B && B->getOpcode() == Instruction::Add) {
      for (unsigned i = 0; i < 2; ++i) {
        Value* s = step;
        Type* g = gepType;
        if (advances(B->getOperand(i), P, m - 1, s, g) && (!s || s == B->getOperand(1 - i)) &&
            B->getOperand(1 - i) != P) {
          step = B->getOperand(1 - i);
          gepType = g;
          return true;
        }
      }
      return false;
    }
    auto* GEP = dyn_cast<GetElementPtrInst>(v);
    if (!GEP || GEP->getNumIndices() != 1 || (gepType && gepType != GEP->getSourceElementType()))
      return false;
    Value* s = step;
    if (!advances(GEP->getPointerOperand(), P, m - 1, s, gepType) || (s && s != GEP->getOperand(1)))
      return false;
    step = GEP->getOperand(1);
    gepType = GEP->getSourceElementType();
    return step != P;
  }

  // Finds cut `c`'s induction variables (see Cut::Induction): header phis
  // saved at the cut whose value from the preheader and whose step (`+ s`
  // or a GEP by `s`, from the loop's one latch) can be recomputed at the
  // resume; gives the loop a counter and saves it instead of them.
  template <typename Tracked>
  void countInductions(Cut& c, const SmallVector<BasicBlock*, 4>& latches, Tracked& tracked) {
    BasicBlock* H = c.block;
    if (latches.size() != 1) return;
    BasicBlock* latch = latches[0];
    BasicBlock* pre = nullptr;
    for (BasicBlock* P : predecessors(H)) {
      if (P == latch) continue;
      if (pre && pre != P) return;
      pre = P;
    }
    if (!pre) return;
    auto available = [&](Value* v) {
      Instruction* I = tracked(v);
      return !I || rematerializable(I, tracked);
    };
    for (PHINode& P : H->phis()) {
      if (!c.live.count(&P)) continue;
      Value* start = P.getIncomingValueForBlock(pre);
      Value* step = nullptr;
      Type* gepType = nullptr;
      if (!advances(P.getIncomingValueForBlock(latch), &P, c.unrolled, step, gepType)) continue;
      if (!step || step == &P || !available(start) || !available(step)) continue;
      c.inductions.push_back({&P, start, step, gepType});
    }
    if (c.inductions.empty()) return;
    // 64 bits: a 32-bit count would wrap after 2^32 iterations and then
    // recompute a 64-bit index or pointer wrongly (an access out of bounds).
    Type* i64 = Type::getInt64Ty(G.getContext());
    c.counter = PHINode::Create(i64, 2, "ls.k", H->getFirstNonPHIIt());
    c.counter->addIncoming(ConstantInt::get(i64, 0), pre);
    IRBuilder<> lb(latch->getTerminator());
    c.counter->addIncoming(lb.CreateAdd(c.counter, ConstantInt::get(i64, c.unrolled), "ls.k.next"), latch);
    for (const Cut::Induction& d : c.inductions) {
      c.live.remove(d.iv);
      for (Value* v : {d.start, d.step})
        if (Instruction* I = tracked(v)) addRemat(c, I, tracked);
    }
    c.live.insert(c.counter);
  }

  // Whether saved value `V` (an integer of 32 or 64 bits or a pointer) is
  // computed only from values the same in every thread of a block:
  // constants, the body's arguments other than the thread's index,
  // invariant loads (the parameters), the addresses of `__shared__`
  // arrays. A guess (a branch on threadIdx can still give the threads
  // different values; the round's dispatch checks) that keeps a value
  // that plainly differs, such as one computed from threadIdx, from
  // making every round of its cut take the per-thread copy.
  bool likelyUniform(Instruction* V) const {
    Type* T = V->getType();
    if (!T->isPointerTy() && !T->isIntegerTy(32) && !T->isIntegerTy(64)) return false;
    std::set<Value*> seen;
    SmallVector<Value*, 16> work{V};
    while (!work.empty()) {
      Value* X = work.pop_back_val();
      if (!seen.insert(X).second || isa<Constant>(X)) continue;
      if (auto* A = dyn_cast<Argument>(X)) {
        if (A->getArgNo() >= 3) return false;  // x, y, z, t
        continue;
      }
      auto* I = dyn_cast<Instruction>(X);
      if (!I || readsContext(I)) return false;  // threadIdx or another built-in
      if (auto* II = dyn_cast<IntrinsicInst>(I); II && II->getIntrinsicID() == Intrinsic::threadlocal_address)
        continue;
      if (isa<CallBase>(I)) return false;
      if (auto* L = dyn_cast<LoadInst>(I); L && !L->getMetadata(LLVMContext::MD_invariant_load)) return false;
      if (I->mayWriteToMemory() || isa<AllocaInst>(I)) return false;
      for (Value* op : I->operands()) work.push_back(op);
    }
    return true;
  }

  // The prologue's loads of the launch's parameters (`args[i]`, then the
  // value it points to) read memory that nothing writes while the block
  // runs (a kernel's parameters are its own copies): saying so lets LLVM
  // load them once per round rather than once per thread, as the block
  // entries do.
  void markParameterLoadsInvariant(const std::set<BasicBlock*>& kernel) {
    std::set<const Value*> bases{G.getArg(0)};
    MDNode* empty = MDNode::get(G.getContext(), {});
    for (BasicBlock& B : G) {
      if (kernel.count(&B)) continue;
      for (Instruction& I : B)
        if (auto* L = dyn_cast<LoadInst>(&I); L && L->isSimple())
          if (bases.count(getUnderlyingObject(L->getPointerOperand(), 0))) {
            L->setMetadata(LLVMContext::MD_invariant_load, empty);
            if (L->getType()->isPointerTy()) bases.insert(L);
          }
    }
  }

  // Whether `V` is a load of a built-in variable (a field of the header's
  // context `ctx`): at a resume it reads what it read before the cut, since
  // the prologue has restored `threadIdx` and nothing else in the context
  // changes while a block runs (a kernel cannot take a built-in's address).
  static bool readsContext(const Instruction* V) {
    const auto* L = dyn_cast<LoadInst>(V);
    if (!L || !L->isSimple()) return false;
    const Value* base = getUnderlyingObject(L->getPointerOperand(), 0);
    if (const auto* II = dyn_cast<IntrinsicInst>(base))
      if (II->getIntrinsicID() == Intrinsic::threadlocal_address) base = II->getArgOperand(0);
    return base->getName() == kContext;
  }

  // Whether `V` (a kernel value, `tracked`) can be recomputed from the
  // prologue's values, arguments and constants by a few instructions that
  // neither write memory nor can trap (loads of built-in variables).
  template <typename Tracked>
  static bool rematerializable(Instruction* V, Tracked& tracked, unsigned depth = 0) {
    if (depth > 4 || isa<PHINode>(V)) return false;
    const auto* II = dyn_cast<IntrinsicInst>(V);
    const bool tls = II && II->getIntrinsicID() == Intrinsic::threadlocal_address;
    if (!tls && !readsContext(V) &&
        (isa<CallBase>(V) || V->mayReadOrWriteMemory() || !isSafeToSpeculativelyExecute(V)))
      return false;
    for (Value* op : V->operands())
      if (Instruction* I = tracked(op); I && !rematerializable(I, tracked, depth + 1)) return false;
    return true;
  }
  template <typename Tracked>
  static void addRemat(Cut& c, Instruction* V, Tracked& tracked) {
    for (Value* op : V->operands())
      if (Instruction* I = tracked(op)) addRemat(c, I, tracked);
    c.remat.insert(V);
  }

  // A vector body's loop cut: each latch of the loop returns the cut's
  // state instead of branching back, saving the values of the next
  // iteration (a header phi's value from that latch), so the loop is gone.
  template <typename Save>
  void yieldEveryIteration(Cut& c, const SmallVector<BasicBlock*, 4>& latches, Save& save) {
    BasicBlock* H = c.block;
    Type* i32 = Type::getInt32Ty(G.getContext());
    for (BasicBlock* Lt : latches) {
      BasicBlock* stub = BasicBlock::Create(G.getContext(), "ls.yield", &G, H);
      std::map<PHINode*, Value*> next;
      for (PHINode& P : H->phis()) {
        next[&P] = P.getIncomingValueForBlock(Lt);
        while (P.getBasicBlockIndex(Lt) >= 0) P.removeIncomingValue(Lt, false);
      }
      Lt->getTerminator()->replaceSuccessorWith(H, stub);
      IRBuilder<> yb(stub);
      for (Instruction* V : c.live) {
        auto* P = dyn_cast<PHINode>(V);
        save(yb, V, P && P->getParent() == H ? next[P] : V);
      }
      yb.CreateRet(ConstantInt::get(i32, c.id));
    }
  }

  // Replaces every call of the header's query `name` with `value` and
  // folds what follows from it (for kInLockstep: the branches to the
  // header's fiber-only waits, so that the values those waits keep across
  // their yield are not live at the cuts).
  void foldCalls(const char* name, bool value) {
    SmallVector<Instruction*, 16> work;
    for (Instruction& I : instructions(G))
      if (isCallTo(I, name)) work.push_back(&I);
    if (work.empty()) return;
    SmallVector<Instruction*, 16> calls(work.begin(), work.end());
    work.clear();
    for (Instruction* C : calls) {
      for (User* U : C->users())
        if (auto* UI = dyn_cast<Instruction>(U)) work.push_back(UI);
      C->replaceAllUsesWith(ConstantInt::get(C->getType(), value));
      C->eraseFromParent();
    }
    while (!work.empty()) {
      Instruction* I = work.pop_back_val();
      if (I->getParent() == nullptr || I->isTerminator()) continue;
      if (Constant* K = ConstantFoldInstruction(I, DL)) {
        for (User* U : I->users())
          if (auto* UI = dyn_cast<Instruction>(U)) work.push_back(UI);
        I->replaceAllUsesWith(K);
        I->eraseFromParent();
      }
    }
    for (BasicBlock& B : G) ConstantFoldTerminator(&B, true);
  }
  static bool fail(std::string& why, std::string reason) {
    why = std::move(reason);
    return false;
  }
  Function& G;
  Module& M;
  const DataLayout& DL;
  const std::set<const Function*>& reach;
  FunctionAnalysisManager& FAM;
  Layout layout;
};

// Inlines into `G` the calls of functions this module defines that reach a
// barrier (a `__device__` block reduction the inliner left out of line, a
// warp operation's helper): the cuts must be in `G` itself. Functions
// marked `__noinline__`, recursive or unusually deep call chains stay
// calls, and the transform then refuses.
void inlineBarrierCalls(Function& G, const std::set<const Function*>& reach) {
  for (unsigned round = 0; round < 64; ++round) {
    CallBase* call = nullptr;
    for (Instruction& I : instructions(G))
      if (auto* CB = dyn_cast<CallBase>(&I))
        if (Function* callee = CB->getCalledFunction();
            callee && callee != &G && !callee->isDeclaration() && reach.count(callee) &&
            !callee->hasFnAttribute(Attribute::NoInline) && !isa<InvokeInst>(CB)) {
          call = CB;
          break;
        }
    if (!call) return;
    InlineFunctionInfo IFI;
    if (!InlineFunction(*call, IFI).isSuccess()) return;
  }
}

// What Transform::run reports of a body it cut.
struct Cuts {
  uint32_t frameBytes = 0;
  unsigned loopCuts = 0, barrierCuts = 0, shortLoops = 0;
  std::vector<uint32_t> states;  // resume states, 1-based
  UniformSlots uniformSlots;
  bool warps = false;
  unsigned unrolledLoops = 0;  // vector bodies: cut loops unrolled (Transform::unrolledLoops)
};

void eraseFunction(Function* F, FunctionAnalysisManager& FAM) {
  FAM.clear(*F, F->getName());
  F->eraseFromParent();
}

// A transformed copy of thread body `F` (of `args` arguments), or null with
// `why`.
Function* cutCopy(Function& F, unsigned args, Layout layout, const std::set<const Function*>& reach,
                  FunctionAnalysisManager& FAM, std::string& why, Cuts& cuts) {
  if (F.arg_size() != args) {
    why = "the header's thread body has an unexpected signature";
    return nullptr;
  }
  ValueToValueMapTy vmap;
  Function* G = CloneFunction(&F, vmap);
  inlineBarrierCalls(*G, reach);
  Transform T(*G, reach, FAM, layout);
  const bool ok = T.run(why, cuts.frameBytes, cuts.loopCuts, cuts.barrierCuts, cuts.shortLoops);
  FAM.invalidate(*G, PreservedAnalyses::none());
  if (!ok) {
    eraseFunction(G, FAM);
    return nullptr;
  }
  cuts.states = T.states;
  cuts.uniformSlots = T.uniformSlots;
  cuts.warps = T.warps;
  cuts.unrolledLoops = T.unrolledLoops;
  return G;
}

// Puts segment `G` in the place of thread body `F`.
void replaceBody(Function& F, Function* G, FunctionAnalysisManager& FAM) {
  F.replaceAllUsesWith(G);
  G->takeName(&F);
  eraseFunction(&F, FAM);
  G->setLinkage(GlobalValue::InternalLinkage);
  G->removeFnAttr(Attribute::NoInline);
  G->removeFnAttr(Attribute::OptimizeNone);
  G->setMemoryEffects(MemoryEffects::unknown());
}

// Inlines every call of `G` and deletes it if nothing else uses it.
void inlineEverywhere(Function* G, FunctionAnalysisManager& FAM) {
  std::vector<CallBase*> calls;
  for (User* U : G->users())
    if (auto* CB = dyn_cast<CallBase>(U)) calls.push_back(CB);
  for (CallBase* CB : calls) {
    Function* caller = CB->getFunction();
    InlineFunctionInfo IFI;
    InlineFunction(*CB, IFI);
    FAM.invalidate(*caller, PreservedAnalyses::none());
  }
  if (G->use_empty()) eraseFunction(G, FAM);
}

void defineConstant(GlobalVariable* var, uint32_t value) {
  var->setInitializer(ConstantInt::get(Type::getInt32Ty(var->getContext()), value));
  var->setConstant(true);
  var->setLinkage(GlobalValue::InternalLinkage);
}

// In dispatch `D` (a round's signature), whether every thread of the
// block has the same value as thread 0 in each of `slots`; thread 0's
// values go to `firsts`.
Value* sameForAllThreads(IRBuilder<>& b, Function* D, const std::vector<UniformSlot>& slots,
                         std::vector<Value*>& firsts) {
  LLVMContext& C = D->getContext();
  Type* i32 = b.getInt32Ty();
  Type* i64 = b.getInt64Ty();
  Value* frames = D->getArg(1);
  Value* dims = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), D->getArg(3), kLaunchBlockDim);
  Value* n = b.getInt64(1);
  for (unsigned i = 0; i < 3; ++i) {
    Value* d = b.CreateAlignedLoad(i32, b.CreateConstInBoundsGEP1_64(i32, dims, i), Align(4));
    n = b.CreateMul(n, b.CreateZExt(d, i64));
  }
  std::vector<Value*> planes;
  for (const UniformSlot& s : slots) {
    Type* T = b.getIntNTy(8 * s.bytes);
    planes.push_back(b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), frames, s.plane));
    firsts.push_back(b.CreateAlignedLoad(T, planes.back(), Align(s.bytes)));
  }
  BasicBlock* pre = b.GetInsertBlock();
  BasicBlock* loop = BasicBlock::Create(C, "same", D);
  BasicBlock* done = BasicBlock::Create(C, "same.done", D);
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  PHINode* t = b.CreatePHI(i64, 2);
  PHINode* diff = b.CreatePHI(i64, 2);
  t->addIncoming(b.getInt64(0), pre);
  diff->addIncoming(b.getInt64(0), pre);
  Value* d = diff;
  for (size_t i = 0; i < slots.size(); ++i) {
    Type* T = firsts[i]->getType();
    Value* v = b.CreateAlignedLoad(T, b.CreateInBoundsGEP(T, planes[i], t), Align(slots[i].bytes));
    d = b.CreateOr(d, b.CreateZExt(b.CreateXor(v, firsts[i]), i64));
  }
  Value* t1 = b.CreateAdd(t, b.getInt64(1));
  t->addIncoming(t1, loop);
  diff->addIncoming(d, loop);
  b.CreateCondBr(b.CreateICmpULT(t1, n), loop, done);
  b.SetInsertPoint(done);
  return b.CreateICmpEQ(d, b.getInt64(0));
}

// A vector round `R` as one copy per resume state, the state a constant
// and the segment `G` inlined (folded to that state's code), behind a
// dispatch on the state that returns kMixed for any other.
void specialiseRound(Function* R, Function* G, const std::vector<uint32_t>& states,
                     const UniformSlots& uniformSlots,
                     FunctionAnalysisManager& FAM) {
  Module& M = *R->getParent();
  LLVMContext& C = M.getContext();
  Type* i32 = Type::getInt32Ty(C);
  std::vector<std::pair<uint32_t, Function*>> copies;
  for (uint32_t s : states) {
    ValueToValueMapTy vm;
    vm[R->getArg(2)] = ConstantInt::get(i32, s);
    Function* Rs = CloneFunction(R, vm);
    Rs->setName(R->getName() + ".s" + Twine(s));
    Rs->setLinkage(GlobalValue::InternalLinkage);
    std::vector<CallBase*> calls;
    for (Instruction& I : instructions(*Rs))
      if (auto* CB = dyn_cast<CallBase>(&I); CB && CB->getCalledFunction() == G) calls.push_back(CB);
    for (CallBase* CB : calls) {
      InlineFunctionInfo IFI;
      InlineFunction(*CB, IFI);
    }
    for (BasicBlock& B : *Rs) ConstantFoldTerminator(&B, true);
    removeUnreachableBlocks(*Rs);
    copies.push_back({s, Rs});
  }
  Function* D = Function::Create(R->getFunctionType(), GlobalValue::InternalLinkage, "", &M);
  D->copyAttributesFrom(R);
  D->setLinkage(GlobalValue::InternalLinkage);
  BasicBlock* entry = BasicBlock::Create(C, "dispatch", D);
  BasicBlock* other = BasicBlock::Create(C, "other", D);
  ReturnInst::Create(C, ConstantInt::get(i32, kMixed), other);
  IRBuilder<> b(entry);
  SwitchInst* sw = b.CreateSwitch(D->getArg(2), other, copies.size());
  std::map<uint32_t, Function*> copyOf(copies.begin(), copies.end());
  auto call = [&](IRBuilder<>& cb, Function* Rs) {
    return cb.CreateCall(Rs, {D->getArg(0), D->getArg(1), D->getArg(3), D->getArg(4)});
  };
  for (auto& [s, Rs] : copies) {
    if (s & kUniformBit) continue;
    BasicBlock* bb = BasicBlock::Create(C, "s" + Twine(s), D);
    sw->addCase(cast<ConstantInt>(ConstantInt::get(i32, s)), bb);
    IRBuilder<> cb(bb);
    auto slots = uniformSlots.find(s);
    if (slots == uniformSlots.end() || !copyOf.count(s | kUniformBit)) {
      cb.CreateRet(call(cb, Rs));
      continue;
    }
    // The copy that reads the uniform slots once for all threads if every
    // thread's values are the same.
    std::vector<Value*> firsts;
    Value* same = sameForAllThreads(cb, D, slots->second, firsts);
    BasicBlock* yes = BasicBlock::Create(C, "uniform", D);
    BasicBlock* no = BasicBlock::Create(C, "varying", D);
    cb.CreateCondBr(same, yes, no);
    IRBuilder<> yb(yes);
    for (size_t i = 0; i < firsts.size(); ++i)
      yb.CreateAlignedStore(firsts[i],
                            yb.CreateConstInBoundsGEP1_64(yb.getInt8Ty(), D->getArg(1), slots->second[i].word),
                            Align(8));
    yb.CreateRet(call(yb, copyOf[s | kUniformBit]));
    IRBuilder<> nb(no);
    nb.CreateRet(call(nb, Rs));
  }
  R->replaceAllUsesWith(D);
  D->takeName(R);
  eraseFunction(R, FAM);
}

// A round that never runs: it returns kMixed at once (only reached if the
// vector frame size were not 0, which the pass makes it).
void emptyRound(Function* R) {
  R->deleteBody();
  R->setLinkage(GlobalValue::InternalLinkage);
  BasicBlock* bb = BasicBlock::Create(R->getContext(), "never", R);
  ReturnInst::Create(R->getContext(), ConstantInt::get(Type::getInt32Ty(R->getContext()), kMixed), bb);
}

struct LockstepPass : PassInfoMixin<LockstepPass> {
  PreservedAnalyses run(Module& M, ModuleAnalysisManager& MAM) {
    auto& FAM = MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
    std::vector<Function*> bodies;
    for (Function& F : M)
      if (F.getName().starts_with(kBodyPrefix) && !F.isDeclaration()) bodies.push_back(&F);
    if (bodies.empty()) return PreservedAnalyses::all();
    const std::set<const Function*> reach = functionsReachingBarrier(M);
    for (Function* F : bodies) {
      const std::string k = F->getName().drop_front(std::strlen(kBodyPrefix)).str();
      const bool scalar = handle(M, *F, k, reach, FAM);
      handleVector(M, k, scalar, reach, FAM);
    }
    return PreservedAnalyses::none();
  }

  // The scalar body of kernel `k`: whether it was cut (else the kernel's
  // lockstep functions are gone and it runs as without the plugin).
  static bool handle(Module& M, Function& F, const std::string& k,
                     const std::set<const Function*>& reach, FunctionAnalysisManager& FAM) {
    Function* sched = M.getFunction(kSchedPrefix + k);
    Function* block = M.getFunction(kBlockPrefix + k);
    GlobalVariable* frameVar = M.getGlobalVariable(kFramePrefix + k);
    std::string why = "the header's lockstep functions are incomplete";
    Cuts cuts;
    Function* G = nullptr;
    if (sched && block && frameVar) G = cutCopy(F, 6, Layout::PerThread, reach, FAM, why, cuts);
    if (!G) {
      if (verbose()) errs() << "iree lockstep: " << k << ": not transformed: " << why << "\n";
      if (sched) eraseFunction(sched, FAM);
      eraseFunction(&F, FAM);
      if (frameVar && frameVar->use_empty()) frameVar->eraseFromParent();
      return false;
    }
    // The segment replaces the body, and is inlined into the scheduler.
    replaceBody(F, G, FAM);
    defineConstant(frameVar, cuts.frameBytes);
    inlineEverywhere(G, FAM);
    // The scheduler becomes the block entry.
    const std::string blockName = block->getName().str();
    block->replaceAllUsesWith(sched);
    FAM.clear(*block, blockName);
    block->eraseFromParent();
    sched->setName(blockName);
    auto* i8 = Type::getInt8Ty(M.getContext());
    auto* marker = new GlobalVariable(M, i8, true, GlobalValue::ExternalLinkage, ConstantInt::get(i8, 1),
                                      kMarkerPrefix + k);
    appendToUsed(M, {marker});
    if (verbose())
      errs() << "iree lockstep: " << k << ": " << cuts.barrierCuts << " barrier(s), " << cuts.loopCuts
             << " loop(s) cut, " << cuts.shortLoops << " short-stride loop(s) left whole, "
             << cuts.frameBytes << " frame bytes per thread\n";
    return true;
  }

  // The vector body and rounds of kernel `k` (absent where the header has
  // no SIMD entries). Cut like the scalar body, in planes; if that fails,
  // or the scalar body was not cut, they are never run.
  static void handleVector(Module& M, const std::string& k, bool scalar,
                           const std::set<const Function*>& reach, FunctionAnalysisManager& FAM) {
    Function* V = M.getFunction(kVBodyPrefix + k);
    GlobalVariable* vframe = M.getGlobalVariable(kVFramePrefix + k);
    std::vector<Function*> rounds;
    for (const char* prefix : kVRoundPrefixes)
      if (Function* R = M.getFunction(prefix + k); R && !R->isDeclaration()) rounds.push_back(R);
    if (!V || V->isDeclaration()) return;
    std::string why = "the scalar body was not cut";
    Cuts cuts;
    Function* G = nullptr;
    if (scalar && vframe) G = cutCopy(*V, 7, Layout::Planes, reach, FAM, why, cuts);
    if (G && cuts.warps) {
      // The lane that completes a warp operation goes on at once, so the
      // threads never leave one in the same round: every round would be
      // mixed, and the scalar scheduler (eight loop iterations a segment)
      // runs them faster.
      eraseFunction(G, FAM);
      G = nullptr;
      why = "warp operations keep the threads' states apart";
    }
    if (!G) {
      if (verbose() && scalar) errs() << "iree lockstep: " << k << ": no vector rounds: " << why << "\n";
      for (Function* R : rounds) {
        FAM.clear(*R, R->getName());
        emptyRound(R);
      }
      V->setLinkage(GlobalValue::InternalLinkage);
      if (vframe) {
        if (vframe->use_empty()) vframe->eraseFromParent();
        else defineConstant(vframe, 0);
      }
      return;
    }
    replaceBody(*V, G, FAM);
    defineConstant(vframe, cuts.frameBytes);
    std::vector<uint32_t> states{0};
    states.insert(states.end(), cuts.states.begin(), cuts.states.end());
    for (Function* R : rounds) specialiseRound(R, G, states, cuts.uniformSlots, FAM);
    inlineEverywhere(G, FAM);
    if (verbose())
      errs() << "iree lockstep: " << k << ": vector rounds for " << states.size() << " state(s), "
             << cuts.frameBytes << " frame bytes per block, " << cuts.unrolledLoops << " of "
             << cuts.loopCuts << " cut loop(s) unrolled to " << kVectorItersPerSegment
             << " iterations a segment\n";
  }
};

}  // namespace
