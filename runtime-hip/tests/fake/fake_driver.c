/* A fake GPU driver for tests on machines without one: built as
 * libfakecuda.so (-DFAKE_CUDA) or libfakehip.so (-DFAKE_HIP) and loaded by
 * the runtime through IREE_NVIDIA_LIBRARY / IREE_AMD_LIBRARY. "Device"
 * memory is host memory; a "module" is the image text; launching
 * `simple_mul` / `simple_mul_inplace` runs them on the CPU through the
 * kernelParams array, so the runtime's real driver code (symbol loading,
 * properties, memory, JIT error log, parameter packing) is exercised end to
 * end. An image containing "BAD" fails to load with a log message.
 *
 * Streams and events are small numbers (s1, e1, ...), and every memory,
 * stream and event call is appended to a log (`fake_log`) so tests can
 * assert which driver calls the runtime made, in order.
 * `fake_fail_events(code)` makes event synchronisation fail with `code`,
 * `fake_fail_sync(code)` stream synchronisation (a sticky fault of queued
 * work, as a GPU reports it).
 *
 * `FAKE_DEVICES=N` in the environment gives it N devices (default 1), whose
 * peer copies it answers with `fake_peer_access(ok)` (default yes).
 * Built with -DFAKE_NO_GRAPHS it lacks the graph entry points, with
 * -DFAKE_NO_PEER the peer ones, as older or other drivers do. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char call_log[1 << 16];
static size_t log_len;
static int event_error, sync_error, peer_ok = 1;
static uintptr_t streams, events;

/* How many devices: FAKE_DEVICES, else 1. */
static int device_count(void) {
  const char *n = getenv("FAKE_DEVICES");
  return n && atoi(n) > 0 ? atoi(n) : 1;
}

/* A graph: the work captured on a stream (see "Graphs" below). */
struct op { int kind; void *f; unsigned threads; void *p[3]; int dim; void *d; const void *s; size_t n; unsigned v; };
struct graph { int n; struct op ops[64]; };
static struct op *capture_op(void *s);

static void note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (log_len + 64 < sizeof call_log) {
    log_len += (size_t)vsnprintf(call_log + log_len, sizeof call_log - log_len, fmt, ap);
    call_log[log_len++] = '\n';
    call_log[log_len] = 0;
  }
  va_end(ap);
}

/* The calls made since the last `fake_log_clear`, one per line. */
const char *fake_log(void) { return call_log; }
void fake_log_clear(void) { log_len = 0; call_log[0] = 0; }
void fake_fail_events(int code) { event_error = code; }
void fake_fail_sync(int code) { sync_error = code; }
void fake_peer_access(int ok) { peer_ok = ok; }

/* Flags 1: a non-blocking stream (what graphs are captured on). */
static int new_stream(void **s, unsigned flags) {
  *s = (void *)++streams;
  note(flags & 1 ? "streamCreateNonBlocking(s%lu)" : "streamCreate(s%lu)", (unsigned long)streams);
  return 0;
}
/* Flags 2 (DISABLE_TIMING): the runtime's ordering events; 0: timed ones. */
static int new_event(void **e, unsigned flags) {
  *e = (void *)++events;
  note(flags & 2 ? "eventCreate(e%lu)" : "timedEventCreate(e%lu)", (unsigned long)events);
  return 0;
}
static int elapsed(float *ms, void *a, void *b) {
  note("eventElapsedTime(e%lu, e%lu)", (unsigned long)a, (unsigned long)b);
  *ms = 1.5f;
  return 0;
}
/* Asynchronous copies run at once (the fake has no queue) and are logged
 * with their stream. */
