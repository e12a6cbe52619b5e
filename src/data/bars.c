/* bars.c -- bar and quote columns, and the dataset that owns them.
 *
 * A kr_bars is struct-of-arrays: one 64-byte-aligned array per field, grown by
 * doubling. Optional columns (adjusted close, source line) exist only when the
 * series was created with their flag, so a plain series costs six arrays. The
 * sort is a stable merge sort over a permutation, applied to every column once;
 * equal timestamps keep file order so that de-duplication keeps the first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/internal.h"
#include "kairos/data.h"

/* Grows one column from n used rows to cap rows. */
static int grow(void **col, size_t elem, size_t n, size_t cap)
{
    void *p = kr_alloc_aligned(cap * elem);
    if (!p)
        return KR_ENOMEM;
    if (*col && n)
        memcpy(p, *col, n * elem);
    kr_free_aligned(*col);
    *col = p;
    return KR_OK;
}

int kr_bars_init(kr_bars *b, uint32_t symbol, size_t cap, unsigned flags)
{
    memset(b, 0, sizeof *b);
    b->symbol = symbol;
    if (cap < 16)
        cap = 16;
    void **cols[] = {(void **)&b->ts,    (void **)&b->open,
                     (void **)&b->high,  (void **)&b->low,
                     (void **)&b->close, (void **)&b->volume};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (grow(cols[i], 8, 0, cap))
            goto err;
    if ((flags & KR_BARS_ADJ) && grow((void **)&b->adj_close, 8, 0, cap))
        goto err;
    if ((flags & KR_BARS_LINES) && grow((void **)&b->line, 8, 0, cap))
        goto err;
    b->cap = cap;
    return KR_OK;
err:
    kr_bars_free(b);
    return KR_ENOMEM;
}

void kr_bars_free(kr_bars *b)
{
    if (!b)
        return;
    kr_free_aligned(b->ts);
    kr_free_aligned(b->open);
    kr_free_aligned(b->high);
    kr_free_aligned(b->low);
    kr_free_aligned(b->close);
    kr_free_aligned(b->volume);
    kr_free_aligned(b->adj_close);
    kr_free_aligned(b->line);
    uint32_t sym = b->symbol;
    memset(b, 0, sizeof *b);
    b->symbol = sym;
}

int kr_bars_reserve(kr_bars *b, size_t cap)
{
    if (cap <= b->cap)
        return KR_OK;
    void **cols[] = {(void **)&b->ts,    (void **)&b->open,
                     (void **)&b->high,  (void **)&b->low,
                     (void **)&b->close, (void **)&b->volume,
                     (void **)&b->adj_close, (void **)&b->line};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (i >= 6 && !*cols[i])
            continue;
        if (grow(cols[i], 8, b->n, cap))
            return KR_ENOMEM; /* columns grown so far stay valid */
    }
    b->cap = cap;
    return KR_OK;
}

