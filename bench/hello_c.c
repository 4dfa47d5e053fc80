/*
 * hello_c: a plain C hello world, built without gort: the baseline for
 * the start-to-exit time of bench/hello.c.
 */
#include <stdio.h>

int main(void)
{
    puts("hello, world");
    return 0;
}
