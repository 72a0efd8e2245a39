// A test executable does not export __iree_host_barrier dynamically, so
// the dlopened kernels get this definition, forwarding to the function the
// test sets (the runtime's own); iree_test_callback reaches the test's
// callback (see mod.rs).
static void (*iree_test_barrier)(void);
static void (*iree_test_cb)(int);
extern "C" void iree_test_set(void (*b)(void), void (*c)(int)) {
  iree_test_barrier = b;
  iree_test_cb = c;
}
extern "C" void __iree_host_barrier(void) { iree_test_barrier(); }
extern "C" void iree_test_callback(int what) { iree_test_cb(what); }
