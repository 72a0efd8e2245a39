/* A fake GPU driver for tests on machines without one: built as
 * libfakecuda.so (-DFAKE_CUDA) or libfakehip.so (-DFAKE_HIP) and loaded by
 * the runtime through IREE_NVIDIA_LIBRARY / IREE_AMD_LIBRARY. "Device"
 * memory is host memory; a "module" is the image text; launching
 * `simple_mul` / `simple_mul_inplace` runs them on the CPU through the
 * kernelParams array, so the runtime's real driver code (symbol loading,
 * properties, memory, JIT error log, parameter packing) is exercised end to
 * end. An image containing "BAD" fails to load with a log message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  *f = strcmp(name, "simple_mul") == 0 ? (void *)1 : (void *)2;
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
#define CTX ((void *)0x1234)
static const char *names[] = {"CUDA_SUCCESS", "CUDA_ERROR_INVALID_VALUE"};
int cuInit(unsigned f) { (void)f; return 0; }
int cuGetErrorName(int e, const char **s) { if (e < 0 || e > 1) { *s = 0; return 1; } *s = names[e]; return 0; }
int cuGetErrorString(int e, const char **s) { *s = e == 1 ? "fake: invalid value" : "fake: no error"; return 0; }
int cuDeviceGetCount(int *n) { *n = 1; return 0; }
int cuDeviceGet(int *d, int o) { if (o != 0) return 1; *d = 0; return 0; }
int cuDeviceGetName(char *b, int len, int d) { (void)d; snprintf(b, len, "Fake CUDA GPU"); return 0; }
int cuDeviceGetAttribute(int *v, int a, int d) { (void)d; return attribute(a, v); }
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)d; *c = CTX; return 0; }
int cuDevicePrimaryCtxRelease_v2(int d) { (void)d; return 0; }
int cuCtxSetCurrent(void *c) { return c == CTX ? 0 : 1; }
int cuCtxSynchronize(void) { return 0; }
int cuMemAlloc_v2(uint64_t *p, size_t n) { *p = (uint64_t)(uintptr_t)malloc(n); return 0; }
int cuMemFree_v2(uint64_t p) { free((void *)(uintptr_t)p); return 0; }
int cuMemsetD8_v2(uint64_t p, unsigned char v, size_t n) { memset((void *)(uintptr_t)p, v, n); return 0; }
int cuMemcpyHtoD_v2(uint64_t d, const void *s, size_t n) { memcpy((void *)(uintptr_t)d, s, n); return 0; }
int cuMemcpyDtoH_v2(void *d, uint64_t s, size_t n) { memcpy(d, (void *)(uintptr_t)s, n); return 0; }
int cuStreamCreate(void **s, unsigned f) { (void)f; *s = malloc(1); return 0; }
int cuStreamDestroy_v2(void *s) { free(s); return 0; }
int cuStreamSynchronize(void *s) { (void)s; return 0; }
int cuModuleLoadDataEx(void **m, const void *i, unsigned n, int *o, void **v) { return load(m, i, n, o, v); }
int cuModuleUnload(void *m) { free(m); return 0; }
int cuModuleGetFunction(void **f, void *m, const char *name) { return function(f, m, name); }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
  (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)stream; (void)extra;
  run(f, gx * bx, params);
  return 0;
}
#else
int hipInit(unsigned f) { (void)f; return 0; }
const char *hipGetErrorName(int e) { return e ? "hipErrorInvalidValue" : "hipSuccess"; }
const char *hipGetErrorString(int e) { return e ? "fake: invalid value" : "fake: no error"; }
int hipGetDeviceCount(int *n) { *n = 1; return 0; }
int hipSetDevice(int d) { return d == 0 ? 0 : 1; }
int hipDeviceGet(int *d, int o) { if (o != 0) return 1; *d = 0; return 0; }
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
int hipFree(void *p) { free(p); return 0; }
int hipMemset(void *p, int v, size_t n) { memset(p, v, n); return 0; }
int hipMemcpyHtoD(void *d, void *s, size_t n) { memcpy(d, s, n); return 0; }
int hipMemcpyDtoH(void *d, void *s, size_t n) { memcpy(d, s, n); return 0; }
int hipDeviceSynchronize(void) { return 0; }
int hipStreamCreate(void **s) { *s = malloc(1); return 0; }
int hipStreamDestroy(void *s) { free(s); return 0; }
int hipStreamSynchronize(void *s) { (void)s; return 0; }
int hipModuleLoadDataEx(void **m, const void *i, unsigned n, int *o, void **v) { return load(m, i, n, o, v); }
int hipModuleUnload(void *m) { free(m); return 0; }
int hipModuleGetFunction(void **f, void *m, const char *name) { return function(f, m, name); }
int hipModuleLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                          unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
  (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)stream; (void)extra;
  run(f, gx * bx, params);
  return 0;
}
#endif
