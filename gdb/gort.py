# gort.py - gdb support for gort programs: goroutines instead of threads.
# After Go's runtime/runtime-gdb.py (its commands and output); Linux/amd64.
#
#   (gdb) source /usr/local/share/gort/gdb/gort.py
#   or:  gdb -iex "add-auto-load-safe-path /usr/local/share/gort/gdb" ./app
#        (the library names this file in its .debug_gdb_scripts section)
#
#   info goroutines        every goroutine that is not dead: a "*" for one
#                          on a thread, its id, status, wait reason, M,
#                          start function, and where it is now
#   goroutine N bt         the backtrace of goroutine N: of a parked or
#                          runnable one from the context it saved when it
#                          left its thread, of a running one (or one in a
#                          system call) from its thread
#   goroutine all bt       every goroutine's
#
# Works on a live process and on a core dump (gcore, or a crash with core
# dumps enabled).  It reads gort's own structures through the program's
# debug information, so the program (libgort.a) must be built with -g (the
# default RelWithDebInfo is).  What it relies on, kept in step with the
# runtime (HACKING.md says so, and tests/gdb_goroutines.cmake fails when
# they drift):
#   src/runtime.h   struct g: goid, atomicstatus, waitreason, m, fn,
#                   sched.sp, alllink, isSystem; struct m: id, procid,
#                   curg; the statuses Gidle..Gdead; gort__allgs;
#                   gort__waitReasonStrings
#   asm_amd64.S     the saved context (SysV): at sched.sp the control
#                   words, then r15 r14 r13 r12 rbx rbp, then the return
#                   address at sp+56; the goroutine's sp once resumed is
#                   sp+64
#
# How a parked goroutine's backtrace is shown, on a live process and on a
# core alike (a core's registers cannot be set, so Go's trick of setting
# $pc and $sp does not do): a Python frame unwinder, enabled only while
# the command runs, claims frame 0 of the selected thread and says that
# its caller's registers are those the goroutine saved.  Frame 1 onward
# is then the goroutine's stack, unwound by gdb's own DWARF unwinder;
# frame 0 (whatever the thread was doing) is not printed.  Frame 0's id
# is put just below the goroutine's frame, so that gdb's check that
# callers are outer frames holds whichever stack is higher in memory.
import gdb
import gdb.unwinder

# Statuses, from the program's debug info (the enum in runtime.h), with
# Go's names as runtime-gdb.py prints them.
_STATUS_NAMES = ["idle", "runnable", "running", "syscall", "waiting", "dead"]


def _enum(name):
    return int(gdb.parse_and_eval(name))


def _statuses():
    return {
        "Gidle": _enum("Gidle"),
        "Grunnable": _enum("Grunnable"),
        "Grunning": _enum("Grunning"),
        "Gsyscall": _enum("Gsyscall"),
        "Gwaiting": _enum("Gwaiting"),
        "Gdead": _enum("Gdead"),
    }


def _allgs():
    gp = gdb.parse_and_eval("gort__allgs")
    while int(gp) != 0:
        yield gp
        gp = gp["alllink"]


def _waitreason(gp):
    r = int(gp["waitreason"])
    if r == 0:
        return ""
    try:
        s = gdb.parse_and_eval("gort__waitReasonStrings")[r]
        return s.string()
    except gdb.error:
        return "reason %d" % r


def _symbol(addr):
    """The function name at addr, or a hex address."""
    addr = int(addr)
    if addr == 0:
        return "?"
    try:
        # The outermost function: not one inlined into it.
        blk = gdb.block_for_pc(addr)
        fn = None
        while blk is not None:
            if blk.function is not None:
                fn = blk.function
            blk = blk.superblock
        if fn is not None:
            return fn.print_name
    except RuntimeError:
        pass
    s = gdb.execute("info symbol 0x%x" % addr, to_string=True)
    if s and not s.startswith("No symbol"):
        return s.split(" ")[0]
    return "0x%x" % addr


def _saved_regs(gp):
    """The callee-saved registers, sp and pc a parked goroutine saved."""
    sp = int(gp["sched"]["sp"])
    if sp == 0:
        return None
    ulong = gdb.lookup_type("unsigned long").pointer()

    def word(off):
        return int(gdb.Value(sp + off).cast(ulong).dereference())

    return {
        "r15": word(8), "r14": word(16), "r13": word(24), "r12": word(32),
        "rbx": word(40), "rbp": word(48), "rip": word(56), "rsp": sp + 64,
    }


class _GoroutineUnwinder(gdb.unwinder.Unwinder):
    """Claims frame 0 while regs is set: its caller is the goroutine."""

    def __init__(self):
        super().__init__("gort-goroutine")
        self.regs = None

    def __call__(self, pending_frame):
        if self.regs is None or pending_frame.level() != 0:
            return None
        regs = self.regs
        pc = pending_frame.read_register("rip")
        # An id below the goroutine's frame (see the top of the file).
        sp = gdb.Value(regs["rsp"] - 128).cast(pending_frame.read_register("rsp").type)
        fid = _FrameId(sp, pc)
        info = pending_frame.create_unwind_info(fid)
        for name, value in regs.items():
            info.add_saved_register(name, gdb.Value(value).cast(pending_frame.read_register(name).type))
        return info


