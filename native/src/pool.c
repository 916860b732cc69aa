#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct pool {
  pthread_mutex_t lock;
  pthread_cond_t start; /* a new loop (or quit) for the helpers */
  pthread_cond_t done;  /* the last helper left the loop */
  int helpers;
  pthread_t *threads;
  unsigned long generation; /* loops started; a helper runs each once */
  int running;              /* helpers still in the current loop */
  int quit;
  pool_task fn;
  void *arg;
  int items;
  atomic_int next;
  atomic_int failed;
};

typedef struct {
  pool *p;
  int worker;
} helper_arg;

static void take_items(pool *p, int worker) {
  for (;;) {
    if (atomic_load_explicit(&p->failed, memory_order_relaxed)) return;
    const int i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
    if (i >= p->items) return;
    if (p->fn(p->arg, i, worker) != 0) atomic_store(&p->failed, 1);
  }
}

static void *helper_main(void *raw) {
  helper_arg a = *(helper_arg *)raw;
  free(raw);
  pool *p = a.p;
  unsigned long seen = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (p->generation == seen && !p->quit) pthread_cond_wait(&p->start, &p->lock);
    if (p->quit) break;
    seen = p->generation;
    pthread_mutex_unlock(&p->lock);
    take_items(p, a.worker);
    pthread_mutex_lock(&p->lock);
    if (--p->running == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

pool *pool_new(int helpers) {
  if (helpers < 1) return NULL;
  pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->threads = calloc((size_t)helpers, sizeof *p->threads);
  if (!p->threads) {
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  atomic_init(&p->next, 0);
  atomic_init(&p->failed, 0);
  for (int i = 0; i < helpers; i++) {
    helper_arg *a = malloc(sizeof *a);
    if (a) *a = (helper_arg){p, i + 1};
    if (!a || pthread_create(&p->threads[i], NULL, helper_main, a) != 0) {
      free(a);
      p->helpers = i;
      pool_free(p);
      return NULL;
    }
  }
  p->helpers = helpers;
  return p;
}

int pool_run(pool *p, int items, pool_task fn, void *arg) {
  pthread_mutex_lock(&p->lock);
  p->fn = fn;
  p->arg = arg;
  p->items = items;
  atomic_store(&p->next, 0);
  atomic_store(&p->failed, 0);
  p->running = p->helpers;
  p->generation++;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  take_items(p, 0);
  pthread_mutex_lock(&p->lock);
  while (p->running > 0) pthread_cond_wait(&p->done, &p->lock);
  pthread_mutex_unlock(&p->lock);
  return atomic_load(&p->failed) ? -1 : 0;
}

void pool_free(pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->quit = 1;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->helpers; i++) pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->lock);
  free(p->threads);
  free(p);
}
