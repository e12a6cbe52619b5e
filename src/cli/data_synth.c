/* data_synth.c -- `kairos data synth`: reproducible synthetic OHLCV as CSV.
 *
 * The command only parses: each option's text is turned into a number, an
 * interval or a date here, and range checks are left to the library
 * (kr_synth_write_csv checks all options before writing a byte) except for
 * the integer counts, whose limits come from data.h. A library error names
 * the struct field; the table below
 * maps it back to the option the user typed. Output to a file goes to
 * FILE.tmp.PID first and is renamed into place only when complete, so a
 * failed run never leaves a truncated or clobbered FILE behind.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/data.h"

#define CMD "synth"

static const char usage_text[] =
    "usage: kairos data synth [OPTIONS]\n"
    "\n"
    "Writes reproducible synthetic OHLCV bars as CSV (timestamp,symbol,open,\n"
    "high,low,close,volume), one row per symbol per bar time. Prices follow\n"
    "geometric Brownian motion with mean-reverting stochastic log-volatility,\n"
    "correlated shocks across symbols and Poisson jumps; the same options\n"
    "always give the same bytes. Model: docs/synthetic-data.md.\n"
    "\n"
    "options (default in brackets):\n"
    "  --symbols N        number of symbols SYN0000, SYN0001, ... [1]\n"
    "  --rows N           bars per symbol [1000]\n"
    "  --interval I       bar interval: 1m, 5m, 1h, 1d, 1w ... [1d]\n"
    "  --start DATE       first bar, e.g. 2020-01-02 or 2020-01-02T14:30:00Z\n"
    "                     [2000-01-03]\n"
    "  --calendar C       equity (weekdays; intraday 14:30-21:00 UTC), fx\n"
    "                     (weekdays, all day) or crypto (every day) [equity]\n"
    "  --seed N           random seed, 0 to 4294967295 [42]\n"
    "  --s0 P             first price [100]\n"
    "  --mu X             annual drift [0.05]\n"
    "  --vol X            long-run annual volatility [0.2]\n"
    "  --vol-of-vol X     annual volatility of log-volatility [0.5]\n"
    "  --kappa X          mean-reversion speed of log-volatility [5]\n"
    "  --corr X           correlation of returns between symbols [0.3]\n"
    "  --jumps RATE       jumps per year [3]\n"
    "  --jump-mean X      mean log jump [-0.02]\n"
    "  --jump-std X       std of log jump [0.05]\n"
    "  --tick X           price increment; sets the decimals written [0.01]\n"
    "  --volume X         mean volume per bar [1000000]\n"
    "  -o, --output FILE  write to FILE instead of stdout ('-': stdout)\n"
    "  -h, --help         this help\n"
    "\n"
    "example:\n"
    "  kairos data synth --symbols 3 --rows 390 --interval 1m \\\n"
    "      --start 2024-01-02 --seed 7 -o bars.csv\n"
    "\n"
    "exit status: 0 ok, 2 bad option or write error\n";

enum {
    OPT_SYMBOLS = 256,
    OPT_ROWS,
    OPT_INTERVAL,
    OPT_START,
    OPT_CALENDAR,
    OPT_SEED,
    OPT_S0,
    OPT_MU,
    OPT_VOL,
    OPT_VOV,
    OPT_KAPPA,
    OPT_CORR,
    OPT_JUMPS,
    OPT_JUMP_MEAN,
    OPT_JUMP_STD,
    OPT_TICK,
    OPT_VOLUME,
};

static const struct option long_opts[] = {
    {"symbols", required_argument, NULL, OPT_SYMBOLS},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"start", required_argument, NULL, OPT_START},
    {"calendar", required_argument, NULL, OPT_CALENDAR},
    {"seed", required_argument, NULL, OPT_SEED},
    {"s0", required_argument, NULL, OPT_S0},
    {"mu", required_argument, NULL, OPT_MU},
    {"vol", required_argument, NULL, OPT_VOL},
    {"vol-of-vol", required_argument, NULL, OPT_VOV},
    {"kappa", required_argument, NULL, OPT_KAPPA},
    {"corr", required_argument, NULL, OPT_CORR},
    {"jumps", required_argument, NULL, OPT_JUMPS},
    {"jump-mean", required_argument, NULL, OPT_JUMP_MEAN},
    {"jump-std", required_argument, NULL, OPT_JUMP_STD},
    {"tick", required_argument, NULL, OPT_TICK},
    {"volume", required_argument, NULL, OPT_VOLUME},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* kr_synth_opts field names as the library reports them, and the options
 * that set them. */
static const struct {
    const char *field, *option;
} field_opts[] = {
    {"vol_of_vol", "vol-of-vol"}, {"vol_kappa", "kappa"},
    {"jump_rate", "jumps"},       {"jump_mean", "jump-mean"},
    {"jump_std", "jump-std"},
};

static const char *option_of(const char *field)
{
    for (size_t i = 0; i < sizeof field_opts / sizeof field_opts[0]; i++)
        if (!strcmp(field, field_opts[i].field))
            return field_opts[i].option;
    return field;
}

static int fail_lib(const kr_error *e)
{
    if (e->field[0])
        return kr_cli_fail(CMD ": option --%s: %s", option_of(e->field),
                           e->msg);
    return kr_cli_fail(CMD ": %s", e->msg);
}


