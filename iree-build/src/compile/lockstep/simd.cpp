// The `iree-host-simd` pass of the host pass plugin: lets LLVM's loop
// vectoriser run a barrier-free kernel's threads in SIMD lanes.
//
// Why it is needed: a host block entry is a loop over the block's threads
// with the kernel inlined (hip_runtime.h, `Entry::block_with`), and every
// built-in variable is a field of the thread-local context `ctx`: the loop
// stores `threadIdx` there and the kernel loads it back. LLVM cannot tell
// that the kernel's stores through its pointer parameters (`c[i] = ...`)
// leave `ctx` alone, so it keeps the per-thread store to `ctx.thread_idx`
// and every load of `blockIdx`/`blockDim` inside the loop, and the loop
// vectoriser gives up on the store to a loop-invariant address.
//
// What it does, in each SIMD entry (a function starting with a call to
// `__iree_host_simd_begin(&ctx)`, which it deletes; see "SIMD block entries"
// in the header): every memory access whose pointer is based on `ctx` only
// gets an alias scope, and every access whose pointer is not based on `ctx`
// at all gets `!noalias` of that scope; then GVN and LICM (on that function
// only) forward the context's values into the loop and keep `threadIdx` in
// a register, so what reaches the vectoriser is a counted loop whose
// induction variable is threadIdx.x.
// Why that is allowed: CUDA and HIP forbid taking the address of a built-in
// variable (clang deletes their `operator&`), so no pointer a kernel
// computes can point into `ctx`; only the header's own accesses can, and
// those are the ones based on `ctx`. Accesses whose pointer may be either
// (a select of both) and calls that are not memory intrinsics (a function
// that was not inlined may read `threadIdx`) get no metadata and so still
// alias everything: the loop then stays scalar, as before.
//
// Then the loop over threadIdx.x (the header tags it with
// `distribute(disable)`; it is at depth kThreadLoopDepth) is marked
// parallel (`llvm.loop.parallel_accesses`), so that accesses the vectoriser
// cannot check at run time (a gather `in[i / 2]`, a scatter `out[idx[i]]`)
// do not stop it. Why that is allowed: its iterations are different threads
// of a block with no barrier between them, and a dependence between two
// threads without a barrier is a data race, whose outcome a GPU leaves to
// the interleaving; running the threads' statements lane by lane is one.
// Only if every memory access left in that loop is based on neither the
// context nor a private array (an alloca: one memory for all threads, used
// by one after another), none is atomic or volatile (how threads talk
// without a barrier), and it has no call and no inner loop, is it marked.
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Analysis/VectorUtils.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/Transforms/InstCombine/InstCombine.h"
#include "llvm/Transforms/Scalar/EarlyCSE.h"
#include "llvm/Transforms/Scalar/GVN.h"
#include "llvm/Transforms/Scalar/SCCP.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"
#include "llvm/Transforms/Scalar/LICM.h"
#include "llvm/Transforms/Scalar/LoopPassManager.h"
#include "llvm/Transforms/Scalar/LoopRotation.h"

