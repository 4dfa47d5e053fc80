/* spawn with one pthread per goroutine: detached threads that do nothing
 * but count down a WaitGroup-like counter (mutex + condition variable).
 * Prints ns_per_op, per thread (start, run, exit). */
#include "peer.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long left;

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    if (--left == 0)
        pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    peer_cpus();
    long n = peer_size(argc, argv, 1000000);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 << 10);
    left = n;
    double t0 = peer_now();
    for (long i = 0; i < n; i++) {
        pthread_t t;
        while (pthread_create(&t, &attr, worker, NULL) != 0)
            sched_yield();      /* too many at once: let some finish */
    }
    pthread_mutex_lock(&mu);
    while (left != 0)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    peer_report((peer_now() - t0) / (double)n);
    return 0;
}
