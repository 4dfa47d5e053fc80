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
 * Scheduler latency is sampled as Go samples it (gTrackingPeriod), but
 * more sparsely: every 64th time an M makes a goroutine runnable (Go: 8th)
 * it stamps g->runnabletime
 * (trackrunnable, trace.h); when that goroutine next starts running
 * (switchin), trackrunning adds now - runnabletime to the P's histogram,
 * bucket floor(log2(ns)), and clears the stamp.  The stamps are the time
 * stamp counter (gort__cputicks), not the clock: reading the clock twice
 * per sample cost more than everything else on the switch path put
 * together, and on this virtual machine even the counter costs about 40 ns
 * a read (bench/results/tracecost.md): at Go's 1 in 8, two reads per
 * sample were a tenth of a Gosched.  sysmon calibrates ticks against the clock on each tick
 * (gort__metricstick: the ratio over the whole run so far, once 10 ms
 * have passed); samples taken before that are dropped.
 */
#include <string.h>

#include "os.h"
#include "trace.h"

_Atomic uint64_t gort__ncreated_nop;

static _Atomic uint64_t tickmult;       /* ns per tick, 32.32 fixed point; 0: not yet known */
static uint64_t tick0;                  /* sysmon's: its first tick */
static int64_t ns0;

void gort__metricstick(int64_t now)
{
    uint64_t t = gort__cputicks();
    if (ns0 == 0) {
        ns0 = now;
        tick0 = t;
        return;
    }
    if (now - ns0 < 10 * 1000 * 1000 || t <= tick0)
        return;
    __uint128_t mult = ((__uint128_t)(uint64_t)(now - ns0) << 32) / (t - tick0);
    atomic_store_explicit(&tickmult, (uint64_t)mult, memory_order_relaxed);
}

/* gort__recordlatency: gp, sampled when it became runnable, starts
 * running on pp (whose M calls this). */
void gort__recordlatency(p *pp, g *gp)
{
    uint64_t ticks = gort__cputicks() - (uint64_t)gp->runnabletime;
    gp->runnabletime = 0;
    uint64_t mult = atomic_load_explicit(&tickmult, memory_order_relaxed);
    if (mult == 0 || ticks > ((uint64_t)1 << 62))
        return;     /* not calibrated yet, or stamped on a core whose counter is ahead */
    int64_t d = (int64_t)(((__uint128_t)ticks * mult) >> 32);
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
