#define _GNU_SOURCE
#include "blas.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

sgemm_fn blas_sgemm = 0;
dsyrk_fn blas_dsyrk = 0;
dgemm_fn blas_dgemm = 0;

typedef char *(*config_fn)(void);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

static void *handle = 0;
static char loaded_path[1024] = "";
static config_fn get_config = 0;
static set_threads_fn set_threads = 0;
static get_threads_fn get_threads = 0;

int blas_load(const char *const *paths, int count, char *err, int errlen) {
  if (handle) return 0;
  int used = 0;
  err[0] = '\0';
  for (int i = 0; i < count; i++) {
    void *h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char *why = dlerror();
      used += snprintf(err + used, used < errlen ? errlen - used : 0, "%s%s", used ? "; " : "", why ? why : paths[i]);
      continue;
    }
    sgemm_fn f = (sgemm_fn)dlsym(h, "cblas_sgemm");
    if (!f) {
      used += snprintf(err + used, used < errlen ? errlen - used : 0, "%s%s: no cblas_sgemm", used ? "; " : "", paths[i]);
      dlclose(h);
      continue;
    }
    handle = h;
    blas_sgemm = f;
    blas_dsyrk = (dsyrk_fn)dlsym(h, "cblas_dsyrk");
    blas_dgemm = (dgemm_fn)dlsym(h, "cblas_dgemm");
    snprintf(loaded_path, sizeof loaded_path, "%s", paths[i]);
    get_config = (config_fn)dlsym(h, "openblas_get_config");
    set_threads = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
    get_threads = (get_threads_fn)dlsym(h, "openblas_get_num_threads");
    return 0;
  }
  return -1;
}

const char *blas_path(void) { return loaded_path; }

const char *blas_config(void) {
  if (get_config) return get_config();
  return "";
}

int blas_set_threads(int n) {
  if (!set_threads) return -1;
  set_threads(n);
  return get_threads ? get_threads() : n;
}

int blas_get_threads(void) { return get_threads ? get_threads() : -1; }
