/*
 * trace.c - the execution tracer: GODEBUG=gorttrace=FILE and
 * gort_trace_start/gort_trace_stop write what the scheduler did as Chrome
 * trace-event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing
 * open.  Mirrors Go's runtime/trace.go; the output is not Go's binary
 * format but the JSON the tools that C programmers have already read.
 *
 * Recording
 *
 * An event is a fixed 40-byte record (traceEvent): the CPU's time stamp
 * counter, its type, the goroutine it is about, two arguments, and the P
 * and M that recorded it.  Each P has its own buffer (p->tracebuf) that
 * only the M holding the P writes, so the hot path takes no lock and does
 * no atomic read-modify-write: it stores the record and then publishes it
 * by a release store of the buffer's count.  An M without a P (sysmon, a
 * poller, a goroutine leaving a system call before it has a P again, a
 * thread the runtime did not start) writes to one global buffer under
 * trace.lock; those events are rare.  With tracing off every hook is one
 * relaxed load of gort__trace_enabled and a branch predicted not taken
 * (trace.h); bench/results/tracecost.md says what that costs.
 *
 * The clock is the time stamp counter (rdtsc: less than half of what
 * clock_gettime costs, which reads it too and then scales it), which this
 * platform keeps in step across cores (constant_tsc, nonstop_tsc).  The converter maps it to
 * nanoseconds with the two pairs (rdtsc, nanotime) read at start and at
 * stop.  Events are stamped before the action they record is visible to
 * other threads (a goroutine's unblock before it is queued, its block
 * before its waker can find it), so that across Ps a goroutine's events
 * are in order by time stamp.
 *
 * When a buffer fills, the M that filled it moves it to trace.full under
 * trace.lock and takes a new one (the lock is taken once per 1,638
 * events).  The buffers stay in memory until the trace ends: past
 * TRACE_MAXBYTES of them, events are dropped and counted, and the trace
 * file and stderr say how many.
 *
 * Stopping and writing
 *
 * gort_trace_start and gort_trace_stop stop the world (as Go's StartTrace
 * and StopTrace do), so that no P is in the middle of an event when
 * tracing turns on or off: start records the state of every goroutine
 * (GoCreate, and GoWaiting or GoInSyscall), stop takes every buffer and
 * frees them once written.  GODEBUG=gorttrace=FILE starts in schedinit,
 * before any goroutine exists, and the trace is written when the process
 * exits (atexit: main_main returns, gort_exit), when a panic is not
 * recovered and at a deadlock (gort__traceexit from panic.c).  At exit
 * nothing stops the world: tracing is turned off under trace.lock and the
 * buffers are read up to the counts published then; an M that was just
 * writing its P's buffer writes past that count, into memory the dying
 * process never frees.  Reports from fatal signals write no trace (a
 * signal handler cannot).
 *
 * The JSON, written at the end by one goroutine (inside
 * entersyscall/exitsyscall for gort_trace_stop): all events sorted by time
 * stamp; pid 1 "Ps" has a track per P with a slice for each time a
 * goroutine ran there ("G7 worker", args g, fn, and the event that ended
 * it) and instants for GoCreate, GoBlock (with Go's wait reason),
 * GoUnblock (with the goroutine that readied it), GoSched, GoPreempt, GoEnd,
 * GoSysCall, GoSysExit and timers; pid 2 "Ms" has a track per M with its
 * P ownership ("P0"), its system calls and its waits in the poller; pid 3
 * "Runtime" has the scavenger's passes and GOMAXPROCS.  Flow events join
 * each GoCreate and GoUnblock to the slice where that goroutine next
 * starts: who readied whom.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "trace.h"

_Atomic bool gort__trace_enabled;
const char *gort__debug_gorttrace;

#if defined(__ELF__) && defined(GORT_GDB_SCRIPT)
/* The gdb extension's installed path (CMakeLists.txt), in the section gdb
 * reads to auto-load scripts (type 1: a Python file), as Go's linker
 * names runtime-gdb.py.  Here because every program links trace.c. */
__asm__(".pushsection .debug_gdb_scripts, \"MS\", @progbits, 1\n"
        ".byte 1\n"
        ".asciz \"" GORT_GDB_SCRIPT "\"\n"
        ".popsection\n");
#endif

#define TRACEBUF_N 1638                         /* events per buffer: 64 KiB */
#define TRACE_MAXBYTES ((size_t)512 << 20)      /* buffers kept before dropping */

