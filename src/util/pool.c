/*
 * pool.c - the worker pool: nthreads threads take job indexes in order from
 * an atomic counter.  Results are stored by the caller at the job index, so
 * output order never depends on thread count or timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "lethe/util.h"

struct pool {
	lt_pool_fn fn;
	void *ctx;
	size_t njobs;
	atomic_size_t next;
};

struct worker {
	struct pool *pool;
	unsigned id;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	size_t job;

	while ((job = atomic_fetch_add(&p->next, 1)) < p->njobs)
		p->fn(p->ctx, job, w->id);
	return NULL;
}

void lt_pool_run(unsigned nthreads, size_t njobs, lt_pool_fn fn, void *ctx)
{
	struct pool p = { .fn = fn, .ctx = ctx, .njobs = njobs };
	pthread_t *tids;
	struct worker *ws;
	unsigned started = 0;

	atomic_init(&p.next, 0);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > njobs)
		nthreads = njobs ? (unsigned)njobs : 1;
	if (nthreads == 1) {
		struct worker w = { &p, 0 };
		work(&w);
		return;
	}
	tids = lt_xcalloc(nthreads, sizeof *tids);
	ws = lt_xcalloc(nthreads, sizeof *ws);
	for (unsigned i = 0; i < nthreads; i++) {
		ws[i].pool = &p;
		ws[i].id = i;
		if (pthread_create(&tids[i], NULL, work, &ws[i]) != 0)
			break;
		started++;
	}
	if (started == 0) {
		/* No thread could start: do the work here. */
		ws[0].id = 0;
		work(&ws[0]);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	free(ws);
}

unsigned lt_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}
