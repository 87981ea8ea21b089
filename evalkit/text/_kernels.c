/* The two hot loops of the n-gram metrics in C: token ids of a tokenized corpus, and clipped n-gram matches.
 *
 * evalkit.text._compiled wraps them (it allocates the arrays and checks the calls); the numpy path of
 * evalkit.text.ngrams computes the same numbers, and the tests compare the two on real and generated text.
 *
 * Both hash (tokens by FNV-1a over their code units, n-grams by their ids) and confirm every hash hit by
 * comparing the code units or ids themselves: a collision costs time, never exactness. Arrays come in as
 * buffers (numpy arrays), so the module needs no numpy headers; the work runs without the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#define SPREAD 0x9E3779B97F4A7C15ULL /* Fibonacci hashing: a hash times this, top bits = the slot */
#define NGRAM_BASE 1000003ULL        /* n-gram hash: h(n) = h(n - 1) * base + id + 1 */
#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static inline Py_ssize_t slot_of(uint64_t h, int bits) { return (Py_ssize_t)((h * SPREAD) >> (64 - bits)); }

/* -- token ids ----------------------------------------------------------------------------------------- */

typedef struct {
    int bits;          /* the table has 1 << bits slots, at most half of them used */
    int64_t *slot;     /* vocabulary entry in each slot, -1 when empty */
    int64_t *first;    /* each entry's first occurrence (index of its first code unit) */
    int64_t *length;   /* each entry's length in code units */
    uint64_t *hash;    /* each entry's hash */
    int64_t size;      /* entries */
} Vocabulary;

static void vocabulary_free(Vocabulary *v) {
    free(v->slot);
    free(v->first);
    free(v->length);
    free(v->hash);
}

static int vocabulary_init(Vocabulary *v, int bits) {
    v->bits = bits;
    v->size = 0;
    v->slot = malloc(sizeof(int64_t) << bits);
    v->first = malloc(sizeof(int64_t) << (bits - 1));
    v->length = malloc(sizeof(int64_t) << (bits - 1));
    v->hash = malloc(sizeof(uint64_t) << (bits - 1));
    if (!v->slot || !v->first || !v->length || !v->hash) return -1;
    memset(v->slot, 0xff, sizeof(int64_t) << bits);
    return 0;
}

/* Doubles the table (and the entries' arrays), placing every entry again by its stored hash. */
static int vocabulary_grow(Vocabulary *v) {
    int bits = v->bits + 1;
    int64_t *slot = malloc(sizeof(int64_t) << bits);
    int64_t *first = realloc(v->first, sizeof(int64_t) << (bits - 1));
    if (first) v->first = first;
    int64_t *length = realloc(v->length, sizeof(int64_t) << (bits - 1));
    if (length) v->length = length;
    uint64_t *hash = realloc(v->hash, sizeof(uint64_t) << (bits - 1));
    if (hash) v->hash = hash;
    if (!slot || !first || !length || !hash) {
        free(slot);
        return -1;
    }
    memset(slot, 0xff, sizeof(int64_t) << bits);
    Py_ssize_t mask = ((Py_ssize_t)1 << bits) - 1;
    for (int64_t e = 0; e < v->size; e++) {
        Py_ssize_t i = slot_of(v->hash[e], bits);
        while (slot[i] >= 0) i = (i + 1) & mask;
        slot[i] = e;
    }
    free(v->slot);
    v->slot = slot;
    v->bits = bits;
    return 0;
}

/* The token ids of a text over code units of one width: CODE is uint8_t (ASCII text) or uint32_t (UTF-32).
 * Each distinct token's first code unit and length, in id order, stay in `v` for the caller, who frees it (as
 * on failure). Returns the number of tokens, -1 when out of memory, -2 when the text holds more separators
 * than lines allow, -3 when `ids` is too small. A table for the tokens the text can hold, up to 2**15 (it
 * grows past that): a short text (one segment, a reward in a loop) does not pay for a large one. */
#define DEFINE_TOKEN_WORDS(NAME, CODE)                                                                      \
    static int64_t NAME(const CODE *codes, Py_ssize_t n, const uint8_t *is_space, Py_ssize_t n_table,      \
                        uint32_t sep, int64_t *ids, Py_ssize_t capacity, int64_t *lengths, Py_ssize_t n_lines, \
                        Vocabulary *v) {                                                                     \
        int bits = 4;                                                                                        \
        while (bits < 16 && ((Py_ssize_t)1 << (bits - 1)) < n / 2 + 1) bits++;                               \
        if (vocabulary_init(v, bits) < 0) return -1;                                                         \
        int64_t n_tokens = 0;                                                                                \
        Py_ssize_t line = 0, p = 0;                                                                          \
        while (p < n) {                                                                                      \
            if (codes[p] < n_table && is_space[codes[p]]) {                                                  \
                p++;                                                                                         \
                continue;                                                                                    \
            }                                                                                                \
            Py_ssize_t start = p;                                                                            \
            uint64_t h = FNV_OFFSET;                                                                         \
            while (p < n && !(codes[p] < n_table && is_space[codes[p]])) {                                   \
                h = (h ^ (uint64_t)codes[p]) * FNV_PRIME;                                                    \
                p++;                                                                                         \
            }                                                                                                \
            Py_ssize_t length = p - start;                                                                   \
            if (length == 1 && codes[start] == sep) {                                                        \
                if (++line == n_lines) return -2;                                                            \
                continue;                                                                                    \
            }                                                                                                \
            if (n_tokens == capacity) return -3;                                                             \
            if (2 * (v->size + 1) > ((int64_t)1 << v->bits) && vocabulary_grow(v) < 0) return -1;            \
            Py_ssize_t mask = ((Py_ssize_t)1 << v->bits) - 1;                                                \
            Py_ssize_t i = slot_of(h, v->bits);                                                              \
            for (; v->slot[i] >= 0; i = (i + 1) & mask) {                                                    \
                int64_t e = v->slot[i];                                                                      \
                if (v->hash[e] == h && v->length[e] == length &&                                             \
                    memcmp(codes + v->first[e], codes + start, length * sizeof(CODE)) == 0)                  \
                    break;                                                                                   \
            }                                                                                                \
            if (v->slot[i] < 0) {                                                                            \
                v->slot[i] = v->size;                                                                        \
                v->first[v->size] = start;                                                                   \
                v->length[v->size] = length;                                                                 \
                v->hash[v->size] = h;                                                                        \
                v->size++;                                                                                   \
            }                                                                                                \
            ids[n_tokens++] = v->slot[i];                                                                    \
            lengths[line]++;                                                                                 \
        }                                                                                                    \
        return n_tokens;                                                                                     \
    }

