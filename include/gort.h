/*
 * gort.h - the public API of gort, Go's runtime as a C library.
 *
 * A program includes this header, defines main_main() instead of main(),
 * and links libgort.a.  Every name here is gort_ / GORT_; the contract is
 * API.md, and where it is silent the meaning is Go's.
 */
#ifndef GORT_H
#define GORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* GORT_EXTERN marks the exported functions; everything else in the library
 * is built with hidden visibility. */
#if defined(__GNUC__)
#define GORT_EXTERN __attribute__((visibility("default")))
#else
#define GORT_EXTERN
#endif

#if defined(__cplusplus)
#define GORT_NORETURN [[noreturn]]
#else
#define GORT_NORETURN _Noreturn
#endif

#if defined(__GNUC__)
#define GORT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GORT_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------------
 * Program entry and start-up
 * ---------------------------------------------------------------------- */

/* main_main is defined by the program; it runs on goroutine 1 once the
 * runtime has booted and every init function has run.  Returning from it
 * exits the process with status 0. */
void main_main(void);

/* gort__addinit registers a package init function; use GORT_INIT. */
GORT_EXTERN void gort__addinit(void (*fn)(void), const char *name);

/* GORT_INIT(name) { ... } defines a package init function.  All of them run
 * on the main goroutine before main_main, each once, in source order within
 * a translation unit and in link order across them. */
#define GORT_INIT(name)                                                   \
    static void name(void);                                               \
    __attribute__((constructor)) static void gort__init_##name(void)      \
    {                                                                     \
        gort__addinit(name, #name);                                       \
    }                                                                     \
    static void name(void)

GORT_EXTERN int gort_argc(void);
GORT_EXTERN char **gort_argv(void);

/* gort_exit is os.Exit: atexit handlers run, stdio is flushed. */
GORT_EXTERN GORT_NORETURN void gort_exit(int code);

/* ------------------------------------------------------------------------
 * Goroutines and the scheduler
 * ---------------------------------------------------------------------- */

typedef void (*gort_fn)(void *arg);

GORT_EXTERN void gort_go(gort_fn fn, void *arg);
GORT_EXTERN int64_t gort_goid(void);
GORT_EXTERN void gort_gosched(void);
GORT_EXTERN GORT_NORETURN void gort_goexit(void);
GORT_EXTERN int gort_gomaxprocs(int n);
GORT_EXTERN int gort_numcpu(void);
GORT_EXTERN int gort_numgoroutine(void);

/* gort_entersyscall/gort_exitsyscall bracket a call that may block the
 * thread; meanwhile the goroutine's P may go to another thread. */
GORT_EXTERN void gort_entersyscall(void);
GORT_EXTERN void gort_exitsyscall(void);

#define GORT_SYSCALL(expr)                                                \
    __extension__({                                                       \
        gort_entersyscall();                                              \
        __typeof__(expr) gort__sysret_ = (expr);                          \
        gort_exitsyscall();                                               \
        gort__sysret_;                                                    \
    })

/* ------------------------------------------------------------------------
 * Time
 * ---------------------------------------------------------------------- */

#define GORT_NANOSECOND ((int64_t)1)
#define GORT_MICROSECOND ((int64_t)1000)
#define GORT_MILLISECOND ((int64_t)1000000)
#define GORT_SECOND ((int64_t)1000000000)

/* gort_nanotime is a monotonic clock in nanoseconds. */
GORT_EXTERN int64_t gort_nanotime(void);

/* gort_sleep is time.Sleep: it parks the goroutine, not the thread. */
GORT_EXTERN void gort_sleep(int64_t ns);

/* ------------------------------------------------------------------------
 * Failure
 * ---------------------------------------------------------------------- */

/* gort_panic is an unrecovered panic: "panic: MESSAGE", the goroutine's
 * traceback, exit status 2. */
GORT_EXTERN GORT_NORETURN void gort_panic(const char *fmt, ...) GORT_PRINTF(1, 2);

#ifdef __cplusplus
}
#endif

#endif /* GORT_H */
