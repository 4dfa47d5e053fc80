/* symtab_dwarf4.c - a function in a unit of DWARF version 4 (this file is
 * built with -gdwarf-4), for test_symtab's look-ups of the older tables. */
#include "symtab_test.h"

NOINLINE int symtab_dwarf4_line(void) { return __LINE__; }      /* the one line */
