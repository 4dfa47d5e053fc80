/*
 * gort.h - the public API of gort, Go's runtime as a C library, and its
 * manual: every function is documented here, with the Go call it mirrors.
 * The README has the tutorial, the build and install commands and the
 * differences from Go; where this header is silent, the meaning is Go's
 * (the Go specification and the runtime, sync, time and net packages).
 *
 * A program includes this header, defines main_main() instead of main(),
 * and links libgort.a (Linux: cc app.c -I include libgort.a -lpthread
 * -rdynamic; Windows: x86_64-w64-mingw32-gcc app.c -I include libgort.a
 * -lshell32 -lsynchronization -ladvapi32 -lws2_32; CMake: gort::gort;
 * pkg-config: gort).  Every name here is gort_ or GORT_ (gort__ names are
 * the runtime's own, declared here only for the macros that use them).
 *
 * The sections, in order: program entry and start-up; goroutines and the
 * scheduler (with threads the runtime did not start); channels and
 * select; time; synchronisation (package sync); network and descriptor
 * I/O (package net); failure; defer, panic and recover.
 *
 * Rules for every function:
 *
 *   - Any goroutine may call it, the main goroutine (main_main's)
 *     included, at any GOMAXPROCS.  Blocking parks the goroutine, never
 *     the thread: the thread goes on running other goroutines.
 *   - A thread the runtime did not start (pthread_create, CreateThread,
 *     a library's callback thread) may call gort_go, the channel
 *     functions, gort_select, the time and sync functions, the net
 *     functions, gort_gosched (it yields the thread) and gort_gomaxprocs;
 *     where such a call blocks, it blocks that thread.  gort_goexit there
 *     is Go's fatal error.
 *   - The runtime must have started: a program that defines main as well
 *     as main_main shadows the runtime's entry stub (the library's main),
 *     and its first gort call that needs the scheduler, a timer or the
 *     poller ends the process with "fatal error: runtime not started".
 *     GORT_INIT functions run once it has started, so gort calls are
 *     allowed there (but not in a C constructor of the program's own).
 *   - A misuse that Go makes a panic panics with Go's message (it can be
 *     recovered, see gort_pcall); a broken invariant or a fatal condition
 *     is "fatal error: MESSAGE" and exit status 2, never recoverable.
 *     Either way the report goes to stderr, and no gort call returns
 *     garbage.
 */
#ifndef GORT_H
#define GORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>  /* ssize_t */

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

/* main_main is defined by the program, instead of main (the library's
 * main is the runtime's entry stub).  It runs on the main goroutine
 * (goid 1) once the runtime has booted and every init function has run:
 * Go's main.main.  Returning from it exits the process with status 0, as
 * exit(0) does (atexit handlers run, stdio is flushed), without waiting
 * for the other goroutines, as in Go. */
void main_main(void);

/* gort__addinit registers a package init function; use GORT_INIT. */
GORT_EXTERN void gort__addinit(void (*fn)(void), const char *name);

/* GORT_INIT(name) { ... } defines a package init function (Go's func
 * init): a static void name(void), registered by a constructor.  All of
 * them run on the main goroutine before main_main, each exactly once, in
 * source order within a translation unit and in link order across them.
 * They may start goroutines and use channels, timers and sync, and may
 * call gort_exit (main_main then never runs).  A panic in one is
 * reported as any unrecovered panic. */