DEFINE_TOKEN_WORDS(token_words_ascii, uint8_t)
DEFINE_TOKEN_WORDS(token_words_wide, uint32_t)

/* token_ids: token_words without the vocabulary. */
#define DEFINE_TOKEN_IDS(NAME, WORDS, CODE)                                                                 \
    static int64_t NAME(const CODE *codes, Py_ssize_t n, const uint8_t *is_space, Py_ssize_t n_table,      \
                        uint32_t sep, int64_t *ids, Py_ssize_t capacity, int64_t *lengths, Py_ssize_t n_lines) { \
        Vocabulary v = {0, NULL, NULL, NULL, NULL, 0};                                                       \
        int64_t n_tokens = WORDS(codes, n, is_space, n_table, sep, ids, capacity, lengths, n_lines, &v);     \
        vocabulary_free(&v);                                                                                 \
        return n_tokens;                                                                                     \
    }

DEFINE_TOKEN_IDS(token_ids_ascii, token_words_ascii, uint8_t)
DEFINE_TOKEN_IDS(token_ids_wide, token_words_wide, uint32_t)

static int check_int64(Py_buffer *b, const char *name, Py_ssize_t n) {
    if (b->len != n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd int64 values, got %zd bytes", name, n, b->len);
        return -1;
    }
    return 0;
}

static PyObject *token_ids(PyObject *self, PyObject *args) {
    Py_buffer codes, table, ids, lengths;
    int width;
    unsigned int sep;
    if (!PyArg_ParseTuple(args, "y*iy*Iw*w*", &codes, &width, &table, &sep, &ids, &lengths)) return NULL;
    int64_t n = -4;
    if ((width == 1 || width == 4) && lengths.len < (Py_ssize_t)sizeof(int64_t))
        n = -5; /* a text is one line at least: its first token would be counted past the end of lengths */
    else if (width == 1 || width == 4) {
        Py_ssize_t n_codes = codes.len / width, capacity = ids.len / 8, n_lines = lengths.len / 8;
        memset(lengths.buf, 0, lengths.len);
        Py_BEGIN_ALLOW_THREADS
        if (width == 1)
            n = token_ids_ascii(codes.buf, n_codes, table.buf, table.len, sep, ids.buf, capacity, lengths.buf, n_lines);
        else
            n = token_ids_wide(codes.buf, n_codes, table.buf, table.len, sep, ids.buf, capacity, lengths.buf, n_lines);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&codes);
    PyBuffer_Release(&table);
    PyBuffer_Release(&ids);
    PyBuffer_Release(&lengths);
    switch (n) {
        case -1: return PyErr_NoMemory();
        case -2: PyErr_SetString(PyExc_ValueError, "token_ids: more line separators than lines"); return NULL;
        case -3: PyErr_SetString(PyExc_ValueError, "token_ids: more tokens than the ids array holds"); return NULL;
        case -4: PyErr_SetString(PyExc_ValueError, "token_ids: the code width must be 1 or 4 bytes"); return NULL;
        case -5: PyErr_SetString(PyExc_ValueError, "token_ids: lengths must hold one line at least"); return NULL;
        default: return PyLong_FromLongLong(n);
    }
}

/* -- clipped n-gram matches ------------------------------------------------------------------------------ */

/* One slot of the n-gram table of a candidate, its fields side by side: a lookup reads one or two cache
 * lines, not one per field. */
typedef struct {
    int64_t table;    /* which table (segment and order) filled the slot: older ones read as empty */
    int64_t pos;      /* the n-gram's first position in the candidate */
    uint64_t hash;
    int64_t cand;     /* count in the candidate */
    int64_t best;     /* largest count in any one reference */
    int64_t in_line;  /* count in the reference being read */
    int64_t line;     /* which reference that is (its first position) */
} Slot;

static inline int same_ids(const int64_t *ids, Py_ssize_t p, Py_ssize_t q, Py_ssize_t n) {
    for (Py_ssize_t j = 0; j < n; j++)
        if (ids[p + j] != ids[q + j]) return 0;
    return 1;
}

/* The slot of the n-gram at p: where it is, or the empty slot where it would go. */
static inline Py_ssize_t ngram_find(const Slot *t, int64_t table, const int64_t *ids, uint64_t h, Py_ssize_t p,
                                    Py_ssize_t n, int bits) {
    Py_ssize_t mask = ((Py_ssize_t)1 << bits) - 1, i = slot_of(h, bits);
    while (t[i].table == table && !(t[i].hash == h && same_ids(ids, t[i].pos, p, n))) i = (i + 1) & mask;
    return i;
}

/* Returns 0, -1 when out of memory, -2 when a segment number is out of range, -4 when a candidate is longer
 * than the first pass found (another thread wrote the inputs during the call), -5 when a segment's tokens
 * are not contiguous. */
