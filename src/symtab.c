/*
 * symtab.c - pc to file:line for goroutine reports, from the DWARF line
 * table (.debug_line) that the compiler writes into the object's file.
 * Go's runtime/symtab.go (funcline) answers it from Go's own pclntab; the
 * reader here follows the DWARF 2-5 specifications (section 6.2) and Go's
 * debug/dwarf/line.go, rewritten for a signal handler.
 *
 * How it works.  .debug_line is a sequence of units, one per compiled
 * file.  Each has a header (the state machine's parameters, a directory
 * table and a file table) and a line program: a byte code whose run
 * emits rows (address, file, line), in increasing address order within
 * each sequence, a sequence ending with an end_sequence row that gives
 * its end address.  A row covers the addresses from its own up to the
 * next row's.  To look a pc up, run the program of the unit that covers
 * it and keep the last row at or below the pc.  Which unit covers it:
 * the first lookup in an object runs every unit once and records the
 * lowest and highest address of its sequences in a static index
 * (dwunits, shared by all objects, handed out by an atomic bump); a
 * lookup then runs only the units whose range holds the pc, usually one.
 * (.debug_aranges would give the same from .debug_info's unit offsets,
 * but needs .debug_info's abbreviations to find each unit's line
 * program: the one pass is simpler and costs a few milliseconds once.)
 * File names are resolved only for the row found, by walking the file
 * and directory tables again: nothing is stored.
 *
 * Why it is safe in a signal handler, on any input: it allocates
 * nothing, takes no lock, calls nothing but memcpy and strlen on bytes
 * it has bounds-checked, and every read goes through struct rd, which
 * checks each access against the end of its section and turns an
 * overrun into a sticky error that ends the lookup with false (the
 * report then prints exe+offset).  Every loop advances through its
 * section or ends: work is linear in the section's size.  The index is
 * built by whoever first sets d->state from 0 to 1; a lookup that finds
 * another one building it (1) scans the units instead of waiting.
 *
 * The second half of the file finds the inlined calls at a pc, from
 * .debug_info (its own essay there).
 *
 * Versions: 2, 3 and 4 (include_directories and file_names as strings),
 * and 5 (tables described by entry formats: DW_FORM_string, line_strp,
 * strp, udata, data1/2/4/8/16 and block; an MD5 is data16).  32- and
 * 64-bit DWARF.  Not read: compressed sections (SHF_COMPRESSED, the OS
 * layer leaves them out), string forms indexed through .debug_str_offsets
 * (strx: the lookup fails), separate debug files (.gnu_debuglink).
 */
#include <string.h>

#include "os.h"
#include "symtab.h"

#define nelem(a) (sizeof(a) / sizeof((a)[0]))

/* The index, for all objects: a unit's offset in .debug_line and the
 * addresses its sequences cover. */
typedef struct dwunit {
    uint64_t off;
    uint64_t lo, hi;
} dwunit;

enum { NDWUNITS = 8192 };
static dwunit dwunits[NDWUNITS];
static _Atomic uint32_t ndwunits;

/* rd reads a section with bounds checks; err is sticky. */
typedef struct rd {
    const uint8_t *p, *end;
    bool err;
} rd;

static bool need(rd *r, uint64_t n)
{
    if (r->err || (uint64_t)(r->end - r->p) < n) {
        r->err = true;
        r->p = r->end;
        return false;
    }
    return true;
}

static uint64_t uN(rd *r, unsigned n)
{
    if (!need(r, n))
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);     /* little-endian: amd64 */
    r->p += n;
    return v;
}

static void skip(rd *r, uint64_t n)
{
    if (need(r, n))
        r->p += n;
}

static uint64_t uleb(rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (!need(r, 1))
            return 0;
        uint8_t b = *r->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0)
            return v;
    }
}

