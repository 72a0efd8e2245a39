// A test executable does not export __iree_host_barrier dynamically, so
// the dlopened test kernels get this definition instead: it forwards to
// the function the test sets, the runtime's own __iree_host_barrier.

static void (*iree_test_barrier)(void);
extern "C" void iree_test_set_barrier(void (*f)(void)) { iree_test_barrier = f; }
extern "C" void __iree_host_barrier(void) { iree_test_barrier(); }