static int clipped(const int64_t *ids, const int64_t *segment, const int64_t *role, Py_ssize_t size,
                   Py_ssize_t n_segments, Py_ssize_t max_order, int64_t *out) {
    /* the tables are sized once, for the longest candidate */
    Py_ssize_t longest = 0, run = 0;
    for (Py_ssize_t p = 0; p < size; p++) {
        int continues = p > 0 && segment[p] == segment[p - 1] && role[p - 1] == 0;
        run = role[p] == 0 ? (continues ? run + 1 : 1) : 0;
        if (run > longest) longest = run;
    }
    Py_ssize_t capacity = 2;
    while (capacity < 4 * longest) capacity *= 2;
    Slot *t = malloc(capacity * sizeof(Slot));
    Py_ssize_t *slot_at = malloc((longest + 1) * sizeof(Py_ssize_t)); /* the slot of each candidate position */
    uint64_t *h = calloc(size + 1, sizeof(uint64_t)); /* hash of the n-gram starting at p, order by order */
    /* alive[p]: the (n-1)-gram at p is shared by the candidate and a reference; only those can extend */
    uint8_t *alive = malloc(size + 1);
    /* seen[s]: segment s was counted; a second run of it would overwrite its counts instead of adding */
    uint8_t *seen = calloc(n_segments + 1, 1);
    int status = 0;
    if (!t || !slot_at || !h || !alive || !seen) {
        status = -1;
        goto done;
    }
    memset(alive, 1, size + 1);
    memset(t, 0, capacity * sizeof(Slot)); /* every slot of table 0, which is never used */
    int64_t table = 0;
    memset(out, 0, n_segments * max_order * sizeof(int64_t));
    Py_ssize_t a = 0;
    while (a < size) {
        int64_t s = segment[a];
        if (s < 0 || s >= n_segments) {
            status = -2;
            goto done;
        }
        if (seen[s]) {
            status = -5;
            goto done;
        }
        seen[s] = 1;
        Py_ssize_t cand_end = a;
        while (cand_end < size && segment[cand_end] == s && role[cand_end] == 0) cand_end++;
        if (cand_end - a > longest) { /* the tables and slot_at hold `longest` positions, no more */
            status = -4;
            goto done;
        }
        Py_ssize_t end = cand_end;
        while (end < size && segment[end] == s) end++;
        for (Py_ssize_t n = 1; n <= max_order; n++) {
            Py_ssize_t m = cand_end - a - n + 1; /* the candidate's n-grams */
            if (m <= 0) break;
            int bits = 1;
            while (((Py_ssize_t)1 << bits) < 4 * m) bits++; /* a quarter full: few probes for a miss */
            table++; /* a new, empty table without clearing the slots */
            int64_t total = 0; /* sum over the candidate's n-grams of min(count, largest count in a reference) */
            for (Py_ssize_t p = a; p < a + m; p++) {
                if (!alive[p]) continue;
                h[p] = h[p] * NGRAM_BASE + (uint64_t)ids[p + n - 1] + 1;
                Py_ssize_t i = ngram_find(t, table, ids, h[p], p, n, bits);
                if (t[i].table != table) {
                    t[i].table = table;
                    t[i].pos = p;
                    t[i].hash = h[p];
                    t[i].cand = t[i].best = 0;
                    t[i].line = -1;
                }
                t[i].cand++;
                slot_at[p - a] = i;
            }
            Py_ssize_t line_start = cand_end;
            while (line_start < end) {
                Py_ssize_t line_end = line_start;
                while (line_end < end && role[line_end] == role[line_start]) line_end++;
                for (Py_ssize_t p = line_start; p < line_end; p++) {
                    if (!alive[p]) continue;
                    if (p + n > line_end) {
                        alive[p] = 0;
                        continue;
                    }
                    h[p] = h[p] * NGRAM_BASE + (uint64_t)ids[p + n - 1] + 1;
                    Py_ssize_t i = ngram_find(t, table, ids, h[p], p, n, bits);
                    if (t[i].table != table) {
                        alive[p] = 0;
                        continue;
                    }
                    if (t[i].line != line_start) {
                        t[i].line = line_start;
                        t[i].in_line = 0;
                    }
                    if (++t[i].in_line > t[i].best) {
                        t[i].best = t[i].in_line;
                        total += t[i].best <= t[i].cand; /* the clipped count grows with the best */
                    }
                }
                line_start = line_end;
            }
            out[s * max_order + n - 1] = total;
            for (Py_ssize_t p = a; p < cand_end; p++)
                alive[p] = alive[p] && p < a + m && t[slot_at[p - a]].best > 0;
        }
        a = end;
    }
done:
    free(t);
    free(slot_at);
    free(h);
    free(alive);
    free(seen);
    return status;
}

/* `out` is zeroed first and written segment by segment: sharing memory with an input, it would change the
 * segments and roles while they are read, and a candidate could outgrow the tables sized for it. */
static int disjoint(Py_buffer *out, Py_buffer *a, Py_buffer *b, Py_buffer *c) {
    /* as integers: C leaves the order of pointers into different objects undefined */
    uintptr_t lo = (uintptr_t)out->buf, hi = lo + (uintptr_t)out->len;
    Py_buffer *in[3] = {a, b, c};
    for (int k = 0; k < 3; k++) {
        uintptr_t p = (uintptr_t)in[k]->buf;
        if (out->len > 0 && in[k]->len > 0 && p < hi && lo < p + (uintptr_t)in[k]->len) {
            PyErr_SetString(PyExc_ValueError, "clipped_matches: out shares memory with an input");
            return 0;
        }
    }
    return 1;
}

