/* universe.c -- several bar series aligned on one time axis.
 *
 * Alignment is a k-way merge of the series' timestamps through a binary
 * min-heap of one cursor per series, keyed by (timestamp, series index): each
 * step pops every cursor that sits on the smallest timestamp, so a timestamp
 * is seen once with the set of series that have it. The union keeps every
 * such timestamp, the intersection only those that all series share. The
 * merge runs twice, once to count the aligned timestamps and once to fill
 * them, so that the n x nsym row matrix is allocated once at its exact size
 * instead of being grown or sized for the worst case; each run costs
 * O(total rows * log nsym) and allocates nothing beyond the heap.
 *
 * The universe borrows the series: it stores row indices, not copies, and a
 * forward-filled close is found by binary search in the series itself, so it
 * is the close at or before the time even when that bar was dropped by an
 * intersection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kairos/data.h"

/* One merge over the series. `pos` holds a cursor per series and `heap` the
 * indices of series whose cursor is not exhausted. */
typedef struct merge {
    const kr_bars *const *series;
    size_t nsym;
    size_t *pos;
    size_t *heap;
    size_t nheap;
} merge;

static bool before(const merge *m, size_t a, size_t b)
{
    kr_ts ta = m->series[a]->ts[m->pos[a]];
    kr_ts tb = m->series[b]->ts[m->pos[b]];
    return ta < tb || (ta == tb && a < b);
}

static void sift_down(merge *m, size_t i)
{
    size_t n = m->nheap;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < n && before(m, m->heap[l], m->heap[best]))
            best = l;
        if (r < n && before(m, m->heap[r], m->heap[best]))
            best = r;
        if (best == i)
            return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = t;
        i = best;
    }
}

static void merge_start(merge *m)
{
    m->nheap = 0;
    for (size_t s = 0; s < m->nsym; s++) {
        m->pos[s] = 0;
        if (m->series[s]->n)
            m->heap[m->nheap++] = s;
    }
    for (size_t i = m->nheap / 2; i-- > 0;)
        sift_down(m, i);
}

/* Pops every cursor on the smallest timestamp, advancing each. Writes that
 * timestamp to *t and, when `rows` is not NULL, the row of each series found
 * there into rows[s] (which the caller preset to -1). Returns how many series
 * had the timestamp, 0 when the merge is over. */
static size_t merge_next(merge *m, kr_ts *t, int32_t *rows)
{
    if (m->nheap == 0)
        return 0;
    size_t first = m->heap[0];
    kr_ts now = m->series[first]->ts[m->pos[first]];
    size_t count = 0;
    while (m->nheap) {
        size_t s = m->heap[0];
        if (m->series[s]->ts[m->pos[s]] != now)
            break;
        if (rows)
            rows[s] = (int32_t)m->pos[s];
        count++;
        if (++m->pos[s] == m->series[s]->n)
            m->heap[0] = m->heap[--m->nheap];
        sift_down(m, 0);
    }
    *t = now;
    return count;
}

int kr_universe_align(const kr_bars *const *series, size_t nsym, int mode,
                      kr_universe *u)
{
    if (!u)
        return KR_EINVAL;
    memset(u, 0, sizeof *u);
    if ((mode != KR_ALIGN_UNION && mode != KR_ALIGN_INTERSECT) ||
        (nsym && !series))
        return KR_EINVAL;
    for (size_t s = 0; s < nsym; s++) {
        if (!series[s] || !kr_bars_is_sorted_unique(series[s]))
            return KR_EINVAL;
        if (series[s]->n > INT32_MAX)
            return KR_ERANGE; /* rows are stored as int32 */
    }

    int rc = KR_ENOMEM;
    merge m = {series, nsym, NULL, NULL, 0};
    if (nsym) {
        m.pos = malloc(nsym * sizeof *m.pos);
        m.heap = malloc(nsym * sizeof *m.heap);
        u->series = malloc(nsym * sizeof *u->series);
        if (!m.pos || !m.heap || !u->series)
            goto err;
        memcpy(u->series, series, nsym * sizeof *series);
    }
    u->nsym = nsym;

    size_t n = 0, c;
    kr_ts t;
    merge_start(&m);
    while ((c = merge_next(&m, &t, NULL)))
        if (mode == KR_ALIGN_UNION || c == nsym)
            n++;

    if (n && nsym > SIZE_MAX / sizeof(int32_t) / n) {
        rc = KR_ERANGE;
        goto err;
    }
    size_t cells = n * nsym;
    u->ts = malloc((n ? n : 1) * sizeof *u->ts);
    u->row = malloc((cells ? cells : 1) * sizeof *u->row);
    if (!u->ts || !u->row)
        goto err;
    for (size_t i = 0; i < cells; i++)
        u->row[i] = -1;

    merge_start(&m);
    size_t k = 0;
    while (k < n && (c = merge_next(&m, &t, u->row + k * nsym))) {
        if (mode == KR_ALIGN_INTERSECT && c != nsym) {
            for (size_t s = 0; s < nsym; s++) /* undo this partial match */
                u->row[k * nsym + s] = -1;
            continue;
        }
        u->ts[k++] = t;
    }
    u->n = n;
    free(m.pos);
    free(m.heap);
    return KR_OK;
err:
    free(m.pos);
    free(m.heap);
    kr_universe_free(u);
    return rc;
}

void kr_universe_free(kr_universe *u)
{
    if (!u)
        return;
    free(u->ts);
    free((void *)u->series);
    free(u->row);
    memset(u, 0, sizeof *u);
}

double kr_universe_close_ffill(const kr_universe *u, size_t t, size_t s)
{
    if (!u || t >= u->n || s >= u->nsym)
        return NAN;
    int32_t r = u->row[t * u->nsym + s];
    const kr_bars *b = u->series[s];
    if (r >= 0)
        return b->close[r];
    /* The number of bars at or before ts[t]; the last of them is the one. */
    kr_ts at = u->ts[t];
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->ts[mid] <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? b->close[lo - 1] : NAN;
}
