/*
 * testthread.h - start and join a thread that the runtime did not start
 * (pthread_create, or CreateThread on Windows), for the tests of such
 * threads calling into gort.
 *
 * Joining blocks the calling thread, so testthread_join brackets it with
 * gort_entersyscall/gort_exitsyscall: the caller's P goes on running
 * goroutines meanwhile, which the thread may be waiting for.
 */
#ifndef GORT_TESTTHREAD_H
#define GORT_TESTTHREAD_H

#include <gort.h>
#include <stdlib.h>

#ifdef _WIN32
#include <windows.h>

typedef struct testthread {
    HANDLE h;
    void (*fn)(void *);
    void *arg;
} testthread;

static DWORD WINAPI testthread_main(LPVOID p)
{
    testthread *t = p;
    t->fn(t->arg);
    return 0;
}

static void testthread_start(testthread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->h = CreateThread(NULL, 0, testthread_main, t, 0, NULL);
    if (t->h == NULL)
        abort();
}

static void testthread_join(testthread *t)
{
    gort_entersyscall();
    WaitForSingleObject(t->h, INFINITE);
    gort_exitsyscall();
    CloseHandle(t->h);
}
#else
#include <pthread.h>

typedef struct testthread {
    pthread_t h;
    void (*fn)(void *);
    void *arg;
} testthread;

static void *testthread_main(void *p)
{
    testthread *t = p;
    t->fn(t->arg);
    return NULL;
}

static void testthread_start(testthread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->h, NULL, testthread_main, t) != 0)
        abort();
}

static void testthread_join(testthread *t)
{
    gort_entersyscall();
    pthread_join(t->h, NULL);
    gort_exitsyscall();
}
#endif

#endif
