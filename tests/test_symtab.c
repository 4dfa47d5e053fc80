/*
 * test_symtab.c - the DWARF line-table reader of goroutine reports
 * (src/symtab.c): pc -> file:line for this program's own functions, in
 * a DWARF 5 unit and a DWARF 4 one (symtab_dwarf4.c), and no crash, no
 * read outside the section and no false answer-shaped garbage on
 * truncated or corrupted line tables and inlined-call entries (the asan
 * leg checks the reads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gort.h>
#include <cmocka.h>

#include "os.h"
#include "symtab.h"
#include "symtab_test.h"

static NOINLINE int here_line(void) { return __LINE__; }        /* the one line */

/* exedwarf is the line table of the object that holds fn (this program). */
static dwarf *exedwarf(void *fn, uintptr_t *bias)
{
    objinfo oi;
    assert_true(gort__os_findobj(fn, &oi));
    assert_non_null(oi.path);
    assert_non_null(oi.dw);
    *bias = oi.bias;
    return oi.dw;
}

static bool endswith(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* A function's first instruction is on the line it is defined on. */
static void test_pcline_dwarf5(void **state)
{
    (void)state;
    uintptr_t bias;
    dwarf *d = exedwarf((void *)here_line, &bias);
    char file[512];
    int32_t line = 0;
    assert_true(gort__dwarf_pcline(d, (uintptr_t)here_line - bias, file, sizeof file, &line));
    print_message("here_line: %s:%d\n", file, (int)line);
    assert_true(endswith(file, "/tests/test_symtab.c"));
    assert_int_equal(line, here_line());
    /* A second look-up, through the index built by the first. */
    line = 0;
    assert_true(gort__dwarf_pcline(d, (uintptr_t)here_line - bias, file, sizeof file, &line));
    assert_int_equal(line, here_line());
}

static void test_pcline_dwarf4(void **state)
{
    (void)state;
    uintptr_t bias;
    dwarf *d = exedwarf((void *)symtab_dwarf4_line, &bias);
    char file[512];
    int32_t line = 0;
    assert_true(gort__dwarf_pcline(d, (uintptr_t)symtab_dwarf4_line - bias, file, sizeof file, &line));
    print_message("symtab_dwarf4_line: %s:%d\n", file, (int)line);
    assert_true(endswith(file, "/tests/symtab_dwarf4.c"));
    assert_int_equal(line, symtab_dwarf4_line());
}

/* A file name longer than the buffer is cut, still NUL-terminated. */
static void test_pcline_short_buffer(void **state)
{
    (void)state;
    uintptr_t bias;
    dwarf *d = exedwarf((void *)here_line, &bias);
    char file[8];
    int32_t line = 0;
    memset(file, 'x', sizeof file);
    assert_true(gort__dwarf_pcline(d, (uintptr_t)here_line - bias, file, sizeof file, &line));
    assert_int_equal(strlen(file), sizeof file - 1);
    assert_int_equal(line, here_line());
}

/* An address no unit covers: false. */
static void test_pcline_nowhere(void **state)
{
    (void)state;
    uintptr_t bias;
    dwarf *d = exedwarf((void *)here_line, &bias);
    char file[64];
    int32_t line = 0;
    assert_false(gort__dwarf_pcline(d, 0, file, sizeof file, &line));
    assert_false(gort__dwarf_pcline(d, UINT64_MAX - 1, file, sizeof file, &line));
}

/* lookup runs a look-up in a copy of the line table made of the n bytes
 * at p, in its own allocation of exactly n bytes (so that AddressSanitizer
 * sees any read past it), and checks that an answer is a sane one. */
static void lookup(const dwarf *orig, const uint8_t *p, size_t n, uint64_t addr)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, p, n);
    dwarf d;
    memset(&d, 0, sizeof d);
    d.line = (dwsect){copy, n};
    d.line_str = orig->line_str;
    d.str = orig->str;
    char file[256];
    int32_t line = -1;
    if (gort__dwarf_pcline(&d, addr, file, sizeof file, &line)) {
        assert_true(line > 0);
        assert_true(strlen(file) < sizeof file);
    }
    free(copy);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Truncated tables, cut anywhere (at most 400 cuts, evenly). */
static void test_pcline_truncated(void **state)
{
    (void)state;
    uintptr_t bias;
    const dwarf *d = exedwarf((void *)here_line, &bias);
    uint64_t addr = (uintptr_t)here_line - bias;
    size_t n = (size_t)d->line.n, step = n / 400 + 1;
    for (size_t cut = 0; cut < n; cut += step)
        lookup(d, d->line.p, cut, addr);
    /* Cut just inside the first unit, byte by byte. */
    for (size_t cut = 0; cut < 200 && cut < n; cut++)
        lookup(d, d->line.p, cut, addr);
}