static PyObject *clipped_matches(PyObject *self, PyObject *args) {
    Py_buffer ids, segment, role, out;
    Py_ssize_t n_segments, max_order;
    if (!PyArg_ParseTuple(args, "y*y*y*nnw*", &ids, &segment, &role, &n_segments, &max_order, &out)) return NULL;
    Py_ssize_t size = ids.len / (Py_ssize_t)sizeof(int64_t);
    int status = -3;
    /* n_segments * max_order * 8 must not overflow: wrapped, a short `out` would pass the size check */
    if (n_segments >= 0 && max_order >= 1 && n_segments <= PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(int64_t) / max_order &&
        check_int64(&ids, "ids", size) == 0 &&
        check_int64(&segment, "segment", size) == 0 && check_int64(&role, "role", size) == 0 &&
        check_int64(&out, "out", n_segments * max_order) == 0 && disjoint(&out, &ids, &segment, &role)) {
        Py_BEGIN_ALLOW_THREADS
        status = clipped(ids.buf, segment.buf, role.buf, size, n_segments, max_order, out.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&ids);
    PyBuffer_Release(&segment);
    PyBuffer_Release(&role);
    PyBuffer_Release(&out);
    if (status == -1) return PyErr_NoMemory();
    if (status == -2) {
        PyErr_SetString(PyExc_ValueError, "clipped_matches: a segment number is out of range");
        return NULL;
    }
    if (status == -4) {
        PyErr_SetString(PyExc_ValueError, "clipped_matches: the inputs changed during the call");
        return NULL;
    }
    if (status == -5) {
        PyErr_SetString(PyExc_ValueError, "clipped_matches: a segment's tokens are not contiguous");
        return NULL;
    }
    if (status == -3) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "clipped_matches: bad sizes");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* -- TER: tercom's shift search, as sacrebleu's lib_ter ------------------------------------------------------ */

#define TER_INF 10000000000000000LL /* sacrebleu's _INT_INFINITY */
#define TER_MAX_SHIFT_SIZE 10
#define TER_MAX_SHIFT_DIST 50
#define TER_BEAM_WIDTH 25
#define TER_MAX_SHIFT_CANDIDATES 1000

/* One pair's edit-distance matrix, kept between calls: rows depend only on the hypothesis' prefix (all the
 * hypotheses of a search have one length), so a call recomputes only the rows after the prefix it shares with
 * the previous call (sacrebleu keeps the rows of every prefix in a trie: the same numbers). */
typedef struct {
    Py_ssize_t n, m; /* hypothesis and reference lengths */
    const int64_t *ref;
    int64_t *cost; /* (n + 1) x (m + 1) */
    char *op;
    int64_t *last; /* the hypothesis of the rows held */
    Py_ssize_t valid; /* rows 0..valid-1 are those of `last` */
} TerMatrix;

/* sacrebleu's BeamEditDistance._edit_distance: the distance from `h` to the reference within the beam. */
static int64_t ter_distance(TerMatrix *d, const int64_t *h) {
    Py_ssize_t n = d->n, m = d->m, w = m + 1, p = 0;
    while (p + 1 < d->valid && h[p] == d->last[p]) p++; /* rows 0..p hold */
    double ratio = n ? (double)m / (double)n : 1.0;
    Py_ssize_t beam = TER_BEAM_WIDTH;
    if (TER_BEAM_WIDTH < ratio / 2) beam = (Py_ssize_t)ceil(ratio / 2 + TER_BEAM_WIDTH);
    for (Py_ssize_t i = p + 1; i <= n; i++) {
        int64_t *c = d->cost + i * w, *up = c - w;
        char *o = d->op + i * w;
        for (Py_ssize_t j = 0; j < w; j++) {
            c[j] = TER_INF;
            o[j] = 'x';
        }
        Py_ssize_t diag = (Py_ssize_t)floor((double)i * ratio);
        Py_ssize_t lo = diag - beam > 0 ? diag - beam : 0;
        Py_ssize_t hi = diag + beam < w ? diag + beam : w;
        if (i == n) hi = w;
        for (Py_ssize_t j = lo; j < hi; j++) {
            if (j == 0) {
                c[0] = up[0] + 1;
                o[0] = 'd';
                continue;
            }
            int same = h[i - 1] == d->ref[j - 1];
            int64_t sub = up[j - 1] + !same, del = up[j] + 1, ins = c[j - 1] + 1;
            /* in sacrebleu's order, each taken only where strictly cheaper */
            if (c[j] > sub) {
                c[j] = sub;
                o[j] = same ? ' ' : 's';
            }
            if (c[j] > del) {
                c[j] = del;
                o[j] = 'd';
            }
            if (c[j] > ins) {
                c[j] = ins;
                o[j] = 'i';
            }
        }
        d->last[i - 1] = h[i - 1];
    }
    d->valid = n + 1;
    return d->cost[n * w + m];
}

/* sacrebleu's _perform_shift: h with the block h[start:start+length] moved before `target`. */
static void ter_shift(const int64_t *h, Py_ssize_t n, Py_ssize_t start, Py_ssize_t length, Py_ssize_t target,
                      int64_t *out) {
    Py_ssize_t k = 0;
#define TER_COPY(a, b)                                                                  \
    do {                                                                                \
        Py_ssize_t lo_ = (a) < n ? (a) : n, hi_ = (b) < n ? (b) : n;                    \
        for (Py_ssize_t q = lo_; q < hi_; q++) out[k++] = h[q];                         \
    } while (0)
    if (target < start) {
        TER_COPY(0, target);
        TER_COPY(start, start + length);
        TER_COPY(target, start);
        TER_COPY(start + length, n);
    } else if (target > start + length) {
        TER_COPY(0, start);
        TER_COPY(start + length, target);
        TER_COPY(start, start + length);
        TER_COPY(target, n);
    } else {
        TER_COPY(0, start);
        TER_COPY(start + length, length + target);
        TER_COPY(start, start + length);
        TER_COPY(length + target, n);
    }
#undef TER_COPY
}

/* sacrebleu's translation_edit_rate(h, r)[0]. Returns the edits, -1 when out of memory, -2 on a trace that
 * leaves the beam (sacrebleu raises there too). */
static int64_t ter_pair(const int64_t *h0, Py_ssize_t n, const int64_t *r, Py_ssize_t m) {
    if (m == 0) return n;
    Py_ssize_t w = m + 1;
    TerMatrix d = {n, m, r, NULL, NULL, NULL, 0};
    d.cost = malloc((n + 1) * w * sizeof(int64_t));
    d.op = malloc((n + 1) * w);
    d.last = malloc((n + 1) * sizeof(int64_t));
    int64_t *cur = malloc((n + 1) * sizeof(int64_t)), *trial = malloc((n + 1) * sizeof(int64_t));
    int64_t *best_words = malloc((n + 1) * sizeof(int64_t)), *align = malloc(w * sizeof(int64_t));
    char *trace = malloc(n + m + 1);
    uint8_t *hyp_err = malloc(n + 1), *ref_err = malloc(w);
    int64_t result = -1;
    if (!d.cost || !d.op || !d.last || !cur || !trial || !best_words || !align || !trace || !hyp_err || !ref_err)
        goto done;
    for (Py_ssize_t j = 0; j < w; j++) {
        d.cost[j] = j;
        d.op[j] = 'i';
    }
    d.valid = 1;
    memcpy(cur, h0, n * sizeof(int64_t));
    int64_t shifts = 0, checked = 0;
    for (;;) {
        /* the alignment of the current hypothesis (sacrebleu's _shift, up to its candidates) */
        int64_t pre = ter_distance(&d, cur);
        Py_ssize_t t = 0, i = n, j = m;
        while (i > 0 || j > 0) {
            char o = d.op[i * w + j];
            trace[t++] = o;
            if (o == 's' || o == ' ') {
                i--;
                j--;
            } else if (o == 'i') {
                j--;
            } else if (o == 'd') {
                i--;
            } else {
                result = -2;
                goto done;
            }
        }
        /* the trace read forwards, insertions and deletions flipped (trace_to_alignment of _flip_trace) */
        Py_ssize_t ph = -1, pr = -1, nh = 0, nr = 0;
        for (Py_ssize_t q = t - 1; q >= 0; q--) {
            char o = trace[q];
            if (o == ' ' || o == 's') {
                align[++pr] = ++ph;
                hyp_err[nh++] = o == 's';
                ref_err[nr++] = o == 's';
            } else if (o == 'd') { /* flipped: an insertion */
                ++ph;
                hyp_err[nh++] = 1;
            } else { /* 'i', flipped: a deletion */
                align[++pr] = ph;
                ref_err[nr++] = 1;
            }
        }
        int found = 0;
        int64_t best[4] = {0, 0, 0, 0}; /* (score, length, -start_h, -target), the largest wins */
        for (Py_ssize_t sh = 0; sh < n && checked < TER_MAX_SHIFT_CANDIDATES; sh++) {
            for (Py_ssize_t sr = 0; sr < m && checked < TER_MAX_SHIFT_CANDIDATES; sr++) {
                if (sr - sh > TER_MAX_SHIFT_DIST || sh - sr > TER_MAX_SHIFT_DIST) continue;
                Py_ssize_t length = 0;
                while (cur[sh + length] == r[sr + length] && length < TER_MAX_SHIFT_SIZE) {
                    length++;
                    /* the candidate (sh, sr, length) */
                    int hyp_wrong = 0, ref_wrong = 0;
                    for (Py_ssize_t q = sh; q < sh + length; q++) hyp_wrong |= hyp_err[q];
                    for (Py_ssize_t q = sr; q < sr + length; q++) ref_wrong |= ref_err[q];
                    if (hyp_wrong && ref_wrong && !(sh <= align[sr] && align[sr] < sh + length)) {
                        Py_ssize_t prev = -1;
                        for (Py_ssize_t off = -1; off < length; off++) {
                            Py_ssize_t target;
                            if (sr + off == -1)
                                target = 0;
                            else if (sr + off < m)
                                target = align[sr + off] + 1;
                            else
                                break;
                            if (target == prev) continue;
                            prev = target;
                            ter_shift(cur, n, sh, length, target, trial);
                            int64_t cand[4] = {pre - ter_distance(&d, trial), length, -sh, -target};
                            checked++;
                            int better = !found;
                            for (int q = 0; q < 4 && !better; q++) {
                                if (cand[q] != best[q]) {
                                    better = cand[q] > best[q];
                                    break;
                                }
                            }
                            if (better) {
                                found = 1;
                                memcpy(best, cand, sizeof best);
                                memcpy(best_words, trial, n * sizeof(int64_t));
                            }
                        }
                    }
                    if (checked >= TER_MAX_SHIFT_CANDIDATES) break;
                    if (n == sh + length || m == sr + length) break;
                }
            }
        }
        if (checked >= TER_MAX_SHIFT_CANDIDATES) break;
        if (!found || best[0] <= 0) break;
        shifts++;
        memcpy(cur, best_words, n * sizeof(int64_t));
    }
    result = shifts + ter_distance(&d, cur);
done:
    free(d.cost);
    free(d.op);
    free(d.last);
    free(cur);
    free(trial);
    free(best_words);
    free(align);
    free(trace);
    free(hyp_err);
    free(ref_err);
    return result;
}

static PyObject *ter_edits(PyObject *self, PyObject *args) {
    Py_buffer ids, offsets, out;
    if (!PyArg_ParseTuple(args, "y*y*w*", &ids, &offsets, &out)) return NULL;
    Py_ssize_t size = ids.len / (Py_ssize_t)sizeof(int64_t), n_pairs = out.len / (Py_ssize_t)sizeof(int64_t);
    int64_t status = -3;
    if (check_int64(&ids, "ids", size) == 0 && check_int64(&offsets, "offsets", 2 * n_pairs + 1) == 0 &&
        check_int64(&out, "out", n_pairs) == 0) {
        const int64_t *o = offsets.buf;
        status = 0;
        for (Py_ssize_t k = 0; k < 2 * n_pairs; k++)
            if (o[k] < 0 || o[k] > o[k + 1] || o[k + 1] > size) status = -4;
        if (status == 0) {
            Py_BEGIN_ALLOW_THREADS
            const int64_t *base = ids.buf;
            int64_t *res = out.buf;
            for (Py_ssize_t k = 0; k < n_pairs && status == 0; k++) {
                int64_t e = ter_pair(base + o[2 * k], o[2 * k + 1] - o[2 * k], base + o[2 * k + 1],
                                     o[2 * k + 2] - o[2 * k + 1]);
                if (e < 0) status = e;
                res[k] = e;
            }
            Py_END_ALLOW_THREADS
        }
    }
    PyBuffer_Release(&ids);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&out);
    if (status == -1) return PyErr_NoMemory();
    if (status == -2) {
        PyErr_SetString(PyExc_ValueError, "ter_edits: an alignment left the beam");
        return NULL;
    }
    if (status == -4) {
        PyErr_SetString(PyExc_ValueError, "ter_edits: offsets must rise within the ids");
        return NULL;
    }
    if (status == -3) return NULL;
    Py_RETURN_NONE;
}

