/*
 * sanitizer.h - telling AddressSanitizer and ThreadSanitizer about stack
 * switches.
 *
 * Every switch of stacks is announced to ASan (start_switch_fiber before,
 * finish_switch_fiber after) and to TSan (switch_to_fiber just before:
 * every goroutine is a TSan fiber from its first run to its exit, every
 * g0 its thread's own), and every goroutine stack is registered with
 * Valgrind (gort__os_stackregister in os.h: of gort's systems, Valgrind
 * runs only Linux's programs), so that users can debug gort programs with
 * all three.  In a plain build the sanitizer calls compile to nothing.
 */
#ifndef GORT_SANITIZER_H
#define GORT_SANITIZER_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define GORT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORT_ASAN 1
#endif
#endif

#ifdef GORT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
static inline void asan_start_switch(void **fakesave, const void *bottom, size_t size)
{
    __sanitizer_start_switch_fiber(fakesave, bottom, size);
}
static inline void asan_finish_switch(void *fake)
{
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
}
static inline void asan_unpoison(const void *p, size_t n)
{
    ASAN_UNPOISON_MEMORY_REGION(p, n);
}
/* asan_noreturn: the stack below here is abandoned (a panic's jump to
 * the recovering frame): ASan forgets its poisoned slots. */
static inline void asan_noreturn(void)
{
    __asan_handle_no_return();
}
#else
static inline void asan_start_switch(void **fakesave, const void *bottom, size_t size)
{
    (void)fakesave, (void)bottom, (void)size;
}
static inline void asan_finish_switch(void *fake) { (void)fake; }
static inline void asan_unpoison(const void *p, size_t n) { (void)p, (void)n; }
static inline void asan_noreturn(void) {}
#endif

#if defined(__SANITIZE_THREAD__)
#define GORT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TSAN 1
#endif
#endif

/* A switch synchronises the two fibers (no __tsan_switch_to_fiber_no_sync):
 * on one thread, what the leaving goroutine did happens before what the
 * coming one does, and the runtime relies on it (postswitch finishes the
 * leaving goroutine's park on the next one's stack). */
#ifdef GORT_TSAN
#include <sanitizer/tsan_interface.h>
static inline void *tsan_fiber_current(void) { return __tsan_get_current_fiber(); }
static inline void *tsan_fiber_create(void) { return __tsan_create_fiber(0); }
static inline void tsan_fiber_destroy(void *f) { __tsan_destroy_fiber(f); }
static inline void tsan_switch(void *f) { __tsan_switch_to_fiber(f, 0); }
/* TSan's background thread, started by the first pthread_create: a
 * thread the runtime did not start, which never calls into it
 * (checkdead's count of threads leaves it out). */
#define GORT_SANITIZER_THREADS 1
/* GORT_NO_TSAN: TSan does not check this function's memory accesses.
 * Only for code that reads scheduler state without its locks on purpose,
 * as Go's does: diagnostics (schedtrace) and hints (preemptone). */
#define GORT_NO_TSAN __attribute__((no_sanitize("thread")))
/* GORT_TOOL_NOASYNCPREEMPT: asynchronous preemption is off (preempt.c).
 * TSan defers an asynchronous signal to its next interceptor and hands
 * the handler a context that is not the interrupted code's, so editing
 * it cannot inject a call; the synchronous half still works. */
#define GORT_TOOL_NOASYNCPREEMPT 1
#else
#define GORT_SANITIZER_THREADS 0
#define GORT_NO_TSAN
static inline void *tsan_fiber_current(void) { return NULL; }
static inline void *tsan_fiber_create(void) { return NULL; }
static inline void tsan_fiber_destroy(void *f) { (void)f; }
static inline void tsan_switch(void *f) { (void)f; }
#endif
#ifndef GORT_TOOL_NOASYNCPREEMPT
#define GORT_TOOL_NOASYNCPREEMPT 0
#endif

/* GORT_NO_ASAN: ASan does not check this function's memory accesses.
 * Only for the preemption signal's handler, which writes a return
 * address below the interrupted goroutine's sp, where stale redzones of
 * returned frames may still be poisoned (sys_x86.c). */
#ifdef GORT_ASAN
#define GORT_NO_ASAN __attribute__((no_sanitize("address")))
#else
#define GORT_NO_ASAN
#endif

#endif