#define GORT_INIT(name)                                                   \
    static void name(void);                                               \
    __attribute__((constructor)) static void gort__init_##name(void)      \
    {                                                                     \
        gort__addinit(name, #name);                                       \
    }                                                                     \
    static void name(void)

/* gort_argc and gort_argv are the command line, as os.Args: argv[0] is
 * the program, and gort_argv()[gort_argc()] is NULL.  On Windows the
 * arguments are UTF-8 (from the UTF-16 command line). */
GORT_EXTERN int gort_argc(void);
GORT_EXTERN char **gort_argv(void);

/* gort_exit is os.Exit: it ends the process now with status code, from
 * any goroutine or thread; unlike os.Exit, and as exit(3), atexit
 * handlers run and stdio is flushed.  Deferred calls do not run. */
GORT_EXTERN GORT_NORETURN void gort_exit(int code);

/* ------------------------------------------------------------------------
 * Goroutines and the scheduler
 * ---------------------------------------------------------------------- */

/* Environment variables read at start-up: GOMAXPROCS (as Go's; a value
 * that is not a positive decimal number is ignored), GODEBUG
 * (schedtrace=MS prints Go's SCHED lines to stderr every MS milliseconds;
 * scheddetail=1 adds the Ps, Ms and Gs) and GOTRACEBACK (none, single,
 * all, crash: what a panic or fatal error prints, as in Go). */

/* gort_fn is a goroutine's body (and a deferred call's, a once's). */
typedef void (*gort_fn)(void *arg);

/* gort_go is the go statement, go fn(arg): it starts fn(arg) on a new
 * goroutine and returns at once.  Returning from fn ends the goroutine.
 * A goroutine has a fixed-size stack (see the README).  fn == NULL is
 * Go's panic "go of nil func value". */
GORT_EXTERN void gort_go(gort_fn fn, void *arg);
/* gort_goid is the calling goroutine's id, as Go's tracebacks show it:
 * the main goroutine is 1, ids are never reused.  A thread the runtime
 * did not start has an id from its first gort call on (0 before). */
GORT_EXTERN int64_t gort_goid(void);
/* gort_gosched is runtime.Gosched: it yields the processor, so that other
 * goroutines run; the caller stays runnable and resumes later, perhaps on
 * another thread.  On a thread the runtime did not start it yields the
 * thread. */
GORT_EXTERN void gort_gosched(void);
/* gort_goexit is runtime.Goexit: it runs the calling goroutine's deferred
 * calls (every frame's, innermost first) and ends the goroutine.  It
 * cannot be recovered.  When the main goroutine calls it, the program
 * goes on until the other goroutines have finished, then ends with the
 * fatal error "no goroutines (main called runtime.Goexit) - deadlock!";
 * on a thread the runtime did not start it is the fatal error
 * "runtime.Goexit called in a thread that was not created by the Go
 * runtime". */
GORT_EXTERN GORT_NORETURN void gort_goexit(void);
/* gort_gomaxprocs is runtime.GOMAXPROCS: it returns the number of Ps (the
 * goroutines that can run at once) and, when n > 0, sets it to n,
 * stopping the world for the change.  gort has at most 1024 Ps: a larger
 * n (or a larger GOMAXPROCS in the environment) gets 1024. */
GORT_EXTERN int gort_gomaxprocs(int n);
/* gort_numcpu is runtime.NumCPU: the CPUs in the process's affinity
 * mask at start-up (GOMAXPROCS's default). */
GORT_EXTERN int gort_numcpu(void);
/* gort_numgoroutine is runtime.NumGoroutine: the program's goroutines
 * that exist now, main included, not the runtime's own helpers (1 at the
 * start of main_main if no init function started any). */
GORT_EXTERN int gort_numgoroutine(void);

/* gort_lockosthread wires the calling goroutine to its current OS thread
 * until as many gort_unlockosthread calls: it runs only there, and the
 * thread runs nothing else (runtime.LockOSThread; calls nest since Go
 * 1.10).  For code that keeps thread-local state across calls, or
 * thread-affine APIs (see the README).  gort_unlockosthread is
 * runtime.UnlockOSThread: unlocking a goroutine that is not locked does
 * nothing.  A goroutine that exits locked unlocks its thread (Go ends
 * the thread; gort keeps it for other goroutines).  On a thread the runtime did not start both do nothing: such a
 * thread runs only itself anyway. */
GORT_EXTERN void gort_lockosthread(void);
GORT_EXTERN void gort_unlockosthread(void);

/* gort_entersyscall and gort_exitsyscall bracket a call that may block
 * the thread (a blocking read of a file or terminal, sleep(3), waitpid,
 * a slow library call): in between, the goroutine's P may be handed to
 * another thread, which goes on running goroutines, as Go does around
 * its system calls (entersyscall/exitsyscall).  The code in between must
 * not call gort.  Without them, a blocking call holds its P, and at
 * GOMAXPROCS=1 stops every other goroutine until it returns.  errno is
 * kept across gort_exitsyscall.  Outside a goroutine both do nothing. */
GORT_EXTERN void gort_entersyscall(void);
GORT_EXTERN void gort_exitsyscall(void);

/* GORT_SYSCALL(expr) evaluates expr between gort_entersyscall and
 * gort_exitsyscall and yields its value: n = GORT_SYSCALL(read(fd, b, n)).
 * A GNU C statement expression (gcc, clang). */
#define GORT_SYSCALL(expr)                                                \
    __extension__({                                                       \
        gort_entersyscall();                                              \
        __typeof__(expr) gort__sysret_ = (expr);                          \
        gort_exitsyscall();                                               \
        gort__sysret_;                                                    \
    })

/* ------------------------------------------------------------------------
 * Channels and select
 * ---------------------------------------------------------------------- */

/* gort_chan is a channel of fixed-size elements, copied by value (elemsize
 * bytes each, memcpy'd in and out).  A NULL channel is Go's nil channel:
 * send and receive block forever, and a select case on it is never
 * ready.  There is no garbage collector: a channel lives until
 * gort_chan_free. */
typedef struct gort_chan gort_chan;

/* gort_chan_make is make(chan T, cap): a channel of elemsize-byte
 * elements with a buffer of cap (0: unbuffered, every send waits for its
 * receiver).  elemsize may be 0, Go's chan struct{}, and must be less
 * than 64 KiB, Go's limit (else "fatal error: makechan: invalid channel
 * element type"); a buffer too large for the address space is Go's panic
 * "makechan: size out of range". */
GORT_EXTERN gort_chan *gort_chan_make(size_t elemsize, size_t cap);
/* gort_chan_free releases a channel that nobody uses any more, buffered
 * values and all (Go's collector does this by itself); NULL is a no-op.
 * Freeing a channel that goroutines are blocked on is the fatal error
 * "free of channel in use"; any other use after the free is the
 * program's bug, as a use of memory after free(3) is. */
GORT_EXTERN void gort_chan_free(gort_chan *c);
/* gort_chan_send is c <- *elem: it copies elemsize bytes from elem and
 * blocks until they are delivered to a receiver or buffered.  A zero-size
 * channel takes elem == NULL; any other channel needs an elem, and NULL
 * panics "gort_chan_send: NULL elem on a channel of N-byte elements".  A
 * send on a closed channel, or a close while the send is blocked, panics
 * "send on closed channel".  On a NULL channel it blocks forever. */
GORT_EXTERN void gort_chan_send(gort_chan *c, const void *elem);
/* gort_chan_recv is v, ok := <-c: it blocks until a value comes, stores
 * it into elem (NULL: the value is discarded, <-c) and returns true; or,
 * once c is closed and its buffer drained, zero-fills elem and returns
 * false.  On a NULL channel it blocks forever. */
GORT_EXTERN bool gort_chan_recv(gort_chan *c, void *elem);
/* gort_chan_close is close(c): blocked receivers get the zero value and
 * false, blocked senders panic; buffered values can still be received.
 * Closing a closed channel panics "close of closed channel", a NULL one
 * "close of nil channel". */
GORT_EXTERN void gort_chan_close(gort_chan *c);
/* gort_chan_len and gort_chan_cap are len(c) (values buffered now) and
 * cap(c); 0 for NULL. */
GORT_EXTERN size_t gort_chan_len(gort_chan *c);
GORT_EXTERN size_t gort_chan_cap(gort_chan *c);

/* Select case directions. */
enum { GORT_SEND = 1, GORT_RECV = 2 };

/* gort_case is one select case: case c <- *elem (GORT_SEND; a zero-size
 * channel takes elem == NULL, others need one) or case *elem, ok = <-c
 * (GORT_RECV; elem may be NULL to discard the value).  ok is written
 * only for the receive case that was chosen, as by gort_chan_recv. */
typedef struct gort_case {
    gort_chan *c;
    int dir;
    void *elem;
    bool ok;
} gort_case;

/* gort_select is Go's select statement over the n cases: it returns the
 * index of the case that proceeded, chosen uniformly at random among the
 * ready ones, after doing its send or receive.  With block false it
 * returns -1 at once when none is ready (a select with a default case);
 * with block true it waits until one is.  Cases on NULL channels are
 * never ready; n == 0 with block true blocks forever (select {}), and
 * cases may be NULL when n == 0.  A send case on a closed channel panics
 * "send on closed channel".  A bad dir or n < 0 panics "gort_select: bad
 * case", a send case with a NULL elem on a channel with elements
 * "gort_select: bad case: send of NULL elem on a channel of N-byte
 * elements". */
GORT_EXTERN int gort_select(gort_case *cases, int n, bool block);

/* ------------------------------------------------------------------------
 * Time
 * ---------------------------------------------------------------------- */

#define GORT_NANOSECOND ((int64_t)1)
#define GORT_MICROSECOND ((int64_t)1000)
#define GORT_MILLISECOND ((int64_t)1000000)
#define GORT_SECOND ((int64_t)1000000000)

/* gort_nanotime is the runtime's monotonic clock, in nanoseconds from an
 * arbitrary origin (Go's runtime.nanotime): what deadlines and the timer
 * values are measured in.  It never goes back. */
GORT_EXTERN int64_t gort_nanotime(void);

/* gort_sleep is time.Sleep: it parks the goroutine, not the thread, for
 * at least ns nanoseconds; ns <= 0 returns at once.  On a thread the
 * runtime did not start it blocks that thread. */
GORT_EXTERN void gort_sleep(int64_t ns);

/* gort_timer is time.Timer or time.Ticker.  Its channel has capacity 1 and
 * carries the int64_t gort_nanotime() at firing (Go 1.19-1.22 semantics:
 * a value already delivered stays in the channel after Stop or Reset).
 * A timer lives until gort_timer_free.  Any goroutine or thread may stop
 * or reset a timer, concurrently with others and with its firing.  A
 * NULL timer given to gort_timer_chan, _stop or _reset is Go's nil
 * pointer dereference, the panic "runtime error: invalid memory address
 * or nil pointer dereference". */
typedef struct gort_timer gort_timer;

/* gort_timer_new is time.NewTimer: after d nanoseconds it sends the time
 * once on its channel.  d <= 0 fires at once; a huge d never fires (no
 * overflow). */
GORT_EXTERN gort_timer *gort_timer_new(int64_t d);
/* gort_ticker_new is time.NewTicker: it sends the time every period
 * nanoseconds, dropping the ticks a slow reader misses (the channel
 * holds one).  period <= 0 panics "non-positive interval for
 * NewTicker". */
GORT_EXTERN gort_timer *gort_ticker_new(int64_t period);
/* gort_timer_chan is t.C, the channel the timer sends on (int64_t
 * elements, capacity 1).  Do not close or free it: gort_timer_free
 * does. */
GORT_EXTERN gort_chan *gort_timer_chan(gort_timer *t);
/* gort_timer_stop is Timer.Stop (and Ticker.Stop): it stops the timer and
 * returns true if that stopped a pending fire, false if the timer had
 * already fired or been stopped.  A value already sent stays in the
 * channel.  A firing in progress on another thread has finished when it
 * returns: nothing of the runtime touches the timer afterwards. */
GORT_EXTERN bool gort_timer_stop(gort_timer *t);
/* gort_timer_reset is Timer.Reset: it makes the timer fire after d (d <=
 * 0: at once) and returns true if it had been active, false if it had
 * fired or been stopped.  For a ticker it is Ticker.Reset: it stops it
 * and restarts it with period d (d <= 0 panics "non-positive interval
 * for Ticker.Reset"). */
GORT_EXTERN bool gort_timer_reset(gort_timer *t, int64_t d);
/* gort_timer_free stops the timer and releases it and its channel
 * (Go's collector does this by itself); NULL is a no-op.  Safe while it
 * fires; a goroutine blocked on its channel makes it the fatal error
 * "free of channel in use". */
GORT_EXTERN void gort_timer_free(gort_timer *t);

/* ------------------------------------------------------------------------
 * Synchronisation (package sync)
 *
 * Complete types whose zero value is ready (static, or = {0}); their
 * fields are private.  Blocking parks the goroutine, not the thread.
 * ---------------------------------------------------------------------- */

/* gort_mutex is sync.Mutex.  gort_mutex_lock locks it, parking the
 * goroutine while another holds it (after a short spin; starvation mode
 * as Go's after 1 ms of waiting); gort_mutex_unlock unlocks it, and any
 * goroutine may unlock it, as in Go; gort_mutex_trylock (Mutex.TryLock)
 * locks it if it is free and says whether it did.  Unlocking an unlocked
 * mutex is the fatal error "sync: unlock of unlocked mutex".  A mutex is
 * not reentrant: locking it twice from one goroutine deadlocks. */
typedef struct gort_mutex {
    int32_t state_;
    uint32_t sema_;
} gort_mutex;

GORT_EXTERN void gort_mutex_lock(gort_mutex *m);
GORT_EXTERN void gort_mutex_unlock(gort_mutex *m);
GORT_EXTERN bool gort_mutex_trylock(gort_mutex *m);

/* The uncontended paths of Lock and Unlock are one atomic instruction
 * each; as Go inlines them, gort.h does, through function-like macros
 * (the functions exist all the same: (gort_mutex_lock)(m), or
 * &gort_mutex_lock, call them).  Define GORT_NO_INLINE to turn this off. */
GORT_EXTERN void gort__mutex_lockslow(gort_mutex *m);
GORT_EXTERN void gort__mutex_unlockslow(gort_mutex *m, int32_t state);

#if defined(__GNUC__) && !defined(GORT_NO_INLINE)
static inline void gort__mutex_lock_inline(gort_mutex *m)
{
    int32_t unlocked = 0;
    if (!__atomic_compare_exchange_n(&m->state_, &unlocked, 1, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        gort__mutex_lockslow(m);
}

static inline void gort__mutex_unlock_inline(gort_mutex *m)
{
    int32_t state = __atomic_sub_fetch(&m->state_, 1, __ATOMIC_SEQ_CST);
    if (state != 0)
        gort__mutex_unlockslow(m, state);
}

#define gort_mutex_lock(m) gort__mutex_lock_inline(m)
#define gort_mutex_unlock(m) gort__mutex_unlock_inline(m)
#endif

/* gort_rwmutex is sync.RWMutex: any number of readers (gort_rwmutex_rlock,
 * gort_rwmutex_runlock) or one writer (gort_rwmutex_lock,
 * gort_rwmutex_unlock); a waiting writer keeps new readers out.
 * gort_rwmutex_tryrlock and gort_rwmutex_trylock are TryRLock and TryLock.
 * Misuse is Go's fatal error: "sync: RUnlock of unlocked RWMutex", "sync:
 * Unlock of unlocked RWMutex". */
typedef struct gort_rwmutex {
    gort_mutex w_;
    uint32_t writerSem_;
    uint32_t readerSem_;
    int32_t readerCount_;
    int32_t readerWait_;
} gort_rwmutex;

GORT_EXTERN void gort_rwmutex_rlock(gort_rwmutex *rw);
GORT_EXTERN void gort_rwmutex_runlock(gort_rwmutex *rw);
GORT_EXTERN void gort_rwmutex_lock(gort_rwmutex *rw);
GORT_EXTERN void gort_rwmutex_unlock(gort_rwmutex *rw);
GORT_EXTERN bool gort_rwmutex_tryrlock(gort_rwmutex *rw);
GORT_EXTERN bool gort_rwmutex_trylock(gort_rwmutex *rw);

/* gort_waitgroup is sync.WaitGroup: gort_waitgroup_add adds delta (which
 * may be negative) to the counter, gort_waitgroup_done subtracts one, and
 * gort_waitgroup_wait parks until the counter is zero.  A negative
 * counter panics "sync: negative WaitGroup counter"; an Add that races a
 * Wait that has not returned, "sync: WaitGroup is reused before previous
 * Wait has returned". */
typedef struct gort_waitgroup {
    uint64_t state_;    /* counter in the high 32 bits, waiters in the low */
    uint32_t sema_;
} gort_waitgroup;

GORT_EXTERN void gort_waitgroup_add(gort_waitgroup *wg, int delta);
GORT_EXTERN void gort_waitgroup_done(gort_waitgroup *wg);
GORT_EXTERN void gort_waitgroup_wait(gort_waitgroup *wg);

/* gort_once is sync.Once: gort_once_do calls fn(arg) the first time it is
 * called for o, and never again; concurrent callers wait until that call
 * has returned.  If fn panics or calls gort_goexit, o counts as done, as
 * in Go, and the panic goes on.  fn calling gort_once_do(o) deadlocks, as
 * in Go. */
typedef struct gort_once {
    uint32_t done_;
    gort_mutex m_;
} gort_once;

GORT_EXTERN void gort_once_do(gort_once *o, gort_fn fn, void *arg);

/* gort_cond is sync.Cond, with its locker passed to gort_cond_wait: always
 * the same mutex, held by the caller.  gort_cond_wait unlocks m, parks
 * until signalled, and locks m again before it returns (waiting without
 * holding m is "sync: unlock of unlocked mutex"); gort_cond_signal wakes
 * one waiter, gort_cond_broadcast all; either may be called with or
 * without m held.  As in Go, wait in a loop that checks the condition. */
typedef struct gort_cond {
    uint32_t wait_;
    uint32_t notify_;
    uint32_t lock_;
    void *head_;
    void *tail_;
} gort_cond;

GORT_EXTERN void gort_cond_wait(gort_cond *c, gort_mutex *m);
GORT_EXTERN void gort_cond_signal(gort_cond *c);
GORT_EXTERN void gort_cond_broadcast(gort_cond *c);

/* ------------------------------------------------------------------------
 * Network and file-descriptor I/O (package net)
 *
 * A goroutine that reads, writes, accepts or dials parks until the socket
 * is ready or its deadline passes; the thread runs other goroutines
 * meanwhile (epoll on Linux, an I/O completion port on Windows).  Errors
 * are values: a call that fails returns -1 (or NULL) and sets errno (per
 * goroutine; gort_errno reads it) to the system's code (ECONNREFUSED,
 * ECONNRESET, EPIPE, ...) or to one of the GORT_E codes below, whose
 * gort_strerror text is Go's.  A NULL connection or listener, or a bad
 * argument, is EINVAL.
 *
 * Closing a connection or listener wakes every goroutine blocked on it
 * with GORT_ECLOSED, and later calls on it fail the same way, until it is
 * freed (gort_conn_free, gort_listener_free: there is no collector).  A
 * write to a connection the peer has closed fails with EPIPE: the
 * program is never killed by SIGPIPE.  One goroutine may read a
 * connection while another writes it.  A goroutine blocked in I/O is not
 * deadlocked: a program whose goroutines all wait on sockets is not
 * reported.
 * ---------------------------------------------------------------------- */

enum {
    GORT_ETIMEOUT = 0x6f7200,   /* "i/o timeout" */
    GORT_ECLOSED,               /* "use of closed network connection" */
    GORT_EADDR,                 /* the address could not be parsed or resolved */
};

typedef struct gort_conn gort_conn;          /* net.Conn: TCP or Unix stream */
typedef struct gort_listener gort_listener;  /* net.Listener */

/* gort_listen is net.Listen: a listener on address.  network is "tcp",
 * "tcp4", "tcp6" or "unix"; address is Go's (":8080", "127.0.0.1:0" for
 * any free port, "[::1]:80", "localhost:80", a path for "unix").  Host
 * names resolve without holding a P (getaddrinfo in a system call).
 * NULL with errno on failure: EADDRINUSE, EACCES, GORT_EADDR ("missing
 * port in address", "no such host", "unknown network ..."), ... */
GORT_EXTERN gort_listener *gort_listen(const char *network, const char *address);
/* gort_accept is Listener.Accept: it parks until a connection comes and
 * returns it (NULL with errno on failure: GORT_ECLOSED once the listener
 * is closed, GORT_ETIMEOUT past its deadline).  When the process is out
 * of descriptors it waits and retries (5 ms doubling up to 1 s), as Go's
 * servers do. */
GORT_EXTERN gort_conn *gort_accept(gort_listener *l);
/* gort_listener_close is Listener.Close: 0, or -1 with errno
 * (GORT_ECLOSED if it was closed already).  Goroutines in gort_accept on
 * it return NULL with GORT_ECLOSED. */
GORT_EXTERN int gort_listener_close(gort_listener *l);
/* gort_listener_addr is Listener.Addr().String(): the address as
 * "127.0.0.1:43210" ("[::1]:80", a path for "unix") into buf, truncated
 * to n - 1 bytes and NUL-terminated as by snprintf; it returns the
 * address's full length, or -1 with errno. */
GORT_EXTERN int gort_listener_addr(gort_listener *l, char *buf, size_t n);
/* gort_listener_set_deadline is TCPListener.SetDeadline: an absolute
 * gort_nanotime() after which gort_accept fails with GORT_ETIMEOUT (0:
 * none).  0, or -1 with errno. */
GORT_EXTERN int gort_listener_set_deadline(gort_listener *l, int64_t t);

/* gort_dial is net.DialTimeout: it connects to address (network and
 * address as gort_listen's; "udp", "udp4", "udp6" too, see below),
 * trying each address a name resolves to in turn, and parks meanwhile.
 * timeout is a duration in nanoseconds for the whole dial (0: none).  NULL
 * with errno on failure: ECONNREFUSED, GORT_ETIMEOUT, GORT_EADDR, ... */
GORT_EXTERN gort_conn *gort_dial(const char *network, const char *address, int64_t timeout);
/* gort_conn_read is Conn.Read: it parks until some data is there and
 * reads at most n bytes into buf; it returns how many, 0 at end of file
 * (the peer closed its side), or -1 with errno (GORT_ETIMEOUT past the
 * read deadline, GORT_ECLOSED, ECONNRESET, ...). */
GORT_EXTERN ssize_t gort_conn_read(gort_conn *c, void *buf, size_t n);
/* gort_conn_write is Conn.Write: it writes all n bytes of buf, parking as
 * often as the socket is full, and returns n, or -1 with errno
 * (GORT_ETIMEOUT past the write deadline, EPIPE, ECONNRESET, ...; some
 * bytes may have been sent). */
GORT_EXTERN ssize_t gort_conn_write(gort_conn *c, const void *buf, size_t n);
/* gort_conn_close is Conn.Close: it closes the connection and wakes every
 * goroutine blocked on it with GORT_ECLOSED; the descriptor is closed
 * once the last operation in progress has left.  0, or -1 with errno
 * (GORT_ECLOSED if it was closed already).  The conn stays valid, and
 * must still be freed with gort_conn_free. */
GORT_EXTERN int gort_conn_close(gort_conn *c);
/* gort_conn_closewrite and gort_conn_closeread are TCPConn.CloseWrite and
 * CloseRead: they shut down one direction (shutdown(2)); the peer reads
 * end of file after a closewrite.  0, or -1 with errno. */
GORT_EXTERN int gort_conn_closewrite(gort_conn *c);
GORT_EXTERN int gort_conn_closeread(gort_conn *c);
/* gort_conn_set_deadline, _read_deadline, _write_deadline are Conn's
 * SetDeadline, SetReadDeadline, SetWriteDeadline.  Deadlines are absolute
 * gort_nanotime() values (gort_nanotime() + 5 * GORT_SECOND); 0 clears
 * one; one in the past makes the next call fail at once with
 * GORT_ETIMEOUT, and stays so until changed; one set while a call is
 * blocked applies to it.  0, or -1 with errno. */
GORT_EXTERN int gort_conn_set_deadline(gort_conn *c, int64_t t);
GORT_EXTERN int gort_conn_set_read_deadline(gort_conn *c, int64_t t);
GORT_EXTERN int gort_conn_set_write_deadline(gort_conn *c, int64_t t);
/* gort_conn_localaddr and gort_conn_remoteaddr are Conn.LocalAddr() and
 * RemoteAddr() as strings, into buf as gort_listener_addr does. */
GORT_EXTERN int gort_conn_localaddr(gort_conn *c, char *buf, size_t n);
GORT_EXTERN int gort_conn_remoteaddr(gort_conn *c, char *buf, size_t n);
/* gort_conn_fd is the connection's descriptor (a SOCKET on Windows), for
 * setsockopt and the like; it is non-blocking, and belongs to the conn:
 * do not close it or read it directly.  -1 with errno for NULL. */
GORT_EXTERN int gort_conn_fd(gort_conn *c);
/* gort_conn_free and gort_listener_free release a connection or listener
 * that no goroutine uses any more, closing it first if it is open.  A
 * closed one stays valid until then, and calls on it fail with
 * GORT_ECLOSED.  NULL is a no-op. */
GORT_EXTERN void gort_conn_free(gort_conn *c);
GORT_EXTERN void gort_listener_free(gort_listener *l);

/* UDP (network "udp", "udp4", "udp6").  gort_listen_packet is
 * net.ListenPacket: a socket bound to address (NULL with errno on
 * failure); gort_dial connects one to a peer, after which gort_conn_read
 * and gort_conn_write receive and send single datagrams.
 * gort_conn_readfrom is PacketConn.ReadFrom: it parks until a datagram
 * comes, copies at most n bytes of it into buf (the rest of a longer one
 * is lost, as recvfrom's) and its sender's address ("127.0.0.1:5353")
 * into from, as gort_listener_addr does (from may be NULL), and returns
 * its length, or -1 with errno.  gort_conn_writeto is PacketConn.WriteTo:
 * it sends buf as one datagram to address (resolved as gort_dial's) and
 * returns n, or -1 with errno.  Deadlines apply as for streams; a 0-byte
 * datagram is data, not end of file. */
GORT_EXTERN gort_conn *gort_listen_packet(const char *network, const char *address);
GORT_EXTERN ssize_t gort_conn_readfrom(gort_conn *c, void *buf, size_t n, char *from, size_t fromn);
GORT_EXTERN ssize_t gort_conn_writeto(gort_conn *c, const void *buf, size_t n, const char *address);

/* gort_fd_conn wraps any pollable descriptor (a pipe, a socketpair, a
 * socket made elsewhere) as a conn (Go's net.FileConn, os.NewFile for
 * pipes): it becomes non-blocking, reads and writes park, and
 * gort_conn_close closes it.  Regular files cannot be polled: it refuses
 * them (EPERM from epoll); read those inside GORT_SYSCALL.  On Windows fd
 * is a SOCKET (as gort_conn_fd returns), overlapped (socket() makes them
 * so) and on no completion port yet; a CRT descriptor fails with
 * ENOTSOCK.  NULL with errno on failure. */
GORT_EXTERN gort_conn *gort_fd_conn(int fd);
/* gort_strerror is the text of an errno value, as Go's error strings:
 * "i/o timeout", "use of closed network connection", the address error
 * of the goroutine's last failed resolve for GORT_EADDR ("address x:
 * missing port in address", "lookup x: no such host"), and the system's
 * text (glibc's, on Windows too) for the rest.  The string is static, or
 * the goroutine's until its next failing call. */
GORT_EXTERN const char *gort_strerror(int err);
/* gort_errno is the calling goroutine's errno, read afresh.  Plain errno
 * is right after a gort call too, but a compiler may keep errno's address
 * from before a call that moved the goroutine to another thread (in a
 * loop, or when errno was written earlier in the function); gort_errno
 * cannot be cached that way. */
GORT_EXTERN int gort_errno(void);

/* ------------------------------------------------------------------------
 * Failure
 * ---------------------------------------------------------------------- */

/* gort_panic is Go's panic, with a printf-formatted message (at most
 * 1023 bytes): it runs the deferred calls of the goroutine's frames,
 * innermost first, until one recovers it (gort_recover); unrecovered, it
 * prints "panic: MESSAGE", "goroutine N [running]:" and the goroutine's
 * traceback to stderr (per GOTRACEBACK), flushes stdio where it safely
 * can and exits with status 2 without running atexit handlers
 * (GOTRACEBACK=crash: abort()).  A panic in the scheduler, in a timer's
 * function or with a runtime lock held is a fatal error instead, as in
 * Go.
 *
 * Fatal errors print "fatal error: MESSAGE" and exit 2, and cannot be
 * recovered.  The two every program can meet: "all goroutines are asleep
 * - deadlock!" (no goroutine can run, none waits on a timer or on I/O
 * that could wake it; stopped timers do not count) and "no goroutines
 * (main called runtime.Goexit) - deadlock!".  SIGQUIT prints every
 * goroutine and exits 2; a fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL) is
 * Go's "unexpected signal" report, a run into a goroutine's guard region
 * "stack overflow". */
GORT_EXTERN GORT_NORETURN void gort_panic(const char *fmt, ...) GORT_PRINTF(1, 2);

/* ------------------------------------------------------------------------
 * Defer, panic and recover
 *
 * A frame is a goroutine's start function, main_main, an init function,
 * a call through gort_pcall, or a deferred call while it runs.
 * gort_defer pushes fn(arg) on the innermost frame; its deferred calls
 * run, last first, when it ends: when it returns, when a panic unwinds
 * it, or when the goroutine calls gort_goexit.  A deferred fn of NULL
 * panics when it would run, as Go's nil func.  gort_pcall(fn, arg) runs
 * fn(arg) as a frame: true when it returned, false when a panic was
 * recovered in it (its remaining deferred calls have run).
 * gort_recover, called directly by a deferred call that a panic runs,
 * stops that panic and returns its message (kept until the goroutine
 * has recovered four more panics, or ends); anywhere else it returns
 * NULL.  The C frames between a panic and the frame that recovers it are
 * abandoned, not returned from.
 * ---------------------------------------------------------------------- */

/* gort_defer is defer fn(arg): fn(arg) runs when the innermost frame
 * ends, after the calls deferred later.  arg must outlive the C function
 * that deferred it (the call runs after that function has returned or
 * been abandoned): not a pointer to its locals. */
GORT_EXTERN void gort_defer(void (*fn)(void *), void *arg);
/* gort_pcall calls fn(arg) as a frame of its own, as calling a Go
 * function that defers: true when fn returned normally (its deferred
 * calls have run), false when a panic was recovered by one of its
 * deferred calls; an unrecovered panic goes on unwinding past it. */
GORT_EXTERN bool gort_pcall(gort_fn fn, void *arg);
/* gort_recover is recover(): called directly by a deferred call that a
 * panic is running, it stops the panic and returns its message; the rest
 * of that frame's deferred calls run and the frame returns normally.
 * Anywhere else, and during gort_goexit, it returns NULL.  The message
 * stays valid until the goroutine has recovered four more panics, or
 * ends. */
GORT_EXTERN const char *gort_recover(void);

/* ------------------------------------------------------------------------
 * Seeing inside: the execution trace and runtime metrics
 *
 * gort_trace_start(path) starts an execution trace (Go's
 * runtime/trace.Start): from now on the scheduler records, per P and
 * without locks, each goroutine's creation, start, block (with Go's wait
 * reason), unblock (with the goroutine that readied it), yield, system
 * call and exit, which M holds which P, timers, waits in the network
 * poller and the scavenger's passes.  gort_trace_stop() (trace.Stop)
 * ends it and writes the file: Chrome trace-event JSON, which Perfetto
 * (https://ui.perfetto.dev, "Open trace file") and chrome://tracing
 * open; the README says what its tracks show.  GODEBUG=gorttrace=FILE
 * traces the whole run from start-up and writes FILE when the process
 * exits (main_main returns, gort_exit, an unrecovered panic, a
 * deadlock; not a fatal signal).  Both calls stop the world for a
 * moment, as Go's do (so, as gort_gomaxprocs, they wait for goroutines
 * running C code to reach a scheduling point), and may be made from any
 * goroutine or thread.
 * gort_trace_start returns 0, or -1 with errno: EBUSY when a trace is
 * already running ("tracing is already enabled" in Go), EINVAL for a
 * NULL or empty path, or fopen's error; it creates or truncates path at
 * once.  gort_trace_stop without a trace running does nothing.  Tracing
 * off costs one predicted branch per hook; the trace is kept in memory
 * until it ends (40 bytes an event; past 512 MiB events are dropped and
 * counted in the file's "otherData" and on stderr).
 * ---------------------------------------------------------------------- */

GORT_EXTERN int gort_trace_start(const char *path);
GORT_EXTERN void gort_trace_stop(void);

/*
 * gort_readmetrics fills *m with the runtime's figures now (what Go's
 * runtime/metrics.Read gives that applies to gort; gort has no garbage
 * collector, so its GC figures are the scavenger's).  ABI: the caller
 * sets m->size = sizeof(gort_metrics) first; the library fills the
 * fields that fit in size and that it knows, and sets m->size to how
 * many bytes it filled, so a program built against a newer header runs
 * with an older library and the other way round (fields are only ever
 * added at the end).  A size too small for the first field fills
 * nothing.  Counts are read without stopping the world: each is exact
 * at some moment of the call, the set is not one snapshot.
 *
 * sched_latency is Go's /sched/latencies:seconds: how long goroutines
 * waited between becoming runnable and running, sampled (every 64th
 * time a goroutine becomes runnable; Go: every 8th); bucket i counts waits
 * of [2^i, 2^(i+1)) ns (bucket 0 includes 0 ns, the last bucket
 * everything longer).  gort_metrics_bucket_ns(i) is bucket i's lower
 * bound in ns.
 */
#define GORT_METRICS_BUCKETS 32

typedef struct gort_metrics {
    size_t size;                    /* in: sizeof(gort_metrics); out: bytes filled */
    int64_t goroutines;             /* /sched/goroutines:goroutines: live, as gort_numgoroutine */
    uint64_t goroutines_created;    /* goroutines ever created, runtime helpers included */
    int64_t gomaxprocs;             /* /sched/gomaxprocs:threads */
    int64_t procs_idle;             /* Ps without work */
    int64_t threads;                /* Ms ever started (sysmon, foreign threads included) */
    int64_t threads_idle;           /* Ms parked with nothing to do */
    int64_t threads_spinning;       /* Ms looking for work */
    uint64_t context_switches;      /* times a goroutine was switched to */
    int64_t runqueue_global;        /* goroutines in the global run queue */
    int64_t runqueue_local;         /* goroutines in the Ps' run queues */
    int64_t stack_inuse_bytes;      /* /memory/classes/heap/stacks:bytes: stacks of live goroutines (reserved size) */
    int64_t stack_free_bytes;       /* free stacks whose memory may be resident (the scavenger's to give back) */
    int64_t stack_released_bytes;   /* /memory/classes/heap/released:bytes: free stacks given back to the OS */
    uint64_t scavenge_passes;       /* the scavenger's passes (gort's GC cycles: /gc/cycles/total:gc-cycles) */
    uint64_t scavenged_bytes;       /* stack memory the scavenger has given back, in total */
    uint64_t sched_latency[GORT_METRICS_BUCKETS];  /* /sched/latencies:seconds, see above */
} gort_metrics;

GORT_EXTERN void gort_readmetrics(gort_metrics *m);
GORT_EXTERN int64_t gort_metrics_bucket_ns(int i);

#ifdef __cplusplus
}
#endif

#endif /* GORT_H */
