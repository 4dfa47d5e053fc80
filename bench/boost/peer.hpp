// peer.hpp - what the Boost.Fiber peers of bench/ share: the size
// argument, the result line, and the scheduler a user would pick:
// round_robin on one thread at GOMAXPROCS=1, work_stealing on
// GOMAXPROCS threads otherwise (bench/run.sh sets GOMAXPROCS for them
// as for gort and Go).  peer_run(fn) runs fn on a fiber of the main
// thread with the helper threads taking part in the stealing.
#ifndef GORT_BENCH_PEER_HPP
#define GORT_BENCH_PEER_HPP

#include <boost/fiber/all.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

static inline long peer_size(int argc, char **argv, long dflt)
{
    long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
    return n > 0 ? n : dflt;
}

static inline int peer_procs()
{
    const char *s = std::getenv("GOMAXPROCS");
    int n = s ? std::atoi(s) : 0;
    return n > 0 ? n : 2;
}

static inline void peer_report(double v)
{
    std::printf("ns_per_op=%.2f\n", v);
    std::fflush(stdout);
}

static inline double peer_now()
{
    return std::chrono::duration<double, std::nano>(
        std::chrono::steady_clock::now().time_since_epoch()).count();
}

static inline void peer_run(const std::function<void()> &fn)
{
    int procs = peer_procs();
    if (procs == 1) {
        boost::fibers::use_scheduling_algorithm<boost::fibers::algo::round_robin>();
        fn();
        return;
    }
    static boost::fibers::mutex mu;
    static boost::fibers::condition_variable cv;
    static bool done = false;
    std::vector<std::thread> ts;
    for (int i = 1; i < procs; i++)
        ts.emplace_back([procs] {
            boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(procs);
            std::unique_lock<boost::fibers::mutex> lk(mu);
            cv.wait(lk, [] { return done; });
        });
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(procs);
    fn();
    {
        std::unique_lock<boost::fibers::mutex> lk(mu);
        done = true;
    }
    cv.notify_all();
    for (auto &t : ts)
        t.join();
}

#endif