namespace {

constexpr const char* kSimdBegin = "__iree_host_simd_begin";
constexpr const char* kSimdLevel = "__iree_host_simd_level";
// Entry::block_with's loops: blocks, z, y, x; a kernel's own loops are
// deeper. In step with the header.
constexpr unsigned kThreadLoopDepth = 4;
// A vector lockstep round's loops (hip_runtime.h's `vround`): z, y, x.
constexpr unsigned kRoundLoopDepth = 3;
// The 32-bit lanes of a vector at `F`'s level if `F` is a vector round
// (lockstep.cpp's kVRoundPrefixes) or one of the copies per state the
// lockstep pass made of one; 0 otherwise.
unsigned roundLanes(const Function& F) {
  for (size_t i = 0; i < std::size(kVRoundPrefixes); ++i)
    if (F.getName().starts_with(kVRoundPrefixes[i])) return kVRoundLanes[i];
  return 0;
}
// Whether `F` is a vector round or a copy of one.
bool isRound(const Function& F) { return roundLanes(F) != 0; }


// The thread-local global `v` addresses (directly or through
// llvm.threadlocal.address), or null.
const GlobalVariable* tlsGlobalOf(const Value* v) {
  v = v->stripPointerCasts();
  if (const auto* II = dyn_cast<IntrinsicInst>(v))
    if (II->getIntrinsicID() == Intrinsic::threadlocal_address) v = II->getArgOperand(0);
  return dyn_cast<GlobalVariable>(v);
}

// Whether `obj` is the header's own per-thread state (a thread-local of
// namespace iree_host: the block's warp and barrier bookkeeping, which
// every thread of a block updates) or memory reached through a pointer
// loaded from it. The kernel's `__shared__` arrays are thread-locals of
// their own.
bool isHeaderState(const Value* obj, unsigned depth = 0) {
  if (const GlobalVariable* g = tlsGlobalOf(obj))
    return g->isThreadLocal() && g->getName().starts_with("_ZN9iree_host") &&
           g->getName() != kContext;
  if (const auto* L = dyn_cast<LoadInst>(obj); L && depth < 4)
    return isHeaderState(getUnderlyingObject(L->getPointerOperand(), 0), depth + 1);
  return false;
}

enum class Base { Context, Other, Either };

// Whether `ptr` is based on the context `ctx`, on something else, or may be
// either.
Base baseOf(const Value* ptr, const GlobalVariable* ctx) {
  SmallVector<const Value*, 4> objects;
  // No lookup limit: a limit would report an intermediate pointer as the
  // object, and one based on `ctx` would then pass for "other".
  getUnderlyingObjects(ptr, objects, nullptr, 0);
  bool context = false, other = false;
  for (const Value* o : objects) (tlsGlobalOf(o) == ctx ? context : other) = true;
  if (context && other) return Base::Either;
  return context ? Base::Context : Base::Other;
}

// The pointers `I` accesses, or false when it accesses memory in a way
// this pass does not describe (any call but a memory intrinsic).
bool accessedPointers(Instruction& I, SmallVectorImpl<const Value*>& ptrs) {
  if (auto* L = dyn_cast<LoadInst>(&I)) ptrs.push_back(L->getPointerOperand());
  else if (auto* S = dyn_cast<StoreInst>(&I)) ptrs.push_back(S->getPointerOperand());
  else if (auto* R = dyn_cast<AtomicRMWInst>(&I)) ptrs.push_back(R->getPointerOperand());
  else if (auto* X = dyn_cast<AtomicCmpXchgInst>(&I)) ptrs.push_back(X->getPointerOperand());
  else if (auto* MT = dyn_cast<MemTransferInst>(&I)) {
    ptrs.push_back(MT->getRawDest());
    ptrs.push_back(MT->getRawSource());
  } else if (auto* MS = dyn_cast<MemSetInst>(&I)) ptrs.push_back(MS->getRawDest());
  else return false;
  return true;
}

// Before anything is inlined: the SIMD entries of kernels that can reach a
// barrier are never run (their block entry becomes the lockstep scheduler,
// or the runtime runs them as coroutines through their thread entries), so
// the dispatch that calls them is made to pick the scalar entry (level 0),
// and the unused entries are deleted before the optimiser spends time on
// them (they would double such a file's compile time).
struct PruneBarrierSimdPass : PassInfoMixin<PruneBarrierSimdPass> {
  PreservedAnalyses run(Module& M, ModuleAnalysisManager&) {
    Function* marker = M.getFunction(kSimdBegin);
    Function* level = M.getFunction(kSimdLevel);
    if (marker == nullptr || level == nullptr || M.getFunction(kBarrier) == nullptr)
      return PreservedAnalyses::all();
    const std::set<const Function*> reach = functionsReachingBarrier(M);
    std::set<Function*> entries, dispatchers;
    for (User* U : marker->users())
      if (auto* CB = dyn_cast<CallBase>(U))
        // The vector lockstep rounds are barrier kernels' SIMD code that
        // does run (the lockstep pass makes them).
        if (reach.count(CB->getFunction()) && !isRound(*CB->getFunction()))
          entries.insert(CB->getFunction());
    for (Function* E : entries)
      for (User* U : E->users())
        if (auto* CB = dyn_cast<CallBase>(U)) dispatchers.insert(CB->getFunction());
    unsigned pruned = 0;
    for (Function* D : dispatchers) {
      SmallVector<CallBase*, 2> asks;
      for (Instruction& I : instructions(*D))
        if (auto* CB = dyn_cast<CallBase>(&I))
          if (CB->getCalledFunction() == level) asks.push_back(CB);
      for (CallBase* CB : asks) {
        CB->replaceAllUsesWith(ConstantInt::get(CB->getType(), 0));
        CB->eraseFromParent();
        ++pruned;
      }
    }
    for (Function* E : entries) {
      // The dispatch's calls are dead code now; drop them so that the entry
      // has no users and goes.
      SmallVector<CallBase*, 2> calls;
      for (User* U : E->users())
        if (auto* CB = dyn_cast<CallBase>(U)) calls.push_back(CB);
      for (CallBase* CB : calls) {
        if (!CB->getType()->isVoidTy()) CB->replaceAllUsesWith(PoisonValue::get(CB->getType()));
        changeToUnreachable(CB);
      }
      if (E->use_empty() && !E->hasExternalLinkage()) E->eraseFromParent();
    }
    if (verbose() && !entries.empty())
      errs() << "iree simd: " << entries.size() << " SIMD entr(y/ies) of barrier kernels dropped, "
             << pruned << " dispatch(es) made scalar\n";
    return PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

// Whether `L` is a copy of the header's loop over threadIdx.x (LLVM may
// have versioned it): tagged, at its depth, and with no loop inside.
bool isThreadLoop(const Loop* L, unsigned depth) {
  if (L->getLoopDepth() != depth || !L->isInnermost()) return false;
  const MDNode* id = L->getLoopID();
  if (id == nullptr) return false;
  for (unsigned i = 1; i < id->getNumOperands(); ++i)
    if (const auto* op = dyn_cast<MDNode>(id->getOperand(i)))
      if (op->getNumOperands() == 2)
        if (const auto* name = dyn_cast<MDString>(op->getOperand(0)))
          if (name->getString() == "llvm.loop.distribute.enable") return true;
  return false;
}

// Whether every call in `L` that the vector library maps (libmvec's `expf`,
// say) has a variant of `lanes` lanes: glibc's `expf` has 8-lane AVX2 ones
// but LLVM knows no 16-lane one, and a 16-lane hint would then call the
// scalar `expf` per lane (the softmax rounds ran 2.5 times slower).
bool vectorCallsTake(const Loop* L, unsigned lanes, const TargetLibraryInfo& TLI) {
  for (const BasicBlock* B : L->blocks())
    for (const Instruction& I : *B)
      if (const auto* CB = dyn_cast<CallBase>(&I))
        if (const Function* F = CB->getCalledFunction())
          if (TLI.isFunctionVectorizable(F->getName()) &&
              !TLI.isFunctionVectorizable(F->getName(), ElementCount::getFixed(lanes)))
            return false;
  return true;
}

// Marks thread loop `L` parallel if every memory access in it is one that
// threads do not share by construction (see the top of the file); returns
// whether it did.
bool markParallel(Loop* L, const GlobalVariable* ctx, const TargetLibraryInfo& TLI) {
  SmallVector<Instruction*, 16> accesses;
  auto refuse = [](const Instruction& I, const char* why) {
    if (verbose()) errs() << "iree simd: " << I.getFunction()->getName() << ": thread loop not parallel ("
                          << why << "): " << I << "\n";
    return false;
  };
  // Loads of the context are a block's built-ins, the same for every
  // thread, unless the loop also writes it (`threadIdx` per thread).
  bool writesContext = false;
  for (BasicBlock* B : L->blocks())
    for (Instruction& I : *B)
      if (I.mayWriteToMemory()) {
        SmallVector<const Value*, 2> ptrs;
        if (!accessedPointers(I, ptrs)) continue;  // a call: refused below
        for (const Value* p : ptrs)
          writesContext |= baseOf(p, ctx) != Base::Other;
      }
  for (BasicBlock* B : L->blocks())
    for (Instruction& I : *B) {
      if (!I.mayReadOrWriteMemory()) continue;
      accesses.push_back(&I);
      if (auto* II = dyn_cast<IntrinsicInst>(&I); II && II->isAssumeLikeIntrinsic()) continue;
      // Atomics and volatile accesses are how threads talk without a
      // barrier: left in order.
      if (I.isAtomic() || I.isVolatile()) return refuse(I, "atomic or volatile");
      SmallVector<const Value*, 2> ptrs;
      if (!accessedPointers(I, ptrs)) return refuse(I, "a call");
      for (const Value* p : ptrs) {
        SmallVector<const Value*, 4> objects;
        getUnderlyingObjects(p, objects, nullptr, 0);
        for (const Value* o : objects)
          if (isa<AllocaInst>(o) || isHeaderState(o) ||
              (tlsGlobalOf(o) == ctx && (writesContext || !isa<LoadInst>(I))))
            return refuse(I, "a private array, the header's state, or a built-in the loop writes");
      }
    }
  LLVMContext& C = L->getHeader()->getContext();
  MDNode* group = MDNode::getDistinct(C, {});
  for (Instruction* I : accesses)
    I->setMetadata(LLVMContext::MD_access_group,
                   uniteAccessGroups(I->getMetadata(LLVMContext::MD_access_group), group));
  SmallVector<Metadata*, 4> ops{nullptr};
  if (MDNode* old = L->getLoopID())
    for (unsigned i = 1; i < old->getNumOperands(); ++i) ops.push_back(old->getOperand(i));
  ops.push_back(MDNode::get(C, {MDString::get(C, "llvm.loop.parallel_accesses"), group}));
  // A round's thread loop takes a full vector of threads: left to its cost
  // model, the vectoriser often picks half for a segment with masked
  // accesses, and a 16-thread row of a 16 x 16 block then pays its per-row
  // setup twice over (the tiled matmul's rounds ran about 1.6 times as fast
  // at 16 lanes on AVX-512). A width without `vectorize.enable` is a hint,
  // not an order: a loop that cannot take it is no build warning. The
  // price: a block row narrower than a vector runs the scalar remainder.
  // Loops calling a vector function that has no variant that wide keep the
  // vectoriser's choice.
  if (unsigned lanes = roundLanes(*L->getHeader()->getParent()); lanes && vectorCallsTake(L, lanes, TLI))
    ops.push_back(MDNode::get(C, {MDString::get(C, "llvm.loop.vectorize.width"),
                                  ConstantAsMetadata::get(ConstantInt::get(Type::getInt32Ty(C), lanes))}));
  MDNode* id = MDNode::getDistinct(C, ops);
  id->replaceOperandWith(0, id);
  L->setLoopID(id);
  return true;
}

struct SimdPass : PassInfoMixin<SimdPass> {
  PreservedAnalyses run(Function& F, FunctionAnalysisManager& FAM) {
    CallInst* begin = nullptr;
    for (Instruction& I : instructions(F))
      if (isCallTo(I, kSimdBegin)) {
        begin = cast<CallInst>(&I);
        break;
      }
    if (begin == nullptr) return PreservedAnalyses::all();
    const GlobalVariable* ctx = tlsGlobalOf(begin->getArgOperand(0));
    begin->eraseFromParent();
    if (ctx == nullptr) {
      if (verbose()) errs() << "iree simd: " << F.getName() << ": no context at the marker\n";
      return PreservedAnalyses::none();
    }
    LLVMContext& C = F.getContext();
    MDBuilder MDB(C);
    MDNode* domain = MDB.createAnonymousAliasScopeDomain("iree.host.ctx");
    MDNode* scope = MDNode::get(C, {MDB.createAnonymousAliasScope(domain, "ctx")});
    unsigned inCtx = 0, outside = 0, unknown = 0;
    for (Instruction& I : instructions(F)) {
      if (!I.mayReadOrWriteMemory()) continue;
      SmallVector<const Value*, 2> ptrs;
      if (!accessedPointers(I, ptrs)) {
        ++unknown;
        continue;
      }
      bool context = false, other = false;
      for (const Value* p : ptrs) {
        const Base b = baseOf(p, ctx);
        context |= b != Base::Other;
        other |= b != Base::Context;
      }
      if (context && other) {
        ++unknown;
      } else if (context) {
        I.setMetadata(LLVMContext::MD_alias_scope,
                      MDNode::concatenate(I.getMetadata(LLVMContext::MD_alias_scope), scope));
        ++inCtx;
      } else {
        I.setMetadata(LLVMContext::MD_noalias,
                      MDNode::concatenate(I.getMetadata(LLVMContext::MD_noalias), scope));
        ++outside;
      }
    }
    FAM.invalidate(F, PreservedAnalyses::none());
    FunctionPassManager FPM;
    if (isRound(F)) {
      // A round's copy is the segment inlined with its state a constant:
      // fold what that decides (the other states' code, their phis) before
      // the loop passes look at it.
      FPM.addPass(SCCPPass());
      FPM.addPass(SimplifyCFGPass());
      FPM.addPass(InstCombinePass());
      FPM.addPass(EarlyCSEPass(true));
    }
    FPM.addPass(GVNPass());
    if (isRound(F)) {
      // Rotated first: the built-ins a round's segment reads (blockIdx,
      // which the scheduler set) are then loaded where every iteration
      // runs, and LICM can take them out of the loop (the thread index
      // stays the vectoriser's induction variable).
      LoopPassManager LPM;
      LPM.addPass(LoopRotatePass());
      LPM.addPass(LICMPass(LICMOptions()));
      // Again: the first took the per-thread store of threadIdx out of
      // the loop (after its hoisting), which is what kept the other
      // built-ins' loads in.
      LPM.addPass(LICMPass(LICMOptions()));
      FPM.addPass(createFunctionToLoopPassAdaptor(std::move(LPM), /*UseMemorySSA=*/true));
    } else {
      FPM.addPass(createFunctionToLoopPassAdaptor(LICMPass(LICMOptions()), /*UseMemorySSA=*/true));
    }
    FPM.run(F, FAM);
    unsigned parallel = 0;
    for (Loop* L : FAM.getResult<LoopAnalysis>(F).getLoopsInPreorder())
      parallel += isThreadLoop(L, isRound(F) ? kRoundLoopDepth : kThreadLoopDepth) &&
                  markParallel(L, ctx, FAM.getResult<TargetLibraryAnalysis>(F));
    if (verbose())
      errs() << "iree simd: " << F.getName() << ": " << inCtx << " context access(es), " << outside
             << " other, " << unknown << " undescribed (calls or either); " << parallel
             << " thread loop(s) marked parallel\n";
    return PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

}  // namespace
