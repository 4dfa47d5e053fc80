/*
 * preempt.c - preemption of long-running goroutines, both halves.
 * Mirrors Go's runtime/preempt.go (and preemptone, preemptall from
 * proc.go, asyncPreempt2 and isAsyncSafePoint).
 *
 * Asking
 *
 * sysmon watches each P's schedtick (proc.c, retake): a P whose tick has
 * not moved for forcePreemptNS (10 ms) has run one goroutine (or a chain
 * of runnext hand-offs) that long, and preemptone asks that goroutine to
 * stop by setting gp->preempt.  stopTheWorld asks every running
 * goroutine (preemptall) while it waits for their Ps.  A request is only
 * a flag: the goroutine honours it at the next preemption point, and
 * switchin clears it whenever the goroutine is scheduled anew (so a
 * request that reached the wrong goroutine, because sysmon read pp->m's
 * curg as it changed, costs at most one early switch: Gs and Ms are never
 * freed, so the stale pointer is always a G).
 *
 * The synchronous half
 *
 * Go checks the request in every function's prologue (the stack bound,
 * stackPreempt); C has no prologue of the runtime's, so the runtime's own
 * entry points that a loop polls through check it instead, before they
 * take any lock (preemptcheck in runtime.h: channel send and receive,
 * select, timers, sleep, nanotime, the sync slow paths).  The goroutine
 * then goes to the global run queue (gopreempt_m, proc.c), as in Go, and
 * its P schedules: what waited behind it runs, due timers fire, and a
 * stopping world gets the P.
 *
 * The asynchronous half
 *
 * A loop that calls nothing of the runtime never checks.  So preemptone
 * also interrupts the goroutine's thread (gort__os_preemptm, as Go's
 * preemptM: SIGURG with tgkill on Linux; on Windows sysmon suspends the
 * thread and does the handler's part itself), at most one in flight per
 * M (m->signalPending).  The handler (os_linux.c, Go's doSigPreempt) asks
 * isAsyncSafePoint whether the goroutine may be switched out exactly
 * where it stopped; if so it edits the signal context so that, when the
 * handler returns, the goroutine calls asyncPreempt (asm_amd64.S), which
 * saves every register and the vector state, calls asyncPreempt2 below
 * (mcall(gopreempt_m), the synchronous path), and when the goroutine is
 * resumed, on whatever M, restores all of it and returns to the
 * interrupted instruction.  A "no" is final for that signal: sysmon asks
 * again at its next tick while the goroutine still runs on.
 *
 * Where it is safe (isAsyncSafePoint)
 *
 * Go knows which of its instructions are safe from the compiler's
 * tables.  C code has none, so gort admits only points where switching
 * the goroutine out is the same as if it had called gort_gosched there:
 *
 *   - the goroutine is the M's current goroutine, running on its own
 *     stack: not g0, not a signal stack, with the room the injected
 *     frames need between sp and the stack's low end;
 *   - the request is still wanted (gp->preempt), the M holds no runtime
 *     lock (m->locks), is not in a stretch the runtime marked
 *     (m->preemptoff: the goroutine that stopped the world, until it
 *     starts it again), and no fatal report is being written;
 *   - the interrupted PC is the program's own code: in the executable's
 *     text, outside libgort's own (which the build puts in a section of
 *     its own, gort_text, .text$gort$1 on PE: CMakeLists.txt), outside
 *     every shared object or DLL
 *     (libc, ld.so, the vDSO, a sanitizer's runtime: their locks and
 *     thread-bound state are held there); gort__os_isuserpc answers from
 *     ranges taken at start-up;
 *   - (Linux) the thread's signal mask is the one the M runs goroutines
 *     with: a blocked signal means a signal handler of the program is
 *     running, or the program masked signals on this thread.
 *
 * What a preempted goroutine must not hold (HACKING.md, README): it may
 * resume on another thread, so anything owned by a thread - a pthread
 * mutex or spin lock that another goroutine then waits for with its
 * thread, an address of thread-local storage that the compiler keeps in
 * a register (errno is kept per goroutine and restored through the new
 * thread's address, as at every switch).
 */
#include <string.h>

#include "arch.h"
#include "os.h"
#include "sanitizer.h"

