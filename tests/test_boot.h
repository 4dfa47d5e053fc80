/*
 * test_boot.h - what test_boot's two translation units share.
 */
#ifndef GORT_TEST_BOOT_H
#define GORT_TEST_BOOT_H

/* boot_record_init logs an init function's run (test_boot.c keeps the log). */
void boot_record_init(const char *name);

#endif
