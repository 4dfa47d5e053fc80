/* gosched with one pthread per goroutine: two threads calling
 * sched_yield in turn.  Prints ns_per_op, per yield. */
#include "peer.h"

static long n;

static void *yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        sched_yield();
    return NULL;
}

int main(int argc, char **argv)
{
    peer_cpus();
    n = peer_size(argc, argv, 1000000);
    pthread_t t;
    double t0 = peer_now();
    if (pthread_create(&t, NULL, yielder, NULL) != 0)
        peer_fail("pthread_create");
    yielder(NULL);
    pthread_join(t, NULL);
    peer_report((peer_now() - t0) / (2.0 * (double)n));
    return 0;
}
