/* The sanitizer job's positive control (scripts/sanitize.sh): a Node-API
 * module, built with -fsanitize=address, that leaks one allocation when
 * loaded, and with PLANT_OVERFLOW set also reads past a heap block. The job
 * must see both, or its clean result would mean nothing. */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

void* volatile planted_sink;

__attribute__((noinline)) static void plantLeak(void) {
  char* p = malloc(321);
  memset(p, 1, 321);
  planted_sink = p;
  planted_sink = 0;
}

__attribute__((noinline)) static int plantOverflow(int i) {
  int* a = malloc(4 * sizeof(int));
  memset(a, 0, 4 * sizeof(int));
  int v = a[i];
  free(a);
  return v;
}

static napi_value Init(napi_env env, napi_value exports) {
  plantLeak();
  if (getenv("PLANT_OVERFLOW")) planted_sink = (void*)(long)plantOverflow(4);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
