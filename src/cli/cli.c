/* cli.c -- helpers shared by the kairos subcommands. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kairos/data.h"

int kr_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kairos: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return KR_EXIT_USAGE;
}

int kr_cli_fail_error(const kr_error *e)
{
    char buf[1024];
    kr_error_format(e, buf, sizeof buf);
    fprintf(stderr, "kairos: %s\n", buf);
    return KR_EXIT_USAGE;
}

bool kr_cli_double(const char *cmd, const char *opt, const char *s,
                   double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || errno || !isfinite(v)) {
        kr_cli_fail("%s: option --%s: expected a number, got '%s'", cmd, opt,
                    s ? s : "");
        return false;
    }
    if (v < lo || v > hi) {
        kr_cli_fail("%s: option --%s: %g is outside [%g, %g]", cmd, opt, v,
                    lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool kr_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo,
                int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || end == s || *end || errno) {
        kr_cli_fail("%s: option --%s: expected an integer, got '%s'", cmd,
                    opt, s ? s : "");
        return false;
    }
    if (v < lo || v > hi) {
        kr_cli_fail("%s: option --%s: %lld is outside [%lld, %lld]", cmd, opt,
                    v, (long long)lo, (long long)hi);
        return false;
    }
    *out = v;
    return true;
}

bool kr_cli_stdout_tty(void) { return isatty(STDOUT_FILENO) == 1; }

const char *kr_cli_bad_option(char **argv, int c, char *buf, size_t size)
{
    if (optopt && optopt < 256 && c != ':') {
        snprintf(buf, size, "-%c", optopt);
        return buf;
    }
    const char *a = argv[optind - 1];
    return kr_escape(a, strlen(a), buf, size);
}

int kr_cli_write_output(const char *cmd, const char *path, kr_cli_writer fn,
                        void *user)
{
    char q[300];
    if (!path || !strcmp(path, "-")) {
        int wrc = fn(stdout, user);
        if (wrc && wrc != KR_EIO)
            return KR_EXIT_USAGE;
        if (wrc || fflush(stdout))
            return kr_cli_fail("%s: cannot write to stdout: %s", cmd,
                               strerror(errno));
        return KR_EXIT_OK;
    }
    size_t tlen = strlen(path) + 32;
    char *tmp = malloc(tlen);
    if (!tmp)
        return kr_cli_fail("%s: out of memory", cmd);
    snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
    int rc = KR_EXIT_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = kr_cli_fail("%s: cannot create '%s': %s", cmd,
                         kr_escape(tmp, strlen(tmp), q, sizeof q),
                         strerror(errno));
        free(tmp);
        return rc;
    }
    int wrc = fn(f, user);
    int e = errno;
    if (fclose(f) && !wrc) {
        wrc = KR_EIO;
        e = errno;
    }
    if (wrc && wrc != KR_EIO)
        rc = KR_EXIT_USAGE; /* fn printed it */
    else if (wrc)
        rc = kr_cli_fail("%s: cannot write '%s': %s", cmd,
                         kr_escape(tmp, strlen(tmp), q, sizeof q),
                         strerror(e));
    else if (rename(tmp, path))
        rc = kr_cli_fail("%s: cannot rename the output into '%s': %s", cmd,
                         kr_escape(path, strlen(path), q, sizeof q),
                         strerror(errno));
    if (rc)
        remove(tmp);
    free(tmp);
    return rc;
}

typedef struct bars_out {
    const kr_bars *const *series;
    size_t n;
    const kr_symtab *symbols;
} bars_out;

static int write_bars(FILE *f, void *user)
{
    const bars_out *b = user;
    return kr_csv_write_bars(f, b->series, b->n, b->symbols, 0) ? KR_EIO
                                                                 : KR_OK;
}

int kr_cli_write_bars(const char *cmd, const char *path,
                      const kr_bars *const *series, size_t n,
                      const kr_symtab *symbols)
{
    bars_out b = {series, n, symbols};
    return kr_cli_write_output(cmd, path, write_bars, &b);
}

void kr_cli_warn_dropped(const char *cmd, const char *path, size_t dropped,
                         size_t unparsable)
{
    if (dropped || unparsable)
        KR_WARN(cmd, "%s: dropped %zu row%s with a repeated timestamp (kept "
                "the first of each), skipped %zu unparsable row%s",
                path, dropped, dropped == 1 ? "" : "s", unparsable,
                unparsable == 1 ? "" : "s");
}

int kr_cli_load_series(const char *cmd, const char *path, const char *symbol,
                       kr_dataset *ds, kr_bars ***series, size_t *nser)
{
    char q[96], q2[96];
    kr_csv_opts co;
    kr_csv_opts_init(&co);
    kr_error err;
    kr_error_clear(&err);
    *series = NULL;
    *nser = 0;
    if (kr_csv_load(path, &co, ds, &err))
        return kr_cli_fail_error(&err);
    int rc = KR_EXIT_OK;
    uint32_t want = 0;
    if (ds->nbars == 0) {
        rc = kr_cli_fail("%s: %s holds %s, not bars", cmd,
                         kr_escape(path, strlen(path), q, sizeof q),
                         ds->nquotes ? "quotes" : "no series");
    } else if (symbol &&
               kr_symtab_find(ds->symbols, symbol, strlen(symbol), &want)) {
        rc = kr_cli_fail("%s: no symbol '%s' in %s", cmd,
                         kr_escape(symbol, strlen(symbol), q, sizeof q),
                         kr_escape(path, strlen(path), q2, sizeof q2));
    } else if (!(*series = calloc(ds->nbars, sizeof **series))) {
        rc = kr_cli_fail("%s: out of memory", cmd);
    }
    size_t dropped = 0;
    for (size_t i = 0; !rc && i < ds->nbars; i++) {
        kr_bars *b = &ds->bars[i];
        if (symbol && b->symbol != want)
            continue;
        if (kr_bars_clean(b, &dropped))
            rc = kr_cli_fail("%s: out of memory", cmd);
        else
            (*series)[(*nser)++] = b;
    }
    if (rc) {
        free(*series);
        *series = NULL;
        *nser = 0;
        kr_dataset_free(ds);
        return rc;
    }
    kr_cli_warn_dropped(cmd, path, dropped, ds->issues_total);
    return KR_EXIT_OK;
}

void kr_cli_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