/* -- WER: rapidfuzz's Levenshtein alignment, counted --------------------------------------------------------- */

#define WER_FULL_MATRIX_BYTES (1024 * 1024) /* rapidfuzz's cut between the full matrix and Hirschberg */
#define WER_LARGEST_MATRIX (1 << 24)         /* cells (64 MiB): a longer pair goes back to rapidfuzz */

/* (hits, substitutions, deletions, insertions) of rapidfuzz's alignment of reference a and hypothesis b, as
 * evalkit.text.wer._alignment writes its rule out: the common prefix and suffix are hits, the rest the full
 * matrix traced back from the end (a deletion where the cell above is one less, else an insertion where the
 * cell to the left is below the diagonal one, else the diagonal). Returns 0, 1 for a pair rapidfuzz would cut
 * in two (Hirschberg: the caller asks rapidfuzz itself), -1 when out of memory. */
static int wer_pair(const int64_t *a, Py_ssize_t n, const int64_t *b, Py_ssize_t m, int64_t *out) {
    Py_ssize_t prefix = 0, suffix = 0, lo = n < m ? n : m;
    while (prefix < lo && a[prefix] == b[prefix]) prefix++;
    while (suffix < lo - prefix && a[n - 1 - suffix] == b[m - 1 - suffix]) suffix++;
    a += prefix;
    b += prefix;
    n -= prefix + suffix;
    m -= prefix + suffix;
    Py_ssize_t bound = n > m ? n : m, band = n < 2 * bound + 1 ? n : 2 * bound + 1;
    if (!(2 * band * m / 8 < WER_FULL_MATRIX_BYTES || n < 65 || m < 10)) return 1;
    if ((n + 1) * (m + 1) > WER_LARGEST_MATRIX) return 1; /* rapidfuzz aligns it in less memory */
    Py_ssize_t w = m + 1;
    int32_t *d = malloc((n + 1) * w * sizeof(int32_t)); /* d[i * w + j] = lev(a[:i], b[:j]) */
    if (!d) return -1;
    for (Py_ssize_t j = 0; j <= m; j++) d[j] = (int32_t)j;
    for (Py_ssize_t i = 1; i <= n; i++) {
        int32_t *row = d + i * w, *up = row - w;
        row[0] = (int32_t)i;
        for (Py_ssize_t j = 1; j <= m; j++) {
            int32_t best = up[j] + 1, left = row[j - 1] + 1, diag = up[j - 1] + (a[i - 1] != b[j - 1]);
            if (left < best) best = left;
            if (diag < best) best = diag;
            row[j] = best;
        }
    }
    int64_t hits = prefix + suffix, subs = 0, dels = 0, ins = 0;
    Py_ssize_t i = n, j = m;
    while (i && j) {
        int32_t here = d[i * w + j];
        if (d[(i - 1) * w + j] == here - 1) {
            dels++;
            i--;
        } else if (d[i * w + j - 1] < d[(i - 1) * w + j - 1]) {
            ins++;
            j--;
        } else {
            i--;
            j--;
            if (a[i] == b[j])
                hits++;
            else
                subs++;
        }
    }
    free(d);
    out[0] = hits;
    out[1] = subs;
    out[2] = dels + i;
    out[3] = ins + j;
    return 0;
}