static int64_t sleb(rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        if (!need(r, 1))
            return 0;
        b = *r->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

/* cstr reads a NUL-terminated string in place. */
static const char *cstr(rd *r)
{
    if (r->err)
        return NULL;
    const uint8_t *q = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (q == NULL) {
        r->err = true;
        r->p = r->end;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p = q + 1;
    return s;
}

/* strat is the string at offset off of section s, or NULL. */
static const char *strat(const dwsect *s, uint64_t off)
{
    if (s->p == NULL || off >= s->n || memchr(s->p + off, 0, (size_t)(s->n - off)) == NULL)
        return NULL;
    return (const char *)s->p + off;
}

/* The DWARF forms a version 5 directory or file entry may use. */
enum {
    DW_FORM_block2 = 0x03, DW_FORM_block4 = 0x04, DW_FORM_data2 = 0x05, DW_FORM_data4 = 0x06,
    DW_FORM_data8 = 0x07, DW_FORM_string = 0x08, DW_FORM_block = 0x09, DW_FORM_block1 = 0x0a,
    DW_FORM_data1 = 0x0b, DW_FORM_sdata = 0x0d, DW_FORM_strp = 0x0e, DW_FORM_udata = 0x0f,
    DW_FORM_data16 = 0x1e, DW_FORM_line_strp = 0x1f,
};
/* Content types of those entries. */
enum { DW_LNCT_path = 1, DW_LNCT_directory_index = 2 };

/* A unit's header, parsed. */
typedef struct lhdr {
    const dwarf *d;
    unsigned version, offsize;
    uint8_t mininst, defstmt, linerange, opbase;
    int8_t linebase;
    const uint8_t *stdlens;     /* opbase-1 operand counts */
    rd dirs, files;             /* the tables, and the end of the header */
    rd prog;                    /* the line program, to the unit's end */
    uint64_t next;              /* offset of the next unit */
} lhdr;

/* formval reads one value of a v5 entry: a string (*s) or a number
 * (*v); false for a form it cannot read. */
static bool formval(const lhdr *h, rd *r, uint64_t form, const char **s, uint64_t *v)
{
    *s = NULL;
    *v = 0;
    switch (form) {
    case DW_FORM_string: *s = cstr(r); break;
    case DW_FORM_line_strp: *s = strat(&h->d->line_str, uN(r, h->offsize)); break;
    case DW_FORM_strp: *s = strat(&h->d->str, uN(r, h->offsize)); break;
    case DW_FORM_udata: *v = uleb(r); break;
    case DW_FORM_sdata: *v = (uint64_t)sleb(r); break;
    case DW_FORM_data1: *v = uN(r, 1); break;
    case DW_FORM_data2: *v = uN(r, 2); break;
    case DW_FORM_data4: *v = uN(r, 4); break;
    case DW_FORM_data8: *v = uN(r, 8); break;
    case DW_FORM_data16: skip(r, 16); break;
    case DW_FORM_block: skip(r, uleb(r)); break;
    case DW_FORM_block1: skip(r, uN(r, 1)); break;
    case DW_FORM_block2: skip(r, uN(r, 2)); break;
    case DW_FORM_block4: skip(r, uN(r, 4)); break;
    default: return false;      /* strx and the like: not ours */
    }
    return !r->err;
}

/* v5table walks a directory or file table (r at its entry format count)
 * to entry idx (or to its end when idx is UINT64_MAX), giving that
 * entry's path and directory index.  r is left after the table. */
static bool v5table(const lhdr *h, rd *r, uint64_t idx, const char **path, uint64_t *dir)
{
    uint8_t nfmt = (uint8_t)uN(r, 1);
    rd fmt = *r;                /* the (content type, form) pairs */
    for (unsigned i = 0; i < nfmt; i++)
        uleb(r), uleb(r);
    uint64_t count = uleb(r);
    if (nfmt == 0 && count > 0)
        return false;           /* entries of no bytes: garbage */
    bool found = false;
    for (uint64_t e = 0; e < count && !r->err; e++) {
        rd f = fmt;
        for (unsigned i = 0; i < nfmt; i++) {
            uint64_t type = uleb(&f), form = uleb(&f);
            const char *s;
            uint64_t v;
            if (!formval(h, r, form, &s, &v))
                return false;
            if (e == idx && type == DW_LNCT_path)
                *path = s;
            if (e == idx && type == DW_LNCT_directory_index)
                *dir = v;
        }
        if (e == idx)
            found = true;
    }
    return !r->err && (found || idx == UINT64_MAX);
}

/* header parses the unit at offset off of .debug_line. */
static bool header(const dwarf *d, uint64_t off, lhdr *h)
{
    memset(h, 0, sizeof *h);
    h->d = d;
    if (off >= d->line.n)
        return false;
    rd r = {d->line.p + off, d->line.p + d->line.n, false};
    uint64_t len = uN(&r, 4);
    h->offsize = 4;
    if (len == 0xffffffff) {
        len = uN(&r, 8);
        h->offsize = 8;
    } else if (len >= 0xfffffff0) {
        return false;           /* reserved lengths */
    }
    if (r.err || len > (uint64_t)(r.end - r.p) || len < 2)
        return false;
    rd unit = {r.p, r.p + len, false};
    h->next = (uint64_t)(unit.end - d->line.p);
    h->version = (unsigned)uN(&unit, 2);
    if (h->version < 2 || h->version > 5)
        return false;
    if (h->version >= 5) {
        uint8_t addrsize = (uint8_t)uN(&unit, 1);
        uN(&unit, 1);           /* segment selector size */
        if (addrsize != 8)
            return false;
    }
    uint64_t hlen = uN(&unit, h->offsize);
    if (unit.err || hlen > (uint64_t)(unit.end - unit.p))
        return false;
    const uint8_t *progstart = unit.p + hlen;
    rd hd = {unit.p, progstart, false};
    h->mininst = (uint8_t)uN(&hd, 1);
    if (h->version >= 4)
        uN(&hd, 1);             /* maximum_operations_per_instruction: 1 on amd64 */
    h->defstmt = (uint8_t)uN(&hd, 1);
    h->linebase = (int8_t)uN(&hd, 1);
    h->linerange = (uint8_t)uN(&hd, 1);
    h->opbase = (uint8_t)uN(&hd, 1);
    if (hd.err || h->linerange == 0 || h->opbase == 0)
        return false;
    h->stdlens = hd.p;
    skip(&hd, h->opbase - 1u);
    h->dirs = hd;
    if (h->version >= 5) {
        const char *p;
        uint64_t di;
        if (!v5table(h, &hd, UINT64_MAX, &p, &di))
            return false;
    } else {
        for (const char *s; (s = cstr(&hd)) != NULL && *s;)
            ;
    }
    h->files = hd;
    if (hd.err)
        return false;
    h->prog = (rd){progstart, unit.end, false};
    return true;
}

/* dirname is directory di of h's table, or NULL (v2-4: 0 is the
 * compilation directory, which only .debug_info knows). */
static const char *dirname(const lhdr *h, uint64_t di)
{
    rd r = h->dirs;
    if (h->version >= 5) {
        const char *p = NULL;
        uint64_t unused;
        return v5table(h, &r, di, &p, &unused) ? p : NULL;
    }
    if (di == 0)
        return NULL;
    for (uint64_t i = 1;; i++) {
        const char *s = cstr(&r);
        if (s == NULL || *s == 0)
            return NULL;
        if (i == di)
            return s;
    }
}

/* filename joins file fi's directory and name into buf. */
static bool filename(const lhdr *h, uint64_t fi, char *buf, size_t n)
{
    const char *name = NULL;
    uint64_t di = 0;
    rd r = h->files;
    if (h->version >= 5) {
        if (!v5table(h, &r, fi, &name, &di))
            return false;
    } else {
        for (uint64_t i = 1; name == NULL; i++) {
            const char *s = cstr(&r);
            if (s == NULL || *s == 0)
                return false;   /* past the table (DW_LNE_define_file: not kept) */
            uint64_t d = uleb(&r);
            uleb(&r), uleb(&r);         /* mtime, length */
            if (i == fi)
                name = s, di = d;
        }
    }
    if (name == NULL || r.err)
        return false;
    /* A relative name is in its directory; a relative directory other
     * than the first (v5: the compilation directory) is in the first. */
    const char *parts[3] = {NULL, NULL, name};
    if (name[0] != '/') {
        parts[1] = dirname(h, di);
        if (parts[1] && parts[1][0] != '/' && di != 0 && h->version >= 5)
            parts[0] = dirname(h, 0);
    }
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        if (parts[i] == NULL || parts[i][0] == 0)
            continue;
        if (o > 0 && o + 1 < n && buf[o - 1] != '/')
            buf[o++] = '/';
        size_t l = strlen(parts[i]);
        if (l > n - 1 - o)
            l = n - 1 - o;
        memcpy(buf + o, parts[i], l);
        o += l;
    }
    buf[o] = 0;
    return o > 0;
}

/* run runs h's line program.  With want, it stops at the row covering
 * addr and gives its file and line; it also gives the lowest and highest
 * address of the unit's sequences (sequences at address 0, which the
 * linker leaves for discarded functions, do not count).  False: no row
 * covers addr, or the program is malformed. */
static bool run(lhdr *h, bool want, uint64_t addr, uint64_t *file, int64_t *line,
                uint64_t *lo, uint64_t *hi)
{
    rd *r = &h->prog;
    uint64_t a = 0, f = 1;
    int64_t l = 1;
    bool seqstart = true, seqzero = false;
    bool prevok = false;        /* the previous row, in this sequence */
    uint64_t pa = 0, pf = 0;
    int64_t pl = 0;
    *lo = UINT64_MAX;
    *hi = 0;
    while (!r->err && r->p < r->end) {
        uint8_t op = (uint8_t)uN(r, 1);
        bool emit = false, endseq = false;
        if (op >= h->opbase) {              /* special opcode */
            unsigned adj = op - h->opbase;
            a += (uint64_t)(adj / h->linerange) * h->mininst;
            l += h->linebase + (int)(adj % h->linerange);
            emit = true;
        } else if (op == 0) {               /* extended opcode */
            uint64_t len = uleb(r);
            if (len == 0 || !need(r, len))
                return false;
            rd e = {r->p, r->p + len, false};
            r->p += len;
            uint8_t sub = (uint8_t)uN(&e, 1);
            if (sub == 1) {                 /* DW_LNE_end_sequence */
                emit = endseq = true;
            } else if (sub == 2) {          /* DW_LNE_set_address */
                if (len != 9)
                    return false;
                a = uN(&e, 8);
            }                               /* define_file, set_discriminator, ...: skipped */
        } else {
            switch (op) {
            case 1: emit = true; break;                         /* copy */
            case 2: a += uleb(r) * h->mininst; break;           /* advance_pc */
            case 3: l += sleb(r); break;                        /* advance_line */
            case 4: f = uleb(r); break;                         /* set_file */
            case 5: uleb(r); break;                             /* set_column */
            case 6: case 7: case 10: case 11: break;            /* stmt, block, prologue, epilogue */
            case 8:                                             /* const_add_pc */
                a += (uint64_t)((255u - h->opbase) / h->linerange) * h->mininst;
                break;
            case 9: a += uN(r, 2); break;                       /* fixed_advance_pc */
            default:                                            /* set_isa and unknown ones */
                for (unsigned i = 0; i < h->stdlens[op - 1]; i++)
                    uleb(r);
                break;
            }
        }
        if (!emit)
            continue;
        if (seqstart)
            seqzero = a == 0;
        seqstart = false;
        if (!seqzero) {
            if (a < *lo)
                *lo = a;
            if (a > *hi)
                *hi = a;
        }
        if (want && prevok && pa <= addr && addr < a) {
            *file = pf;
            *line = pl;
            return true;
        }
        prevok = !endseq;
        pa = a, pf = f, pl = l;
        if (endseq) {
            a = 0, f = 1, l = 1;
            seqstart = true;
        }
    }
    return false;
}

/* lookup runs the unit at off for addr. */
static bool lookup(const dwarf *d, uint64_t off, uint64_t addr, char *file, size_t n, int32_t *line)
{
    lhdr h;
    if (!header(d, off, &h))
        return false;
    uint64_t f, lo, hi;
    int64_t l;
    if (!run(&h, true, addr, &f, &l, &lo, &hi) || l <= 0 || l > INT32_MAX)
        return false;
    *line = (int32_t)l;
    return filename(&h, f, file, n);
}

/* buildindex records d's units in dwunits. */
static void buildindex(dwarf *d)
{
    uint32_t count = 0;
    for (uint64_t off = 0; off < d->line.n; count++) {
        lhdr h;
        if (!header(d, off, &h))
            break;
        off = h.next;
    }
    uint32_t first = atomic_fetch_add(&ndwunits, count);
    if (first > NDWUNITS || count > NDWUNITS - first) {
        d->noindex = true;
        return;
    }
    uint32_t i = 0;
    for (uint64_t off = 0; off < d->line.n && i < count; i++) {
        lhdr h;
        if (!header(d, off, &h))
            break;
        uint64_t f, lo, hi;
        int64_t l;
        run(&h, false, 0, &f, &l, &lo, &hi);
        dwunits[first + i] = (dwunit){off, lo, hi};
        off = h.next;
    }
    d->first = first;
    d->nunits = i;
}

bool gort__dwarf_pcline(dwarf *d, uint64_t addr, char *file, size_t n, int32_t *line)
{
    if (d == NULL || d->line.p == NULL || n < 2)
        return false;
    int st = 0;
    if (atomic_compare_exchange_strong(&d->state, &st, 1)) {
        buildindex(d);
        atomic_store(&d->state, 2);
        st = 2;
    }
    if (st == 2 && !d->noindex) {
        for (uint32_t i = 0; i < d->nunits; i++) {
            const dwunit *u = &dwunits[d->first + i];
            if (u->lo <= addr && addr < u->hi && lookup(d, u->off, addr, file, n, line))
                return true;
        }
        return false;
    }
    /* No index (another thread is building it, or it did not fit): try
     * every unit. */
    for (uint64_t off = 0; off < d->line.n;) {
        lhdr h;
        if (!header(d, off, &h))
            return false;
        if (lookup(d, off, addr, file, n, line))
            return true;
        off = h.next;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Inlined calls, from .debug_info (DWARF 2-5, section 3.3.8): the code at
 * a pc may be a function inlined into another, perhaps several deep.
 * Each inlined call is a DW_TAG_inlined_subroutine entry with the
 * addresses of its code (low_pc/high_pc or a range list), the place of
 * the call (call_file, call_line) and its function (abstract_origin, an
 * entry with the name).  The unit that holds a pc comes from
 * .debug_aranges; its entries are read in order, once, keeping the
 * inlined calls that cover the pc: they nest, outermost first.  An entry
 * whose code lies elsewhere (a function, a block) is skipped with its
 * children through its DW_AT_sibling.  The same
 * rules as above: every read bounds-checked by rd, work linear in one
 * unit's entries (the abbreviations found through a small table on the
 * stack), nothing allocated.
 * ---------------------------------------------------------------------- */

enum {
    DW_FORM_addr = 0x01, DW_FORM_flag = 0x0c, DW_FORM_ref_addr = 0x10, DW_FORM_ref1 = 0x11,
    DW_FORM_ref2 = 0x12, DW_FORM_ref4 = 0x13, DW_FORM_ref8 = 0x14, DW_FORM_ref_udata = 0x15,
    DW_FORM_indirect = 0x16, DW_FORM_sec_offset = 0x17, DW_FORM_exprloc = 0x18,
    DW_FORM_flag_present = 0x19, DW_FORM_strx = 0x1a, DW_FORM_addrx = 0x1b, DW_FORM_ref_sup4 = 0x1c,
    DW_FORM_strp_sup = 0x1d, DW_FORM_ref_sig8 = 0x20, DW_FORM_implicit_const = 0x21,
    DW_FORM_loclistx = 0x22, DW_FORM_rnglistx = 0x23, DW_FORM_ref_sup8 = 0x24, DW_FORM_strx1 = 0x25,
    DW_FORM_strx2 = 0x26, DW_FORM_strx3 = 0x27, DW_FORM_strx4 = 0x28, DW_FORM_addrx1 = 0x29,
    DW_FORM_addrx2 = 0x2a, DW_FORM_addrx3 = 0x2b, DW_FORM_addrx4 = 0x2c,
    DW_FORM_GNU_addr_index = 0x1f01, DW_FORM_GNU_str_index = 0x1f02, DW_FORM_GNU_ref_alt = 0x1f20,
    DW_FORM_GNU_strp_alt = 0x1f21,
};
enum {
    DW_TAG_inlined_subroutine = 0x1d,
    DW_AT_sibling = 0x01, DW_AT_name = 0x03, DW_AT_stmt_list = 0x10, DW_AT_low_pc = 0x11, DW_AT_high_pc = 0x12,
    DW_AT_abstract_origin = 0x31, DW_AT_specification = 0x47, DW_AT_ranges = 0x55,
    DW_AT_call_file = 0x58, DW_AT_call_line = 0x59,
};

/* A unit of .debug_info being read. */
typedef struct cuinfo {
    const dwarf *d;
    uint64_t off;               /* its header's offset in .debug_info */
    const uint8_t *end;
    unsigned version, offsize, addrsize;
    uint64_t abbrev;            /* its abbreviations' offset */
    uint64_t base;              /* its low_pc: the base of range lists */
    uint32_t abbrevat[512];     /* code -> offset+1 in .debug_abbrev, 0 unknown */
} cuinfo;

/* A value: a number (u; for a reference, an offset in .debug_info), or
 * a string (s), and the form's class. */
typedef struct attrval {
    uint64_t u;
    const char *s;
    bool isaddr, isref;
} attrval;

/* readform reads a value of form; false for what it cannot read. */
static bool readform(const cuinfo *cu, rd *r, uint64_t form, int64_t implicit, attrval *v)
{
    v->u = 0, v->s = NULL, v->isaddr = v->isref = false;
    switch (form) {
    case DW_FORM_addr: v->u = uN(r, cu->addrsize); v->isaddr = true; break;
    case DW_FORM_ref_addr: v->u = uN(r, cu->version <= 2 ? cu->addrsize : cu->offsize); v->isref = true; break;
    case DW_FORM_ref1: v->u = cu->off + uN(r, 1); v->isref = true; break;
    case DW_FORM_ref2: v->u = cu->off + uN(r, 2); v->isref = true; break;
    case DW_FORM_ref4: v->u = cu->off + uN(r, 4); v->isref = true; break;
    case DW_FORM_ref8: v->u = cu->off + uN(r, 8); v->isref = true; break;
    case DW_FORM_ref_udata: v->u = cu->off + uleb(r); v->isref = true; break;
    case DW_FORM_flag: v->u = uN(r, 1); break;
    case DW_FORM_flag_present: v->u = 1; break;
    case DW_FORM_implicit_const: v->u = (uint64_t)implicit; break;
    case DW_FORM_sec_offset: case DW_FORM_strp_sup: case DW_FORM_GNU_ref_alt:
    case DW_FORM_GNU_strp_alt:
        v->u = uN(r, cu->offsize);
        break;
    case DW_FORM_exprloc: skip(r, uleb(r)); break;
    case DW_FORM_strx: case DW_FORM_addrx: case DW_FORM_loclistx: case DW_FORM_rnglistx:
    case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
        v->u = uleb(r);
        break;
    case DW_FORM_strx1: case DW_FORM_addrx1: uN(r, 1); break;
    case DW_FORM_strx2: case DW_FORM_addrx2: uN(r, 2); break;
    case DW_FORM_strx3: case DW_FORM_addrx3: uN(r, 3); break;
    case DW_FORM_strx4: case DW_FORM_addrx4: case DW_FORM_ref_sup4: uN(r, 4); break;
    case DW_FORM_ref_sig8: case DW_FORM_ref_sup8: uN(r, 8); break;
    case DW_FORM_data1: v->u = uN(r, 1); break;
    case DW_FORM_data2: v->u = uN(r, 2); break;
    case DW_FORM_data4: v->u = uN(r, 4); break;
    case DW_FORM_data8: v->u = uN(r, 8); break;
    case DW_FORM_udata: v->u = uleb(r); break;
    case DW_FORM_sdata: v->u = (uint64_t)sleb(r); break;
    case DW_FORM_string: v->s = cstr(r); break;
    case DW_FORM_strp: v->s = strat(&cu->d->str, uN(r, cu->offsize)); break;
    case DW_FORM_line_strp: v->s = strat(&cu->d->line_str, uN(r, cu->offsize)); break;
    default: {
        /* The forms the line tables use too. */
        lhdr h;
        memset(&h, 0, sizeof h);
        h.d = cu->d;
        h.offsize = cu->offsize;
        if (!formval(&h, r, form, &v->s, &v->u))
            return false;
        break;
    }
    }
    return !r->err;
}

/* abbrevof is the attribute specifications of abbreviation code, and
 * its tag and whether it has children; false if the unit has none. */
static bool abbrevof(cuinfo *cu, uint64_t code, rd *spec, uint64_t *tag, bool *children)
{
    const dwsect *a = &cu->d->abbrev;
    if (cu->abbrev >= a->n)
        return false;
    rd r = {a->p + cu->abbrev, a->p + a->n, false};
    if (code < nelem(cu->abbrevat) && cu->abbrevat[code] != 0) {
        r.p = a->p + cu->abbrevat[code] - 1;
    } else {
        for (;;) {
            uint64_t c = uleb(&r);
            if (r.err || c == 0)
                return false;
            if (c < nelem(cu->abbrevat) && cu->abbrevat[c] == 0 && (uint64_t)(r.p - a->p) < UINT32_MAX)
                cu->abbrevat[c] = (uint32_t)(r.p - a->p) + 1;
            if (c == code)
                break;
            uleb(&r), uN(&r, 1);                    /* tag, children */
            for (;;) {
                uint64_t at = uleb(&r), form = uleb(&r);
                if (form == DW_FORM_implicit_const)
                    sleb(&r);
                if (r.err)
                    return false;
                if (at == 0 && form == 0)
                    break;
            }
        }
    }
    *tag = uleb(&r);
    *children = uN(&r, 1) != 0;
    *spec = r;
    return !r.err;
}

/* cuheader reads the header of the unit at off. */
static bool cuheader(const dwarf *d, uint64_t off, cuinfo *cu, rd *r)
{
    cu->d = d;
    cu->off = off;
    if (off >= d->info.n)
        return false;
    *r = (rd){d->info.p + off, d->info.p + d->info.n, false};
    uint64_t len = uN(r, 4);
    cu->offsize = 4;
    if (len == 0xffffffff) {
        len = uN(r, 8);
        cu->offsize = 8;
    } else if (len >= 0xfffffff0) {
        return false;
    }
    if (r->err || len > (uint64_t)(r->end - r->p))
        return false;
    r->end = r->p + len;
    cu->end = r->end;
    cu->version = (unsigned)uN(r, 2);
    if (cu->version < 2 || cu->version > 5)
        return false;
    if (cu->version >= 5) {
        uint8_t type = (uint8_t)uN(r, 1);
        cu->addrsize = (uint8_t)uN(r, 1);
        cu->abbrev = uN(r, cu->offsize);
        if (type == 2 || type == 6)             /* type units: not ours */
            return false;
        if (type == 4 || type == 5)
            uN(r, 8);                           /* dwo_id */
    } else {
        cu->abbrev = uN(r, cu->offsize);
        cu->addrsize = (uint8_t)uN(r, 1);
    }
    memset(cu->abbrevat, 0, sizeof cu->abbrevat);
    return !r->err && cu->addrsize == 8;
}

/* die reads one entry (r at its code): its tag, and the attributes
 * asked for.  *code == 0: the end of a list of children. */
typedef struct dieinfo {
    uint64_t code, tag;
    bool children;
    attrval name, low, high, ranges, origin, spec, callfile, callline, stmt, sibling;
    bool haslow, hashigh, hasranges, hasorigin, hasspec, hasname, hassibling;
} dieinfo;

static bool die(cuinfo *cu, rd *r, dieinfo *e)
{
    memset(e, 0, sizeof *e);
    e->code = uleb(r);
    if (r->err)
        return false;
    if (e->code == 0)
        return true;
    rd spec;
    if (!abbrevof(cu, e->code, &spec, &e->tag, &e->children))
        return false;
    for (;;) {
        uint64_t at = uleb(&spec), form = uleb(&spec);
        int64_t implicit = form == DW_FORM_implicit_const ? sleb(&spec) : 0;
        if (spec.err)
            return false;
        if (at == 0 && form == 0)
            return true;
        if (form == DW_FORM_indirect)
            form = uleb(r);
        attrval v;
        if (!readform(cu, r, form, implicit, &v))
            return false;
        switch (at) {
        case DW_AT_name: e->name = v; e->hasname = true; break;
        case DW_AT_low_pc: e->low = v; e->haslow = v.isaddr; break;
        case DW_AT_high_pc: e->high = v; e->hashigh = true; break;
        case DW_AT_ranges: e->ranges = v; e->hasranges = form == DW_FORM_sec_offset || form == DW_FORM_data4 || form == DW_FORM_data8; break;
        case DW_AT_abstract_origin: e->origin = v; e->hasorigin = v.isref; break;
        case DW_AT_specification: e->spec = v; e->hasspec = v.isref; break;
        case DW_AT_call_file: e->callfile = v; break;
        case DW_AT_call_line: e->callline = v; break;
        case DW_AT_stmt_list: e->stmt = v; break;
        case DW_AT_sibling: e->sibling = v; e->hassibling = v.isref; break;
        }
    }
}

/* inranges: a range list (DWARF 5 .debug_rnglists, older .debug_ranges)
 * at off holds addr. */
static bool inranges(const cuinfo *cu, uint64_t off, uint64_t addr)
{
    uint64_t base = cu->base;
    if (cu->version >= 5) {
        const dwsect *s = &cu->d->rnglists;
        if (off >= s->n)
            return false;
        rd r = {s->p + off, s->p + s->n, false};
        for (int i = 0; i < 100000 && !r.err; i++) {
            uint8_t k = (uint8_t)uN(&r, 1);
            uint64_t lo, hi;
            switch (k) {
            case 0: return false;                           /* end_of_list */
            case 4: lo = base + uleb(&r); hi = base + uleb(&r); break;  /* offset_pair */
            case 5: base = uN(&r, 8); continue;             /* base_address */
            case 6: lo = uN(&r, 8); hi = uN(&r, 8); break;  /* start_end */
            case 7: lo = uN(&r, 8); hi = lo + uleb(&r); break;  /* start_length */
            default: return false;                          /* the x forms: .debug_addr */
            }
            if (!r.err && lo <= addr && addr < hi)
                return true;
        }
        return false;
    }
    const dwsect *s = &cu->d->ranges;
    if (off >= s->n)
        return false;
    rd r = {s->p + off, s->p + s->n, false};
    while (!r.err) {
        uint64_t lo = uN(&r, 8), hi = uN(&r, 8);
        if (r.err || (lo == 0 && hi == 0))
            return false;
        if (lo == UINT64_MAX) {
            base = hi;
            continue;
        }
        if (base + lo <= addr && addr < base + hi)
            return true;
    }
    return false;
}

static bool covers(const cuinfo *cu, const dieinfo *e, uint64_t addr)
{
    if (e->hasranges)
        return inranges(cu, e->ranges.u, addr);
    if (!e->haslow || !e->hashigh)
        return false;
    uint64_t hi = e->high.isaddr ? e->high.u : e->low.u + e->high.u;
    return e->low.u <= addr && addr < hi;
}

/* nameof is the name of the function entry at off (following
 * abstract_origin and specification a few steps). */
static const char *nameof(cuinfo *cu, uint64_t off)
{
    for (int i = 0; i < 4; i++) {
        if (off < cu->off || off >= (uint64_t)(cu->end - cu->d->info.p))
            return NULL;        /* another unit's: not followed */
        rd r = {cu->d->info.p + off, cu->end, false};
        dieinfo e;
        if (!die(cu, &r, &e) || e.code == 0)
            return NULL;
        if (e.hasname)
            return e.name.s;
        if (e.hasorigin)
            off = e.origin.u;
        else if (e.hasspec)
            off = e.spec.u;
        else
            return NULL;
    }
    return NULL;
}

/* cufor is the offset in .debug_info of the unit whose code holds addr,
 * by .debug_aranges. */
static bool cufor(const dwarf *d, uint64_t addr, uint64_t *off)
{
    rd r = {d->aranges.p, d->aranges.p + d->aranges.n, false};
    while (d->aranges.p && r.p < r.end && !r.err) {
        const uint8_t *start = r.p;
        uint64_t len = uN(&r, 4);
        unsigned offsize = 4;
        if (len == 0xffffffff) {
            len = uN(&r, 8);
            offsize = 8;
        }
        if (r.err || len > (uint64_t)(r.end - r.p) || len < 4)
            return false;
        rd set = {r.p, r.p + len, false};
        r.p += len;
        uN(&set, 2);                            /* version */
        uint64_t info = uN(&set, offsize);
        uint8_t addrsize = (uint8_t)uN(&set, 1), segsize = (uint8_t)uN(&set, 1);
        if (set.err || addrsize != 8 || segsize != 0)
            continue;
        /* The tuples start at a multiple of their size from the set. */
        size_t at = (size_t)(set.p - start);
        skip(&set, (16 - at % 16) % 16);
        while (!set.err && set.p < set.end) {
            uint64_t lo = uN(&set, 8), n = uN(&set, 8);
            if (set.err || (lo == 0 && n == 0))
                break;
            if (lo <= addr && addr - lo < n) {
                *off = info;
                return true;
            }
        }
    }
    return false;
}

int gort__dwarf_inlines(dwarf *d, uint64_t addr, dwinl *out, int max, uint64_t *stmt)
{
    uint64_t off = 0;
    if (d == NULL || d->info.p == NULL || d->abbrev.p == NULL || max <= 0 || !cufor(d, addr, &off))
        return 0;
    cuinfo cu;
    rd r;
    if (!cuheader(d, off, &cu, &r))
        return 0;
    dieinfo e;
    if (!die(&cu, &r, &e) || e.code == 0)       /* the unit's own entry */
        return 0;
    cu.base = e.haslow ? e.low.u : 0;
    *stmt = e.stmt.u;
    if (!e.children)
        return 0;
    int n = 0;
    int depth = 1;
    while (depth > 0 && r.p < r.end) {
        if (!die(&cu, &r, &e))
            return 0;
        if (e.code == 0) {
            depth--;
            continue;
        }
        bool haspc = e.hasranges || (e.haslow && e.hashigh);
        bool cov = haspc && covers(&cu, &e, addr);
        /* An entry with code elsewhere holds nothing that covers addr:
         * past its children, to its sibling (forwards only). */
        if (e.children && haspc && !cov && e.hassibling && e.sibling.u > (uint64_t)(r.p - d->info.p) &&
            e.sibling.u < (uint64_t)(r.end - d->info.p)) {
            r.p = d->info.p + e.sibling.u;
            continue;
        }
        if (e.tag == DW_TAG_inlined_subroutine && cov && n < max) {
            const char *name = e.hasorigin ? nameof(&cu, e.origin.u) : NULL;
            out[n].name = name ? name : "?";
            out[n].file = e.callfile.u;
            out[n].line = e.callline.u > 0 && e.callline.u <= INT32_MAX ? (int32_t)e.callline.u : 0;
            n++;
        }
        if (e.children)
            depth++;
    }
    return n;
}

bool gort__dwarf_filename(dwarf *d, uint64_t stmt, uint64_t fi, char *buf, size_t n)
{
    lhdr h;
    if (d == NULL || n < 2 || !header(d, stmt, &h))
        return false;
    return filename(&h, fi, buf, n);
}

/* ----------------------------------------------------------------------
 * The loaded objects: what the OS layers share (symtab.h's obj).  Each
 * finds an object its own way (dl_iterate_phdr's table, the PE headers
 * and GetModuleHandleExW) and maps its file with its own calls; the
 * DWARF sections' names, the mapping once and the answer to the reports
 * are the same everywhere and are here.
 * ---------------------------------------------------------------------- */

bool gort__dwarf_section(dwarf *d, const char *name, dwsect sec)
{
    static const struct {
        const char *name;
        size_t off;
    } sects[] = {
        {".debug_line", offsetof(dwarf, line)},
        {".debug_line_str", offsetof(dwarf, line_str)},
        {".debug_str", offsetof(dwarf, str)},
        {".debug_info", offsetof(dwarf, info)},
        {".debug_abbrev", offsetof(dwarf, abbrev)},
        {".debug_aranges", offsetof(dwarf, aranges)},
        {".debug_rnglists", offsetof(dwarf, rnglists)},
        {".debug_ranges", offsetof(dwarf, ranges)},
    };
    for (size_t i = 0; i < sizeof sects / sizeof sects[0]; i++)
        if (strcmp(name, sects[i].name) == 0) {
            *(dwsect *)((char *)d + sects[i].off) = sec;
            return true;
        }
    return false;
}

void gort__objmap(obj *o, void (*map)(obj *o))
{
    int st = 0;
    if (atomic_compare_exchange_strong(&o->state, &st, 1)) {
        map(o);
        atomic_store(&o->state, 2);
    }
}

bool gort__os_findobj(void *pc, objinfo *oi)
{
    obj *o = gort__os_obj(pc);
    if (o == NULL)
        return false;
    oi->path = o->path;
    oi->bias = o->bias;
    /* Only a mapped object's sections are whole (state 2). */
    oi->dw = atomic_load(&o->state) == 2 && o->dw.line.p ? &o->dw : NULL;
    return true;
}
