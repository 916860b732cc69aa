/* A few helper threads that share one loop over independent items with the calling thread: each item
 * runs exactly once, on whichever thread takes it first (an atomic counter), so a helper the OS holds
 * back costs at most the item it holds. Used for sampling's image-by-image products: every image is the
 * same computation whichever thread runs it, so the pixels do not depend on how many threads ran. */
#ifndef GAN_AUGMENT_POOL_H
#define GAN_AUGMENT_POOL_H

/* fn(arg, item, worker): worker 0 is the calling thread, 1.. the helpers. Returns 0, or -1 on failure
 * (the loop then stops handing out items and pool_run returns -1). */
typedef int (*pool_task)(void *arg, int item, int worker);

typedef struct pool pool;

/* A pool with `helpers` threads (≥ 1), or NULL when they could not be started. */
pool *pool_new(int helpers);
/* Runs fn over items 0..items−1 on this thread and the helpers; returns when every item is done. */
int pool_run(pool *p, int items, pool_task fn, void *arg);
/* Stops and joins the helpers. */
void pool_free(pool *p);

#endif