/* gort__asyncpreempt: the asynchronous half is on (preemptinit). */
bool gort__asyncpreempt;

/* The room that the injected frames need below the interrupted sp: the
 * red zone, the saved registers and vector state (a few KiB with AVX-512),
 * and asyncPreempt2's and mcall's frames, with a wide margin. */
#define ASYNC_STACK_NEEDED ((uintptr_t)16 << 10)

void gort__preemptinit(void)
{
#ifdef GORT_HAVE_ASYNCPREEMPT
    bool on = gort__debug_asyncpreemptoff == 0 && !GORT_TOOL_NOASYNCPREEMPT;
    if (on && gort__archpreemptinit())
        gort__asyncpreempt = gort__os_preemptinit();
#endif
}

/* gort__preemptone asks the goroutine running on pp to stop as soon as
 * it can (Go's preemptone).  Called by sysmon and stopTheWorld, without
 * locks; reports whether it found a goroutine to ask.  It reads pp->m and
 * mp->curg without the owner's synchronisation, as Go's does (so
 * GORT_NO_TSAN): they are hints.  Ms and gs are never freed, so a stale
 * pointer is still an M or a g, and a request that reaches a goroutine
 * that has just been switched in only makes it yield at its next
 * preemption point, which is always allowed. */
GORT_NO_TSAN bool gort__preemptone(p *pp)
{
    m *mp = pp->m;
    if (mp == NULL || mp == getg()->m)
        return false;
    g *gp = mp->curg;
    if (gp == NULL || gp == mp->g0)
        return false;
    atomic_store_explicit(&gp->preempt, true, memory_order_relaxed);
#ifdef GORT_HAVE_ASYNCPREEMPT
    if (gort__asyncpreempt) {
        uint32_t z = 0;
        /* One signal in flight per M: the handler clears it. */
        if (atomic_compare_exchange_strong(&mp->signalPending, &z, 1) &&
            !gort__os_preemptm(mp))
            atomic_store(&mp->signalPending, 0);
    }
#endif
    return true;
}

/* gort__preemptall asks every running goroutine but the caller's to stop
 * (Go's preemptall, for stopTheWorld). */
void gort__preemptall(void)
{
    int32_t n = atomic_load(&gort__gomaxprocs);
    for (int32_t i = 0; i < n; i++) {
        p *pp = gort__allp[i];
        if (atomic_load(&pp->status) == Prunning)
            gort__preemptone(pp);
    }
}

bool gort__isAsyncSafePoint(g *gp, m *mp, uintptr_t pc, uintptr_t sp)
{
    if (gp == NULL || mp == NULL || gp != mp->curg || gp == mp->g0 || gp->isforeign)
        return false;
    if (!atomic_load_explicit(&gp->preempt, memory_order_relaxed))
        return false;   /* no longer wanted: it has been scheduled anew */
    /* Where the lock count is a thread-local (lock_futex.c) this runs on
     * mp's own thread, in the preemption signal's handler; elsewhere
     * (Windows: sysmon looks at the suspended thread) it is mp->locks. */
#ifdef GORT_HAVE_FAST_GETG
    int32_t locks = gort__mlocks();
#else
    int32_t locks = mp->locks;
#endif
    if (locks != 0 || mp->preemptoff != NULL || mp->p == NULL ||
        atomic_load_explicit(&gort__panicking, memory_order_relaxed) != 0)
        return false;
    if (readgstatus(gp) != Grunning)
        return false;
    /* On its own stack, with room below sp (which also rules out a
     * signal stack: it is not the goroutine's). */
    if (gp->stack.lo == 0 || sp < gp->stack.lo + ASYNC_STACK_NEEDED || sp >= gp->stack.hi)
        return false;
    return gort__os_isuserpc(pc);
}

#ifdef GORT_HAVE_ASYNCPREEMPT
/* gort__asyncPreempt2 is called by asyncPreempt (asm_amd64.S) on the
 * goroutine's stack, every register of the interrupted code saved below
 * it: from here on it is a synchronous preemption.  When the goroutine is
 * resumed (perhaps on another M, whose errno resumed() has set to the
 * goroutine's), asyncPreempt restores the registers and returns to the
 * interrupted instruction. */
void gort__asyncPreempt2(void)
{
    gort__gopreempt();
}
#endif