static PyObject *wer_counts(PyObject *self, PyObject *args) {
    Py_buffer ids, offsets, out;
    if (!PyArg_ParseTuple(args, "y*y*w*", &ids, &offsets, &out)) return NULL;
    Py_ssize_t size = ids.len / (Py_ssize_t)sizeof(int64_t), n_pairs = out.len / (Py_ssize_t)sizeof(int64_t) / 4;
    int status = -3;
    if (check_int64(&ids, "ids", size) == 0 && check_int64(&offsets, "offsets", 2 * n_pairs + 1) == 0 &&
        check_int64(&out, "out", 4 * n_pairs) == 0) {
        const int64_t *o = offsets.buf;
        status = 0;
        for (Py_ssize_t k = 0; k < 2 * n_pairs; k++)
            if (o[k] < 0 || o[k] > o[k + 1] || o[k + 1] > size) status = -4;
        if (status == 0) {
            Py_BEGIN_ALLOW_THREADS
            const int64_t *base = ids.buf;
            int64_t *res = out.buf;
            for (Py_ssize_t k = 0; k < n_pairs && status >= 0; k++) {
                int r = wer_pair(base + o[2 * k], o[2 * k + 1] - o[2 * k], base + o[2 * k + 1],
                                 o[2 * k + 2] - o[2 * k + 1], res + 4 * k);
                if (r < 0) status = r;
                if (r == 1) res[4 * k] = -1; /* for the caller: ask rapidfuzz */
            }
            Py_END_ALLOW_THREADS
        }
    }
    PyBuffer_Release(&ids);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&out);
    if (status == -1) return PyErr_NoMemory();
    if (status == -4) {
        PyErr_SetString(PyExc_ValueError, "wer_counts: offsets must rise within the ids");
        return NULL;
    }
    if (status == -3) return NULL;
    Py_RETURN_NONE;
}

/* -- METEOR: nltk's staged greedy alignment ------------------------------------------------------------------ */