typedef struct traceEvent {
    uint64_t ticks;
    int64_t g;          /* the goroutine it is about (0: none) */
    int64_t arg;
    uint64_t aux;
    uint8_t type;
    uint8_t reason;     /* a waitReason */
    int16_t p;          /* the P that recorded it, -1: none */
    int32_t m;          /* the M that recorded it */
} traceEvent;

struct traceBuf {
    traceBuf *link;
    size_t seq;         /* the trace's buffers in the order they were made */
    _Atomic uint32_t n;
    traceEvent ev[TRACEBUF_N];
};

static struct {
    mutex lock;         /* full, global, nbufs, f, the enabled flag's changes */
    traceBuf *full;     /* filled buffers, newest first */
    traceBuf *global;   /* the buffer of Ms without a P */
    size_t nbufs;
    _Atomic uint64_t dropped;
    FILE *f;
    char *path;
    uint64_t tick0;     /* rdtsc and nanotime at start */
    int64_t ns0;
    bool atexit;        /* the exit hook is registered */
} trace;

#define cputicks gort__cputicks

/* tracenewbuf gives the buffer *slot a successor, keeping the full one
 * in trace.full.  trace.lock must be held.  NULL: tracing has stopped, or
 * the buffers are at their limit (the event is dropped). */
static traceBuf *tracenewbuf(traceBuf **slot)
{
    if (!atomic_load_explicit(&gort__trace_enabled, memory_order_relaxed))
        return NULL;
    traceBuf *old = *slot;
    if (trace.nbufs * sizeof(traceBuf) >= TRACE_MAXBYTES) {
        atomic_fetch_add_explicit(&trace.dropped, 1, memory_order_relaxed);
        return NULL;
    }
    traceBuf *b = malloc(sizeof *b);
    if (b == NULL) {
        atomic_fetch_add_explicit(&trace.dropped, 1, memory_order_relaxed);
        return NULL;
    }
    b->link = NULL;
    b->seq = trace.nbufs++;
    atomic_store_explicit(&b->n, 0, memory_order_relaxed);
    if (old) {
        old->link = trace.full;
        trace.full = old;
    }
    *slot = b;
    return b;
}

static inline void putevent(traceBuf *b, uint64_t ticks, int ev, g *gp, int64_t arg, uintptr_t aux,
                            int reason, p *pp, m *mp)
{
    uint32_t n = atomic_load_explicit(&b->n, memory_order_relaxed);
    traceEvent *e = &b->ev[n];
    e->ticks = ticks;
    e->g = gp ? gp->goid : 0;
    e->arg = arg;
    e->aux = aux;
    e->type = (uint8_t)ev;
    e->reason = (uint8_t)reason;
    e->p = pp ? (int16_t)pp->id : -1;
    e->m = mp ? (int32_t)mp->id : -1;
    atomic_store_explicit(&b->n, n + 1, memory_order_release);
}

/* gort__traceEvent records an event on the current M (see the top of the
 * file).  For GoUnblock, arg becomes the goroutine doing the readying. */
void gort__traceEvent(int ev, g *gp, int64_t arg, uintptr_t aux, int reason)
{
    uint64_t ticks = cputicks();
    g *me = getg();
    /* GoStart: a direct switch (proc.c, trydirect) has already taken the
     * M from the goroutine that leaves, and given it to gp. */
    m *mp = ev == traceEvGoStart ? gp->m : me ? me->m : NULL;
    p *pp = mp ? mp->p : NULL;
    if (ev == traceEvGoUnblock)
        arg = me && mp && me != mp->g0 && !me->isforeign ? me->goid : 0;
    if (likely(pp != NULL)) {
        traceBuf *b = pp->tracebuf;
        if (unlikely(b == NULL || atomic_load_explicit(&b->n, memory_order_relaxed) == TRACEBUF_N)) {
            gort__lock(&trace.lock);
            b = tracenewbuf(&pp->tracebuf);
            gort__unlock(&trace.lock);
            if (b == NULL)
                return;
        }
        putevent(b, ticks, ev, gp, arg, aux, reason, pp, mp);
        return;
    }
    gort__lock(&trace.lock);
    if (atomic_load_explicit(&gort__trace_enabled, memory_order_relaxed)) {
        traceBuf *b = trace.global;
        if (b == NULL || atomic_load_explicit(&b->n, memory_order_relaxed) == TRACEBUF_N)
            b = tracenewbuf(&trace.global);
        if (b)
            putevent(b, ticks, ev, gp, arg, aux, reason, NULL, mp);
    }
    gort__unlock(&trace.lock);
}

