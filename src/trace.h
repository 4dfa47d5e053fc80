/*
 * trace.h - the execution tracer's hooks (trace.c; Go's trace.go).
 *
 * Each hook is one macro at the place where Go's runtime calls its
 * trace function (traceGoPark in park_m, traceGoUnpark in ready, ...).
 * With tracing off a hook costs one load of gort__trace_enabled and one
 * branch that is predicted not taken; the work is out of line in trace.c.
 */
#ifndef GORT_TRACE_H
#define GORT_TRACE_H

#include "runtime.h"
#include "os.h"

/* Event types, Go's names (trace.go traceEv*).  The arguments each takes
 * are listed in trace.c. */
enum {
    traceEvNone,
    traceEvGoCreate,        /* g created by arg, start function aux; reason 1: it existed when the trace began */
    traceEvGoStart,         /* g starts running on this P */
    traceEvGoEnd,           /* g exits */
    traceEvGoSched,         /* g yields (Gosched) */
    traceEvGoBlock,         /* g parks, reason */
    traceEvGoUnblock,       /* g readied by goroutine arg (0: the runtime) */
    traceEvGoWaiting,       /* g was waiting when the trace started, reason */
    traceEvGoInSyscall,     /* g was in a system call when the trace started */
    traceEvGoSysCall,       /* g enters a system call */
    traceEvGoSysExit,       /* g leaves it */
    traceEvProcStart,       /* this M takes P arg */
    traceEvProcStop,        /* this M gives P arg up */
    traceEvGomaxprocs,      /* the number of Ps is now arg */
    traceEvTimer,           /* a timer's function aux runs */
    traceEvNetpollBlock,    /* this M waits in the poller for up to arg ns */
    traceEvNetpollDone,     /* a poll made arg goroutines runnable (aux: it waited) */
    traceEvScavengeBegin,   /* the scavenger starts a pass */
    traceEvScavengeEnd,     /* ... and ends it, arg stacks given back */
    traceEvGoPreempt,       /* g is preempted (a request of sysmon's or stopTheWorld's: preempt.c) */
    traceEvCount
};

extern _Atomic bool gort__trace_enabled;

/* gort__cputicks, the CPU's cycle or time stamp counter, comes from the
 * architecture's header (Go's cputicks): the trace and the latency
 * metric stamp with it and convert to nanoseconds later. */

#define traceEnabled() unlikely(atomic_load_explicit(&gort__trace_enabled, memory_order_relaxed))

/* gort__traceEvent records one event of the current M (and its P, if it
 * holds one).  Only through the macros below. */
void gort__traceEvent(int ev, g *gp, int64_t arg, uintptr_t aux, int reason);

#define traceEv(ev, gp, arg, aux, reason) \
    do { if (traceEnabled()) gort__traceEvent((ev), (gp), (int64_t)(arg), (uintptr_t)(aux), (reason)); } while (0)

#define traceGoCreate(newg, parent) traceEv(traceEvGoCreate, (newg), (parent) ? (parent)->goid : 0, (newg)->fn, 0)
#define traceGoStart(gp)            traceEv(traceEvGoStart, (gp), 0, 0, 0)
#define traceGoEnd(gp)              traceEv(traceEvGoEnd, (gp), 0, 0, 0)
#define traceGoSched(gp)            traceEv(traceEvGoSched, (gp), 0, 0, 0)
#define traceGoPreempt(gp)          traceEv(traceEvGoPreempt, (gp), 0, 0, 0)
#define traceGoPark(gp, reason)     traceEv(traceEvGoBlock, (gp), 0, 0, (reason))
#define traceGoUnpark(gp)           traceEv(traceEvGoUnblock, (gp), 0, 0, 0)
#define traceGoSysCall(gp)          traceEv(traceEvGoSysCall, (gp), 0, 0, 0)
#define traceGoSysExit(gp)          traceEv(traceEvGoSysExit, (gp), 0, 0, 0)
#define traceProcStart(pp)          traceEv(traceEvProcStart, NULL, (pp)->id, 0, 0)
#define traceProcStop(pp)           traceEv(traceEvProcStop, NULL, (pp)->id, 0, 0)
#define traceGomaxprocs(n)          traceEv(traceEvGomaxprocs, NULL, (n), 0, 0)
#define traceTimer(f)               traceEv(traceEvTimer, NULL, 0, (f), 0)
#define traceNetpollBlock(delay)    traceEv(traceEvNetpollBlock, NULL, (delay), 0, 0)
#define traceNetpollDone(n, waited) traceEv(traceEvNetpollDone, NULL, (n), (waited), 0)
#define traceScavengeBegin()        traceEv(traceEvScavengeBegin, NULL, 0, 0, 0)
#define traceScavengeEnd(n)         traceEv(traceEvScavengeEnd, NULL, (n), 0, 0)

/* gort__traceinit starts the trace that GODEBUG=gorttrace=FILE asks for
 * (schedinit, after procresize, before the first goroutine exists). */
void gort__traceinit(const char *path);
/* gort__traceexit writes out a running trace as the process ends
 * (exit, an unrecovered panic, a deadlock): without stopping the world,
 * and leaving the buffers to the dying process. */
void gort__traceexit(void);
/* gort__debug_gorttrace is GODEBUG's gorttrace=FILE, or NULL. */
extern const char *gort__debug_gorttrace;

/* ------------------------------------------------------------------------
 * The metrics' hooks (metrics.c), on the same paths.
 *
 * trackrunnable samples every 64th goroutine that mp makes runnable
 * (Go's gTrackingPeriod is 8: see metrics.c), stamping when;
 * trackrunning, as a sampled one starts running on pp, adds its wait to
 * pp's latency histogram.
 * ---------------------------------------------------------------------- */

extern _Atomic uint64_t gort__ncreated_nop;     /* goroutines created by threads without a P */
void gort__recordlatency(p *pp, g *gp);
/* gort__metricstick calibrates the time stamp counter against the clock
 * (now: nanotime); sysmon calls it on every tick. */
void gort__metricstick(int64_t now);

static inline void trackrunnable(m *mp, g *gp)
{
    if (unlikely((++mp->trackseq & 63) == 0))
        gp->runnabletime = (int64_t)gort__cputicks();
}

static inline void trackrunning(p *pp, g *gp)
{
    atomic_store_explicit(&pp->nswitch, atomic_load_explicit(&pp->nswitch, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    if (unlikely(gp->runnabletime != 0))
        gort__recordlatency(pp, gp);
}

#endif /* GORT_TRACE_H */
