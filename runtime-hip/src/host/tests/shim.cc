// A test executable does not export __iree_host_barrier dynamically, so
// the dlopened test kernels get this definition instead: it forwards to
// the function the test sets, the runtime's own __iree_host_barrier.

static void (*iree_test_barrier)(void);
extern "C" void iree_test_set_barrier(void (*f)(void)) { iree_test_barrier = f; }
extern "C" void __iree_host_barrier(void) { iree_test_barrier(); }

// Likewise the SIMD level the header's block entries ask for (weakly
// referenced, so without this the library would always run scalar).
static unsigned (*iree_test_simd_level)(void);
extern "C" void iree_test_set_simd_level(unsigned (*f)(void)) { iree_test_simd_level = f; }
extern "C" unsigned __iree_host_simd_level(void) {
  return iree_test_simd_level ? iree_test_simd_level() : 0u;
}
