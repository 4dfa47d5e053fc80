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
/* gort_gomaxprocs is runtime.GOMAXPROCS: it returns the number of Ps and,
 * when n > 0, sets it to n.  gort has at most 1024 Ps: a larger n (or a
 * larger GOMAXPROCS in the environment) gets 1024. */
GORT_EXTERN int gort_gomaxprocs(int n);
GORT_EXTERN int gort_numcpu(void);
GORT_EXTERN int gort_numgoroutine(void);

/* gort_lockosthread wires the calling goroutine to its current OS thread
 * until as many gort_unlockosthread calls: it runs only there, and the
 * thread runs nothing else (runtime.LockOSThread; calls nest).  For code
 * that keeps thread-local state across calls (see the README). */
GORT_EXTERN void gort_lockosthread(void);
GORT_EXTERN void gort_unlockosthread(void);

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
 * Channels and select
 * ---------------------------------------------------------------------- */

/* gort_chan is a channel of fixed-size elements, copied by value.  A NULL
 * channel is Go's nil channel: send and receive block forever. */
typedef struct gort_chan gort_chan;

/* gort_chan_make is make(chan T, cap); elemsize may be 0 (chan struct{})
 * and must be less than 64 KiB, Go's limit (else "fatal error: makechan:
 * invalid channel element type"); a buffer too large for the address space
 * is Go's panic "makechan: size out of range". */
GORT_EXTERN gort_chan *gort_chan_make(size_t elemsize, size_t cap);
/* gort_chan_free releases a channel nobody uses any more; NULL is a no-op.
 * Freeing a channel that goroutines are blocked on is a fatal error. */
GORT_EXTERN void gort_chan_free(gort_chan *c);
/* gort_chan_send is c <- *elem: it blocks until the value is delivered or
 * buffered.  A send on a closed channel panics. */
GORT_EXTERN void gort_chan_send(gort_chan *c, const void *elem);
/* gort_chan_recv is v, ok := <-c: it stores the value into elem (NULL:
 * discard) and returns true, or, once c is closed and drained, zero-fills
 * elem and returns false. */
GORT_EXTERN bool gort_chan_recv(gort_chan *c, void *elem);
/* gort_chan_close is close(c). */
GORT_EXTERN void gort_chan_close(gort_chan *c);
/* gort_chan_len and gort_chan_cap are len(c) and cap(c); 0 for NULL. */
GORT_EXTERN size_t gort_chan_len(gort_chan *c);
GORT_EXTERN size_t gort_chan_cap(gort_chan *c);

/* Select case directions. */
enum { GORT_SEND = 1, GORT_RECV = 2 };

/* gort_case is one select case: c <- *elem (GORT_SEND) or *elem, ok = <-c
 * (GORT_RECV, elem may be NULL).  ok is written only for the receive case
 * that was chosen. */
typedef struct gort_case {
    gort_chan *c;
    int dir;
    void *elem;
    bool ok;
} gort_case;

/* gort_select is select: it returns the index of the case that proceeded,
 * chosen uniformly at random among the ready ones.  With block false it
 * returns -1 when none is ready (a default case).  n == 0 with block
 * blocks forever.  A bad dir or n < 0 panics "gort_select: bad case". */
GORT_EXTERN int gort_select(gort_case *cases, int n, bool block);

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

/* gort_timer is time.Timer or time.Ticker.  Its channel has capacity 1 and
 * carries the int64_t gort_nanotime() at firing (Go 1.19-1.22 semantics:
 * a value already delivered stays in the channel after Stop or Reset). */
typedef struct gort_timer gort_timer;

/* gort_timer_new is time.NewTimer: fires once after d (d <= 0: at once). */
GORT_EXTERN gort_timer *gort_timer_new(int64_t d);
/* gort_ticker_new is time.NewTicker; it drops the ticks a slow reader
 * misses.  period <= 0 panics "non-positive interval for NewTicker". */
GORT_EXTERN gort_timer *gort_ticker_new(int64_t period);
/* gort_timer_chan is t.C. */
GORT_EXTERN gort_chan *gort_timer_chan(gort_timer *t);
/* gort_timer_stop is Stop: true if it stopped a pending fire. */
GORT_EXTERN bool gort_timer_stop(gort_timer *t);
/* gort_timer_reset is Reset: true if the timer had been active.  For a
 * ticker it changes the period (d <= 0 panics). */
GORT_EXTERN bool gort_timer_reset(gort_timer *t, int64_t d);
/* gort_timer_free stops and releases the timer and its channel. */
GORT_EXTERN void gort_timer_free(gort_timer *t);

/* ------------------------------------------------------------------------
 * Synchronisation (package sync)
 *
 * Complete types whose zero value is ready (static, or = {0}); their
 * fields are private.  Blocking parks the goroutine, not the thread.
 * ---------------------------------------------------------------------- */

/* gort_mutex is sync.Mutex.  Unlocking an unlocked mutex is the fatal
 * error "sync: unlock of unlocked mutex". */
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

/* gort_rwmutex is sync.RWMutex: a waiting writer keeps new readers out. */
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

/* gort_waitgroup is sync.WaitGroup.  A negative counter panics
 * "sync: negative WaitGroup counter". */
typedef struct gort_waitgroup {
    uint64_t state_;    /* counter in the high 32 bits, waiters in the low */
    uint32_t sema_;
} gort_waitgroup;

