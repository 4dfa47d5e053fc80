/*
 * testyield.h - waiting by yielding, for the scheduler tests: assertions
 * run on the main goroutine only, and the goroutines they watch record
 * what they see in atomics.
 */
#ifndef GORT_TESTYIELD_H
#define GORT_TESTYIELD_H

#include <stdatomic.h>

#include <gort.h>

/* wait_for yields until *flag reaches want. */
static inline void wait_for(atomic_int *flag, int want)
{
    while (atomic_load(flag) < want)
        gort_gosched();
}

/* wait_alone yields until only main is left. */
static inline void wait_alone(void)
{
    while (gort_numgoroutine() > 1)
        gort_gosched();
}

#endif
