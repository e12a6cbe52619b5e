/* report.c -- kr_report_write: the five report files into a directory.
 *
 * Each file is written to dir/.name.tmp, flushed, fsync'd, closed and then
 * renamed over dir/name, so a reader (a dashboard polling the directory, a
 * second run writing the same place) sees the old file or the complete new
 * one, never half of one. After the last rename the directory itself is
 * fsync'd so that the renames survive a crash. On any failure the temporary
 * file is removed and the error names the path and the system's reason;
 * files already renamed stay (each of them is whole).
 *
 * The directory is created with its parents (mode 0755, less the umask) when
 * missing. The writers themselves are the FILE * functions of csv.c, json.c
 * and html.c; this file only adds the file handling around them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "report/internal.h"

enum { F_METRICS, F_EQUITY, F_TRADES, F_ORDERS, F_HTML, F_COUNT };

static const char *const FILES[F_COUNT] = {
    "metrics.json", "equity.csv", "trades.csv", "orders.csv", "report.html",
};

typedef struct job {
    const kr_backtest *bt;
    const kr_bt_metrics *m;
    const kr_backtest_input *in;
    const kr_report_info *info;
} job;

static int write_part(int which, FILE *f, const job *j)
{
    switch (which) {
    case F_METRICS: return kr_report_metrics_json(f, j->m, j->info);
    case F_EQUITY: return kr_report_equity_csv(f, j->bt);
    case F_TRADES: return kr_report_trades_csv(f, j->bt, j->in);
    case F_ORDERS: return kr_report_orders_csv(f, j->bt, j->in);
    default: return kr_report_html(f, j->bt, j->m, j->in, j->info);
    }
}

/* mkdir -p: every missing component of `path`, mode 0755. */
static int make_dirs(const char *path, kr_error *err)
{
    size_t len = strlen(path);
    char *p = malloc(len + 1);
    if (p == NULL)
        return KR_ENOMEM;
    memcpy(p, path, len + 1);
    int rc = KR_OK;
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = kr_error_set(err, KR_EIO, p, 0, 0, NULL,
                              "cannot create directory: %s", strerror(errno));
            break;
        }
        p[i] = c;
    }
    free(p);
    if (rc != KR_OK)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0)
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL, "%s",
                            strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return kr_error_set(err, KR_EIO, path, 0, 0, NULL,
                            "not a directory");
    return KR_OK;
}

static int write_one(const char *dir, int which, const job *j, char *tmp,
                     char *dst, size_t size, kr_error *err)
{
    snprintf(tmp, size, "%s/.%s.tmp", dir, FILES[which]);
    snprintf(dst, size, "%s/%s", dir, FILES[which]);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return kr_error_set(err, KR_EIO, tmp, 0, 0, NULL, "cannot create: %s",
                            strerror(errno));
    int rc = write_part(which, f, j);
    int saved = errno;
    if (rc == KR_OK && fflush(f) != 0) {
        rc = KR_EIO;
        saved = errno;
    }
    if (rc == KR_OK && fsync(fileno(f)) != 0) {
        rc = KR_EIO;
        saved = errno;
    }
    if (fclose(f) != 0 && rc == KR_OK) {
        rc = KR_EIO;
        saved = errno;
    }
    if (rc == KR_OK && rename(tmp, dst) != 0) {
        rc = KR_EIO;
        saved = errno;
    }
    if (rc != KR_OK) {
        unlink(tmp);
        if (rc == KR_EIO)
            return kr_error_set(err, KR_EIO, dst, 0, 0, NULL,
                                "cannot write: %s",
                                saved ? strerror(saved) : "write error");
        return kr_error_set(err, rc, dst, 0, 0, NULL, "cannot write: %s",
                            kr_strerror(rc));
    }
    return KR_OK;
}

int kr_report_write(const char *dir, const kr_backtest *bt,
                    const kr_bt_metrics *m, const kr_backtest_input *in,
                    const kr_report_info *info, kr_error *err)
{
    if (dir == NULL || dir[0] == '\0' || bt == NULL)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "dir",
                            "an output directory and a backtest are needed");
    int rc = make_dirs(dir, err);
    if (rc != KR_OK)
        return rc;
    size_t size = strlen(dir) + 32;
    char *tmp = malloc(size), *dst = malloc(size);
    if (tmp == NULL || dst == NULL) {
        rc = KR_ENOMEM;
        goto out;
    }
    job j = {bt, m, in, info};
    for (int w = 0; w < F_COUNT && rc == KR_OK; w++)
        rc = write_one(dir, w, &j, tmp, dst, size, err);
    if (rc == KR_OK) {
        int fd = open(dir, O_RDONLY);
        if (fd >= 0) {
            fsync(fd); /* best effort: some file systems refuse it */
            close(fd);
        }
    }
out:
    free(tmp);
    free(dst);
    return rc;
}
