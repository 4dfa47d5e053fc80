/*
 * test_boot_init2.c - the second translation unit of test_boot: its init
 * functions must run after all of test_boot.c's (link order across
 * translation units; test_boot.c is listed first in SOURCES) and in source
 * order among themselves.  test_boot.c checks the log they write.
 */
#include <gort.h>

#include "test_boot.h"

GORT_INIT(init_d)
{
    boot_record_init("d");
}

GORT_INIT(init_e)
{
    boot_record_init("e");
}
