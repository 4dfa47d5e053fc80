/*
 * runtime1.c - the runtime's self-checks, the command line, the
 * environment and GODEBUG/GOTRACEBACK.  Mirrors Go's runtime/runtime1.go.
 */
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "trace.h"

int gort__argc_;
char **gort__argv_;
int32_t gort__debug_schedtrace;
int32_t gort__debug_scheddetail;
int32_t gort__debug_asyncpreemptoff;   /* GODEBUG=asyncpreemptoff=1 (preempt.c) */
bool gort__debug_asyncpreemptset;      /* GODEBUG names asyncpreemptoff at all */
static int32_t traceback_cache = 1 << 2;    /* level << 2 | all << 1 | crash */

/* gort__checkbreak names one self-check that must fail.  Only tests set it
 * (from a constructor, before main) to prove that each check can fail. */
const char *gort__checkbreak;

static bool broken(const char *name)
{
    return gort__checkbreak != NULL && strcmp(gort__checkbreak, name) == 0;
}

/* The operands of the atomic checks live in memory the compiler cannot
 * see through, so the checks test the machine, not constant folding. */
static volatile int32_t vz32;

#define CHECK(cond, name)                               \
    do {                                                \
        if (!(cond) || broken(name))                    \
            gort__fatal(name);                          \
    } while (0)

/* gort__check runs the runtime's self-checks (Go's check()): the sizes of
 * the fixed-width types, the offsets the assembly depends on, the atomic
 * operations, pointer arithmetic and the stack size. */
void gort__check(void)
{
    CHECK(sizeof(int8_t) == 1, "bad int8");
    CHECK(sizeof(uint8_t) == 1, "bad uint8");
    CHECK(sizeof(int16_t) == 2, "bad int16");
    CHECK(sizeof(uint16_t) == 2, "bad uint16");
    CHECK(sizeof(int32_t) == 4, "bad int32");
    CHECK(sizeof(uint32_t) == 4, "bad uint32");
    CHECK(sizeof(int64_t) == 8, "bad int64");
    CHECK(sizeof(uint64_t) == 8, "bad uint64");
    CHECK(sizeof(void *) == 8, "bad ptrsize");
    CHECK(sizeof(uintptr_t) == sizeof(void *), "bad uintptr");
    CHECK(sizeof(size_t) == sizeof(void *), "bad size_t");

    /* Offsets that asm_amd64.S uses. */
    CHECK(offsetof(gobuf, sp) == GOBUF_SP, "bad gobuf.sp offset");
    CHECK(offsetof(gobuf, lo) == GOBUF_LO, "bad gobuf.lo offset");
    CHECK(offsetof(gobuf, hi) == GOBUF_HI, "bad gobuf.hi offset");
    CHECK(offsetof(gobuf, dealloc) == GOBUF_DEALLOC, "bad gobuf.dealloc offset");
    CHECK(offsetof(g, sched) == 0, "bad g.sched offset");

    /* Compare-and-swap, 32 and 64 bits. */
    _Atomic int32_t z = vz32;
    int32_t exp = 1;
    CHECK(!atomic_compare_exchange_strong(&z, &exp, 2), "cas1");
    CHECK(atomic_load(&z) == 0 && exp == 0, "cas2");
    atomic_store(&z, 4);
    exp = 4;
    CHECK(atomic_compare_exchange_strong(&z, &exp, 5), "cas3");
    CHECK(atomic_load(&z) == 5, "cas4");
    _Atomic uint64_t z64 = (uint64_t)vz32 + ((uint64_t)1 << 40);
    uint64_t e64 = 1;
    CHECK(!atomic_compare_exchange_strong(&z64, &e64, 2), "cas64 failed");
    e64 = (uint64_t)1 << 40;
    CHECK(atomic_compare_exchange_strong(&z64, &e64, (uint64_t)1 << 41) &&
              atomic_load(&z64) == (uint64_t)1 << 41,
          "cas64 failed");

    /* Add, exchange, load/store, and, or. */
    _Atomic uint32_t x = (uint32_t)vz32 + 10;
    CHECK(atomic_fetch_add(&x, 5) == 10 && atomic_load(&x) == 15, "xadd failed");
    _Atomic uint64_t x64 = (uint64_t)vz32 + 10;
    CHECK(atomic_fetch_add(&x64, (uint64_t)1 << 33) == 10 && atomic_load(&x64) == ((uint64_t)1 << 33) + 10,
          "xadd64 failed");
    CHECK(atomic_exchange(&x, 100) == 15 && atomic_load(&x) == 100, "xchg failed");
    atomic_store(&x64, ~(uint64_t)0);
    CHECK(atomic_load(&x64) == ~(uint64_t)0, "load/store failed");
    _Atomic uint8_t b = (uint8_t)(vz32 + 0xF0);
    atomic_fetch_and(&b, 0x3C);
    CHECK(atomic_load(&b) == 0x30, "atomicand8");
    atomic_fetch_or(&b, 0x03);
    CHECK(atomic_load(&b) == 0x33, "atomicor8");
    atomic_store(&x, 0xF0F0F0F0u);
    atomic_fetch_and(&x, 0x0FF00FF0u);
    atomic_fetch_or(&x, 0x1u);
    CHECK(atomic_load(&x) == 0x00F000F1u, "atomic and/or 32");

    /* Pointer arithmetic. */
    int64_t arr[4];
    volatile uintptr_t base = (uintptr_t)&arr[0];
    CHECK((uintptr_t)&arr[3] - base == 3 * sizeof(int64_t), "bad pointer arithmetic");
    CHECK((char *)&arr[2] - (char *)&arr[0] == 16, "bad pointer arithmetic");

    /* Stack sizes must be powers of two (stack.c relies on masking). */
    CHECK((STACK_SIZE & (STACK_SIZE - 1)) == 0, "stack size not a power of two");
    CHECK((STACK_SLAB & (STACK_SLAB - 1)) == 0 && STACK_SLAB % STACK_SIZE == 0,
          "stack slab size not a power of two");
    CHECK(STACK_GUARD_SIZE <= STACK_SIZE / 2, "stack guard too large");
}