GORT_EXTERN void gort_waitgroup_add(gort_waitgroup *wg, int delta);
GORT_EXTERN void gort_waitgroup_done(gort_waitgroup *wg);
GORT_EXTERN void gort_waitgroup_wait(gort_waitgroup *wg);

/* gort_once is sync.Once: gort_once_do calls fn(arg) once; concurrent
 * callers wait until that call has returned. */
typedef struct gort_once {
    uint32_t done_;
    gort_mutex m_;
} gort_once;

GORT_EXTERN void gort_once_do(gort_once *o, gort_fn fn, void *arg);

/* gort_cond is sync.Cond, with its mutex passed to gort_cond_wait (always
 * the same one, held by the caller). */
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
 * meanwhile.  Errors are values: a call that fails returns -1 (or NULL)
 * and sets errno (per goroutine) to the system's code or to one of the
 * GORT_E codes below, whose gort_strerror text is Go's.
 * ---------------------------------------------------------------------- */

enum {
    GORT_ETIMEOUT = 0x6f7200,   /* "i/o timeout" */
    GORT_ECLOSED,               /* "use of closed network connection" */
    GORT_EADDR,                 /* the address could not be parsed or resolved */
};

typedef struct gort_conn gort_conn;          /* net.Conn: TCP or Unix stream */
typedef struct gort_listener gort_listener;  /* net.Listener */

/* network: "tcp", "tcp4", "tcp6" or "unix"; address as Go's (":8080",
 * "127.0.0.1:0", "[::1]:80", "localhost:80", a path for "unix"). */
GORT_EXTERN gort_listener *gort_listen(const char *network, const char *address);
GORT_EXTERN gort_conn *gort_accept(gort_listener *l);
GORT_EXTERN int gort_listener_close(gort_listener *l);
/* The listener's address, as "127.0.0.1:43210"; returns its length. */
GORT_EXTERN int gort_listener_addr(gort_listener *l, char *buf, size_t n);
/* A deadline (absolute gort_nanotime(); 0: none) for gort_accept. */
GORT_EXTERN int gort_listener_set_deadline(gort_listener *l, int64_t t);

/* gort_dial connects; timeout is a duration (0: none). */
GORT_EXTERN gort_conn *gort_dial(const char *network, const char *address, int64_t timeout);
GORT_EXTERN ssize_t gort_conn_read(gort_conn *c, void *buf, size_t n);         /* 0 at EOF */
GORT_EXTERN ssize_t gort_conn_write(gort_conn *c, const void *buf, size_t n);  /* all of buf, or -1 */
GORT_EXTERN int gort_conn_close(gort_conn *c);
GORT_EXTERN int gort_conn_closewrite(gort_conn *c);                            /* half-close */
GORT_EXTERN int gort_conn_closeread(gort_conn *c);
/* Deadlines are absolute gort_nanotime() values; 0 clears one; one in the
 * past makes the next call fail at once with GORT_ETIMEOUT; one set while
 * a call is blocked applies to it. */
GORT_EXTERN int gort_conn_set_deadline(gort_conn *c, int64_t t);
GORT_EXTERN int gort_conn_set_read_deadline(gort_conn *c, int64_t t);
GORT_EXTERN int gort_conn_set_write_deadline(gort_conn *c, int64_t t);
GORT_EXTERN int gort_conn_localaddr(gort_conn *c, char *buf, size_t n);
GORT_EXTERN int gort_conn_remoteaddr(gort_conn *c, char *buf, size_t n);
GORT_EXTERN int gort_conn_fd(gort_conn *c);
/* gort_conn_free and gort_listener_free release a connection or listener
 * that no goroutine uses any more, closing it first if it is open.  A
 * closed one stays valid until then, and calls on it fail with
 * GORT_ECLOSED.  NULL is a no-op. */
GORT_EXTERN void gort_conn_free(gort_conn *c);
GORT_EXTERN void gort_listener_free(gort_listener *l);

/* UDP (network "udp", "udp4", "udp6"): gort_listen_packet binds a socket
 * to address (Go's ListenPacket), gort_dial connects one; gort_conn_readfrom
 * gives a datagram and its sender's address ("127.0.0.1:5353") in from,
 * gort_conn_writeto sends one to address.  Deadlines apply as for streams;
 * a 0-byte datagram is data, not EOF. */
GORT_EXTERN gort_conn *gort_listen_packet(const char *network, const char *address);
GORT_EXTERN ssize_t gort_conn_readfrom(gort_conn *c, void *buf, size_t n, char *from, size_t fromn);
GORT_EXTERN ssize_t gort_conn_writeto(gort_conn *c, const void *buf, size_t n, const char *address);

/* gort_fd_conn wraps any pollable descriptor (a pipe, a socketpair): it
 * becomes non-blocking, and gort_conn_close closes it.  On Windows fd is
 * a SOCKET (as gort_conn_fd returns), overlapped (socket() makes them so)
 * and on no completion port yet; a CRT descriptor fails with ENOTSOCK. */
GORT_EXTERN gort_conn *gort_fd_conn(int fd);
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

/* gort_panic is Go's panic: it runs the deferred calls of the frames of
 * the goroutine, innermost first, until one recovers it; unrecovered, it
 * prints "panic: MESSAGE", the goroutine's traceback, and exits with
 * status 2. */
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

GORT_EXTERN void gort_defer(void (*fn)(void *), void *arg);
GORT_EXTERN bool gort_pcall(gort_fn fn, void *arg);
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
