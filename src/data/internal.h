/* internal.h -- helpers shared by the files of the data domain (kr__ names);
 * not part of the public API.
 */
#ifndef KR_DATA_INTERNAL_H
#define KR_DATA_INTERNAL_H

#include <stddef.h>

#include "kairos/core.h"

/* kr__sort_ts_index stably sorts the n row indices in idx by key[idx[i]],
 * using tmp (n entries) as scratch. Runs already in order cost one compare
 * per merge, and a file written newest first is reversed in O(n log n)
 * copies without element compares. */
void kr__sort_ts_index(const kr_ts *key, size_t *idx, size_t *tmp, size_t n);

#endif
