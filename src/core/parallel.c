/* parallel.c -- kr_parallel_for: run n independent tasks on a few threads.
 *
 * The one place kairos starts threads for data-parallel work (parameter
 * sweeps, cross-validation folds). Workers take the next task index from a
 * shared atomic counter, so uneven tasks balance themselves, and the call
 * returns when every task is done. Tasks must not share mutable state; each
 * gets its worker number so it can use per-worker scratch.
 */
#include "kairos/core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct pf_shared {
    size_t n;
    atomic_size_t next;
    atomic_int stop;
    kr_task_fn fn;
    void *user;
    atomic_int rc;
} pf_shared;

typedef struct pf_worker {
    pf_shared *sh;
    int id;
} pf_worker;

static void *worker(void *arg)
{
    pf_worker *w = arg;
    pf_shared *sh = w->sh;
    for (;;) {
        if (atomic_load(&sh->stop))
            break;
        size_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->n)
            break;
        int rc = sh->fn(sh->user, i, w->id);
        if (rc) {
            int zero = 0;
            atomic_compare_exchange_strong(&sh->rc, &zero, rc);
            atomic_store(&sh->stop, 1);
        }
    }
    return NULL;
}

int kr_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int kr_parallel_for(size_t n, int threads, kr_task_fn fn, void *user)
{
    if (!fn)
        return KR_EINVAL;
    if (threads <= 0)
        threads = kr_cpu_count();
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    pf_shared sh = {.n = n, .fn = fn, .user = user};
    atomic_init(&sh.next, 0);
    atomic_init(&sh.stop, 0);
    atomic_init(&sh.rc, 0);
    pf_worker *w = calloc((size_t)threads, sizeof *w);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    if (!w || !t) {
        free(w);
        free(t);
        return KR_ENOMEM;
    }
    int started = 0;
    for (int k = 1; k < threads; k++) {
        w[k].sh = &sh;
        w[k].id = k;
        if (pthread_create(&t[k], NULL, worker, &w[k]) != 0)
            break;
        started = k;
    }
    w[0].sh = &sh;
    w[0].id = 0;
    worker(&w[0]); /* the caller is worker 0 */
    for (int k = 1; k <= started; k++)
        pthread_join(t[k], NULL);
    free(w);
    free(t);
    return atomic_load(&sh.rc);
}
