/*
 * symtab.h - the DWARF line tables that map a pc to file:line in reports,
 * shared by symtab.c (the reader) and the OS layers (which find an
 * object's sections in its ELF or PE file).  Go's symtab.go answers the
 * same question from its own pclntab.
 */
#ifndef GORT_SYMTAB_H
#define GORT_SYMTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* dwsect is one section's bytes, as mapped from the object's file. */
typedef struct dwsect {
    const uint8_t *p;
    uint64_t n;
} dwsect;

/* dwarf is what the reader needs of one object: its line programs
 * (.debug_line), the strings that DWARF 5 file tables point into
 * (.debug_line_str, .debug_str), the units' entries that describe
 * inlined calls (.debug_info, .debug_abbrev, .debug_aranges and the
 * range lists), and an index of its units' address
 * ranges that gort__dwarf_pcline builds on first use (state: 0 not
 * built, 1 being built, 2 built). */
typedef struct dwarf {
    dwsect line, line_str, str;
    dwsect info, abbrev, aranges, rnglists, ranges;    /* for inlined calls */
    _Atomic int state;
    uint32_t first, nunits;     /* the index: dwunits[first, first+nunits) */
    bool noindex;               /* too many units for the index: scan them all */
} dwarf;

/* gort__dwarf_section keeps sec in d when name is one of the sections
 * above (".debug_line", ...); false, and d unchanged, for any other. */
bool gort__dwarf_section(dwarf *d, const char *name, dwsect sec);

/* obj is a loaded object (the executable or a shared library) as the
 * reports see it, the part the OS layers keep alike: each one's record
 * of an object (os_linux.c's elfobj, os_windows.c's peobj) starts with
 * one.  path is its file; bias makes a pc an address as the file numbers
 * it (pc - bias); dw its line table and the rest, found when its file is
 * mapped on the first report that needs it.  state: 0 not mapped yet, 1
 * being mapped, 2 done (whatever it found).  The OS layer's findobj,
 * gort__os_obj (os.h), is the only per-OS piece; gort__os_findobj
 * (symtab.c) answers from it. */
typedef struct obj {
    const char *path;
    uintptr_t bias;
    _Atomic int state;
    dwarf dw;
} obj;

/* gort__objmap maps o's file with map, once: whoever moves o->state
 * from 0 to 1 calls it and then sets 2.  A report that finds another
 * one mapping it (there is one report at a time, but a signal may
 * interrupt it) does not wait: it uses what is already there. */
void gort__objmap(obj *o, void (*map)(obj *o));

/* gort__dwarf_pcline looks addr (an address as the object's file numbers
 * them: the pc minus the object's load bias) up in d's line table.  It
 * fills file (the source's path, directory and name joined) and *line,
 * and returns true, when a row covers addr; false when none does or the
 * table is malformed.  It allocates nothing, takes no lock and does
 * bounded work (a pass over .debug_line at most, the first time; the one
 * unit that covers addr after that): reports may call it from a signal
 * handler. */
bool gort__dwarf_pcline(dwarf *d, uint64_t addr, char *file, size_t n, int32_t *line);

/* dwinl is one inlined call that covers an address: the inlined
 * function's name and the place of the call (a file index of the unit's
 * line table, and a line). */
typedef struct dwinl {
    const char *name;
    uint64_t file;
    int32_t line;
} dwinl;

/* gort__dwarf_inlines finds the inlined calls whose code covers addr,
 * outermost first (out[0] was inlined into the function that holds
 * addr; the innermost is the code at addr): at most max of them; *stmt
 * is the offset of their unit's line program, for
 * gort__dwarf_filename.  Returns how many (0: none, or no .debug_info
 * or .debug_aranges to say).  Same rules as gort__dwarf_pcline: no
 * allocation, no lock, bounded work (one unit's entries), any malformed
 * input ends it. */
int gort__dwarf_inlines(dwarf *d, uint64_t addr, dwinl *out, int max, uint64_t *stmt);
/* gort__dwarf_filename fills buf with the path of file index fi of the
 * line program at offset stmt. */
bool gort__dwarf_filename(dwarf *d, uint64_t stmt, uint64_t fi, char *buf, size_t n);

#endif
