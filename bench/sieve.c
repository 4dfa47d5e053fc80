/*
 * sieve: the concurrent prime sieve of Go's test/chan/sieve1.go.  A
 * generator sends 2, 3, 4, ... down an unbuffered channel; each prime
 * found gets a filter goroutine that passes on the numbers it does not
 * divide.  Size: primes (default 2,000); prints ms, the whole run.
 */
#include "bench.h"

typedef struct filter_arg {
    gort_chan *in, *out;
    long prime;
} filter_arg;

static void generate(void *arg)
{
    gort_chan *ch = arg;
    for (long i = 2;; i++)
        gort_chan_send(ch, &i);
}

static void filter(void *arg)
{
    filter_arg *f = arg;
    for (;;) {
        long i;
        gort_chan_recv(f->in, &i);
        if (i % f->prime != 0)
            gort_chan_send(f->out, &i);
    }
}

void main_main(void)
{
    long n = bench_size(2000);
    filter_arg *fs = malloc((size_t)n * sizeof *fs);
    bench_check(fs != NULL, "out of memory");
    int64_t t0 = gort_nanotime();
    gort_chan *ch = gort_chan_make(sizeof(long), 0);
    gort_go(generate, ch);
    long prime = 0;
    for (long i = 0; i < n; i++) {
        gort_chan_recv(ch, &prime);
        fs[i] = (filter_arg){ch, gort_chan_make(sizeof(long), 0), prime};
        gort_go(filter, &fs[i]);
        ch = fs[i].out;
    }
    int64_t t1 = gort_nanotime();
    bench_check(n != 2000 || prime == 17389, "sieve: wrong 2000th prime");
    bench_report("ms", (double)(t1 - t0) / 1e6);
}
