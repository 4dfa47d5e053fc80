/*
 * test_metrics.c - gort_readmetrics (metrics.c): the size-versioned ABI,
 * and that each figure follows what the program does (goroutines parked
 * and ended, switches, the latency samples, stacks, the scavenger).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <gort.h>

#include "runtime.h"

static gort_metrics readm(void)
{
    gort_metrics m;
    memset(&m, 0xa5, sizeof m);
    m.size = sizeof m;
    gort_readmetrics(&m);
    assert_int_equal(m.size, sizeof m);
    return m;
}

static uint64_t latsum(const gort_metrics *m)
{
    uint64_t n = 0;
    for (int i = 0; i < GORT_METRICS_BUCKETS; i++)
        n += m->sched_latency[i];
    return n;
}

/* A caller built against an older, smaller struct gets only the fields
 * it knows, and the rest of its memory is untouched; one too small for
 * the first field gets nothing. */
static void test_size_abi(void **state)
{
    (void)state;
    unsigned char buf[sizeof(gort_metrics) + 16];
    memset(buf, 0xa5, sizeof buf);
    gort_metrics *m = (gort_metrics *)(void *)buf;
    size_t small = offsetof(gort_metrics, goroutines_created);
    m->size = small;
    gort_readmetrics(m);
    assert_int_equal(m->size, small);
    assert_true(m->goroutines >= 1);
    for (size_t i = small; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xa5);

    memset(buf, 0xa5, sizeof buf);
    m->size = sizeof(size_t);
    gort_readmetrics(m);
    assert_int_equal(m->size, 0);
    for (size_t i = sizeof(size_t); i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xa5);

    /* A newer caller's bigger struct: filled up to what the library has. */
    memset(buf, 0xa5, sizeof buf);
    m->size = sizeof buf;
    gort_readmetrics(m);
    assert_int_equal(m->size, sizeof(gort_metrics));
    gort_readmetrics(NULL);     /* no-op */
}

static void test_bucket_bounds(void **state)
{
    (void)state;
    assert_int_equal(gort_metrics_bucket_ns(0), 0);
    assert_int_equal(gort_metrics_bucket_ns(1), 2);
    assert_int_equal(gort_metrics_bucket_ns(10), 1024);
    assert_int_equal(gort_metrics_bucket_ns(GORT_METRICS_BUCKETS - 1), (int64_t)1 << 31);
    for (int i = 1; i < GORT_METRICS_BUCKETS; i++)
        assert_true(gort_metrics_bucket_ns(i) > gort_metrics_bucket_ns(i - 1));
}

enum { NPARK = 50 };
static gort_chan *gate;
static gort_waitgroup parkedwg;

static void parker(void *arg)
{
    (void)arg;
    gort_waitgroup_done(&parkedwg);
    gort_chan_recv(gate, NULL);
}

/* Goroutines: NPARK parked ones show in goroutines, goroutines_created
 * and the stacks in use; when they end, goroutines is back. */
static void test_goroutines(void **state)
{
    (void)state;
    gort_metrics m0 = readm();
    assert_int_equal(m0.goroutines, gort_numgoroutine());
    gate = gort_chan_make(0, 0);
    gort_waitgroup_add(&parkedwg, NPARK);
    for (int i = 0; i < NPARK; i++)
        gort_go(parker, NULL);
    gort_waitgroup_wait(&parkedwg);
    gort_metrics m1 = readm();
    assert_int_equal(m1.goroutines, m0.goroutines + NPARK);
    assert_true(m1.goroutines_created >= m0.goroutines_created + NPARK);
    assert_true(m1.stack_inuse_bytes >= m0.stack_inuse_bytes + NPARK * (int64_t)(128 << 10));
    gort_chan_close(gate);
    while (gort_numgoroutine() > m0.goroutines)
        gort_gosched();
    gort_metrics m2 = readm();
    assert_int_equal(m2.goroutines, m0.goroutines);
    assert_true(m2.stack_inuse_bytes < m1.stack_inuse_bytes);
    gort_chan_free(gate);
}

static gort_chan *ping, *pong;