int kr_bars_push(kr_bars *b, kr_ts ts, double open, double high, double low,
                 double close, double volume, double adj, int64_t line)
{
    if (b->n == b->cap) {
        int rc = kr_bars_reserve(b, b->cap ? b->cap * 2 : 16);
        if (rc)
            return rc;
    }
    size_t i = b->n++;
    b->ts[i] = ts;
    b->open[i] = open;
    b->high[i] = high;
    b->low[i] = low;
    b->close[i] = close;
    b->volume[i] = volume;
    if (b->adj_close)
        b->adj_close[i] = adj;
    if (b->line)
        b->line[i] = line;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Sorting
 * ------------------------------------------------------------------------ */

void kr__sort_ts_index(const kr_ts *key, size_t *idx, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    kr__sort_ts_index(key, idx, tmp, h);
    kr__sort_ts_index(key, idx + h, tmp, n - h);
    if (key[idx[h - 1]] <= key[idx[h]])
        return; /* already in order: the common case for clean files */
    if (key[idx[n - 1]] < key[idx[0]]) {
        /* Every row of the right half is earlier than every row of the left
         * (a file written newest first): swapping the halves is the stable
         * merge. */
        memcpy(tmp, idx + h, (n - h) * sizeof *idx);
        memcpy(tmp + (n - h), idx, h * sizeof *idx);
        memcpy(idx, tmp, n * sizeof *idx);
        return;
    }
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = key[idx[j]] < key[idx[i]] ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int permute(void *col, size_t elem, const size_t *idx, size_t n)
{
    if (!col)
        return KR_OK;
    char *tmp = malloc(n * elem);
    if (!tmp)
        return KR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(tmp + i * elem, (char *)col + idx[i] * elem, elem);
    memcpy(col, tmp, n * elem);
    free(tmp);
    return KR_OK;
}

int kr_bars_sort(kr_bars *b)
{
    if (kr_bars_is_sorted_unique(b))
        return KR_OK;
    size_t n = b->n;
    size_t *idx = malloc(n * sizeof *idx);
    size_t *tmp = malloc(n * sizeof *tmp);
    int rc = KR_ENOMEM;
    if (!idx || !tmp)
        goto out;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    kr__sort_ts_index(b->ts, idx, tmp, n);
    void *cols[] = {b->ts,     b->open,   b->high,      b->low,
                    b->close,  b->volume, b->adj_close, b->line};
    rc = KR_OK;
    for (size_t c = 0; c < sizeof cols / sizeof cols[0] && rc == KR_OK; c++)
        rc = permute(cols[c], 8, idx, n);
out:
    free(idx);
    free(tmp);
    return rc;
}

size_t kr_bars_dedupe(kr_bars *b)
{
    if (b->n < 2)
        return 0;
    size_t w = 1;
    for (size_t r = 1; r < b->n; r++) {
        if (b->ts[r] == b->ts[w - 1])
            continue;
        if (w != r) {
            b->ts[w] = b->ts[r];
            b->open[w] = b->open[r];
            b->high[w] = b->high[r];
            b->low[w] = b->low[r];
            b->close[w] = b->close[r];
            b->volume[w] = b->volume[r];
            if (b->adj_close)
                b->adj_close[w] = b->adj_close[r];
            if (b->line)
                b->line[w] = b->line[r];
        }
        w++;
    }
    size_t removed = b->n - w;
    b->n = w;
    return removed;
}

int kr_bars_clean(kr_bars *b, size_t *dropped)
{
    int rc = kr_bars_sort(b);
    if (rc)
        return rc;
    *dropped += kr_bars_dedupe(b);
    return KR_OK;
}

bool kr_bars_is_sorted_unique(const kr_bars *b)
{
    for (size_t i = 1; i < b->n; i++)
        if (b->ts[i] <= b->ts[i - 1])
            return false;
    return true;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t kr_bars_interval(const kr_bars *b)
{
    if (b->n < 2)
        return 0;
    /* The mode of positive gaps, from a sorted sample of at most 100k gaps
     * spread over the series, so that long files cost little. */
    size_t m = b->n - 1, step = m > 100000 ? m / 100000 : 1, k = 0;
    int64_t *g = malloc(((m + step - 1) / step) * sizeof *g);
    if (!g)
        return 0;
    for (size_t i = 1; i < b->n; i += step) {
        /* |difference| without overflow: newest-first files count too, and
         * gaps wider than int64 (timestamps at both ends) are skipped. */
        kr_ts a = b->ts[i - 1], c = b->ts[i];
        uint64_t d = c > a ? (uint64_t)c - (uint64_t)a : (uint64_t)a - (uint64_t)c;
        if (d > 0 && d <= (uint64_t)INT64_MAX)
            g[k++] = (int64_t)d;
    }
    int64_t best = 0;
    size_t best_run = 0;
    qsort(g, k, sizeof *g, cmp_i64);
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && g[j] == g[i])
            j++;
        if (j - i > best_run) {
            best_run = j - i;
            best = g[i];
        }
        i = j;
    }
    free(g);
    return best;
}

/* ------------------------------------------------------------------------
 * Quotes
 * ------------------------------------------------------------------------ */

int kr_quotes_init(kr_quotes *q, uint32_t symbol, size_t cap, unsigned flags)
{
    memset(q, 0, sizeof *q);
    q->symbol = symbol;
    if (cap < 16)
        cap = 16;
    void **cols[] = {(void **)&q->ts, (void **)&q->bid, (void **)&q->ask,
                     (void **)&q->bid_size, (void **)&q->ask_size};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (grow(cols[i], 8, 0, cap))
            goto err;
    if ((flags & KR_QUOTES_RECV) && grow((void **)&q->recv_ts, 8, 0, cap))
        goto err;
    if ((flags & KR_QUOTES_LINES) && grow((void **)&q->line, 8, 0, cap))
        goto err;
    q->cap = cap;
    return KR_OK;
err:
    kr_quotes_free(q);
    return KR_ENOMEM;
}

void kr_quotes_free(kr_quotes *q)
{
    if (!q)
        return;
    kr_free_aligned(q->ts);
    kr_free_aligned(q->bid);
    kr_free_aligned(q->ask);
    kr_free_aligned(q->bid_size);
    kr_free_aligned(q->ask_size);
    kr_free_aligned(q->recv_ts);
    kr_free_aligned(q->line);
    uint32_t sym = q->symbol;
    memset(q, 0, sizeof *q);
    q->symbol = sym;
}

int kr_quotes_push(kr_quotes *q, kr_ts ts, double bid, double ask,
                   double bid_size, double ask_size, kr_ts recv_ts,
                   int64_t line)
{
    if (q->n == q->cap) {
        size_t cap = q->cap * 2;
        void **cols[] = {(void **)&q->ts,       (void **)&q->bid,
                         (void **)&q->ask,      (void **)&q->bid_size,
                         (void **)&q->ask_size, (void **)&q->recv_ts,
                         (void **)&q->line};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            if (i >= 5 && !*cols[i])
                continue;
            if (grow(cols[i], 8, q->n, cap))
                return KR_ENOMEM;
        }
        q->cap = cap;
    }
    size_t i = q->n++;
    q->ts[i] = ts;
    q->bid[i] = bid;
    q->ask[i] = ask;
    q->bid_size[i] = bid_size;
    q->ask_size[i] = ask_size;
    if (q->recv_ts)
        q->recv_ts[i] = recv_ts;
    if (q->line)
        q->line[i] = line;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Datasets
 * ------------------------------------------------------------------------ */

int kr_dataset_init(kr_dataset *ds, const char *path)
{
    memset(ds, 0, sizeof *ds);
    ds->symbols = kr_symtab_new();
    ds->path = strdup(path ? path : "");
    if (!ds->symbols || !ds->path) {
        kr_dataset_free(ds);
        return KR_ENOMEM;
    }
    return KR_OK;
}

void kr_dataset_free(kr_dataset *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->nbars; i++)
        kr_bars_free(&ds->bars[i]);
    for (size_t i = 0; i < ds->nquotes; i++)
        kr_quotes_free(&ds->quotes[i]);
    free(ds->bars);
    free(ds->quotes);
    free(ds->issues);
    free(ds->path);
    kr_symtab_free(ds->symbols);
    memset(ds, 0, sizeof *ds);
}

int kr_dataset_series(kr_dataset *ds, uint32_t symbol, unsigned flags,
                      kr_bars **out)
{
    for (size_t i = 0; i < ds->nbars; i++) {
        if (ds->bars[i].symbol == symbol) {
            *out = &ds->bars[i];
            return KR_OK;
        }
    }
    kr_bars *v = realloc(ds->bars, (ds->nbars + 1) * sizeof *v);
    if (!v)
        return KR_ENOMEM;
    ds->bars = v;
    int rc = kr_bars_init(&ds->bars[ds->nbars], symbol, 16, flags);
    if (rc)
        return rc;
    *out = &ds->bars[ds->nbars++];
    return KR_OK;
}
