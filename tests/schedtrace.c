/*
 * schedtrace.c - a child for the GODEBUG=schedtrace test: it keeps the
 * scheduler busy for ~100 ms (goroutines that sleep and yield), so that
 * sysmon prints several SCHED lines, then exits 0.
 */
#include <gort.h>
#include <stdio.h>

static void napper(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++) {
        gort_sleep(10 * GORT_MILLISECOND);
        gort_gosched();
    }
}

void main_main(void)
{
    for (int i = 0; i < 4; i++)
        gort_go(napper, NULL);
    while (gort_numgoroutine() > 1)
        gort_sleep(5 * GORT_MILLISECOND);
    printf("done\n");
}
