/*
 * testutil.h - what the channel, select and sync tests share: recording
 * a failure seen in a goroutine (cmocka's assertions belong to the test's
 * own goroutine), a small random generator, and looks at a channel's
 * state and invariants (through chan.c's test hooks).
 */
#ifndef GORT_TESTUTIL_H
#define GORT_TESTUTIL_H

#include <stdatomic.h>
#include <stdint.h>

#include <gort.h>

#include "chan.h"

/* The first failure any goroutine saw; the test reports it. */
static const char *_Atomic failure;

static inline void fail_at(const char *what)
{
    const char *none = NULL;
    atomic_compare_exchange_strong(&failure, &none, what);
}

#define TESTUTIL_STR(x) TESTUTIL_STR2(x)
#define TESTUTIL_STR2(x) #x

/* CHECK is an assertion for goroutines other than the test's own. */
#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond))                                                      \
            fail_at(__FILE__ ":" TESTUTIL_STR(__LINE__) ": " #cond);      \
    } while (0)

static inline void assert_no_failure(void)
{
    const char *f = atomic_exchange(&failure, NULL);
    if (f != NULL)
        fail_msg("%s", f);
}

/* xorshift is a 32-bit xorshift generator; *s must not be 0. */
static inline uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static inline gort__chanstat stat(gort_chan *c)
{
    gort__chanstat st;
    gort__chanreadstat(c, &st);
    return st;
}

/* waitblocked yields until nsend senders and nrecv receivers are blocked
 * on c. */
static inline void waitblocked(gort_chan *c, int nsend, int nrecv)
{
    for (;;) {
        gort__chanstat st = stat(c);
        if (st.nsendq == nsend && st.nrecvq == nrecv)
            return;
        gort_gosched();
    }
}

/* assert_invariants checks the invariants that chan.c's comment states. */
static inline void assert_invariants(gort_chan *c)
{
    const char *bad = gort__chancheck(c);
    if (bad != NULL)
        fail_msg("channel invariant: %s", bad);
}

#endif