/* ------------------------------------------------------------------------
 * Starting.
 * ---------------------------------------------------------------------- */

static void traceatexit(void)
{
    gort__traceexit();
}

/* tracebegin turns tracing on and records the state of the world: the
 * world is stopped (or not yet started) and trace.lock is not held. */
static void tracebegin(FILE *f, const char *path)
{
    gort__lock(&trace.lock);
    trace.f = f;
    free(trace.path);
    trace.path = strdup(path);
    trace.tick0 = cputicks();
    trace.ns0 = gort__nanotime();
    atomic_store(&trace.dropped, 0);
    atomic_store(&gort__trace_enabled, true);
    if (!trace.atexit) {
        trace.atexit = true;
        atexit(traceatexit);
    }
    gort__unlock(&trace.lock);

    g *me = getg();
    m *mp = me ? me->m : NULL;
    if (mp && mp->p)
        traceProcStart(mp->p);
    traceGomaxprocs(atomic_load(&gort__gomaxprocs));
    for (g *gp = atomic_load(&gort__allgs); gp; gp = gp->alllink) {
        uint32_t s = readgstatus(gp);
        if (s == Gdead || s == Gidle || gp->isforeign)
            continue;
        /* reason 1: it existed before the trace (no flow from here). */
        gort__traceEvent(traceEvGoCreate, gp, gp->parentgoid, (uintptr_t)gp->fn, 1);
        if (s == Gwaiting)
            gort__traceEvent(traceEvGoWaiting, gp, 0, 0, gp->waitreason);
        else if (s == Gsyscall)
            gort__traceEvent(traceEvGoInSyscall, gp, 0, 0, 0);
        else if (gp == me)
            traceGoStart(gp);
    }
}

/* gort__traceinit starts GODEBUG=gorttrace's trace (see trace.h). */
void gort__traceinit(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        gort__printf("runtime: GODEBUG=gorttrace=%s: cannot create the file: %s\n", path,
                     strerror(errno));
        return;
    }
    tracebegin(f, path);
}

typedef struct traceReq {
    const char *path;
    int ret, err;
    gort_chan *done;
} traceReq;

static void tracestart_g(void *arg)
{
    traceReq *r = arg;
    r->ret = gort_trace_start(r->path);
    r->err = errno;
    gort_chan_send(r->done, NULL);
}

static void tracestop_g(void *arg)
{
    traceReq *r = arg;
    gort_trace_stop();
    gort_chan_send(r->done, NULL);
}

/* onforeign runs fn(r) on a goroutine and waits for it: the world can
 * only be stopped from a goroutine that holds a P. */
static bool onforeign(gort_fn fn, traceReq *r)
{
    g *gp = getg();
    if (gp != NULL && !gp->isforeign && gp->m && gp->m->p && gp != gp->m->g0)
        return false;
    r->done = gort_chan_make(0, 0);
    gort_go(fn, r);
    gort_chan_recv(r->done, NULL);
    gort_chan_free(r->done);
    return true;
}

int gort_trace_start(const char *path)
{
    traceReq r = {path, 0, 0, NULL};
    if (onforeign(tracestart_g, &r)) {
        errno = r.err;
        return r.ret;
    }
    if (path == NULL || *path == '\0') {
        errno = EINVAL;
        return -1;
    }
    if (traceEnabled()) {
        errno = EBUSY;
        return -1;
    }
    FILE *f = GORT_SYSCALL(fopen(path, "w"));
    if (f == NULL)
        return -1;
    gort__stopTheWorld("start tracing");
    if (traceEnabled()) {
        gort__startTheWorld();
        fclose(f);
        errno = EBUSY;
        return -1;
    }
    tracebegin(f, path);
    gort__startTheWorld();
    return 0;
}

/* ------------------------------------------------------------------------
 * Stopping: taking the buffers.
 * ---------------------------------------------------------------------- */

typedef struct traceTake {
    FILE *f;
    char *path;
    traceBuf *bufs;     /* every buffer, linked through link */
    uint64_t tick0, tick1;
    int64_t ns0, ns1;
    uint64_t dropped;
} traceTake;

