/* atomic.c -- kr_write_atomic: replace a file so that a reader, or a crash,
 * sees the old bytes or the new ones, never a mix.
 *
 * The bytes go to a temporary file beside the target (mkstemp, so two
 * writers never share it), which is fsync'd, renamed over the target, and
 * then the directory is fsync'd so that the rename itself survives a
 * crash (best effort: some file systems refuse a directory fsync). On any
 * failure the temporary file is removed and the target is untouched. The
 * model files, a stack's meta file and the registry's pointer files are
 * all written this way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kairos/core.h"

int kr_write_atomic(const char *path, const void *buf, size_t len,
                    kr_error *err)
{
    if (!path || (!buf && len))
        return kr_error_set(err, KR_EINVAL, path, 0, 0, NULL,
                            "kr_write_atomic needs a path and bytes");
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return kr_error_set(err, KR_ENOMEM, path, 0, 0, NULL, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path); /* mkstemp's template */
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                              "cannot create a temporary file beside it: %s",
                              strerror(errno));
        free(tmp);
        return rc;
    }
    int rc = KR_OK;
    const char *p = buf;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                              "write failed: %s", strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (!rc && fsync(fd))
        rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL, "fsync failed: %s",
                          strerror(errno));
    if (close(fd) && !rc)
        rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL, "close failed: %s",
                          strerror(errno));
    if (!rc && rename(tmp, path))
        rc = kr_error_set(err, KR_EIO, path, 0, 0, NULL, "rename failed: %s",
                          strerror(errno));
    if (rc) {
        unlink(tmp);
        free(tmp);
        return rc;
    }
    /* The directory: the path up to its last '/', "/" or ".". */
    memcpy(tmp, path, plen + 1);
    char *slash = strrchr(tmp, '/');
    if (slash == tmp)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(tmp, ".");
    int dfd = open(tmp, O_RDONLY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(tmp);
    return KR_OK;
}
