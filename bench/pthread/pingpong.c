/* pingpong with one pthread per goroutine: a value to another thread and
 * back over two pipes, as a user would.  Prints ns_per_op, per round
 * trip. */
#include "peer.h"

static int ping[2], pong[2];

static void *ponger(void *arg)
{
    (void)arg;
    long v;
    while (read(ping[0], &v, sizeof v) == (ssize_t)sizeof v)
        if (write(pong[1], &v, sizeof v) != (ssize_t)sizeof v)
            peer_fail("pingpong: write");
    return NULL;
}

int main(int argc, char **argv)
{
    peer_cpus();
    long n = peer_size(argc, argv, 1000000), sum = 0;
    if (pipe(ping) != 0 || pipe(pong) != 0)
        peer_fail("pipe");
    pthread_t t;
    double t0 = peer_now();
    if (pthread_create(&t, NULL, ponger, NULL) != 0)
        peer_fail("pthread_create");
    for (long i = 0; i < n; i++) {
        long v;
        if (write(ping[1], &i, sizeof i) != (ssize_t)sizeof i ||
            read(pong[0], &v, sizeof v) != (ssize_t)sizeof v)
            peer_fail("pingpong: pipe");
        sum += v;
    }
    double el = peer_now() - t0;
    close(ping[1]);
    pthread_join(t, NULL);
    if (sum != n * (n - 1) / 2)
        peer_fail("pingpong: wrong sum");
    peer_report(el / (double)n);
    return 0;
}
