#!/usr/bin/env python3
"""trace_check.py - validate an execution trace that gort wrote (src/trace.c).

    trace_check.py FILE [--procs N] [--expect-reasons r1,r2,...]
                        [--expect NAME,...] [--blocked-at-end N]

Checks that FILE is well-formed Chrome trace-event JSON (json.load) with
the tracks gort promises (pid 1 "Ps", pid 2 "Ms", a thread_name for each
track used), and for every goroutine:
  - its events are in time order, GoCreate (or its state at the start of
    the trace) first, nothing after GoEnd;
  - every GoBlock is followed by its GoUnblock before the goroutine runs
    again, or the goroutine is still blocked when the trace ends;
  - no slice of it running overlaps another, or a time it was blocked;
and every flow: each "f" has one "s" with its id, earlier, for the same
goroutine; an "s" without its "f" only for a goroutine that never ran again.
--procs: no P track beyond N-1.  --expect-reasons: these wait reasons
appear in some GoBlock.  --expect: these instant names appear.
--blocked-at-end: at least N goroutines are still blocked at the end.
Prints "ok: ..." and exits 0, or prints each problem and exits 1.
"""
import argparse
import collections
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--procs", type=int)
    ap.add_argument("--expect-reasons", default="")
    ap.add_argument("--expect", default="")
    ap.add_argument("--blocked-at-end", type=int, default=0)
    a = ap.parse_args()
    bad = []

    with open(a.file, encoding="utf-8") as f:
        doc = json.load(f)
    evs = doc.get("traceEvents")
    if not isinstance(evs, list) or not evs:
        print("FAIL: no traceEvents list")
        return 1

    names = {}      # (pid, tid) -> thread name
    procs = {}
    for i, e in enumerate(evs):
        for k in ("ph", "pid", "tid", "ts"):
            if k not in e:
                bad.append("event %d has no %s: %r" % (i, k, e))
        if not isinstance(e.get("ts"), (int, float)) or e["ts"] < 0:
            bad.append("event %d: bad ts: %r" % (i, e))
        if e.get("ph") == "M":
            if e["name"] == "thread_name":
                names[(e["pid"], e["tid"])] = e["args"]["name"]
            elif e["name"] == "process_name":
                procs[e["pid"]] = e["args"]["name"]
        if e.get("ph") == "X" and (not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0):
            bad.append("event %d: bad dur: %r" % (i, e))
    if procs.get(1) != "Ps" or procs.get(2) != "Ms":
        bad.append("process names are not Ps and Ms: %r" % procs)
    for e in evs:
        if e.get("ph") in ("X", "i") and (e["pid"], e["tid"]) not in names:
            bad.append("track %r has no thread_name" % ((e["pid"], e["tid"]),))
            break
        if a.procs is not None and e.get("pid") == 1 and e.get("tid", 0) >= a.procs:
            bad.append("a P track beyond GOMAXPROCS=%d: %r" % (a.procs, e))
            break

    # Per goroutine: its instants in file order (the writer emits them in
    # time order) and its running slices.
    inst = collections.defaultdict(list)
    runs = collections.defaultdict(list)
    seen = collections.Counter()
    reasons = collections.Counter()
    for e in evs:
        if e.get("ph") == "i":
            seen[e["name"]] += 1
            g = e.get("args", {}).get("g")
            if g:
                inst[g].append(e)
            if e["name"] == "GoBlock":
                reasons[e["args"].get("reason", "")] += 1
        elif e.get("ph") == "X" and e.get("cat") == "goroutine":
            runs[e["args"]["g"]].append((e["ts"], e["ts"] + e["dur"]))
    first_ok = ("GoCreate",)
    state_names = {"GoCreate", "GoBlock", "GoUnblock", "GoWaiting", "GoSched", "GoPreempt", "GoEnd",
                   "GoSysCall", "GoSysExit", "GoInSyscall"}
    blocked_at_end = 0
    nblock = 0
    for g, lst in sorted(inst.items()):
        last = -1.0
        for e in lst:
            if e["ts"] < last:
                bad.append("G%d: events out of order at ts %.3f (after %.3f): %s" % (g, e["ts"], last, e["name"]))
            last = e["ts"]
        states = [e for e in lst if e["name"] in state_names]
        if not states:
            continue
        if states[0]["name"] not in first_ok:
            bad.append("G%d: first event is %s, not GoCreate" % (g, states[0]["name"]))
        blocked_since = None
        intervals = []
        ended = False
        for e in states:
            n = e["name"]
            if ended:
                bad.append("G%d: %s after GoEnd" % (g, n))
            if n in ("GoBlock", "GoWaiting"):
                nblock += 1
                if blocked_since is not None:
                    bad.append("G%d: %s at %.3f while blocked since %.3f" % (g, n, e["ts"], blocked_since))
                blocked_since = e["ts"]
            elif n == "GoUnblock":
                if blocked_since is None:
                    bad.append("G%d: GoUnblock at %.3f without a GoBlock" % (g, e["ts"]))
                else:
                    intervals.append((blocked_since, e["ts"]))
                blocked_since = None
            elif blocked_since is not None and n != "GoCreate":
                bad.append("G%d: %s at %.3f while blocked since %.3f" % (g, n, e["ts"], blocked_since))
            if n == "GoEnd":
                ended = True
        if blocked_since is not None:
            blocked_at_end += 1
            intervals.append((blocked_since, float("inf")))
        rs = sorted(runs.get(g, []))
        for (s1, e1), (s2, e2) in zip(rs, rs[1:]):
            if s2 < e1 - 1e-3:
                bad.append("G%d: runs overlap: [%.3f, %.3f] and [%.3f, %.3f]" % (g, s1, e1, s2, e2))
        for (s, e) in rs:
            for (bs, be) in intervals:
                if s > bs + 1e-3 and s < be - 1e-3:
                    bad.append("G%d: runs at %.3f while blocked [%.3f, %.3f]" % (g, s, bs, be))

    # Flows: who readied whom.
    starts, finishes = {}, {}
    for e in evs:
        if e.get("ph") == "s":
            if e["id"] in starts:
                bad.append("flow %r starts twice" % e["id"])
            starts[e["id"]] = e
        elif e.get("ph") == "f":
            if e["id"] in finishes:
                bad.append("flow %r ends twice" % e["id"])
            finishes[e["id"]] = e
    for fid, f in finishes.items():
        s = starts.get(fid)
        if s is None:
            bad.append("flow %r ends without a start" % fid)
        elif f["ts"] < s["ts"]:
            bad.append("flow %r ends at %.3f before it starts at %.3f" % (fid, f["ts"], s["ts"]))
    for fid, s in starts.items():
        if fid in finishes:
            continue
        g = s.get("args", {}).get("g")
        later = [r for r in runs.get(g, []) if r[0] >= s["ts"]]
        if later:
            bad.append("flow %r (G%s) has no end though G%s ran at %.3f" % (fid, g, g, later[0][0]))

    for r in filter(None, a.expect_reasons.split(",")):
        if reasons[r] == 0:
            bad.append("no GoBlock with reason %r (reasons: %r)" % (r, dict(reasons)))
    for n in filter(None, a.expect.split(",")):
        if seen[n] == 0:
            bad.append("no %s event (events: %r)" % (n, dict(seen)))
    if blocked_at_end < a.blocked_at_end:
        bad.append("%d goroutines blocked at the end, wanted at least %d" % (blocked_at_end, a.blocked_at_end))
    if nblock == 0:
        bad.append("no goroutine ever blocked")

    if bad:
        for b in bad[:40]:
            print("FAIL:", b)
        if len(bad) > 40:
            print("... and %d more" % (len(bad) - 40))
        return 1
    print("ok: %d events, %d goroutines, %d blocks, %d flows, %d blocked at the end"
          % (len(evs), len(inst), nblock, len(finishes), blocked_at_end))
    return 0


if __name__ == "__main__":
    sys.exit(main())