/* Corrupted tables: a few bytes changed anywhere; and pure garbage. */
static void test_pcline_garbage(void **state)
{
    (void)state;
    uintptr_t bias;
    const dwarf *d = exedwarf((void *)here_line, &bias);
    uint64_t addr = (uintptr_t)here_line - bias;
    size_t n = (size_t)d->line.n;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    for (int round = 0; round < 300; round++) {
        memcpy(buf, d->line.p, n);
        int flips = 1 + (int)(next() % 8);
        for (int i = 0; i < flips; i++) {
            /* Mostly in the first units' headers, where it matters most. */
            size_t at = (size_t)(next() % (round % 2 ? n : (n < 512 ? n : 512)));
            buf[at] = (uint8_t)next();
        }
        lookup(d, buf, n, round % 3 ? addr : next() % (addr * 2 + 1));
    }
    for (int round = 0; round < 100; round++) {
        size_t len = (size_t)(next() % 4096);
        for (size_t i = 0; i < len; i++)
            buf[i % n] = (uint8_t)next();
        /* A plausible header first: a length that fits, version 2-5. */
        if (len >= 8) {
            uint32_t ul = (uint32_t)(len - 4);
            memcpy(buf, &ul, 4);
            buf[4] = (uint8_t)(2 + round % 4);
            buf[5] = 0;
        }
        lookup(d, buf, len < n ? len : n, addr);
    }
    free(buf);
}

/* inlines runs gort__dwarf_inlines on copies of .debug_info and
 * .debug_abbrev made of the bytes given, each in an allocation of its
 * exact size, and checks that what it returns is sane. */
static void inlines(const dwarf *orig, const uint8_t *info, size_t ni, const uint8_t *abbrev, size_t na,
                    uint64_t addr)
{
    uint8_t *ci = malloc(ni ? ni : 1), *ca = malloc(na ? na : 1);
    assert_non_null(ci);
    assert_non_null(ca);
    memcpy(ci, info, ni);
    memcpy(ca, abbrev, na);
    dwarf d = *orig;
    d.info = (dwsect){ci, ni};
    d.abbrev = (dwsect){ca, na};
    dwinl out[8];
    uint64_t stmt = 0;
    int n = gort__dwarf_inlines(&d, addr, out, 8, &stmt);
    assert_true(n >= 0 && n <= 8);
    for (int i = 0; i < n; i++) {
        assert_non_null(out[i].name);
        assert_true(out[i].line >= 0);
        char file[128];
        if (gort__dwarf_filename(&d, stmt, out[i].file, file, sizeof file))
            assert_true(strlen(file) < sizeof file);
    }
    free(ci);
    free(ca);
}

/* The inlined-call reader on truncated and corrupted .debug_info and
 * .debug_abbrev (the unit found through the intact .debug_aranges). */
static void test_inlines_garbage(void **state)
{
    (void)state;
    uintptr_t bias;
    const dwarf *d = exedwarf((void *)here_line, &bias);
    if (d->info.p == NULL || d->abbrev.p == NULL || d->aranges.p == NULL) {
        print_message("no .debug_info/.debug_abbrev/.debug_aranges: nothing to corrupt\n");
        return;
    }
    uint64_t addrs[2] = {(uintptr_t)here_line - bias, (uintptr_t)symtab_dwarf4_line - bias};
    size_t ni = (size_t)d->info.n, na = (size_t)d->abbrev.n;
    for (size_t cut = 0; cut < ni; cut += ni / 300 + 1)
        inlines(d, d->info.p, cut, d->abbrev.p, na, addrs[cut % 2]);
    for (size_t cut = 0; cut < na; cut += na / 100 + 1)
        inlines(d, d->info.p, ni, d->abbrev.p, cut, addrs[cut % 2]);
    uint8_t *bi = malloc(ni), *ba = malloc(na);
    assert_non_null(bi);
    assert_non_null(ba);
    for (int round = 0; round < 300; round++) {
        memcpy(bi, d->info.p, ni);
        memcpy(ba, d->abbrev.p, na);
        int flips = 1 + (int)(next() % 8);
        for (int i = 0; i < flips; i++) {
            if (round % 2)
                bi[next() % ni] = (uint8_t)next();
            else
                ba[next() % na] = (uint8_t)next();
        }
        inlines(d, bi, ni, ba, na, addrs[round % 2]);
    }
    free(bi);
    free(ba);
}

void main_main(void)
{
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcline_dwarf5),
        cmocka_unit_test(test_pcline_dwarf4),
        cmocka_unit_test(test_pcline_short_buffer),
        cmocka_unit_test(test_pcline_nowhere),
        cmocka_unit_test(test_pcline_truncated),
        cmocka_unit_test(test_pcline_garbage),
        cmocka_unit_test(test_inlines_garbage),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
