// The plugin's entry: registers the lockstep pass (lockstep.cpp) and the
// SIMD pass (simd.cpp) with clang's pass pipeline. The three files are one
// translation unit, in the order plugin.rs concatenates them.
namespace {

// Deletes the SIMD entries' markers wherever the SIMD pass did not run (a
// pipeline without the vectoriser, -O0): the marker is never defined, and
// such an entry is then the scalar loop compiled for wider registers.
struct DropSimdMarkers : PassInfoMixin<DropSimdMarkers> {
  PreservedAnalyses run(Module& M, ModuleAnalysisManager&) {
    Function* marker = M.getFunction(kSimdBegin);
    if (marker == nullptr) return PreservedAnalyses::all();
    SmallVector<CallBase*, 4> calls;
    for (User* U : marker->users())
      if (auto* CB = dyn_cast<CallBase>(U)) calls.push_back(CB);
    for (CallBase* CB : calls) CB->eraseFromParent();
    if (marker->use_empty()) marker->eraseFromParent();
    return PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

}  // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "iree-host-lockstep", "1", [](PassBuilder& PB) {
            // After the inliner and the function simplification pipeline
            // (the kernel is inlined into its thread body by then), before
            // the loop optimisations and vectorisers that clean up after us.
            // Before the inliner: drop the SIMD entries no one will run.
            PB.registerPipelineStartEPCallback(
                [](ModulePassManager& MPM, OptimizationLevel level) {
                  MPM.addPass(PruneBarrierSimdPass());
                });
            PB.registerOptimizerEarlyEPCallback(
                [](ModulePassManager& MPM, OptimizationLevel level) {
                  MPM.addPass(LockstepPass());
                });
            // Right before loop rotation and the loop vectoriser, which are
            // what the SIMD entries are prepared for.
            PB.registerVectorizerStartEPCallback(
                [](FunctionPassManager& FPM, OptimizationLevel level) {
                  FPM.addPass(SimdPass());
                });
            PB.registerOptimizerLastEPCallback(
                [](ModulePassManager& MPM, OptimizationLevel level) {
                  MPM.addPass(DropSimdMarkers());
                });
          }};
}
