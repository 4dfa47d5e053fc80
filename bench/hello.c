/*
 * hello: the gort hello-world program whose start-to-exit time run.sh
 * measures from outside (with exectime), against hello_c.c and Go's.
 */
#include <gort.h>
#include <stdio.h>

void main_main(void)
{
    puts("hello, world");
}
