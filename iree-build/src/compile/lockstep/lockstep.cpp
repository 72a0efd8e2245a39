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
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>

using namespace llvm;

namespace {

constexpr const char* kBodyPrefix = "__iree_host_tbody_";
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
// In step with kLockstepBarrier in the header.
constexpr uint32_t kBarrierBit = 0x80000000u;
// Iterations of a cut loop a thread runs before it yields: enough to pay
// for saving and reloading its live values, few enough that the threads'
// working sets (a cache line or page per thread and iteration) stay in
// cache. 8 was best for a grid-stride sum (1 and 2: scheduling dominates;
// 16 and more: the order degrades towards one thread after another).
constexpr uint32_t kItersPerSegment = 8;
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
  BasicBlock* resume = nullptr;
};

class Transform {
 public:
  Transform(Function& G, const std::set<const Function*>& reach, FunctionAnalysisManager& FAM)
      : G(G), M(*G.getParent()), DL(M.getDataLayout()), reach(reach), FAM(FAM) {}

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
    foldInLockstep();
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
    {
      SmallVector<BasicBlock*, 16> stack{body};
      while (!stack.empty()) {
        BasicBlock* B = stack.pop_back_val();
        if (!kernel.insert(B).second) continue;
        for (BasicBlock* S : successors(B)) stack.push_back(S);
      }
    }
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
    if (cuts.empty()) return fail(why, "nothing to interleave (no barrier, no long loop)");
    for (size_t i = 0; i < cuts.size(); ++i) cuts[i].id = static_cast<uint32_t>(i + 1);

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
        c.live.insert(V);
      }
    }

    // 4. The frame: allocas first, then one slot per saved value.
    uint64_t offset = 0;
    auto place = [&](uint64_t size, Align align) {
      offset = alignTo(offset, align);
      uint64_t at = offset;
      offset += size;
      return at;
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
      Value* addr = ab.CreateConstInBoundsGEP1_64(ab.getInt8Ty(), frame, at, A->getName());
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
    frameBytes = static_cast<uint32_t>(alignTo(std::max<uint64_t>(offset, 1), 16));
    if (offset > (1u << 20)) return fail(why, "frame larger than 1 MiB per thread");

    auto addr = [&](IRBuilder<>& B, Instruction* V) {
      return B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), frame, slot[V]);
    };
    auto save = [&](IRBuilder<>& B, Instruction* V, Value* value) {
      B.CreateAlignedStore(value, addr(B, V), DL.getABITypeAlign(V->getType()));
    };
    Type* i32 = Type::getInt32Ty(G.getContext());

    // 5. Resume blocks and the dispatch after the prologue.
    std::map<Instruction*, SmallVector<std::pair<BasicBlock*, Value*>, 4>> reloads;
    pro->getTerminator()->eraseFromParent();
    IRBuilder<> db(pro);
    SwitchInst* sw = db.CreateSwitch(state, body, cuts.size());
    for (Cut& c : cuts) {
      c.resume = BasicBlock::Create(G.getContext(), "ls.resume", &G, c.block);
      IRBuilder<> rb(c.resume);
      for (Instruction* V : c.live) {
        Value* ld = rb.CreateAlignedLoad(V->getType(), addr(rb, V), DL.getABITypeAlign(V->getType()),
                                         V->getName() + ".reload");
        auto* P = dyn_cast<PHINode>(V);
        if (P && P->getParent() == c.block)
          P->addIncoming(ld, c.resume);
        else
          reloads[V].push_back({c.resume, ld});
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

    std::string err;
    raw_string_ostream os(err);
    if (verifyFunction(G, &os)) return fail(why, "internal error, the result does not verify: " + os.str());
    return true;
  }

 private:
  // Replaces every call of kInLockstep with true and folds what follows
  // from it (the branches to the header's fiber-only waits), so that the
  // values those waits keep across their yield are not live at the cuts.
  void foldInLockstep() {
    SmallVector<Instruction*, 16> work;
    for (Instruction& I : instructions(G))
      if (isCallTo(I, kInLockstep)) work.push_back(&I);
    if (work.empty()) return;
    SmallVector<Instruction*, 16> calls(work.begin(), work.end());
    work.clear();
    for (Instruction* C : calls) {
      for (User* U : C->users())
        if (auto* UI = dyn_cast<Instruction>(U)) work.push_back(UI);
      C->replaceAllUsesWith(ConstantInt::get(C->getType(), 1));
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

struct LockstepPass : PassInfoMixin<LockstepPass> {
  PreservedAnalyses run(Module& M, ModuleAnalysisManager& MAM) {
    auto& FAM = MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
    std::vector<Function*> bodies;
    for (Function& F : M)
      if (F.getName().starts_with(kBodyPrefix) && !F.isDeclaration()) bodies.push_back(&F);
    if (bodies.empty()) return PreservedAnalyses::all();
    const std::set<const Function*> reach = functionsReachingBarrier(M);
    for (Function* F : bodies) handle(M, *F, reach, FAM);
    return PreservedAnalyses::none();
  }

  static void handle(Module& M, Function& F, const std::set<const Function*>& reach,
                     FunctionAnalysisManager& FAM) {
    const std::string k = F.getName().drop_front(std::strlen(kBodyPrefix)).str();
    Function* sched = M.getFunction(kSchedPrefix + k);
    Function* block = M.getFunction(kBlockPrefix + k);
    GlobalVariable* frameVar = M.getGlobalVariable(kFramePrefix + k);
    std::string why;
    uint32_t frameBytes = 0;
    unsigned loopCuts = 0, barrierCuts = 0, shortLoops = 0;
    Function* G = nullptr;
    bool ok = false;
    if (!sched || !block || !frameVar || F.arg_size() != 6) {
      why = "the header's lockstep functions are incomplete";
    } else {
      ValueToValueMapTy vmap;
      G = CloneFunction(&F, vmap);
      inlineBarrierCalls(*G, reach);
      ok = Transform(*G, reach, FAM).run(why, frameBytes, loopCuts, barrierCuts, shortLoops);
      FAM.invalidate(*G, PreservedAnalyses::none());
    }
    if (!ok) {
      if (verbose()) errs() << "iree lockstep: " << k << ": not transformed: " << why << "\n";
      if (G) {
        FAM.clear(*G, G->getName());
        G->eraseFromParent();
      }
      if (sched) {
        FAM.clear(*sched, sched->getName());
        sched->eraseFromParent();
      }
      FAM.clear(F, F.getName());
      F.eraseFromParent();
      if (frameVar && frameVar->use_empty()) frameVar->eraseFromParent();
      return;
    }
    // The segment replaces the body, and is inlined into the scheduler.
    F.replaceAllUsesWith(G);
    G->takeName(&F);
    FAM.clear(F, F.getName());
    F.eraseFromParent();
    G->setLinkage(GlobalValue::InternalLinkage);
    G->removeFnAttr(Attribute::NoInline);
    G->removeFnAttr(Attribute::OptimizeNone);
    G->setMemoryEffects(MemoryEffects::unknown());
    frameVar->setInitializer(ConstantInt::get(Type::getInt32Ty(M.getContext()), frameBytes));
    frameVar->setConstant(true);
    frameVar->setLinkage(GlobalValue::InternalLinkage);
    std::vector<CallBase*> calls;
    for (User* U : G->users())
      if (auto* CB = dyn_cast<CallBase>(U)) calls.push_back(CB);
    for (CallBase* CB : calls) {
      InlineFunctionInfo IFI;
      InlineFunction(*CB, IFI);
    }
    FAM.invalidate(*sched, PreservedAnalyses::none());
    if (G->use_empty()) {
      FAM.clear(*G, G->getName());
      G->eraseFromParent();
    }
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
      errs() << "iree lockstep: " << k << ": " << barrierCuts << " barrier(s), " << loopCuts
             << " loop(s) cut, " << shortLoops << " short-stride loop(s) left whole, " << frameBytes << " frame bytes per thread\n";
  }
};

}  // namespace
