/*
 * pipeline: the pipelines of the Go blog's "Go Concurrency Patterns:
 * Pipelines and cancellation", with gort's goroutines, channels, select
 * and WaitGroups.
 *
 *   $ ./pipeline 1000
 *   sum of squares of 1..1000 by 4 workers: 333833500
 *   took 3 squares, then cancelled: 10 stages stopped
 *
 * Stages: gen sends 1..n on a channel and closes it; sq workers (fan-out)
 * square what they receive; merge (fan-in) copies every worker's output
 * to one channel and closes it when all are done.  Every send selects on
 * a done channel too, so that closing done stops the whole pipeline even
 * when the consumer reads no further: nothing blocks for ever and no
 * goroutine leaks.
 */
#include <gort.h>
#include <stdio.h>
#include <stdlib.h>

#define NWORKERS 4

/* stages counts the running stage goroutines. */
static gort_waitgroup stages;

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        abort();
    return p;
}

/* send sends v on out unless done is closed first; it reports whether
 * the value went out. */
static bool send(gort_chan *out, gort_chan *done, long v)
{
    gort_case cs[2] = {
        {out, GORT_SEND, &v, false},
        {done, GORT_RECV, NULL, false},
    };
    return gort_select(cs, 2, true) == 0;
}

typedef struct stage {
    gort_chan *in;      /* NULL for gen */
    gort_chan *out;
    gort_chan *done;
    long n;             /* gen: how many */
    gort_waitgroup *wg; /* merge: the outputs still running */
} stage;

static stage *newstage(gort_chan *in, gort_chan *out, gort_chan *done)
{
    stage *s = xmalloc(sizeof *s);
    *s = (stage){in, out, done, 0, NULL};
    gort_waitgroup_add(&stages, 1);
    return s;
}

static void endstage(stage *s, bool closeout)
{
    if (closeout)
        gort_chan_close(s->out);
    free(s);
    gort_waitgroup_done(&stages);
}

/* gen sends 1..n, then closes its output. */
static void gen(void *arg)
{
    stage *s = arg;
    for (long i = 1; i <= s->n; i++)
        if (!send(s->out, s->done, i))
            break;
    endstage(s, true);
}

/* sq squares what it receives until its input is closed. */
static void sq(void *arg)
{
    stage *s = arg;
    long v;
    while (gort_chan_recv(s->in, &v))
        if (!send(s->out, s->done, v * v))
            break;
    endstage(s, true);
}

/* output copies one worker's results to the merged channel. */
static void output(void *arg)
{
    stage *s = arg;
    long v;
    while (gort_chan_recv(s->in, &v))
        if (!send(s->out, s->done, v))
            break;
    gort_waitgroup_done(s->wg);
    endstage(s, false);
}

/* closer closes the merged channel once every output is done. */
static void closer(void *arg)
{
    stage *s = arg;
    gort_waitgroup_wait(s->wg);
    free(s->wg);
    endstage(s, true);
}

/* pipeline builds gen -> NWORKERS x sq -> merge and returns the merged
 * channel.  chans[] gets every channel made, for freeing. */
static gort_chan *pipeline(long n, gort_chan *done, gort_chan **chans)
{
    gort_chan *nums = gort_chan_make(sizeof(long), 0);
    gort_chan *merged = gort_chan_make(sizeof(long), 0);
    chans[0] = nums;
    chans[1] = merged;
    stage *g = newstage(NULL, nums, done);
    g->n = n;
    gort_go(gen, g);

    gort_waitgroup *wg = xmalloc(sizeof *wg);
    *wg = (gort_waitgroup){0};
    gort_waitgroup_add(wg, NWORKERS);
    for (int i = 0; i < NWORKERS; i++) {
        gort_chan *squares = gort_chan_make(sizeof(long), 0);
        chans[2 + i] = squares;
        gort_go(sq, newstage(nums, squares, done));
        stage *o = newstage(squares, merged, done);
        o->wg = wg;
        gort_go(output, o);
    }
    stage *c = newstage(NULL, merged, done);
    c->wg = wg;
    gort_go(closer, c);
    return merged;
}

void main_main(void)
{
    long n = gort_argc() > 1 ? atol(gort_argv()[1]) : 1000;
    gort_chan *chans[2 + NWORKERS];

    /* Run to completion: the consumer reads until merged is closed. */
    gort_chan *done = gort_chan_make(0, 0);
    gort_chan *merged = pipeline(n, done, chans);
    long sum = 0, v;
    while (gort_chan_recv(merged, &v))
        sum += v;
    printf("sum of squares of 1..%ld by %d workers: %ld\n", n, NWORKERS, sum);
    gort_waitgroup_wait(&stages);
    gort_chan_close(done);
    gort_chan_free(done);
    for (int i = 0; i < 2 + NWORKERS; i++)
        gort_chan_free(chans[i]);

    /* Cancel: take three values, then close done; every stage stops. */
    done = gort_chan_make(0, 0);
    merged = pipeline(n, done, chans);
    int taken = 0;
    for (; taken < 3 && gort_chan_recv(merged, &v); taken++)
        ;
    gort_chan_close(done);
    gort_waitgroup_wait(&stages);
    printf("took %d squares, then cancelled: %d stages stopped\n", taken, 2 + 2 * NWORKERS);
    gort_chan_free(done);
    for (int i = 0; i < 2 + NWORKERS; i++)
        gort_chan_free(chans[i]);
}
