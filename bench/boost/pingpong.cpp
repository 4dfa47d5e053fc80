// pingpong on Boost.Fiber: a value to another fiber and back over two
// unbuffered channels.  Prints ns_per_op, per round trip.
#include "peer.hpp"

int main(int argc, char **argv)
{
    long n = peer_size(argc, argv, 1000000);
    double el = 0;
    long sum = 0;
    peer_run([&] {
        boost::fibers::unbuffered_channel<long> ping, pong;
        double t0 = peer_now();
        boost::fibers::fiber f([&] {
            long v;
            while (ping.pop(v) == boost::fibers::channel_op_status::success)
                pong.push(v);
        });
        for (long i = 0; i < n; i++) {
            long v;
            ping.push(i);
            pong.pop(v);
            sum += v;
        }
        el = peer_now() - t0;
        ping.close();
        f.join();
    });
    if (sum != n * (n - 1) / 2) {
        std::fprintf(stderr, "FAIL: pingpong: wrong sum\n");
        return 1;
    }
    peer_report(el / (double)n);
}
