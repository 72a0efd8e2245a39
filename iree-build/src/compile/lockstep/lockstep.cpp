// Placeholder for the host lockstep pass plugin: registers a module pass
// that changes nothing. The real pass replaces this file.
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

namespace {
struct LockstepPass : llvm::PassInfoMixin<LockstepPass> {
  llvm::PreservedAnalyses run(llvm::Module &, llvm::ModuleAnalysisManager &) {
    return llvm::PreservedAnalyses::all();
  }
};
} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK ::llvm::PassPluginLibraryInfo
llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "iree-host-lockstep", "0",
          [](llvm::PassBuilder &PB) {
            PB.registerOptimizerEarlyEPCallback(
                [](llvm::ModulePassManager &MPM, llvm::OptimizationLevel) {
                  MPM.addPass(LockstepPass());
                });
          }};
}