/* token_words(codes, width, is_space, sep, ids, lengths) -> (n_tokens, words): token_ids, and each distinct
 * token as a str, in id order: one string per distinct token, not one per token. */
static PyObject *token_words(PyObject *self, PyObject *args) {
    Py_buffer codes, table, ids, lengths;
    int width;
    unsigned int sep;
    if (!PyArg_ParseTuple(args, "y*iy*Iw*w*", &codes, &width, &table, &sep, &ids, &lengths)) return NULL;
    int64_t n = -4;
    Vocabulary v = {0, NULL, NULL, NULL, NULL, 0};
    if ((width == 1 || width == 4) && lengths.len < (Py_ssize_t)sizeof(int64_t))
        n = -5;
    else if (width == 1 || width == 4) {
        Py_ssize_t n_codes = codes.len / width, capacity = ids.len / 8, n_lines = lengths.len / 8;
        memset(lengths.buf, 0, lengths.len);
        Py_BEGIN_ALLOW_THREADS
        if (width == 1)
            n = token_words_ascii(codes.buf, n_codes, table.buf, table.len, sep, ids.buf, capacity, lengths.buf,
                                  n_lines, &v);
        else
            n = token_words_wide(codes.buf, n_codes, table.buf, table.len, sep, ids.buf, capacity, lengths.buf,
                                 n_lines, &v);
        Py_END_ALLOW_THREADS
    }
    PyObject *result = NULL;
    switch (n) {
        case -1: PyErr_NoMemory(); break;
        case -2: PyErr_SetString(PyExc_ValueError, "token_words: more line separators than lines"); break;
        case -3: PyErr_SetString(PyExc_ValueError, "token_words: more tokens than the ids array holds"); break;
        case -4: PyErr_SetString(PyExc_ValueError, "token_words: the code width must be 1 or 4 bytes"); break;
        case -5: PyErr_SetString(PyExc_ValueError, "token_words: lengths must hold one line at least"); break;
        default: {
            /* each distinct token as a str, made from its first occurrence's code units (ASCII or code points) */
            PyObject *words = PyList_New(v.size);
            int kind = width == 1 ? PyUnicode_1BYTE_KIND : PyUnicode_4BYTE_KIND;
            for (int64_t e = 0; words && e < v.size; e++) {
                PyObject *word =
                    PyUnicode_FromKindAndData(kind, (const char *)codes.buf + v.first[e] * width, v.length[e]);
                if (!word) Py_CLEAR(words);
                else PyList_SET_ITEM(words, e, word);
            }
            if (words) result = Py_BuildValue("(LN)", (long long)n, words);
        }
    }
    PyBuffer_Release(&codes);
    PyBuffer_Release(&table);
    PyBuffer_Release(&ids);
    PyBuffer_Release(&lengths);
    vocabulary_free(&v);
    return result;
}

#define METEOR_EXACT 1   /* start: nothing paired, then pair equal words */
#define METEOR_STEM 2    /* pair equal stems among the words left */
#define METEOR_SYNONYM 4 /* pair synonyms among the words left (keys: stems where the stem stage is on) */
#define METEOR_COUNT 8   /* write matches and chunks */
#define METEOR_STEM_KEYS 16 /* the synonym stage reads stems (the stem stage is on) */

typedef struct {
    const int64_t *stem_of, *syn_start, *syn_len, *syn_pool;
    Py_ssize_t n_vocab, n_pool;
} MeteorTables;

/* An equal-key stage (nltk's _match_enums): each hypothesis word left, last first, takes the last reference
 * position left holding its key. Returns -5 for a key outside the vocabulary. */
static int meteor_equal(const int64_t *h, Py_ssize_t n, const int64_t *r, Py_ssize_t m, const MeteorTables *t,
                        int stem, int64_t *match, uint8_t *used, Py_ssize_t *left_h, Py_ssize_t *left_r) {
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        if (match[i] >= 0) continue;
        int64_t key = h[i];
        if (stem) {
            key = t->stem_of[key];
            if (key < 0 || key >= t->n_vocab) return -5;
        }
        for (Py_ssize_t j = m - 1; j >= 0; j--) {
            if (used[j]) continue;
            int64_t other = stem ? t->stem_of[r[j]] : r[j];
            if (other < 0) return -5; /* a stem not looked up */
            if (other == key) {
                match[i] = j;
                used[j] = 1;
                --*left_h;
                --*left_r;
                break;
            }
        }
    }
    return 0;
}

/* The synonym stage (nltk's _enum_wordnetsyn_match): each hypothesis word left, last first, takes the last
 * reference position left whose key is among its key's synonyms (a sorted list in the pool). */
static int meteor_synonyms(const int64_t *h, Py_ssize_t n, const int64_t *r, Py_ssize_t m, const MeteorTables *t,
                           int stem, int64_t *match, uint8_t *used) {
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        if (match[i] >= 0) continue;
        int64_t key = stem ? t->stem_of[h[i]] : h[i];
        if (key < 0 || key >= t->n_vocab) return -5;
        int64_t start = t->syn_start[key], size = t->syn_len[key];
        if (size < 0 || start < 0 || start + size > t->n_pool) return -6;
        const int64_t *syns = t->syn_pool + start;
        for (Py_ssize_t j = m - 1; j >= 0; j--) {
            if (used[j]) continue;
            int64_t other = stem ? t->stem_of[r[j]] : r[j];
            if (other < 0) return -5;
            int64_t lo = 0, hi = size; /* binary search of the sorted synonyms */
            while (lo < hi) {
                int64_t mid = (lo + hi) / 2;
                if (syns[mid] < other)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < size && syns[lo] == other) {
                match[i] = j;
                used[j] = 1;
                break;
            }
        }
    }
    return 0;
}