static int copy_async(const char *what, void *d, const void *src, size_t n, void *s) {
  struct op *o = capture_op(s);
  note("%s(s%lu, %lu)", what, (unsigned long)s, (unsigned long)n);
  if (o) { o->kind = 1; o->d = d; o->s = src; o->n = n; } else memcpy(d, src, n);
  return 0;
}
static int fill32(void *d, unsigned v, size_t n, void *s) {
  struct op *o = capture_op(s);
  note("memsetD32Async(s%lu, %lu)", (unsigned long)s, (unsigned long)n);
  if (o) { o->kind = 2; o->d = d; o->v = v; o->n = n; }
  else for (size_t i = 0; i < n; i++) ((unsigned *)d)[i] = v;
  return 0;
}
static int host_alloc(void **p, size_t n) { note("hostAlloc(%lu)", (unsigned long)n); *p = malloc(n); return 0; }
static int host_free(void *p) { note("hostFree"); free(p); return 0; }
static int record(void *e, void *s) { note("eventRecord(e%lu, s%lu)", (unsigned long)e, (unsigned long)s); return 0; }
static int stream_wait(void *s, void *e) { note("streamWaitEvent(s%lu, e%lu)", (unsigned long)s, (unsigned long)e); return 0; }
static int event_sync(void *e) { note("eventSynchronize(e%lu)", (unsigned long)e); return event_error; }
static int event_query(void *e) { (void)e; return event_error ? event_error : 600; /* not ready: makes the runtime wait */ }
static int event_destroy(void *e) { note("eventDestroy(e%lu)", (unsigned long)e); return 0; }
static int stream_sync(void *s) { note("streamSynchronize(s%lu)", (unsigned long)s); return sync_error; }
/* Peer access: `dev` asks for `peer`'s memory; copies run at once. */
static int can_access(int *ok, int dev, int peer) {
  note("deviceCanAccessPeer(%d, %d)", dev, peer);
  *ok = peer_ok && dev != peer;
  return 0;
}
static int enable_peer(int peer) { note("enablePeerAccess(%d)", peer); return 0; }
static int copy_peer(void *d, int dd, const void *src, int sd, size_t n, void *s) {
  note("memcpyPeerAsync(s%lu, dst %d, src %d, %lu)", (unsigned long)s, dd, sd, (unsigned long)n);
  memcpy(d, src, n);
  return 0;
}
static int launch_on(void *s) { note("launch(s%lu)", (unsigned long)s); return 0; }

/* Graphs: work queued on the stream being captured is recorded (with the
 * kernel parameters' values) instead of run; launching the instantiated
 * graph runs it in order. */
static void *capturing;
static struct graph *captured;
static uintptr_t graphs;
static struct op *capture_op(void *s) {
  if (!capturing || s != capturing || captured->n >= 64) return 0;
  return &captured->ops[captured->n++];
}
static int begin_capture(void *s, int mode) {
  note("streamBeginCapture(s%lu, mode %d)", (unsigned long)s, mode);
  capturing = s; captured = calloc(1, sizeof *captured);
  return 0;
}
static int end_capture(void *s, void **g) {
  note("streamEndCapture(s%lu)", (unsigned long)s);
  capturing = 0; *g = captured; captured = 0;
  return 0;
}
static int instantiate(void **exec, void *g) {
  struct graph *copy = malloc(sizeof *copy);
  memcpy(copy, g, sizeof *copy);
  *exec = copy; graphs++;
  note("graphInstantiate(%d ops)", copy->n);
  return 0;
}
static int graph_destroy(void *g) { note("graphDestroy"); free(g); return 0; }
static int exec_destroy(void *g) { note("graphExecDestroy"); free(g); return 0; }
static void run(void *f, unsigned threads, void **params);
static int graph_launch(void *exec, void *s) {
  struct graph *g = exec;
  note("graphLaunch(s%lu)", (unsigned long)s);
  for (int i = 0; i < g->n; i++) {
    struct op *o = &g->ops[i];
    if (o->kind == 0) {
      void *params[4] = {&o->p[0], &o->p[1], &o->p[2], &o->dim};
      if (o->f == (void *)2) params[2] = &o->dim;
      run(o->f, o->threads, params);
    } else if (o->kind == 1) {
      memcpy(o->d, o->s, o->n);
    } else {
      for (size_t j = 0; j < o->n; j++) ((unsigned *)o->d)[j] = o->v;
    }
  }
  return 0;
}
/* A launch: recorded while its stream is captured, else run now. */
static int launch(void *f, unsigned threads, void **params, void *s) {
  struct op *o = capture_op(s);
  if (o) {
    int nptr = f == (void *)1 ? 3 : 2;
    o->kind = 0; o->f = f; o->threads = threads;
    for (int i = 0; i < nptr; i++) o->p[i] = *(void **)params[i];
    o->dim = *(int *)params[nptr];
  } else {
    run(f, threads, params);
  }
  return launch_on(s);
}

/* Function attributes: only SHARED_SIZE_BYTES (1), which is 1024 for
 * `simple_mul` (a kernel with 1 KiB of static `__shared__` memory) and 0 for
 * every other function. */
static int func_attribute(int *value, int attr, void *f) {
  if (attr != 1) return 1;
  *value = f == (void *)1 ? 1024 : 0;
  return 0;
}

