/*
 * sieve: the concurrent prime sieve from the Go tour and Go's test/chan,
 * with gort's goroutines and channels.  Prints the first N primes (default
 * 100), one a line.
 *
 *   $ ./sieve 5
 *   2
 *   3
 *   5
 *   7
 *   11
 *
 * A generator goroutine sends 2, 3, 4, ... down a channel.  Each prime p
 * found gets a filter goroutine that passes on, to a new channel, the
 * numbers not divisible by p: the numbers coming out of the last filter
 * are primes.  Every channel is unbuffered, so every number travels the
 * whole chain of filters hand to hand.
 */
#include <gort.h>
#include <stdio.h>
#include <stdlib.h>

/* generate sends 2, 3, 4, ... to ch, forever. */
static void generate(void *arg)
{
    gort_chan *ch = arg;
    for (long i = 2;; i++)
        gort_chan_send(ch, &i);
}

typedef struct filter_arg {
    gort_chan *in;
    gort_chan *out;
    long prime;
} filter_arg;

/* filter copies the values from in to out, removing the multiples of
 * prime. */
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
    int n = gort_argc() > 1 ? atoi(gort_argv()[1]) : 100;
    gort_chan *ch = gort_chan_make(sizeof(long), 0);
    gort_go(generate, ch);
    for (int i = 0; i < n; i++) {
        long prime;
        gort_chan_recv(ch, &prime);
        printf("%ld\n", prime);
        filter_arg *f = malloc(sizeof *f);
        if (f == NULL)
            abort();
        *f = (filter_arg){ch, gort_chan_make(sizeof(long), 0), prime};
        gort_go(filter, f);
        ch = f->out;
    }
    /* Returning ends the program; the goroutines end with it. */
}
