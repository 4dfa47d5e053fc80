/*
 * metrics.c - gort_readmetrics: the runtime's figures, as Go's
 * runtime/metrics (metrics.go) gives them, in a struct whose size field
 * versions it (include/gort.h).
 *
 * Nothing here stops the world or takes a lock on a hot path.  The
 * counters are kept where they are cheapest to keep: per P, written only
 * by the M that holds the P (a relaxed load and store, no read-modify-
 * write: p->nswitch, p->ncreated, p->latency), and summed here with
 * relaxed loads, as gort_numgoroutine sums p->nglive.  So each figure is
 * exact at some moment of the call, and the set is not one snapshot.
 *
 * Scheduler latency is sampled as Go samples it (gTrackingPeriod): every
 * 8th time an M makes a goroutine runnable it stamps g->runnabletime
 * (trackrunnable, trace.h); when that goroutine next starts running
 * (switchin), trackrunning adds now - runnabletime to the P's histogram,
 * bucket floor(log2(ns)), and clears the stamp.
 */
#include <string.h>

#include "os.h"
#include "trace.h"

_Atomic uint64_t gort__ncreated_nop;

/* gort__recordlatency: gp, sampled when it became runnable, starts
 * running on pp (whose M calls this). */
void gort__recordlatency(p *pp, g *gp)
{
    int64_t d = gort__nanotime() - gp->runnabletime;
    gp->runnabletime = 0;
    int b = 0;
    if (d > 1)
        b = 63 - __builtin_clzll((unsigned long long)d);
    if (b >= GORT_METRICS_BUCKETS)
        b = GORT_METRICS_BUCKETS - 1;
    atomic_store_explicit(&pp->latency[b],
                          atomic_load_explicit(&pp->latency[b], memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

int64_t gort_metrics_bucket_ns(int i)
{
    if (i <= 0)
        return 0;
    if (i >= GORT_METRICS_BUCKETS)
        i = GORT_METRICS_BUCKETS - 1;
    return (int64_t)1 << i;
}

void gort_readmetrics(gort_metrics *out)
{
    if (out == NULL || out->size < offsetof(gort_metrics, goroutines) + sizeof out->goroutines) {
        if (out)
            out->size = 0;
        return;
    }
    gort_metrics m;
    memset(&m, 0, sizeof m);
    m.goroutines = gort__gcount();
    m.goroutines_created = atomic_load(&gort__ncreated_nop);
    m.gomaxprocs = atomic_load(&gort__gomaxprocs);
    m.procs_idle = atomic_load(&gort__sched.npidle);
    m.threads_spinning = atomic_load(&gort__sched.nmspinning);
    m.runqueue_global = atomic_load_explicit(&gort__sched.runqsize, memory_order_relaxed);
    int32_t np = gort__allplen();
    for (int32_t i = 0; i < np; i++) {
        p *pp = gort__allp[i];
        m.goroutines_created += atomic_load_explicit(&pp->ncreated, memory_order_relaxed);
        m.context_switches += atomic_load_explicit(&pp->nswitch, memory_order_relaxed);
        for (int b = 0; b < GORT_METRICS_BUCKETS; b++)
            m.sched_latency[b] += atomic_load_explicit(&pp->latency[b], memory_order_relaxed);
        if (i < m.gomaxprocs) {
            uint32_t h = atomic_load(&pp->runqhead), t = atomic_load(&pp->runqtail);
            m.runqueue_local += (int32_t)(t - h) > 0 ? (int32_t)(t - h) : 0;
            if (atomic_load_explicit(&pp->runnext, memory_order_relaxed) != NULL)
                m.runqueue_local++;
        }
    }
    gort__lock(&gort__sched.lock);
    m.threads = gort__sched.mnext;
    m.threads_idle = gort__sched.nmidle;
    gort__unlock(&gort__sched.lock);

    int64_t inuse, cached, released;
    uint64_t passes, scav;
    gort__stackstats(&inuse, &cached, &released, &passes, &scav);
    const int64_t sz = (int64_t)(STACK_SIZE - STACK_GUARD_SIZE);
    m.stack_inuse_bytes = inuse * sz;
    m.stack_free_bytes = cached * sz;
    m.stack_released_bytes = released * sz;
    m.scavenge_passes = passes;
    m.scavenged_bytes = scav * (uint64_t)sz;

    size_t n = out->size < sizeof m ? out->size : sizeof m;
    m.size = n;
    memcpy(out, &m, n);
}