static void run(void *f, unsigned threads, void **params) {
  if (f == (void *)1) { /* simple_mul(const float*, const float*, float*, int) */
    float *l = *(float **)params[0], *r = *(float **)params[1], *o = *(float **)params[2];
    int dim = *(int *)params[3];
    for (int i = 0; i < dim && (unsigned)i < threads; i++) o[i] = l[i] * r[i];
  } else if (f == (void *)2) { /* simple_mul_inplace(const float*, float*, int) */
    float *l = *(float **)params[0], *r = *(float **)params[1];
    int dim = *(int *)params[2];
    for (int i = 0; i < dim && (unsigned)i < threads; i++) r[i] *= l[i];
  }
}

static int load(void **m, const void *image, unsigned n, int *opts, void **vals) {
  char *log = 0;
  size_t size = 0;
  for (unsigned i = 0; i < n; i++) {
    if (opts[i] == 5) log = vals[i];
    if (opts[i] == 6) size = (size_t)vals[i];
  }
  if (strstr(image, "BAD")) {
    if (log && size) snprintf(log, size, "fake jit: syntax error at line 3");
    return 1;
  }
  *m = strdup(image);
  return 0;
}

static int function(void **f, void *m, const char *name) {
  if (!strstr((const char *)m, name)) return 1;
  /* simple_mul is function 1, simple_mul_inplace 2, by either name: the
     export's or a variant's own symbol for it (tests of C++ kernels). */
  *f = strstr(name, "inplace") ? (void *)2 : (void *)1;
  return 0;
}

static int attribute(int a, int *v) {
#ifdef FAKE_CUDA
  switch (a) {
  case 1: *v = 1024; return 0;
  case 2: case 3: *v = 1024; return 0;
  case 4: *v = 64; return 0;
  case 5: *v = 2147483647; return 0;
  case 6: case 7: *v = 65535; return 0;
  case 8: *v = 49152; return 0;
  case 10: *v = 32; return 0;
  case 16: *v = 132; return 0;
  case 75: *v = 9; return 0;
  case 76: *v = 0; return 0;
  }
#else
  switch (a) {
  case 26: case 27: *v = 1024; return 0;
  case 28: *v = 1024; return 0;
  case 29: *v = 2147483647; return 0;
  case 30: case 31: *v = 65535; return 0;
  case 56: *v = 1024; return 0;
  case 63: *v = 304; return 0;
  case 74: *v = 65536; return 0;
  case 87: *v = 64; return 0;
  }
#endif
  return 1;
}

