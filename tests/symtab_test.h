/* symtab_test.h - what test_symtab.c and symtab_dwarf4.c share. */
#ifndef GORT_SYMTAB_TEST_H
#define GORT_SYMTAB_TEST_H

#define NOINLINE __attribute__((noinline))

/* Returns the number of the line it is defined on, all on that line. */
int symtab_dwarf4_line(void);

#endif