class _FrameId(object):
    """A frame id for create_unwind_info: sp and pc as gdb.Values."""

    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


_unwinder = _GoroutineUnwinder()
gdb.unwinder.register_unwinder(None, _unwinder, replace=True)


def _print_frames(frame, first_level):
    n = 0
    while frame is not None:
        name = frame.name() or "??"
        sal = frame.find_sal()
        where = ""
        if sal.symtab is not None:
            where = " at %s:%d" % (sal.symtab.filename, sal.line)
        print("#%-2d 0x%016x in %s ()%s" % (n, frame.pc(), name, where))
        n += 1
        try:
            frame = frame.older()
        except gdb.error as e:
            print("Backtrace stopped: %s" % e)
            break
        if n > 200:
            print("(more frames)")
            break


def _thread_of(mp):
    lwp = int(mp["procid"])
    for t in gdb.selected_inferior().threads():
        if t.ptid[1] == lwp:
            return t
    return None


def _backtrace(gp):
    st = _statuses()
    status = int(gp["atomicstatus"])
    mp = gp["m"]
    if status in (st["Grunning"], st["Gsyscall"]) and int(mp) != 0:
        t = _thread_of(mp)
        if t is None:
            print("goroutine %d: its thread (LWP %d) is not in this process" % (int(gp["goid"]), int(mp["procid"])))
            return
        old = gdb.selected_thread()
        t.switch()
        try:
            _print_frames(gdb.newest_frame(), 0)
        finally:
            if old is not None and old.is_valid():
                old.switch()
        return
    regs = _saved_regs(gp)
    if regs is None:
        print("goroutine %d has no saved context (it has not run yet, or is dead)" % int(gp["goid"]))
        return
    _unwinder.regs = regs
    gdb.invalidate_cached_frames()
    try:
        f = gdb.newest_frame().older()
        _print_frames(f, 1)
    finally:
        _unwinder.regs = None
        gdb.invalidate_cached_frames()


def _where(gp):
    """The function a goroutine is in now: its resume point, or its thread's pc."""
    st = _statuses()
    status = int(gp["atomicstatus"])
    if status in (st["Grunning"], st["Gsyscall"]):
        return ""
    regs = _saved_regs(gp)
    if regs is None or regs["rip"] == 0:
        return ""
    return _symbol(regs["rip"] - 1)


class GoroutinesCmd(gdb.Command):
    "List all goroutines: info goroutines."

    def __init__(self):
        gdb.Command.__init__(self, "info goroutines", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, _arg, _from_tty):
        st = _statuses()
        print("  %-6s %-9s %-22s %-4s %-28s %s" % ("Id", "Status", "Wait reason", "M", "Start function", "Where"))
        for gp in _allgs():
            status = int(gp["atomicstatus"])
            if status == st["Gdead"]:
                continue
            mp = gp["m"]
            mark = "*" if int(mp) != 0 else " "
            name = _STATUS_NAMES[status] if 0 <= status < len(_STATUS_NAMES) else "unknown(%d)" % status
            sysflag = " (runtime)" if bool(gp["isSystem"]) else ""
            print("%s %-6d %-9s %-22s %-4s %-28s %s" % (
                mark, int(gp["goid"]), name, _waitreason(gp) if status == st["Gwaiting"] else "",
                str(int(mp["id"])) if int(mp) != 0 else "-",
                _symbol(gp["fn"]) + sysflag, _where(gp)))


def _find_goroutine(goid):
    for gp in _allgs():
        if int(gp["goid"]) == goid:
            return gp
    return None


class GoroutineCmd(gdb.Command):
    """Run a command for a goroutine: goroutine N bt, goroutine all bt."""

    def __init__(self):
        gdb.Command.__init__(self, "goroutine", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, _from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) != 2 or args[1] not in ("bt", "backtrace"):
            raise gdb.GdbError("usage: goroutine <id>|all bt")
        st = _statuses()
        if args[0] == "all":
            for gp in _allgs():
                if int(gp["atomicstatus"]) == st["Gdead"]:
                    continue
                print("\ngoroutine %d:" % int(gp["goid"]))
                _backtrace(gp)
            return
        try:
            goid = int(args[0])
        except ValueError:
            raise gdb.GdbError("goroutine: %r is not a goroutine id" % args[0])
        gp = _find_goroutine(goid)
        if gp is None or int(gp["atomicstatus"]) == st["Gdead"]:
            raise gdb.GdbError("goroutine %d not found" % goid)
        _backtrace(gp)


GoroutinesCmd()
GoroutineCmd()
print("gort: loaded gdb support (info goroutines, goroutine N bt)")