static void takebuf(traceTake *t, traceBuf *b)
{
    if (b) {
        b->link = t->bufs;
        t->bufs = b;
    }
}

/* tracetake turns tracing off and takes the buffers, the file and the
 * clock pairs; false: tracing was off.  atexit: the world runs on (see
 * the top of the file), so the Ps keep their buffers' pointers. */
static bool tracetake(traceTake *t, bool atexit_)
{
    memset(t, 0, sizeof *t);
    gort__lock(&trace.lock);
    if (!atomic_load(&gort__trace_enabled)) {
        gort__unlock(&trace.lock);
        return false;
    }
    atomic_store(&gort__trace_enabled, false);
    t->tick1 = cputicks();
    t->ns1 = gort__nanotime();
    t->tick0 = trace.tick0;
    t->ns0 = trace.ns0;
    t->f = trace.f;
    t->path = trace.path;
    trace.f = NULL;
    trace.path = NULL;
    t->dropped = atomic_load(&trace.dropped);
    traceBuf *full = trace.full;
    trace.full = NULL;
    while (full) {
        traceBuf *next = full->link;
        takebuf(t, full);
        full = next;
    }
    takebuf(t, trace.global);
    trace.global = NULL;
    int32_t np = gort__allplen();
    for (int32_t i = 0; i < np; i++) {
        p *pp = gort__allp[i];
        takebuf(t, pp->tracebuf);
        if (!atexit_)
            pp->tracebuf = NULL;
    }
    trace.nbufs = 0;
    gort__unlock(&trace.lock);
    return true;
}

static void tracewrite(traceTake *t);

void gort_trace_stop(void)
{
    traceReq r = {NULL, 0, 0, NULL};
    if (onforeign(tracestop_g, &r))
        return;
    if (!traceEnabled())
        return;
    gort__stopTheWorld("stop tracing");
    traceTake t;
    bool ok = tracetake(&t, false);
    gort__startTheWorld();
    if (!ok)
        return;
    gort_entersyscall();
    tracewrite(&t);
    while (t.bufs) {
        traceBuf *next = t.bufs->link;
        free(t.bufs);
        t.bufs = next;
    }
    gort_exitsyscall();
}

/* gort__traceexit: see trace.h and the top of the file. */
void gort__traceexit(void)
{
    if (!traceEnabled())
        return;
    traceTake t;
    if (tracetake(&t, true))
        tracewrite(&t);
}

/* ------------------------------------------------------------------------
 * Writing the JSON.
 * ---------------------------------------------------------------------- */

/* The converter's record of a goroutine, in a hash table by goid. */
typedef struct gstate {
    int64_t goid;       /* 0: a free slot */
    uintptr_t fn;
    uint64_t flow;      /* a flow waiting for its next start, or 0 */
    int32_t name;       /* index in the name cache */
} gstate;

typedef struct slice {
    bool open;
    int64_t g;          /* P tracks: the goroutine running */
    double ts;
    const char *what;   /* M tracks: "P", "syscall", "netpoll" */
    int64_t arg;
} slice;

typedef struct conv {
    FILE *f;
    bool first;
    double scale;       /* ns per tick */
    uint64_t tick0;
    gstate *gs;
    size_t gcap, glen;
    slice *ps, *ms;
    int32_t nps, nms;
    uint64_t flowid;
    /* function names, cached by address */
    uintptr_t *fnpc;
    char (*fnname)[64];
    int32_t nfn, capfn;
    double scavts;
    bool scavopen;
} conv;

static gstate *gfind(conv *c, int64_t goid)
{
    if (c->glen * 2 >= c->gcap) {
        size_t cap = c->gcap ? 2 * c->gcap : 1024;
        gstate *gs = calloc(cap, sizeof *gs);
        if (gs == NULL)
            return NULL;
        for (size_t i = 0; i < c->gcap; i++) {
            if (c->gs[i].goid == 0)
                continue;
            size_t h = (size_t)c->gs[i].goid * 0x9e3779b97f4a7c15ULL & (cap - 1);
            while (gs[h].goid != 0)
                h = (h + 1) & (cap - 1);
            gs[h] = c->gs[i];
        }
        free(c->gs);
        c->gs = gs;
        c->gcap = cap;
    }
    size_t h = (size_t)goid * 0x9e3779b97f4a7c15ULL & (c->gcap - 1);
    while (c->gs[h].goid != 0 && c->gs[h].goid != goid)
        h = (h + 1) & (c->gcap - 1);
    if (c->gs[h].goid == 0) {
        c->gs[h].goid = goid;
        c->gs[h].name = -1;
        c->glen++;
    }
    return &c->gs[h];
}

