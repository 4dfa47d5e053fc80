/*
 * exectime: process start-to-exit time.  Built without gort (Linux only).
 *
 *   exectime N prog [args...]
 *
 * runs prog N times, one after the other, with stdout and stderr on
 * /dev/null, and prints us_per_op: the mean wall time from just before
 * posix_spawn to just after waitpid, in microseconds.  One untimed run
 * first warms the page cache.  Exit status 1 if any run fails.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* run runs argv once and reports whether it exited with status 0. */
static int run(char **argv, posix_spawn_file_actions_t *fa)
{
    pid_t pid;
    int st;
    if (posix_spawn(&pid, argv[0], fa, NULL, argv, environ) != 0)
        return 0;
    if (waitpid(pid, &st, 0) != pid)
        return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: exectime N prog [args...]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    if (n < 1)
        n = 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (!run(argv + 2, &fa)) {
        fprintf(stderr, "FAIL: %s did not run\n", argv[2]);
        return 1;
    }
    double t0 = now();
    for (long i = 0; i < n; i++) {
        if (!run(argv + 2, &fa)) {
            fprintf(stderr, "FAIL: %s failed\n", argv[2]);
            return 1;
        }
    }
    double t1 = now();
    printf("us_per_op=%.2f\n", (t1 - t0) / (double)n / 1e3);
    return 0;
}
