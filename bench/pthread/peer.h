/*
 * peer.h - what the one-pthread-per-goroutine peers of bench/ share: the
 * size argument, the result line, the clock, and the CPUs: the first
 * GOMAXPROCS of those the process may use (bench/run.sh sets GOMAXPROCS
 * for them as for gort and Go).
 */
#ifndef GORT_BENCH_PTHREAD_PEER_H
#define GORT_BENCH_PTHREAD_PEER_H

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline long peer_size(int argc, char **argv, long dflt)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    return n > 0 ? n : dflt;
}

static inline double peer_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void peer_report(double v)
{
    printf("ns_per_op=%.2f\n", v);
    fflush(stdout);
}

/* peer_cpus confines the process (threads made later inherit it) to the
 * first GOMAXPROCS CPUs it may use. */
static inline void peer_cpus(void)
{
    const char *s = getenv("GOMAXPROCS");
    int want = s ? atoi(s) : 0;
    cpu_set_t set, use;
    if (want <= 0 || sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    CPU_ZERO(&use);
    for (int c = 0, k = 0; c < CPU_SETSIZE && k < want; c++)
        if (CPU_ISSET(c, &set)) {
            CPU_SET(c, &use);
            k++;
        }
    sched_setaffinity(0, sizeof use, &use);
}

static inline void peer_fail(const char *what)
{
    fprintf(stderr, "FAIL: %s\n", what);
    exit(1);
}

#endif