static void ponger(void *arg)
{
    (void)arg;
    int v;
    while (gort_chan_recv(ping, &v))
        gort_chan_send(pong, &v);
}

/* Switches and latency: a ping-pong of N rounds is at least 2N
 * switches and makes 2N goroutines runnable, of which every 64th is
 * timed once sysmon has calibrated the time stamp counter (10 ms into
 * the run: the test repeats the rounds until samples come, for up to a
 * minute, rather than assume a time); samples never outnumber switches,
 * and no bucket ever decreases. */
static void pingpong(int n)
{
    ping = gort_chan_make(sizeof(int), 0);
    pong = gort_chan_make(sizeof(int), 0);
    gort_go(ponger, NULL);
    for (int i = 0; i < n; i++) {
        int v = i;
        gort_chan_send(ping, &v);
        gort_chan_recv(pong, &v);
    }
    gort_chan_close(ping);
    while (gort_numgoroutine() > 1)
        gort_gosched();
    gort_chan_free(ping);
    gort_chan_free(pong);
}

static void test_switches_latency(void **state)
{
    (void)state;
    enum { N = 2000 };
    gort_metrics m0 = readm();
    pingpong(N);
    gort_metrics m1 = readm();
    assert_true(m1.context_switches >= m0.context_switches + 2 * N);
    int64_t deadline = gort_nanotime() + 60 * GORT_SECOND;
    while (latsum(&m1) < latsum(&m0) + (2 * N) / 64 / 2) {
        assert_true(gort_nanotime() < deadline);
        m0 = m1;
        pingpong(N);
        m1 = readm();
    }
    assert_true(latsum(&m1) <= m1.context_switches);
    for (int i = 0; i < GORT_METRICS_BUCKETS; i++)
        assert_true(m1.sched_latency[i] >= m0.sched_latency[i]);
}

/* The scheduler's shape: Ps and Ms within bounds. */
static void test_sched_shape(void **state)
{
    (void)state;
    gort_metrics m = readm();
    assert_int_equal(m.gomaxprocs, gort_gomaxprocs(0));
    assert_true(m.procs_idle >= 0 && m.procs_idle < m.gomaxprocs);   /* ours runs */
    assert_true(m.threads >= 2);        /* m0 and sysmon */
    assert_true(m.threads_idle >= 0 && m.threads_idle < m.threads);
    assert_true(m.threads_spinning >= 0 && m.threads_spinning <= m.gomaxprocs);
    assert_true(m.runqueue_global >= 0 && m.runqueue_local >= 0);
}

static void quick(void *arg)
{
    (void)arg;
}

/* The scavenger: stacks of ended goroutines that a pass gives back show
 * as released, and the pass and bytes are counted. */
static void test_scavenge(void **state)
{
    (void)state;
    gort_metrics m0 = readm();
    gort_waitgroup wg = {0};
    /* More live at once than a P's stack cache holds: the rest of their
     * stacks go to the global pool when they end. */
    gate = gort_chan_make(0, 0);
    gort_waitgroup_add(&parkedwg, 4 * STACKCACHE);
    for (int i = 0; i < 4 * STACKCACHE; i++)
        gort_go(parker, NULL);
    gort_waitgroup_wait(&parkedwg);
    gort_chan_close(gate);
    while (gort_numgoroutine() > 1)
        gort_gosched();
    gort_go(quick, NULL);
    (void)wg;
    gort__scavenge(true);
    gort_metrics m1 = readm();
    assert_true(m1.scavenge_passes >= m0.scavenge_passes + 1);
    assert_true(m1.scavenged_bytes > m0.scavenged_bytes);
    assert_true(m1.stack_released_bytes > 0);
    assert_true(m1.stack_free_bytes >= 0);
    gort_chan_free(gate);
}

void main_main(void)
{
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_abi),
        cmocka_unit_test(test_bucket_bounds),
        cmocka_unit_test(test_goroutines),
        cmocka_unit_test(test_switches_latency),
        cmocka_unit_test(test_sched_shape),
        cmocka_unit_test(test_scavenge),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
