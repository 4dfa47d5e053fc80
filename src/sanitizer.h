/*
 * sanitizer.h - telling AddressSanitizer about stack switches.
 *
 * Every switch of stacks is announced to ASan (start_switch_fiber before,
 * finish_switch_fiber after), and every goroutine stack is registered with
 * Valgrind (gort__os_stackregister in os.h: of gort's systems, Valgrind
 * runs only Linux's programs), so that users can debug gort programs with
 * both tools.  In a plain build the ASan calls compile to nothing.
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

#endif
