/*
 * noboot_child: a program that defines main as well as main_main, the
 * common mistake of a new user: its main shadows the runtime's entry
 * stub, so the runtime never starts and main_main never runs.  The gort
 * call named by argv[1] must end at once with the fatal error that says
 * so (tests/CMakeLists.txt checks it), whatever the call:
 *
 *   go, chan, select, sleep, timer, mutex, waitgroup, gosched,
 *   gomaxprocs, lockosthread, panic, listen, goexit, defer
 */
#include <gort.h>
#include <stdio.h>
#include <string.h>

void main_main(void)
{
    printf("main_main ran\n");
}

static void nop(void *arg)
{
    (void)arg;
}

int main(int argc, char **argv)
{
    const char *s = argc > 1 ? argv[1] : "";
    printf("main: %s\n", s);
    fflush(stdout);
    if (strcmp(s, "go") == 0) {
        gort_go(nop, NULL);
    } else if (strcmp(s, "chan") == 0) {
        gort_chan *c = gort_chan_make(sizeof(int), 1);
        int v = 1;
        gort_chan_send(c, &v);
    } else if (strcmp(s, "select") == 0) {
        gort_chan *c = gort_chan_make(0, 0);
        gort_case cs = {c, GORT_RECV, NULL, false};
        gort_select(&cs, 1, false);
    } else if (strcmp(s, "sleep") == 0) {
        gort_sleep(GORT_MILLISECOND);
    } else if (strcmp(s, "timer") == 0) {
        gort_timer_new(GORT_SECOND);
    } else if (strcmp(s, "mutex") == 0) {
        static gort_mutex mu;
        gort_mutex_lock(&mu);
        gort_mutex_lock(&mu);       /* the second one waits */
    } else if (strcmp(s, "waitgroup") == 0) {
        static gort_waitgroup wg;
        gort_waitgroup_add(&wg, 1);
        gort_waitgroup_wait(&wg);
    } else if (strcmp(s, "gosched") == 0) {
        gort_gosched();
    } else if (strcmp(s, "gomaxprocs") == 0) {
        gort_gomaxprocs(2);
    } else if (strcmp(s, "lockosthread") == 0) {
        gort_lockosthread();
    } else if (strcmp(s, "panic") == 0) {
        gort_panic("boom");
    } else if (strcmp(s, "listen") == 0) {
        gort_listen("tcp", "127.0.0.1:0");
    } else if (strcmp(s, "goexit") == 0) {
        gort_goexit();
    } else if (strcmp(s, "defer") == 0) {
        gort_defer(nop, NULL);
    }
    printf("main: returned\n");
    return 0;
}
