/*
 * signal_child: the report of a fatal signal (Linux), one scenario per
 * argv[1]; tests/CMakeLists.txt checks the output and exit status.
 *
 *   segv            a goroutine writes through a NULL pointer after a
 *                   buffered printf: Go's "[signal SIGSEGV: ... pc=0x...]"
 *                   line with the real PC, and stdout flushed
 *   segv_in_libc    the fault is inside the C library (memset), which may
 *                   hold stdio's locks: the report leaves stdio alone
 *   segv_in_malloc  the fault is inside malloc with its lock held: the
 *                   report must not allocate (backtrace() loads libgcc_s
 *                   with dlopen at its first call, which mallocs)
 *
 * For the last, this program brings its own malloc (glibc lets a program
 * replace it, and its own calls go through the replacement): a bump
 * allocator whose lock knows its owner, so that a report that calls malloc
 * again on the faulting thread ends at once with "malloc re-entered",
 * instead of hanging.  Not under sanitizers, which replace malloc too.
 */
#define _GNU_SOURCE
#include <gort.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <malloc.h>     /* memalign, pvalloc, malloc_usable_size: replaced below */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* --- a replacement malloc ------------------------------------------------ */

#define ARENA ((size_t)1 << 32)     /* address space only (MAP_NORESERVE) */
#define ALIGN 16

static volatile uintptr_t badaddr;      /* 0: the compiler cannot prove it */
static volatile size_t badlen = 4096;

static char *arena;
static _Atomic size_t used;
static atomic_flag arenalock = ATOMIC_FLAG_INIT;
static _Atomic(pthread_t) owner;
static _Atomic int owned;
static _Atomic int fault_in_malloc;     /* the next malloc faults, lock held */

static void die(const char *msg)
{
    write(2, msg, strlen(msg));
    _exit(99);
}

static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&arenalock, memory_order_acquire)) {
        if (atomic_load(&owned) && pthread_equal(atomic_load(&owner), pthread_self()))
            die("signal_child: malloc re-entered on the thread that holds its lock\n");
    }
    atomic_store(&owner, pthread_self());
    atomic_store(&owned, 1);
}

static void unlock(void)
{
    atomic_store(&owned, 0);
    atomic_flag_clear_explicit(&arenalock, memory_order_release);
}

/* Each block is preceded by its size (in an ALIGN-byte header). */
static void *bump(size_t n, size_t align)
{
    if (align < ALIGN)
        align = ALIGN;
    lock();
    if (arena == NULL) {
        arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (arena == MAP_FAILED)
            die("signal_child: no arena\n");
    }
    if (atomic_exchange(&fault_in_malloc, 0))
        *(volatile int *)(badaddr + 8) = 1;     /* the fault, with the lock held */
    size_t off = (used + ALIGN + align - 1) & ~(align - 1);
    if (off + n > ARENA)
        die("signal_child: arena exhausted\n");
    used = off + n;
    unlock();
    ((size_t *)(arena + off))[-1] = n;
    return arena + off;
}

void *malloc(size_t n) { return bump(n, ALIGN); }
void free(void *p) { (void)p; }
void *calloc(size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n))
        return NULL;
    return bump(n, ALIGN);      /* fresh arena memory is zero */
}
void *realloc(void *p, size_t n)
{
    void *q = bump(n, ALIGN);
    if (p) {
        size_t old = ((size_t *)p)[-1];
        memcpy(q, p, old < n ? old : n);
    }
    return q;
}
void *memalign(size_t align, size_t n) { return bump(n, align); }
void *aligned_alloc(size_t align, size_t n) { return bump(n, align); }
int posix_memalign(void **pp, size_t align, size_t n)
{
    *pp = bump(n, align);
    return 0;
}
void *pvalloc(size_t n);    /* glibc's; not every C library declares it */
void *valloc(size_t n) { return bump(n, 4096); }
void *pvalloc(size_t n) { return bump((n + 4095) & ~(size_t)4095, 4096); }
size_t malloc_usable_size(void *p) { return p ? ((size_t *)p)[-1] : 0; }

/* --- the scenarios --------------------------------------------------------- */


static void segv_fn(void *arg)
{
    (void)arg;
    printf("before the fault");         /* buffered: stdout is a pipe */
    *(volatile int *)badaddr = 1;       /* @fault */
}

static void segv_in_libc_fn(void *arg)
{
    (void)arg;
    printf("before the fault");
    memset((void *)(badaddr + 64), 0, badlen);
}

static void segv_in_malloc_fn(void *arg)
{
    (void)arg;
    atomic_store(&fault_in_malloc, 1);
    void *volatile p = malloc(64);
    (void)p;
}

void main_main(void)
{
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
    const char *s = gort_argc() > 1 ? gort_argv()[1] : "";
    if (strcmp(s, "segv") == 0)
        gort_go(segv_fn, NULL);
    else if (strcmp(s, "segv_in_libc") == 0)
        gort_go(segv_in_libc_fn, NULL);
    else if (strcmp(s, "segv_in_malloc") == 0)
        gort_go(segv_in_malloc_fn, NULL);
    else {
        fprintf(stderr, "signal_child: unknown scenario \"%s\"\n", s);
        exit(100);
    }
    gort_sleep(10 * GORT_SECOND);
    printf("[not reported]\n");
}