#ifdef FAKE_CUDA
/* Device d's primary context. */
#define CTX(d) ((void *)(uintptr_t)(0x1234 + (d)))
#define CTX_DEVICE(c) ((int)((uintptr_t)(c) - 0x1234))
static const char *names[] = {"CUDA_SUCCESS", "CUDA_ERROR_INVALID_VALUE"};
int cuInit(unsigned f) { (void)f; return 0; }
int cuGetErrorName(int e, const char **s) { if (e < 0 || e > 1) { *s = 0; return 1; } *s = names[e]; return 0; }
int cuGetErrorString(int e, const char **s) { *s = e == 1 ? "fake: invalid value" : "fake: no error"; return 0; }
int cuDeviceGetCount(int *n) { *n = device_count(); return 0; }
int cuDeviceGet(int *d, int o) { if (o < 0 || o >= device_count()) return 1; *d = o; return 0; }
int cuDeviceGetName(char *b, int len, int d) { (void)d; snprintf(b, len, "Fake CUDA GPU"); return 0; }
int cuDeviceGetAttribute(int *v, int a, int d) { (void)d; return attribute(a, v); }
int cuDevicePrimaryCtxRetain(void **c, int d) { *c = CTX(d); return 0; }
int cuDevicePrimaryCtxRelease_v2(int d) { (void)d; return 0; }
int cuCtxSetCurrent(void *c) { return CTX_DEVICE(c) >= 0 && CTX_DEVICE(c) < device_count() ? 0 : 1; }
int cuCtxSynchronize(void) { return 0; }
int cuMemAlloc_v2(uint64_t *p, size_t n) { *p = (uint64_t)(uintptr_t)malloc(n); return 0; }
int cuMemFree_v2(uint64_t p) { note("free"); free((void *)(uintptr_t)p); return 0; }
int cuMemsetD8_v2(uint64_t p, unsigned char v, size_t n) { memset((void *)(uintptr_t)p, v, n); return 0; }
int cuMemcpyHtoD_v2(uint64_t d, const void *s, size_t n) { note("memcpyHtoD"); memcpy((void *)(uintptr_t)d, s, n); return 0; }
int cuMemcpyDtoH_v2(void *d, uint64_t s, size_t n) { note("memcpyDtoH"); memcpy(d, (void *)(uintptr_t)s, n); return 0; }
int cuStreamCreate(void **s, unsigned f) { return new_stream(s, f); }
int cuStreamDestroy_v2(void *s) { note("streamDestroy(s%lu)", (unsigned long)s); return 0; }
int cuStreamSynchronize(void *s) { return stream_sync(s); }
int cuStreamWaitEvent(void *s, void *e, unsigned f) { (void)f; return stream_wait(s, e); }
int cuEventCreate(void **e, unsigned f) { return new_event(e, f); }
int cuEventElapsedTime(float *ms, void *a, void *b) { return elapsed(ms, a, b); }
int cuMemHostAlloc(void **p, size_t n, unsigned f) { (void)f; return host_alloc(p, n); }
int cuMemFreeHost(void *p) { return host_free(p); }
int cuMemcpyHtoDAsync_v2(uint64_t d, const void *h, size_t n, void *s) { return copy_async("memcpyHtoDAsync", (void *)(uintptr_t)d, h, n, s); }
int cuMemcpyDtoHAsync_v2(void *h, uint64_t d, size_t n, void *s) { return copy_async("memcpyDtoHAsync", h, (void *)(uintptr_t)d, n, s); }
int cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t a, size_t n, void *s) { return copy_async("memcpyDtoDAsync", (void *)(uintptr_t)d, (void *)(uintptr_t)a, n, s); }
int cuMemsetD32Async(uint64_t d, unsigned v, size_t n, void *s) { return fill32((void *)(uintptr_t)d, v, n, s); }
int cuEventRecord(void *e, void *s) { return record(e, s); }
int cuEventSynchronize(void *e) { return event_sync(e); }
int cuEventQuery(void *e) { return event_query(e); }
int cuEventDestroy_v2(void *e) { return event_destroy(e); }
int cuModuleLoadDataEx(void **m, const void *i, unsigned n, int *o, void **v) { return load(m, i, n, o, v); }
int cuModuleUnload(void *m) { free(m); return 0; }
int cuModuleGetFunction(void **f, void *m, const char *name) { return function(f, m, name); }
int cuFuncGetAttribute(int *v, int attr, void *f) { return func_attribute(v, attr, f); }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
  (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)extra;
  return launch(f, gx * bx, params, stream);
}
#ifndef FAKE_NO_PEER
int cuDeviceCanAccessPeer(int *ok, int d, int p) { return can_access(ok, d, p); }
int cuCtxEnablePeerAccess(void *peer, unsigned f) { (void)f; return enable_peer(CTX_DEVICE(peer)); }
int cuMemcpyPeerAsync(uint64_t d, void *dc, uint64_t src, void *sc, size_t n, void *s) {
  return copy_peer((void *)(uintptr_t)d, CTX_DEVICE(dc), (void *)(uintptr_t)src, CTX_DEVICE(sc), n, s);
}
#endif
#ifndef FAKE_NO_GRAPHS
int cuStreamBeginCapture_v2(void *s, int mode) { return begin_capture(s, mode); }
int cuStreamEndCapture(void *s, void **g) { return end_capture(s, g); }
int cuGraphInstantiateWithFlags(void **e, void *g, unsigned long long f) { (void)f; return instantiate(e, g); }
int cuGraphLaunch(void *e, void *s) { return graph_launch(e, s); }
int cuGraphExecDestroy(void *e) { return exec_destroy(e); }
int cuGraphDestroy(void *g) { return graph_destroy(g); }
#endif
#else
int hipInit(unsigned f) { (void)f; return 0; }
const char *hipGetErrorName(int e) { return e ? "hipErrorInvalidValue" : "hipSuccess"; }
const char *hipGetErrorString(int e) { return e ? "fake: invalid value" : "fake: no error"; }
int hipGetDeviceCount(int *n) { *n = device_count(); return 0; }
int hipSetDevice(int d) { return d >= 0 && d < device_count() ? 0 : 1; }
int hipDeviceGet(int *d, int o) { if (o < 0 || o >= device_count()) return 1; *d = o; return 0; }
int hipDeviceGetName(char *b, int len, int d) { (void)d; snprintf(b, len, "Fake gfx942 GPU"); return 0; }
int hipDeviceGetAttribute(int *v, int a, int d) { (void)d; return attribute(a, v); }
/* ROCm 6 layout stand-in: name at 0, gcnArchName somewhere after it. */
int hipGetDevicePropertiesR0600(void *p, int d) {
  (void)d;
  memset(p, 0, 1472);
  strcpy((char *)p, "Fake gfx942 GPU");
  strcpy((char *)p + 1160, "gfx942:sramecc+:xnack-");
  return 0;
}
int hipMalloc(void **p, size_t n) { *p = malloc(n); return 0; }
int hipFree(void *p) { note("free"); free(p); return 0; }
int hipMemset(void *p, int v, size_t n) { memset(p, v, n); return 0; }
int hipMemcpyHtoD(void *d, void *s, size_t n) { note("memcpyHtoD"); memcpy(d, s, n); return 0; }
int hipMemcpyDtoH(void *d, void *s, size_t n) { note("memcpyDtoH"); memcpy(d, s, n); return 0; }
int hipDeviceSynchronize(void) { return 0; }
int hipStreamCreate(void **s) { return new_stream(s, 0); }
int hipStreamDestroy(void *s) { note("streamDestroy(s%lu)", (unsigned long)s); return 0; }
int hipStreamSynchronize(void *s) { return stream_sync(s); }
int hipStreamWaitEvent(void *s, void *e, unsigned f) { (void)f; return stream_wait(s, e); }
int hipEventCreateWithFlags(void **e, unsigned f) { return new_event(e, f); }
int hipEventElapsedTime(float *ms, void *a, void *b) { return elapsed(ms, a, b); }
int hipHostMalloc(void **p, size_t n, unsigned f) { (void)f; return host_alloc(p, n); }
int hipHostFree(void *p) { return host_free(p); }
int hipMemcpyHtoDAsync(void *d, void *h, size_t n, void *s) { return copy_async("memcpyHtoDAsync", d, h, n, s); }
int hipMemcpyDtoHAsync(void *h, void *d, size_t n, void *s) { return copy_async("memcpyDtoHAsync", h, d, n, s); }
int hipMemcpyDtoDAsync(void *d, void *a, size_t n, void *s) { return copy_async("memcpyDtoDAsync", d, a, n, s); }
int hipMemsetD32Async(void *d, int v, size_t n, void *s) { return fill32(d, (unsigned)v, n, s); }
int hipEventRecord(void *e, void *s) { return record(e, s); }
int hipEventSynchronize(void *e) { return event_sync(e); }
int hipEventQuery(void *e) { return event_query(e); }
int hipEventDestroy(void *e) { return event_destroy(e); }
int hipModuleLoadDataEx(void **m, const void *i, unsigned n, int *o, void **v) { return load(m, i, n, o, v); }
int hipModuleUnload(void *m) { free(m); return 0; }
int hipModuleGetFunction(void **f, void *m, const char *name) { return function(f, m, name); }
int hipFuncGetAttribute(int *v, int attr, void *f) { return func_attribute(v, attr, f); }
int hipModuleLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                          unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
  (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)extra;
  return launch(f, gx * bx, params, stream);
}
int hipStreamCreateWithFlags(void **s, unsigned f) { return new_stream(s, f); }
#ifndef FAKE_NO_PEER
int hipDeviceCanAccessPeer(int *ok, int d, int p) { return can_access(ok, d, p); }
int hipDeviceEnablePeerAccess(int p, unsigned f) { (void)f; return enable_peer(p); }
int hipMemcpyPeerAsync(void *d, int dd, const void *s, int sd, size_t n, void *st) { return copy_peer(d, dd, s, sd, n, st); }
#endif
#ifndef FAKE_NO_GRAPHS
int hipStreamBeginCapture(void *s, int mode) { return begin_capture(s, mode); }
int hipStreamEndCapture(void *s, void **g) { return end_capture(s, g); }
int hipGraphInstantiate(void **e, void *g, void **node, char *log, size_t n) { (void)node; (void)log; (void)n; return instantiate(e, g); }
int hipGraphLaunch(void *e, void *s) { return graph_launch(e, s); }
int hipGraphExecDestroy(void *e) { return exec_destroy(e); }
int hipGraphDestroy(void *g) { return graph_destroy(g); }
#endif
#endif
