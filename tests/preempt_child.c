/*
 * preempt_child.c - proves that GODEBUG=asyncpreemptoff=1 turns the
 * asynchronous half of preemption off, and that it is on by default
 * (tests/CMakeLists.txt runs it both ways at GOMAXPROCS=1).
 *
 * The main goroutine spins in a loop that calls nothing, 2^27 rounds (a
 * second or so), while another goroutine waits to sleep 1 ms and set a
 * flag.  At GOMAXPROCS=1 that goroutine runs before the loop ends only if
 * the loop is preempted: it prints "preempted" if it saw the flag before
 * its last round, "not preempted" otherwise.
 */
#include <stdatomic.h>
#include <stdio.h>

#include <gort.h>

static _Atomic int flag;

static void setter(void *arg)
{
    (void)arg;
    gort_sleep(GORT_MILLISECOND);
    atomic_store(&flag, 1);
}

void main_main(void)
{
    gort_go(setter, NULL);
    volatile unsigned long n = 0;
    while (n < (1ul << 27) && !atomic_load_explicit(&flag, memory_order_relaxed))
        n = n + 1;
    printf("%s\n", atomic_load(&flag) ? "preempted" : "not preempted");
}
