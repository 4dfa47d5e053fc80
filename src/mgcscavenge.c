/*
 * mgcscavenge.c - gcenable and the background scavenger.
 * Mirrors Go's runtime/mgc.go (gcenable) and mgcscavenge.go.
 *
 * gort has no garbage collector; its background work is the scavenger,
 * a runtime goroutine that gives the memory of idle cached goroutine
 * stacks back to the OS (stack.c says which).  sysmon wakes it about once
 * a second while there are stacks to give back.
 */
#include "os.h"
#include "trace.h"

#define SCAVENGE_PERIOD (1000 * 1000 * 1000LL)   /* ns between passes */

static struct {
    mutex lock;
    g *g;
    bool parked;
    int64_t last;       /* nanotime of the last pass */
} scavenger;

/* bgscavenge is the scavenger goroutine. */
static void bgscavenge(void *arg)
{
    (void)arg;
    gort__lock(&scavenger.lock);
    scavenger.g = getg();
    for (;;) {
        scavenger.parked = true;
        gort__goparkunlock(&scavenger.lock, waitReasonSleepScavenge);
        uint64_t before = 0;
        if (traceEnabled()) {
            int64_t x;
            uint64_t passes;
            gort__stackstats(&x, &x, &x, &passes, &before);
            traceScavengeBegin();
        }
        gort__scavenge(false);
        if (traceEnabled()) {
            int64_t x;
            uint64_t passes, after;
            gort__stackstats(&x, &x, &x, &passes, &after);
            traceScavengeEnd(after - before);
        }
        gort__lock(&scavenger.lock);
        scavenger.last = gort__nanotime();
    }
}

/* gort__wakeScavenger readies the scavenger if a period has passed since
 * its last pass.  Called by sysmon. */
void gort__wakeScavenger(int64_t now)
{
    gort__lock(&scavenger.lock);
    if (!scavenger.parked || now - scavenger.last < SCAVENGE_PERIOD) {
        gort__unlock(&scavenger.lock);
        return;
    }
    scavenger.parked = false;
    g *gp = scavenger.g;
    gort__unlock(&scavenger.lock);
    gort__goready(gp);
}

/* gort__gcenable starts the runtime's background work (runtime_main
 * calls it after the init functions, as Go does). */
void gort__gcenable(void)
{
    scavenger.last = gort__nanotime();
    g *gp = gort__newproc1(bgscavenge, NULL, getg(), __builtin_return_address(0), true);
    /* Queued without waking another thread: it only parks when it first
     * runs, and a short program should not pay for a thread for it. */
    gort__runqputnowake(gp);
}