/* gort__args keeps argc and argv as the OS layer presents them (UTF-8 on
 * Windows; the auxiliary vector is read on Linux). */
void gort__args(int argc, char **argv)
{
    gort__os_args(argc, argv, &gort__argc_, &gort__argv_);
}

/* gort__extendRandom fills r[n:len], the bytes the OS could not give
 * (gort__getRandomData), as Go's extendRandom does. */
void gort__extendRandom(void *r, size_t len, size_t n)
{
    unsigned char *b = r;
    while (n < len) {
        /* FNV-1a over the last 16 bytes (or fewer) and the time, then
         * murmur3's finaliser to spread it; 8 bytes per round. */
        size_t w = n < 16 ? n : 16;
        uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)gort__nanotime() ^ (uint64_t)(uintptr_t)b;
        for (size_t i = n - w; i < n; i++)
            h = (h ^ b[i]) * 0x100000001b3ULL;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        for (int i = 0; i < 8 && n < len; i++, h >>= 8)
            b[n++] = (unsigned char)h;
    }
}

/* gort__goargs makes the command line visible to the program. */
void gort__goargs(void)
{
    if (gort__argv_ == NULL || gort__argv_[gort__argc_] != NULL)
        gort__throw("goargs: argv is not NULL-terminated");
}

int gort_argc(void)
{
    return gort__argc_;
}

char **gort_argv(void)
{
    return gort__argv_;
}

const char *gort__gogetenv(const char *key)
{
    return getenv(key);
}

/* gort__atoi32 parses [s, end) as a non-negative decimal number that fits
 * in an int32, as Go's atoi32; -1 when it is not one. */
int32_t gort__atoi32(const char *s, const char *end)
{
    int64_t n = 0;
    if (s == end)
        return -1;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (*s - '0');
        if (n > INT32_MAX)
            return -1;
    }
    return (int32_t)n;
}

/* gort__parsedebugvars reads GODEBUG (schedtrace, scheddetail, gorttrace,
 * asyncpreemptoff) and GOTRACEBACK. */
void gort__parsedebugvars(void)
{
    const char *s = gort__gogetenv("GODEBUG");
    while (s && *s) {
        const char *end = strchr(s, ',');
        if (end == NULL)
            end = s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        if (eq) {
            int32_t v = gort__atoi32(eq + 1, end);
            size_t klen = (size_t)(eq - s);
            if (klen == 9 && memcmp(s, "gorttrace", 9) == 0 && end > eq + 1) {
                size_t n = (size_t)(end - eq - 1);
                char *path = malloc(n + 1);     /* trace.c keeps it */
                if (path) {
                    memcpy(path, eq + 1, n);
                    path[n] = '\0';
                    gort__debug_gorttrace = path;
                }
            } else if (v >= 0 && klen == 10 && memcmp(s, "schedtrace", 10) == 0)
                gort__debug_schedtrace = v;
            else if (v >= 0 && klen == 11 && memcmp(s, "scheddetail", 11) == 0)
                gort__debug_scheddetail = v;
            else if (v >= 0 && klen == 15 && memcmp(s, "asyncpreemptoff", 15) == 0)
                gort__debug_asyncpreemptoff = v, gort__debug_asyncpreemptset = true;
        }
        s = *end ? end + 1 : end;
    }

    /* GOTRACEBACK, as Go 1.19's setTraceback: none=0, single=1 (the
     * default), all=1 with every goroutine, system=2 (runtime frames and
     * the runtime's own goroutines too), crash=2 and abort.  Anything
     * else shows every goroutine at the level it spells as a number, and
     * at level 0 (no goroutine at all) when it is not one. */
    const char *t = gort__gogetenv("GOTRACEBACK");
    int32_t level = 1, all = 0, crash = 0;
    if (t) {
        if (strcmp(t, "none") == 0) {
            level = 0;
        } else if (strcmp(t, "single") == 0 || strcmp(t, "") == 0) {
            level = 1;
        } else if (strcmp(t, "all") == 0) {
            level = 1, all = 1;
        } else if (strcmp(t, "system") == 0) {
            level = 2, all = 1;
        } else if (strcmp(t, "crash") == 0) {
            level = 2, all = 1, crash = 1;
        } else {
            int32_t n = gort__atoi32(t, t + strlen(t));
            level = n >= 0 ? n : 0, all = 1;
        }
    }
    /* The level is kept in 29 bits; Go's in 30 (uint32 << 2). */
    if (level > (INT32_MAX >> 2))
        level = INT32_MAX >> 2;
    traceback_cache = level << 2 | all << 1 | crash;
}

/* gort__gotraceback returns the traceback level and whether to show all
 * goroutines and to crash (abort) after the report. */
int32_t gort__gotraceback(bool *all, bool *crash)
{
    int32_t t = traceback_cache;
    *all = (t >> 1) & 1;
    *crash = t & 1;
    return t >> 2;
}
