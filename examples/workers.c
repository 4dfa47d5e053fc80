/*
 * workers: a worker pool - jobs on a buffered channel, a WaitGroup for the
 * workers, a mutex for the total, and a select with a timer for a result
 * that may come too late.  The README shows this program.
 *
 *   $ ./workers
 *   total 5050
 *   fast: 7
 *   slow: timed out
 */
#include <gort.h>
#include <stdio.h>

static gort_chan *jobs;
static gort_waitgroup wg;                   /* zero value is ready, as in Go */
static gort_mutex mu;
static long total;

static void worker(void *arg)
{
    (void)arg;
    int job;
    while (gort_chan_recv(jobs, &job)) {    /* until jobs is closed and drained */
        gort_mutex_lock(&mu);
        total += job;
        gort_mutex_unlock(&mu);
    }
    gort_waitgroup_done(&wg);
}

/* answer sends 7 on the channel it is given after a delay of *arg. */
struct answer {
    gort_chan *c;
    int64_t delay;
};

static void answer(void *arg)
{
    struct answer *a = arg;
    gort_sleep(a->delay);
    int v = 7;
    gort_chan_send(a->c, &v);
}

/* ask waits for an answer for at most 100 ms (select with time.After). */
static void ask(const char *name, int64_t delay)
{
    struct answer a = {gort_chan_make(sizeof(int), 1), delay};
    gort_go(answer, &a);
    gort_timer *t = gort_timer_new(100 * GORT_MILLISECOND);
    int v;
    int64_t when;
    gort_case cases[] = {
        {a.c, GORT_RECV, &v, false},
        {gort_timer_chan(t), GORT_RECV, &when, false},
    };
    switch (gort_select(cases, 2, true)) {
    case 0:
        printf("%s: %d\n", name, v);
        break;
    case 1:
        printf("%s: timed out\n", name);
        /* The late answer still comes; take it, so that the goroutine
         * is done with a (on our stack) and the channel can go. */
        gort_chan_recv(a.c, &v);
        break;
    }
    gort_timer_free(t);
    gort_chan_free(a.c);
}

void main_main(void)
{
    jobs = gort_chan_make(sizeof(int), 16);
    for (int i = 0; i < 4; i++) {
        gort_waitgroup_add(&wg, 1);
        gort_go(worker, NULL);
    }
    for (int j = 1; j <= 100; j++)
        gort_chan_send(jobs, &j);
    gort_chan_close(jobs);
    gort_waitgroup_wait(&wg);
    printf("total %ld\n", total);

    ask("fast", GORT_MILLISECOND);
    ask("slow", 2 * GORT_SECOND / 10);
}