int kr_cmd_data_synth(int argc, char **argv)
{
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    const char *path = NULL;
    char q[96];

    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":o:h", long_opts, NULL);
        if (c == -1)
            break;
        int64_t iv;
        double dv;
        const char *a = optarg;
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return KR_EXIT_OK;
        case 'o':
            path = a;
            break;
        case OPT_SYMBOLS:
            if (!kr_cli_int(CMD, "symbols", a, 1, KR_SYNTH_MAX_SYMBOLS, &iv))
                return KR_EXIT_USAGE;
            o.symbols = (size_t)iv;
            break;
        case OPT_ROWS:
            if (!kr_cli_int(CMD, "rows", a, 1, (int64_t)KR_SYNTH_MAX_ROWS, &iv))
                return KR_EXIT_USAGE;
            o.rows = (size_t)iv;
            break;
        case OPT_SEED:
            if (!kr_cli_int(CMD, "seed", a, 0, UINT32_MAX, &iv))
                return KR_EXIT_USAGE;
            o.seed = (uint64_t)iv;
            break;
        case OPT_INTERVAL:
            if (kr_interval_parse(a, &o.interval))
                return kr_cli_fail(CMD ": option --interval: expected an "
                                   "interval like 1m, 5m, 1h, 1d or 1w, got "
                                   "'%s'",
                                   kr_escape(a, strlen(a), q, sizeof q));
            break;
        case OPT_START:
            if (kr_time_parse(a, strlen(a), &o.start))
                return kr_cli_fail(CMD ": option --start: expected a date "
                                   "like 2020-01-02 or 2020-01-02T14:30:00Z, "
                                   "got '%s'", kr_escape(a, strlen(a), q,
                                                         sizeof q));
            break;
        case OPT_CALENDAR:
            if (strlen(a) >= sizeof o.calendar)
                return kr_cli_fail(CMD ": option --calendar: expected equity, "
                                   "fx or crypto, got '%s'",
                                   kr_escape(a, strlen(a), q, sizeof q));
            memset(o.calendar, 0, sizeof o.calendar);
            memcpy(o.calendar, a, strlen(a));
            break;
        case ':':
            return kr_cli_fail(CMD ": option %s needs a value (try 'kairos "
                               "data synth --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        case '?':
            return kr_cli_fail(CMD ": unknown option '%s' (try 'kairos data "
                               "synth --help')",
                               kr_cli_bad_option(argv, c, q, sizeof q));
        default: {
            /* The remaining options are plain numbers; the library checks
             * their ranges. */
            const char *name = NULL;
            for (const struct option *lo = long_opts; lo->name; lo++)
                if (lo->val == c)
                    name = lo->name;
            if (!name || !kr_cli_double(CMD, name, a, -HUGE_VAL, HUGE_VAL, &dv))
                return KR_EXIT_USAGE;
            switch (c) {
            case OPT_S0: o.s0 = dv; break;
            case OPT_MU: o.mu = dv; break;
            case OPT_VOL: o.vol = dv; break;
            case OPT_VOV: o.vol_of_vol = dv; break;
            case OPT_KAPPA: o.vol_kappa = dv; break;
            case OPT_CORR: o.corr = dv; break;
            case OPT_JUMPS: o.jump_rate = dv; break;
            case OPT_JUMP_MEAN: o.jump_mean = dv; break;
            case OPT_JUMP_STD: o.jump_std = dv; break;
            case OPT_TICK: o.tick = dv; break;
            case OPT_VOLUME: o.volume = dv; break;
            default: return KR_EXIT_USAGE;
            }
        }
        }
    }
    if (optind < argc)
        return kr_cli_fail(CMD ": unexpected argument '%s' (try 'kairos data "
                           "synth --help')",
                           kr_escape(argv[optind], strlen(argv[optind]), q,
                                     sizeof q));

    kr_error err;
    kr_error_clear(&err);
    if (!path || !strcmp(path, "-")) {
        if (kr_synth_write_csv(&o, stdout, &err))
            return fail_lib(&err);
        return KR_EXIT_OK;
    }

    size_t tlen = strlen(path) + 32;
    char *tmp = malloc(tlen);
    if (!tmp)
        return kr_cli_fail(CMD ": out of memory");
    snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int rc = kr_cli_fail(CMD ": cannot create '%s': %s",
                             kr_escape(path, strlen(path), q, sizeof q),
                             strerror(errno));
        free(tmp);
        return rc;
    }
    int rc = kr_synth_write_csv(&o, f, &err);
    if (fclose(f) && !rc)
        rc = kr_error_set(&err, KR_EIO, NULL, 0, 0, NULL,
                          "closing '%s' failed: %s",
                          kr_escape(path, strlen(path), q, sizeof q),
                          strerror(errno));
    if (!rc && rename(tmp, path))
        rc = kr_error_set(&err, KR_EIO, NULL, 0, 0, NULL,
                          "cannot rename the output into '%s': %s",
                          kr_escape(path, strlen(path), q, sizeof q),
                          strerror(errno));
    if (rc) {
        remove(tmp);
        free(tmp);
        return fail_lib(&err);
    }
    free(tmp);
    return KR_EXIT_OK;
}
