// spawn on Boost.Fiber: fibers that do nothing but count down a
// WaitGroup-like counter (fiber mutex + condition variable).  Prints
// ns_per_op, per fiber (start, run, exit).
#include "peer.hpp"

int main(int argc, char **argv)
{
    long n = peer_size(argc, argv, 1000000);
    double el = 0;
    peer_run([&] {
        boost::fibers::mutex mu;
        boost::fibers::condition_variable cv;
        long left = n;
        double t0 = peer_now();
        for (long i = 0; i < n; i++)
            boost::fibers::fiber([&] {
                std::unique_lock<boost::fibers::mutex> lk(mu);
                if (--left == 0)
                    cv.notify_one();
            }).detach();
        std::unique_lock<boost::fibers::mutex> lk(mu);
        cv.wait(lk, [&] { return left == 0; });
        el = peer_now() - t0;
    });
    peer_report(el / (double)n);
}