static PyObject *meteor_align(PyObject *self, PyObject *args) {
    Py_buffer b[12];
    int stages;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*iw*w*w*", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7],
                          &b[8], &stages, &b[9], &b[10], &b[11]))
        return NULL;
    const int64_t *h_ids = b[0].buf, *h_off = b[1].buf, *r_ids = b[2].buf, *r_off = b[3].buf, *unit_seg = b[4].buf;
    MeteorTables t = {b[5].buf, b[6].buf, b[7].buf, b[8].buf, b[5].len / 8, b[8].len / 8};
    int64_t *h_match = b[9].buf, *out = b[11].buf;
    uint8_t *used_all = b[10].buf;
    Py_ssize_t n_h = b[0].len / 8, n_seg = b[1].len / 8 - 1, n_r = b[2].len / 8, n_units = b[4].len / 8;
    Py_ssize_t n_match = b[9].len / 8;
    int status = 0;
    if (b[3].len / 8 != n_units + 1 || n_seg < 0 || b[6].len != b[5].len || b[7].len != b[5].len ||
        b[10].len != n_r || b[11].len / 8 != 2 * n_units)
        status = -3;
    for (Py_ssize_t s = 0; status == 0 && s < n_seg; s++)
        if (h_off[s] < 0 || h_off[s] > h_off[s + 1] || h_off[s + 1] > n_h) status = -4;
    for (Py_ssize_t u = 0; status == 0 && u < n_units; u++)
        if (r_off[u] < 0 || r_off[u] > r_off[u + 1] || r_off[u + 1] > n_r || unit_seg[u] < 0 || unit_seg[u] >= n_seg)
            status = -4;
    for (Py_ssize_t k = 0; status == 0 && k < n_h; k++)
        if (h_ids[k] < 0 || h_ids[k] >= t.n_vocab) status = -5;
    for (Py_ssize_t k = 0; status == 0 && k < n_r; k++)
        if (r_ids[k] < 0 || r_ids[k] >= t.n_vocab) status = -5;
    if (status == 0) {
        Py_BEGIN_ALLOW_THREADS
        int stem_keys = (stages & METEOR_STEM_KEYS) != 0;
        Py_ssize_t base = 0;
        for (Py_ssize_t u = 0; u < n_units && status == 0; u++) {
            const int64_t *h = h_ids + h_off[unit_seg[u]], *r = r_ids + r_off[u];
            Py_ssize_t n = h_off[unit_seg[u] + 1] - h_off[unit_seg[u]], m = r_off[u + 1] - r_off[u];
            if (base + n > n_match) {
                status = -3;
                break;
            }
            int64_t *match = h_match + base;
            uint8_t *used = used_all + r_off[u];
            base += n;
            Py_ssize_t left_h = 0, left_r = 0;
            if (stages & METEOR_EXACT) {
                for (Py_ssize_t i = 0; i < n; i++) match[i] = -1;
                memset(used, 0, m);
                left_h = n;
                left_r = m;
                status = meteor_equal(h, n, r, m, &t, 0, match, used, &left_h, &left_r);
            } else {
                for (Py_ssize_t i = 0; i < n; i++) left_h += match[i] < 0;
                for (Py_ssize_t j = 0; j < m; j++) left_r += !used[j];
            }
            /* the stem stage's and synonym stage's keys: a word's stem, which the stem stage reads first */
            if (status == 0 && (stages & METEOR_STEM) && left_h && left_r)
                status = meteor_equal(h, n, r, m, &t, 1, match, used, &left_h, &left_r);
            if (status == 0 && (stages & METEOR_SYNONYM) && left_h && left_r)
                status = meteor_synonyms(h, n, r, m, &t, stem_keys, match, used);
            if (status == 0 && (stages & METEOR_COUNT)) {
                int64_t matches = 0, chunks = 0, last_i = -2, last_j = -2;
                for (Py_ssize_t i = 0; i < n; i++) {
                    if (match[i] < 0) continue;
                    matches++;
                    if (i != last_i + 1 || match[i] != last_j + 1) chunks++;
                    last_i = i;
                    last_j = match[i];
                }
                out[2 * u] = matches;
                out[2 * u + 1] = chunks;
            }
        }
        Py_END_ALLOW_THREADS
    }
    for (int k = 0; k < 12; k++) PyBuffer_Release(&b[k]);
    switch (status) {
        case -3: PyErr_SetString(PyExc_ValueError, "meteor_align: the arrays' sizes do not agree"); return NULL;
        case -4: PyErr_SetString(PyExc_ValueError, "meteor_align: offsets must rise within the ids"); return NULL;
        case -5: PyErr_SetString(PyExc_ValueError, "meteor_align: a word or stem outside the vocabulary"); return NULL;
        case -6: PyErr_SetString(PyExc_ValueError, "meteor_align: a synonym list missing or outside the pool"); return NULL;
        default: Py_RETURN_NONE;
    }
}

static PyMethodDef methods[] = {
    {"token_ids", token_ids, METH_VARARGS,
     "token_ids(codes, width, is_space, sep, ids, lengths) -> number of tokens written to ids"},
    {"clipped_matches", clipped_matches, METH_VARARGS,
     "clipped_matches(ids, segment, role, n_segments, max_order, out): clipped counts written to out"},
    {"wer_counts", wer_counts, METH_VARARGS,
     "wer_counts(ids, offsets, out): (hits, subs, dels, ins) of each pair (reference, hypothesis), -1 hits: ask "
     "rapidfuzz"},
    {"ter_edits", ter_edits, METH_VARARGS,
     "ter_edits(ids, offsets, out): tercom edits of each pair (ids[o[2k]:o[2k+1]], ids[o[2k+1]:o[2k+2]])"},
    {"token_words", token_words, METH_VARARGS,
     "token_words(codes, width, is_space, sep, ids, lengths) -> (number of tokens, distinct tokens): token_ids, "
     "and each distinct token as a str, in id order"},
    {"meteor_align", meteor_align, METH_VARARGS,
     "meteor_align(h_ids, h_off, r_ids, r_off, unit_seg, stem_of, syn_start, syn_len, syn_pool, stages, h_match, "
     "r_used, out): nltk's METEOR stages per unit, (matches, chunks) written to out"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
