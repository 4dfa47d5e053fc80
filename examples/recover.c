/*
 * recover: defer, panic and recover (the README's example).  A handler
 * that panics is recovered by the frame gort_pcall gives it; its deferred
 * cleanup runs either way.
 */
#include <gort.h>
#include <stdio.h>

static void unlock(void *arg)                   /* defer mu.Unlock() */
{
    gort_mutex_unlock(arg);
}

static void report(void *arg)                   /* defer func() { if r := recover() ... }() */
{
    const char *r = gort_recover();
    if (r)
        printf("%s: recovered: %s\n", (const char *)arg, r);
}

static gort_mutex mu;

static void handle(void *arg)
{
    const char *req = arg;
    gort_defer(report, arg);
    gort_mutex_lock(&mu);
    gort_defer(unlock, &mu);                    /* runs first, panic or not */
    if (req[0] == '!')
        gort_panic("bad request %s", req);      /* unwinds to handle's frame */
    printf("%s: ok\n", req);
}

void main_main(void)
{
    const char *reqs[] = {"a", "!b", "c"};
    for (int i = 0; i < 3; i++) {
        bool ok = gort_pcall(handle, (void *)reqs[i]);  /* handle(reqs[i]) as a frame */
        printf("%s: returned %s\n", reqs[i], ok ? "normally" : "after a recovered panic");
    }
    gort_mutex_lock(&mu);                       /* not left locked */
    printf("mutex free\n");
}
