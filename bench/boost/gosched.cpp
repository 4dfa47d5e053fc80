// gosched on Boost.Fiber: two fibers calling this_fiber::yield in turn.
// Prints ns_per_op, per yield.
#include "peer.hpp"

int main(int argc, char **argv)
{
    long n = peer_size(argc, argv, 1000000);
    double el = 0;
    peer_run([&] {
        double t0 = peer_now();
        boost::fibers::fiber f([n] {
            for (long i = 0; i < n; i++)
                boost::this_fiber::yield();
        });
        for (long i = 0; i < n; i++)
            boost::this_fiber::yield();
        f.join();
        el = peer_now() - t0;
    });
    peer_report(el / (2.0 * (double)n));
}