static const char *fnname(conv *c, uintptr_t pc)
{
    if (pc == 0)
        return "?";
    for (int32_t i = c->nfn - 1; i >= 0; i--)
        if (c->fnpc[i] == pc)
            return c->fnname[i];
    if (c->nfn == c->capfn) {
        int32_t cap = c->capfn ? 2 * c->capfn : 64;
        uintptr_t *pcs = realloc(c->fnpc, (size_t)cap * sizeof *pcs);
        if (pcs == NULL)
            return "?";
        c->fnpc = pcs;
        char (*names)[64] = realloc(c->fnname, (size_t)cap * sizeof *names);
        if (names == NULL)
            return "?";
        c->fnname = names;
        c->capfn = cap;
    }
    char buf[64];
    gort__os_funcname((void *)pc, buf, sizeof buf);
    /* Only what JSON strings take as they are. */
    for (char *s = buf; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            *s = '_';
    c->fnpc[c->nfn] = pc;
    memcpy(c->fnname[c->nfn], buf, sizeof buf);
    return c->fnname[c->nfn++];
}

static slice *track(conv *c, bool isp, int32_t id)
{
    slice **v = isp ? &c->ps : &c->ms;
    int32_t *n = isp ? &c->nps : &c->nms;
    if (id < 0)
        id = 0;
    if (id >= *n) {
        int32_t cap = id + 16;
        slice *s = realloc(*v, (size_t)cap * sizeof *s);
        if (s == NULL)
            return NULL;
        memset(s + *n, 0, (size_t)(cap - *n) * sizeof *s);
        *v = s;
        *n = cap;
    }
    return &(*v)[id];
}

/* emit starts a JSON event: its comma and the fields every event has. */
static void emit(conv *c, const char *ph, int pid, int32_t tid, double ts)
{
    fprintf(c->f, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f", c->first ? "" : ",", ph,
            pid, (int)tid, ts);
    c->first = false;
}

/* where: the track of an event, its P's if it had one, else its M's. */
static void where(const traceEvent *e, int *pid, int32_t *tid)
{
    if (e->p >= 0) {
        *pid = 1;
        *tid = e->p;
    } else {
        *pid = 2;
        *tid = e->m;
    }
}

static void instant(conv *c, const traceEvent *e, double ts, const char *name)
{
    int pid;
    int32_t tid;
    where(e, &pid, &tid);
    emit(c, "i", pid, tid, ts);
    fprintf(c->f, ",\"s\":\"t\",\"name\":\"%s\",\"args\":{\"g\":%lld", name, (long long)e->g);
}

static void flowstart(conv *c, const traceEvent *e, double ts, gstate *gs, const char *name)
{
    gs = gfind(c, e->g);    /* the table may have grown since the caller looked */
    if (gs == NULL)
        return;
    int pid;
    int32_t tid;
    where(e, &pid, &tid);
    gs->flow = ++c->flowid;
    emit(c, "s", pid, tid, ts);
    fprintf(c->f, ",\"name\":\"%s\",\"cat\":\"flow\",\"id\":%llu,\"args\":{\"g\":%lld}}", name,
            (unsigned long long)gs->flow, (long long)gs->goid);
}

/* pclose ends the goroutine slice open on P track s at ts. */
static void gclose(conv *c, int32_t pid_, slice *s, double ts, const char *why)
{
    if (!s->open)
        return;
    s->open = false;
    gstate *gs = gfind(c, s->g);
    const char *fn = gs ? fnname(c, gs->fn) : "?";
    emit(c, "X", 1, pid_, s->ts);
    fprintf(c->f, ",\"dur\":%.3f,\"name\":\"G%lld %s\",\"cat\":\"goroutine\",\"args\":{\"g\":%lld,\"fn\":\"%s\",\"end\":\"%s\"}}",
            ts - s->ts, (long long)s->g, fn, (long long)s->g, fn, why);
}

static void gopen(conv *c, int32_t p, int64_t goid, double ts)
{
    slice *s = track(c, true, p);
    if (s == NULL)
        return;
    gclose(c, p, s, ts, "preempted");
    s->open = true;
    s->g = goid;
    s->ts = ts;
    gstate *gs = gfind(c, goid);
    if (gs && gs->flow) {
        emit(c, "f", 1, p, ts);
        fprintf(c->f, ",\"bp\":\"e\",\"name\":\"%s\",\"cat\":\"flow\",\"id\":%llu}", "ready",
                (unsigned long long)gs->flow);
        gs->flow = 0;
    }
}

/* mclose ends what M track s shows at ts. */
static void mclose(conv *c, int32_t mid, slice *s, double ts)
{
    if (!s->open)
        return;
    s->open = false;
    emit(c, "X", 2, mid, s->ts);
    if (strcmp(s->what, "P") == 0)
        fprintf(c->f, ",\"dur\":%.3f,\"name\":\"P%lld\",\"cat\":\"proc\",\"args\":{\"p\":%lld}}", ts - s->ts,
                (long long)s->arg, (long long)s->arg);
    else if (strcmp(s->what, "syscall") == 0)
        fprintf(c->f, ",\"dur\":%.3f,\"name\":\"syscall G%lld\",\"cat\":\"syscall\",\"args\":{\"g\":%lld}}",
                ts - s->ts, (long long)s->arg, (long long)s->arg);
    else
        fprintf(c->f, ",\"dur\":%.3f,\"name\":\"%s\",\"cat\":\"netpoll\",\"args\":{}}", ts - s->ts, s->what);
}

static void mopen(conv *c, int32_t mid, const char *what, int64_t arg, double ts)
{
    slice *s = track(c, false, mid);
    if (s == NULL)
        return;
    mclose(c, mid, s, ts);
    s->open = true;
    s->what = what;
    s->arg = arg;
    s->ts = ts;
}

/* The writer's sort: by time stamp, and events with the same stamp in
 * the order they were written (their index once the buffers are laid
 * out oldest first).  A clock may repeat: qemu-user's generic timer
 * counts in microseconds (62 ticks at a time), and one P often stamps two
 * events alike (a GoSched and the next GoStart); in the wrong order a
 * goroutine's slice would not be closed and would seem to run on. */
typedef struct evkey {
    uint64_t ticks;
    size_t i;
} evkey;

static int evcmp(const void *a, const void *b)
{
    const evkey *x = a, *y = b;
    if (x->ticks != y->ticks)
        return x->ticks < y->ticks ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int bufcmp(const void *a, const void *b)
{
    const traceBuf *x = *(traceBuf *const *)a, *y = *(traceBuf *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void convert(conv *c, traceEvent *evs, size_t n, double endts)
{
    for (size_t i = 0; i < n; i++) {
        traceEvent *e = &evs[i];
        /* In whole nanoseconds, so that a slice's start plus its
         * duration, each printed to three places in microseconds, is
         * its end exactly: two events of one stamp (the end of a run
         * on one P and its start on another) must not seem to overlap
         * by a rounding. */
        double ns = (double)(int64_t)(e->ticks - c->tick0) * c->scale;
        double ts = ns > 0 ? (double)(int64_t)(ns + 0.5) / 1000.0 : 0;
        gstate *gs = e->g ? gfind(c, e->g) : NULL;
        slice *ps = e->p >= 0 ? track(c, true, e->p) : NULL;
        if ((e->g && gs == NULL) || (e->p >= 0 && ps == NULL))
            continue;   /* out of memory: the event is lost */
        switch (e->type) {
        case traceEvGoCreate:
            gs->fn = (uintptr_t)e->aux;
            instant(c, e, ts, "GoCreate");
            fprintf(c->f, ",\"parent\":%lld,\"fn\":\"%s\"}}", (long long)e->arg, fnname(c, gs->fn));
            if (e->reason == 0)     /* not one that existed before the trace */
                flowstart(c, e, ts, gs, "create");
            break;
        case traceEvGoStart:
            if (e->p >= 0)
                gopen(c, e->p, e->g, ts);
            break;
        case traceEvGoEnd:
        case traceEvGoSched:
        case traceEvGoPreempt:
        case traceEvGoBlock:
        case traceEvGoSysCall: {
            static const char *const names[] = {
                [traceEvGoEnd] = "GoEnd", [traceEvGoSched] = "GoSched", [traceEvGoPreempt] = "GoPreempt",
                [traceEvGoBlock] = "GoBlock", [traceEvGoSysCall] = "GoSysCall"};
            const char *name = names[e->type];
            if (ps && ps->open && ps->g == e->g)
                gclose(c, e->p, ps, ts, name);
            instant(c, e, ts, name);
            if (e->type == traceEvGoBlock)
                fprintf(c->f, ",\"reason\":\"%s\"}}",
                        e->reason < waitReasonNum ? gort__waitReasonStrings[e->reason] : "?");
            else
                fprintf(c->f, "}}");
            if (e->type == traceEvGoSysCall)
                mopen(c, e->m, "syscall", e->g, ts);
            break;
        }
        case traceEvGoUnblock:
            instant(c, e, ts, "GoUnblock");
            fprintf(c->f, ",\"by\":%lld}}", (long long)e->arg);
            flowstart(c, e, ts, gs, "ready");
            break;
        case traceEvGoWaiting:
            instant(c, e, ts, "GoWaiting");
            fprintf(c->f, ",\"reason\":\"%s\"}}",
                    e->reason < waitReasonNum ? gort__waitReasonStrings[e->reason] : "?");
            break;
        case traceEvGoInSyscall:
            instant(c, e, ts, "GoInSyscall");
            fprintf(c->f, "}}");
            break;
        case traceEvGoSysExit: {
            slice *ms = track(c, false, e->m);
            if (ms && ms->open && strcmp(ms->what, "syscall") == 0)
                mclose(c, e->m, ms, ts);
            instant(c, e, ts, "GoSysExit");
            fprintf(c->f, "}}");
            if (e->p >= 0) {
                /* It got a P at once and runs on: a new slice.  Without
                 * one it is runnable, and its GoStart comes later. */
                gopen(c, e->p, e->g, ts);
                if (ms && !ms->open)
                    mopen(c, e->m, "P", e->p, ts);
            } else {
                flowstart(c, e, ts, gs, "ready");
            }
            break;
        }
        case traceEvProcStart:
            mopen(c, e->m, "P", e->arg, ts);
            break;
        case traceEvProcStop: {
            slice *ms = track(c, false, e->m);
            if (ms && ms->open && strcmp(ms->what, "P") == 0)
                mclose(c, e->m, ms, ts);
            slice *pt = track(c, true, (int32_t)e->arg);
            if (pt)
                gclose(c, (int32_t)e->arg, pt, ts, "ProcStop");
            break;
        }
        case traceEvGomaxprocs:
            emit(c, "C", 3, 0, ts);
            fprintf(c->f, ",\"name\":\"GOMAXPROCS\",\"args\":{\"Ps\":%lld}}", (long long)e->arg);
            break;
        case traceEvTimer:
            instant(c, e, ts, "timer");
            fprintf(c->f, ",\"fn\":\"%s\"}}", fnname(c, (uintptr_t)e->aux));
            break;
        case traceEvNetpollBlock:
            mopen(c, e->m, "netpoll", e->arg, ts);
            break;
        case traceEvNetpollDone:
            if (e->aux) {
                slice *ms = track(c, false, e->m);
                if (ms && ms->open && strcmp(ms->what, "netpoll") == 0)
                    mclose(c, e->m, ms, ts);
            }
            if (e->arg > 0 || e->aux) {
                instant(c, e, ts, "netpoll");
                fprintf(c->f, ",\"ready\":%lld}}", (long long)e->arg);
            }
            break;
        case traceEvScavengeBegin:
            c->scavts = ts;
            c->scavopen = true;
            break;
        case traceEvScavengeEnd:
            if (c->scavopen) {
                c->scavopen = false;
                emit(c, "X", 3, 1, c->scavts);
                fprintf(c->f, ",\"dur\":%.3f,\"name\":\"scavenge\",\"cat\":\"gc\",\"args\":{\"stacks\":%lld}}",
                        ts - c->scavts, (long long)e->arg);
            }
            break;
        }
    }
    for (int32_t i = 0; i < c->nps; i++)
        gclose(c, i, &c->ps[i], endts, "TraceStop");
    for (int32_t i = 0; i < c->nms; i++)
        mclose(c, i, &c->ms[i], endts);
}

static void meta(conv *c, const char *what, int pid, int32_t tid, const char *name)
{
    emit(c, "M", pid, tid, 0);
    fprintf(c->f, ",\"name\":\"%s\",\"args\":{\"name\":\"%s\"}}", what, name);
}

/* tracewrite writes the trace t took to its file, and closes it. */
static void tracewrite(traceTake *t)
{
    size_t n = 0, nb = 0;
    for (traceBuf *b = t->bufs; b; b = b->link, nb++)
        n += atomic_load_explicit(&b->n, memory_order_acquire);
    /* The events laid out buffer by buffer, oldest buffer first (so that
     * each P's, and the global buffer's, are in the order written), then
     * sorted (evcmp) through keys into evs. */
    traceEvent *raw = malloc((n ? n : 1) * sizeof *raw);
    traceEvent *evs = malloc((n ? n : 1) * sizeof *evs);
    evkey *keys = malloc((n ? n : 1) * sizeof *keys);
    traceBuf **bufs = malloc((nb ? nb : 1) * sizeof *bufs);
    conv c = {0};
    c.f = t->f;
    c.first = true;
    if (raw == NULL || evs == NULL || keys == NULL || bufs == NULL) {
        gort__printf("runtime: trace: out of memory for %llu events; %s not written\n", (unsigned long long)n, t->path);
        free(raw);
        free(evs);
        free(keys);
        free(bufs);
        fclose(t->f);
        free(t->path);
        return;
    }
    nb = 0;
    for (traceBuf *b = t->bufs; b; b = b->link)
        bufs[nb++] = b;
    qsort(bufs, nb, sizeof *bufs, bufcmp);
    size_t k = 0;
    for (size_t j = 0; j < nb; j++) {
        /* At exit an M may still be adding to its P's buffer: no more
         * than the count read above. */
        size_t bn = atomic_load_explicit(&bufs[j]->n, memory_order_acquire);
        if (bn > n - k)
            bn = n - k;
        memcpy(raw + k, bufs[j]->ev, bn * sizeof *raw);
        k += bn;
    }
    n = k;
    for (size_t i = 0; i < n; i++)
        keys[i] = (evkey){raw[i].ticks, i};
    qsort(keys, n, sizeof *keys, evcmp);
    for (size_t i = 0; i < n; i++)
        evs[i] = raw[keys[i].i];
    free(raw);
    free(keys);
    free(bufs);
    c.tick0 = t->tick0;
    c.scale = t->tick1 > t->tick0 ? (double)(t->ns1 - t->ns0) / (double)(t->tick1 - t->tick0) : 1.0;
    double endts = (double)(t->ns1 - t->ns0) / 1000.0;

    fprintf(c.f, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"gort\",\"dropped\":%llu},\"traceEvents\":[",
            (unsigned long long)t->dropped);
    meta(&c, "process_name", 1, 0, "Ps");
    meta(&c, "process_name", 2, 0, "Ms");
    meta(&c, "process_name", 3, 0, "Runtime");
    meta(&c, "thread_name", 3, 0, "GOMAXPROCS");
    meta(&c, "thread_name", 3, 1, "GC/scavenger");
    int32_t maxp = -1, maxm = -1;
    for (size_t i = 0; i < n; i++) {
        if (evs[i].p > maxp)
            maxp = evs[i].p;
        if (evs[i].m > maxm)
            maxm = evs[i].m;
        if (evs[i].type == traceEvProcStart && evs[i].arg > maxp)
            maxp = (int32_t)evs[i].arg;
    }
    char name[32];
    for (int32_t i = 0; i <= maxp; i++) {
        snprintf(name, sizeof name, "P%d", (int)i);
        meta(&c, "thread_name", 1, i, name);
    }
    for (int32_t i = 0; i <= maxm; i++) {
        snprintf(name, sizeof name, "M%d", (int)i);
        meta(&c, "thread_name", 2, i, name);
    }
    convert(&c, evs, n, endts);
    fprintf(c.f, "\n]}\n");
    if (fclose(c.f) != 0)
        gort__printf("runtime: trace: writing %s: %s\n", t->path, strerror(errno));
    if (t->dropped)
        gort__printf("runtime: trace: %llu events dropped (the buffers reached %llu MiB)\n",
                     (unsigned long long)t->dropped, (unsigned long long)(TRACE_MAXBYTES >> 20));
    free(evs);
    free(c.gs);
    free(c.ps);
    free(c.ms);
    free(c.fnpc);
    free(c.fnname);
    free(t->path);
}
