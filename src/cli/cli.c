/* cli.c -- helpers shared by the kairos subcommands. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

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
