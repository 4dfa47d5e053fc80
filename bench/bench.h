/*
 * bench.h - what the benchmark programs share: the size argument, the
 * result line and resident memory.  Each program in bench/ runs one
 * workload of size argv[1] (or its default), times it itself with
 * gort_nanotime and prints one machine-readable line, KEY=VALUE, that
 * bench/run.sh reads; bench/go/<name>/main.go is the same workload in Go
 * and prints the same line.
 */
#ifndef GORT_BENCH_H
#define GORT_BENCH_H

#include <gort.h>
#include <stdio.h>
#include <stdlib.h>
#ifndef _WIN32
#include <unistd.h>
#endif

/* bench_size returns argv[1] as a positive number, or dflt without one. */
static inline long bench_size(long dflt)
{
    if (gort_argc() > 1) {
        long n = strtol(gort_argv()[1], NULL, 10);
        if (n > 0)
            return n;
    }
    return dflt;
}

/* bench_report prints the result line, "key=value". */
static inline void bench_report(const char *key, double value)
{
    printf("%s=%.2f\n", key, value);
    fflush(stdout);
}

/* bench_check ends the program with status 1 and "FAIL: what" on stderr
 * unless ok: a benchmark that computes a wrong answer measures nothing. */
static inline void bench_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        gort_exit(1);
    }
}

/* bench_rss_kib is the process's resident memory in KiB from
 * /proc/self/statm, or -1 where there is none (Windows). */
static inline double bench_rss_kib(void)
{
#ifdef _WIN32
    return -1;
#else
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = -1;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    if (resident < 0)
        return -1;
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1024.0;
#endif
}

#endif
