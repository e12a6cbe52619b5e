/* synth.c -- reproducible synthetic OHLCV: geometric Brownian motion with
 * stochastic log-volatility, correlated shocks and Poisson jumps.
 *
 * One generator feeds two outputs. A `synth` holds the whole state (the
 * Mersenne Twister, each symbol's log-volatility and unrounded price, the
 * Cholesky factor, the bar clock) and synth_step() advances it by one bar time
 * for every symbol, leaving prices as integer counts of 10^-dec (a multiple of
 * the tick) and volumes as integers. kr_synth_generate turns those integers
 * into columns of a kr_dataset; kr_synth_write_csv prints the same integers
 * with its own digit code into a 1 MB buffer. Because a price is u / 10^dec
 * with u < 2^53, the double in a column is the correctly rounded value of the
 * decimal text in the CSV, so a loader that reads decimals exactly gets the
 * generated values back bit for bit.
 *
 * Random numbers are drawn in a fixed order per bar time (every symbol's
 * shock, then per symbol: volatility shock, jump count and sizes when jumps
 * are on, gap, high, low, volume), so a run depends on the options alone.
 * Prices evolve unrounded and are rounded only on output; rounding the state
 * would bias low-priced paths and pin them at one tick. The calendars are the
 * three the synthetic model needs and carry their own session hours and
 * sessions per year; they deliberately do not follow holiday files.
 *
 * Trade-offs: the Cholesky factor is a dense n x n matrix and each bar costs
 * n^2/2 multiplies when the correlation is not zero, which is fine up to a
 * few thousand symbols. GSL reports errors through a process-wide handler,
 * which synth_init switches off and restores around its GSL calls, so this
 * module must not be initialised from two threads at once.
 */
#if defined(__clang__)
/* Fused multiply-adds would change the last bits of prices between builds
 * with and without -march=native; the reproducibility promise forbids it.
 * (GCC in ISO C mode does not contract by default.) */
#pragma STDC FP_CONTRACT OFF
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "kairos/data.h"

/* Shape of a bar around its open and close, as multiples of the bar's
 * standard deviation sigma * sqrt(dt), and the dispersion of volume. */
#define GAP_FRAC 0.1     /* std of the log gap between last close and open */
#define RANGE_FRAC 0.5   /* high/low reach |N(0,1)| * this beyond open/close */
#define VOLUME_SIGMA 0.5 /* std of log volume around its mean */

#define MAX_UNITS 9007199254740992.0 /* 2^53: integers exact in a double */
#define OUT_BUF (1u << 20)
#define ROW_MAX 256 /* longest CSV row: 20 + 8 + 4 * 18 + 16 + separators */

/* ------------------------------------------------------------------------
 * Calendars and the bar clock
 * ------------------------------------------------------------------------ */

typedef struct cal_def {
    const char *name;
    unsigned weekdays;        /* bit i: weekday i (0 = Monday) is a session */
    int64_t open, close;      /* intraday session, ns after midnight UTC */
    double sessions_per_year; /* sessions in a year of dt */
} cal_def;

static const cal_def calendars[] = {
    {"equity", 0x1f, 14 * KR_NS_PER_HOUR + 30 * KR_NS_PER_MIN,
     21 * KR_NS_PER_HOUR, 252.0},
    {"fx", 0x1f, 0, KR_NS_PER_DAY, 252.0},
    {"crypto", 0x7f, 0, KR_NS_PER_DAY, 365.0},
};

typedef struct synth_clock {
    const cal_def *cal;
    int64_t step;   /* bar interval in ns */
    int64_t kdays;  /* step in days when daily, else 0 */
    int64_t nslot;  /* intraday bars per session day (session calendars) */
    bool session;   /* intraday bars confined to [open, close) */
    kr_ts start;
    kr_ts t;        /* start of the current bar */
    int64_t day;    /* day number of t */
    int64_t slot;   /* index of t within its session day */
    double dt;      /* years of trading time the current bar covers */
    double year_ns; /* ns of session time in a year */
} synth_clock;

static bool is_session(const cal_def *c, int64_t day)
{
    return (c->weekdays >> kr_weekday_of_day(day)) & 1u;
}

static int64_t next_session(const cal_def *c, int64_t day)
{
    while (!is_session(c, day))
        day++;
    return day;
}

/* Sessions in the days (a, b]. */
static int64_t sessions_in(const cal_def *c, int64_t a, int64_t b)
{
    int64_t per_week = 0;
    for (int w = 0; w < 7; w++)
        per_week += (c->weekdays >> w) & 1u;
    int64_t n = (b - a) / 7 * per_week;
    for (int64_t d = a + 1 + (b - a) / 7 * 7; d <= b; d++)
        n += is_session(c, d);
    return n;
}

/* Positions the clock on the first bar at or after c->start. */
static void clock_first(synth_clock *c)
{
    const cal_def *cal = c->cal;
    int64_t day = kr_ts_day(c->start);
    if (c->kdays) {
        c->day = next_session(cal, day);
        c->t = c->day * KR_NS_PER_DAY;
        c->dt = (double)sessions_in(cal, c->day - c->kdays, c->day) /
                cal->sessions_per_year;
        return;
    }
    if (c->session) {
        int64_t tod = c->start - day * KR_NS_PER_DAY;
        int64_t k = 0;
        if (tod > cal->open)
            k = (tod - cal->open + c->step - 1) / c->step;
        if (k >= c->nslot || !is_session(cal, day)) {
            day = is_session(cal, day) ? day + 1 : day;
            day = next_session(cal, day);
            k = 0;
        }
        c->day = day;
        c->slot = k;
        c->t = day * KR_NS_PER_DAY + cal->open + k * c->step;
    } else {
        c->t = c->start;
        c->day = day;
        if (!is_session(cal, day)) {
            int64_t m = next_session(cal, day) * KR_NS_PER_DAY;
            c->t = c->start + (m - c->start + c->step - 1) / c->step * c->step;
            c->day = kr_ts_day(c->t);
        }
    }
    int64_t len = c->step;
    if (c->session && cal->close - (c->t - c->day * KR_NS_PER_DAY) < len)
        len = cal->close - (c->t - c->day * KR_NS_PER_DAY);
    c->dt = (double)len / c->year_ns;
}

/* Advances the clock by one bar. */
static void clock_next(synth_clock *c)
{
    const cal_def *cal = c->cal;
    if (c->kdays) {
        int64_t nd = next_session(cal, c->day + c->kdays);
        c->dt = (double)sessions_in(cal, c->day, nd) / cal->sessions_per_year;
        c->day = nd;
        c->t = nd * KR_NS_PER_DAY;
        return;
    }
    if (c->session) {
        if (++c->slot >= c->nslot) {
            c->slot = 0;
            c->day = next_session(cal, c->day + 1);
        }
        int64_t tod = cal->open + c->slot * c->step;
        c->t = c->day * KR_NS_PER_DAY + tod;
        int64_t len = cal->close - tod < c->step ? cal->close - tod : c->step;
        c->dt = (double)len / c->year_ns;
        return;
    }
    c->t += c->step;
    c->day = kr_ts_day(c->t);
    if (!is_session(cal, c->day)) {
        int64_t m = next_session(cal, c->day) * KR_NS_PER_DAY;
        c->t = c->start + (m - c->start + c->step - 1) / c->step * c->step;
        c->day = kr_ts_day(c->t);
    }
}

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

void kr_synth_opts_init(kr_synth_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 42;
    o->symbols = 1;
    o->rows = 1000;
    o->interval.ns = KR_NS_PER_DAY;
    o->start = kr_ts_from_civil(2000, 1, 3, 0, 0, 0, 0);
    memcpy(o->calendar, "equity", 7);
    o->s0 = 100.0;
    o->mu = 0.05;
    o->vol = 0.2;
    o->vol_of_vol = 0.5;
    o->vol_kappa = 5.0;
    o->jump_rate = 3.0;
    o->jump_mean = -0.02;
    o->jump_std = 0.05;
    o->corr = 0.3;
    o->corr_matrix = NULL;
    o->tick = 0.01;
    o->volume = 1e6;
}

/* Fails option checking with a message naming the option. */
#define BAD(field, ...)                                                        \
    kr_error_set(err, KR_EINVAL, NULL, 0, 0, field, __VA_ARGS__)

/* True when lo <= v <= hi and v is a number. */
static bool within(double v, double lo, double hi)
{
    return v >= lo && v <= hi;
}

/* Splits a tick into m * 10^-dec with the smallest dec <= 9; false when the
 * tick is not such a decimal. */
static bool tick_split(double tick, int64_t *m, int *dec)
{
    double p = 1.0;
    for (int d = 0; d <= 9; d++, p *= 10.0) {
        double x = tick * p, r = floor(x + 0.5);
        if (r >= 1.0 && fabs(x - r) <= 1e-12 * r) {
            *m = (int64_t)r;
            *dec = d;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------
 * The generator
 * ------------------------------------------------------------------------ */

typedef struct synth {
    kr_synth_opts o;
    size_t n;        /* symbols */
    gsl_rng *rng;
    gsl_matrix *L;   /* lower Cholesky factor; NULL: independent shocks */
    double *eps;     /* n independent shocks */
    double *z;       /* n correlated shocks */
    double *h;       /* n log-volatilities */
    double *p;       /* n unrounded closes */
    int64_t *uo, *uh, *ul, *uc, *uv; /* n outputs of the last step */
    double lnvol;
    int64_t tick_m;  /* tick = tick_m * 10^-dec */
    int dec;
    double scale;    /* 10^dec */
    uint64_t pow10;  /* 10^dec */
    synth_clock clk;
    size_t row;      /* bar times produced so far */
} synth;

static void synth_free(synth *s)
{
    if (s->rng)
        gsl_rng_free(s->rng);
    if (s->L)
        gsl_matrix_free(s->L);
    free(s->eps);
    free(s->z);
    free(s->h);
    free(s->p);
    free(s->uo);
    free(s->uh);
    free(s->ul);
    free(s->uc);
    free(s->uv);
    memset(s, 0, sizeof *s);
}

/* Checks every option; on success fills the clock and tick fields of s. */
static int check_opts(synth *s, const kr_synth_opts *o, kr_error *err)
{
    if (o->symbols < 1 || o->symbols > KR_SYNTH_MAX_SYMBOLS)
        return BAD("symbols", "expected 1 to %d symbols, got %zu",
                   KR_SYNTH_MAX_SYMBOLS, o->symbols);
    if (o->rows < 1 || o->rows > KR_SYNTH_MAX_ROWS)
        return BAD("rows", "expected 1 to %llu rows, got %zu",
                   (unsigned long long)KR_SYNTH_MAX_ROWS, o->rows);
    if (o->seed > UINT32_MAX)
        return BAD("seed", "expected a seed from 0 to 4294967295, got %llu",
                   (unsigned long long)o->seed);
    if (!within(o->s0, 1e-9, 1e12))
        return BAD("s0", "expected a first price in [1e-9, 1e12], got %g",
                   o->s0);
    if (!within(o->mu, -10, 10))
        return BAD("mu", "expected an annual drift in [-10, 10], got %g",
                   o->mu);
    if (!(o->vol > 0) || !(o->vol <= 10))
        return BAD("vol",
                   "expected an annual volatility in (0, 10], got %g", o->vol);
    if (!within(o->vol_of_vol, 0, 10))
        return BAD("vol_of_vol",
                   "expected a volatility of volatility in [0, 10], got %g",
                   o->vol_of_vol);
    if (!within(o->vol_kappa, 0, 1000))
        return BAD("vol_kappa",
                   "expected a mean-reversion speed in [0, 1000], got %g",
                   o->vol_kappa);
    if (!within(o->jump_rate, 0, 10000))
        return BAD("jump_rate",
                   "expected jumps per year in [0, 10000], got %g",
                   o->jump_rate);
    if (!within(o->jump_mean, -1, 1))
        return BAD("jump_mean",
                   "expected a mean log jump in [-1, 1], got %g", o->jump_mean);
    if (!within(o->jump_std, 0, 1))
        return BAD("jump_std",
                   "expected a log jump std in [0, 1], got %g", o->jump_std);
    if (!(o->corr > -1) || !(o->corr < 1))
        return BAD("corr",
                   "expected a correlation strictly between -1 and 1, got %g",
                   o->corr);
    if (!within(o->tick, 1e-9, 1e6) ||
        !tick_split(o->tick, &s->tick_m, &s->dec))
        return BAD("tick",
                   "expected a decimal price increment in [1e-9, 1e6] with at "
                   "most 9 decimals, got %.17g", o->tick);
    if (!within(o->volume, 0, 1e12))
        return BAD("volume",
                   "expected a mean volume in [0, 1e12], got %g", o->volume);

    const cal_def *cal = NULL;
    for (size_t i = 0; i < sizeof calendars / sizeof calendars[0]; i++)
        if (!strncmp(o->calendar, calendars[i].name, sizeof o->calendar))
            cal = &calendars[i];
    if (!cal) {
        char q[64];
        kr_escape(o->calendar, strnlen(o->calendar, sizeof o->calendar), q,
                  sizeof q);
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "calendar",
                            "expected equity, fx or crypto, got '%s'", q);
    }

    int64_t step = o->interval.ns;
    if (o->interval.months)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "interval",
                            "monthly intervals are not supported; use days "
                            "or weeks (e.g. 1d, 1w)");
    if (step < KR_NS_PER_SEC || step % KR_NS_PER_SEC)
        return BAD("interval",
                   "expected a whole number of seconds, at least 1s, got "
                   "%lld ns", (long long)step);
    if (step >= KR_NS_PER_DAY && step % KR_NS_PER_DAY)
        return BAD("interval",
                   "intervals of a day or more must be whole days, got %g "
                   "hours", (double)step / (double)KR_NS_PER_HOUR);
    /* Nanoseconds in an int64 reach from 1677-09-21 to 2262-04-11; bars
     * stay a little inside. */
    int64_t min_day = kr_days_from_civil(1678, 1, 1);
    int64_t max_day = kr_days_from_civil(2262, 4, 1);
    if (o->start < min_day * KR_NS_PER_DAY ||
        o->start > max_day * KR_NS_PER_DAY)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "start",
                            "expected a start between 1678-01-01 and "
                            "2262-04-01");
    if (o->start % KR_NS_PER_SEC)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "start",
                            "expected a start on a whole second");
    bool daily = step >= KR_NS_PER_DAY;
    if (daily && o->start % KR_NS_PER_DAY)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "start",
                            "daily bars start at midnight UTC: give a date "
                            "without a time of day");

    /* The last bar, bounded from above without walking the clock. A bar
     * advances by its interval and then over non-session days, each skipped
     * at most once; with weekends that is at most 2 days in 7, so a span of S
     * days holding A days of advance has S <= (A + 2) * 7/5. */
    double start_day = (double)kr_ts_day(o->start), advance;
    double rows = (double)o->rows;
    int64_t session = cal->close - cal->open;
    bool in_session = !daily && session < KR_NS_PER_DAY;
    int64_t nslot = in_session ? (session + step - 1) / step : 0;
    if (daily)
        advance = rows * (double)(step / KR_NS_PER_DAY);
    else if (in_session)
        advance = ceil(rows / (double)nslot);
    else
        advance = rows * (double)step / (double)KR_NS_PER_DAY;
    double span = cal->weekdays == 0x7f ? advance : (advance + 2.0) * 7.0 / 5.0;
    if (start_day + span + 7.0 > (double)max_day)
        return kr_error_set(err, KR_ERANGE, NULL, 0, 0, "rows",
                            "%zu bars from the start could run past "
                            "2262-04-01, the end of nanosecond time; ask for "
                            "fewer rows, a shorter interval or an earlier "
                            "start", o->rows);

    synth_clock *c = &s->clk;
    memset(c, 0, sizeof *c);
    c->cal = cal;
    c->step = step;
    c->kdays = daily ? step / KR_NS_PER_DAY : 0;
    c->session = in_session;
    c->nslot = nslot;
    c->start = o->start;
    c->year_ns = (double)(in_session ? session : KR_NS_PER_DAY) *
                 cal->sessions_per_year;
    /* Longest bar in years: a daily step of k days covers at most k sessions;
     * the Euler step of the log-volatility is stable while kappa * dt <= 1. */
    int64_t longest = (in_session && session < step) ? session : step;
    double dt_max = daily ? (double)c->kdays / cal->sessions_per_year
                          : (double)longest / c->year_ns;
    if (o->vol_kappa * dt_max > 1.0)
        return BAD("vol_kappa",
                   "mean-reversion speed times the bar length must be at most "
                   "1 for a stable volatility process; got %g", o->vol_kappa *
                   dt_max);
    return KR_OK;
}

/* Builds the Cholesky factor of the correlation matrix into s->L, or leaves
 * it NULL when shocks are independent. The GSL error handler must be off. */
static int build_corr(synth *s, const kr_synth_opts *o, kr_error *err)
{
    size_t n = s->n;
    if (!o->corr_matrix && (n == 1 || o->corr == 0.0))
        return KR_OK;
    const double *cm = o->corr_matrix;
    if (cm) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                double a = cm[i * n + j], b = cm[j * n + i];
                if (!within(a, -1, 1))
                    return kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                        "corr_matrix",
                                        "entry (%zu,%zu) is %g; expected a "
                                        "correlation in [-1, 1]", i, j, a);
                if (i == j && fabs(a - 1.0) > 1e-12)
                    return kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                        "corr_matrix",
                                        "diagonal entry (%zu,%zu) is %g; "
                                        "expected 1", i, i, a);
                if (fabs(a - b) > 1e-12)
                    return kr_error_set(err, KR_EINVAL, NULL, 0, 0,
                                        "corr_matrix",
                                        "not symmetric: entry (%zu,%zu) is %g "
                                        "but (%zu,%zu) is %g", i, j, a, j, i,
                                        b);
            }
        }
    }
    s->L = gsl_matrix_alloc(n, n);
    if (!s->L)
        return kr_error_set(err, KR_ENOMEM, NULL, 0, 0, "corr_matrix",
                            "cannot allocate a %zu x %zu matrix", n, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(s->L, i, j,
                           cm ? cm[i * n + j] : (i == j ? 1.0 : o->corr));
    int st = gsl_linalg_cholesky_decomp1(s->L);
    /* A pivot this small means the matrix is singular to working precision:
     * one symbol's shock would be a fixed mix of the others'. */
    for (size_t i = 0; st == GSL_SUCCESS && i < n; i++)
        if (!(gsl_matrix_get(s->L, i, i) > 1e-6))
            st = GSL_EDOM;
    if (st != GSL_SUCCESS) {
        if (cm)
            return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "corr_matrix",
                                "the correlation matrix is not positive "
                                "definite");
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, "corr",
                            "a correlation of %g between all %zu symbols is "
                            "not positive definite; it must be above "
                            "-1/(symbols-1) = %g", o->corr, n,
                            -1.0 / (double)(n - 1));
    }
    return KR_OK;
}

/* Checks the options and prepares a generator positioned before the first
 * bar. On failure everything is released and err says why. */
static int synth_init(synth *s, const kr_synth_opts *o, kr_error *err)
{
    memset(s, 0, sizeof *s);
    if (!o)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "no options given");
    int rc = check_opts(s, o, err);
    if (rc)
        return rc;
    s->o = *o;
    s->n = o->symbols;
    s->lnvol = log(o->vol);
    s->scale = 1.0;
    s->pow10 = 1;
    for (int d = 0; d < s->dec; d++) {
        s->scale *= 10.0;
        s->pow10 *= 10;
    }

    gsl_error_handler_t *old = gsl_set_error_handler_off();
    size_t n = s->n;
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    double **dv[] = {&s->eps, &s->z, &s->h, &s->p};
    int64_t **iv[] = {&s->uo, &s->uh, &s->ul, &s->uc, &s->uv};
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; i++)
        *dv[i] = malloc(n * sizeof(double));
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
        *iv[i] = malloc(n * sizeof(int64_t));
    rc = KR_ENOMEM;
    if (!s->rng || !s->eps || !s->z || !s->h || !s->p || !s->uo || !s->uh ||
        !s->ul || !s->uc || !s->uv) {
        kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                     "cannot allocate the generator for %zu symbols", n);
        goto err;
    }
    rc = build_corr(s, o, err);
    if (rc)
        goto err;
    gsl_set_error_handler(old);

    gsl_rng_set(s->rng, (unsigned long)o->seed);
    for (size_t i = 0; i < n; i++) {
        s->h[i] = s->lnvol;
        s->p[i] = o->s0;
    }
    clock_first(&s->clk);
    return KR_OK;
err:
    gsl_set_error_handler(old);
    synth_free(s);
    return rc;
}

/* Rounds a positive price to the tick as a count of 10^-dec; false when the
 * price is not a number or too large to hold exactly. Never below one tick. */
static inline bool to_units(const synth *s, double px, int64_t *u)
{
    double k = floor(px * s->scale / (double)s->tick_m + 0.5);
    if (!(k * (double)s->tick_m < MAX_UNITS))
        return false;
    if (k < 1.0)
        k = 1.0;
    *u = (int64_t)k * s->tick_m;
    return true;
}

/* Produces the next bar time for every symbol into s->uo .. s->uv and
 * returns its timestamp in *ts. KR_ERANGE when a price leaves the range a
 * double holds exactly (drift or volatility too high for the row count). */
static int synth_step(synth *s, kr_ts *ts, kr_error *err)
{
    const kr_synth_opts *o = &s->o;
    gsl_rng *r = s->rng;
    size_t n = s->n;
    if (s->row > 0)
        clock_next(&s->clk);
    double dt = s->clk.dt, sq = sqrt(dt);
    double lam = o->jump_rate * dt;

    for (size_t i = 0; i < n; i++)
        s->eps[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    if (s->L) {
        for (size_t i = 0; i < n; i++) {
            const double *row = s->L->data + i * s->L->tda;
            double acc = 0.0;
            for (size_t j = 0; j <= i; j++)
                acc += row[j] * s->eps[j];
            s->z[i] = acc;
        }
    } else {
        memcpy(s->z, s->eps, n * sizeof *s->z);
    }

    for (size_t i = 0; i < n; i++) {
        double eta = gsl_ran_gaussian_ziggurat(r, 1.0);
        s->h[i] += o->vol_kappa * (s->lnvol - s->h[i]) * dt +
                   o->vol_of_vol * sq * eta;
        double sigma = exp(s->h[i]);
        double sd = sigma * sq;
        double jump = 0.0;
        if (o->jump_rate > 0) {
            unsigned nj = gsl_ran_poisson(r, lam);
            for (unsigned k = 0; k < nj; k++)
                jump += o->jump_mean +
                        gsl_ran_gaussian_ziggurat(r, o->jump_std);
        }
        double ret = (o->mu - 0.5 * sigma * sigma) * dt + sd * s->z[i] + jump;
        double prev = s->p[i];
        double c = prev * exp(ret);
        double g1 = gsl_ran_gaussian_ziggurat(r, 1.0);
        double op = prev * exp(GAP_FRAC * sd * g1);
        double g2 = fabs(gsl_ran_gaussian_ziggurat(r, 1.0));
        double hi = (op > c ? op : c) * exp(RANGE_FRAC * sd * g2);
        double g3 = fabs(gsl_ran_gaussian_ziggurat(r, 1.0));
        double lo = (op < c ? op : c) * exp(-RANGE_FRAC * sd * g3);
        double v = o->volume * (sigma / o->vol) *
                   exp(VOLUME_SIGMA * gsl_ran_gaussian_ziggurat(r, 1.0) -
                       0.5 * VOLUME_SIGMA * VOLUME_SIGMA);
        s->p[i] = c;

        int64_t uo, uh, ul, uc;
        if (!isfinite(ret) || !to_units(s, op, &uo) || !to_units(s, hi, &uh) ||
            !to_units(s, lo, &ul) || !to_units(s, c, &uc) ||
            !(v < MAX_UNITS))
            return kr_error_set(err, KR_ERANGE, NULL, 0, 0, NULL,
                                "bar %zu of SYN%04zu left the price range a "
                                "double holds exactly (above 2^53 ticks) or "
                                "its volatility diverged; lower mu, vol, "
                                "vol_of_vol or rows", s->row + 1, i);
        if (uo > uh)
            uh = uo;
        if (uc > uh)
            uh = uc;
        if (uo < ul)
            ul = uo;
        if (uc < ul)
            ul = uc;
        s->uo[i] = uo;
        s->uh[i] = uh;
        s->ul[i] = ul;
        s->uc[i] = uc;
        s->uv[i] = (int64_t)floor(v + 0.5);
    }
    *ts = s->clk.t;
    s->row++;
    return KR_OK;
}

/* ------------------------------------------------------------------------
 * Outputs
 * ------------------------------------------------------------------------ */

int kr_synth_generate(const kr_synth_opts *o, kr_dataset *out, kr_error *err)
{
    if (!out)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "no dataset given");
    memset(out, 0, sizeof *out);
    synth s;
    int rc = synth_init(&s, o, err);
    if (rc)
        return rc;
    size_t n = s.n, rows = o->rows;
    if (rows > SIZE_MAX / 64 / n) {
        rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, "rows",
                          "%zu rows x %zu symbols do not fit in memory; "
                          "stream them with kr_synth_write_csv", rows, n);
        goto err;
    }
    rc = kr_dataset_init(out, "synth");
    if (rc)
        goto nomem;
    out->layout = KR_LAYOUT_GENERIC;
    out->delimiter = ',';
    out->has_header = true;
    for (size_t i = 0; i < n; i++) {
        char name[32];
        uint32_t id;
        kr_bars *b;
        int len = snprintf(name, sizeof name, "SYN%04zu", i);
        rc = kr_symtab_intern(out->symbols, name, (size_t)len, &id);
        if (!rc)
            rc = kr_dataset_series(out, id, 0, &b);
        if (rc)
            goto nomem;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = kr_bars_reserve(&out->bars[i], rows)))
            goto nomem;

    double scale = s.scale;
    for (size_t r = 0; r < rows; r++) {
        kr_ts t;
        if ((rc = synth_step(&s, &t, err)))
            goto err;
        for (size_t i = 0; i < n; i++) {
            kr_bars *b = &out->bars[i];
            b->ts[r] = t;
            b->open[r] = (double)s.uo[i] / scale;
            b->high[r] = (double)s.uh[i] / scale;
            b->low[r] = (double)s.ul[i] / scale;
            b->close[r] = (double)s.uc[i] / scale;
            b->volume[r] = (double)s.uv[i];
        }
    }
    for (size_t i = 0; i < n; i++)
        out->bars[i].n = rows;
    out->rows = rows * n;
    synth_free(&s);
    return KR_OK;
nomem:
    rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                      "cannot allocate %zu rows x %zu symbols", rows, n);
err:
    synth_free(&s);
    kr_dataset_free(out);
    return rc;
}

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes v in decimal at p and returns the end: digits are counted first
 * and written back to front two at a time, with no temporary copy. */
static inline char *put_u64(char *p, uint64_t v)
{
    static const uint64_t p10[] = {
        10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
        1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
        1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
        1000000000000000000ULL, 10000000000000000000ULL};
    size_t n = 1;
    while (n < 20 && v >= p10[n - 1])
        n++;
    char *q = p + n;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, digits2 + 2 * d, 2);
    }
    if (v >= 10)
        memcpy(q - 2, digits2 + 2 * v, 2);
    else
        q[-1] = (char)('0' + v);
    return p + n;
}

/* Writes u * 10^-dec with exactly dec decimals. */
static inline char *put_fixed(char *p, uint64_t u, int dec, uint64_t pow10)
{
    p = put_u64(p, u / pow10);
    if (dec) {
        uint64_t f = u % pow10;
        *p = '.';
        for (int k = dec; k > 0; k--) {
            p[k] = (char)('0' + f % 10);
            f /= 10;
        }
        p += dec + 1;
    }
    return p;
}

static inline char *put2(char *p, unsigned v)
{
    memcpy(p, digits2 + 2 * v, 2);
    return p + 2;
}

/* Writes YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ unless date_only, into buf
 * (20 bytes). Years have four digits (check_opts keeps them within 1678 to
 * 2262). The date is rewritten only when the day differs from *last_day. */
static void put_ts(char *buf, kr_ts t, bool date_only, int64_t *last_day)
{
    int64_t day = kr_ts_day(t), tod = (t - day * KR_NS_PER_DAY) / KR_NS_PER_SEC;
    if (day != *last_day) {
        int64_t y;
        unsigned m, d;
        kr_civil_from_days(day, &y, &m, &d);
        char *p = put2(buf, (unsigned)(y / 100));
        p = put2(p, (unsigned)(y % 100));
        *p++ = '-';
        p = put2(p, m);
        *p++ = '-';
        put2(p, d);
        *last_day = day;
    }
    if (!date_only) {
        char *p = buf + 10;
        *p++ = 'T';
        p = put2(p, (unsigned)(tod / 3600));
        *p++ = ':';
        p = put2(p, (unsigned)(tod / 60 % 60));
        *p++ = ':';
        p = put2(p, (unsigned)(tod % 60));
        *p = 'Z';
    }
}

static int flush(FILE *f, const char *buf, size_t len, kr_error *err)
{
    if (len && fwrite(buf, 1, len, f) != len)
        return kr_error_set(err, KR_EIO, NULL, 0, 0, NULL,
                            "writing the CSV failed: %s", strerror(errno));
    return KR_OK;
}

int kr_synth_write_csv(const kr_synth_opts *o, FILE *f, kr_error *err)
{
    if (!f)
        return kr_error_set(err, KR_EINVAL, NULL, 0, 0, NULL,
                            "no output stream given");
    synth s;
    int rc = synth_init(&s, o, err);
    if (rc)
        return rc;
    size_t n = s.n;
    char *buf = malloc(OUT_BUF);
    char(*names)[8] = malloc(n * sizeof *names);
    if (!buf || !names) {
        rc = kr_error_set(err, KR_ENOMEM, NULL, 0, 0, NULL,
                          "cannot allocate the output buffer");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "SYN%04zu", i);
        memcpy(names[i], tmp, 7);
    }
    static const char header[] =
        "timestamp,symbol,open,high,low,close,volume\n";
    size_t len = sizeof header - 1;
    memcpy(buf, header, len);

    bool date_only = s.clk.kdays != 0;
    int dec = s.dec;
    uint64_t p10 = s.pow10;
    char tsbuf[32];
    int64_t last_day = INT64_MIN;
    for (size_t r = 0; r < o->rows; r++) {
        kr_ts t;
        if ((rc = synth_step(&s, &t, err)))
            goto out;
        put_ts(tsbuf, t, date_only, &last_day);
        for (size_t i = 0; i < n; i++) {
            if (len > OUT_BUF - ROW_MAX) {
                if ((rc = flush(f, buf, len, err)))
                    goto out;
                len = 0;
            }
            char *p = buf + len;
            if (date_only) {
                memcpy(p, tsbuf, 10);
                p += 10;
            } else {
                memcpy(p, tsbuf, 20);
                p += 20;
            }
            *p++ = ',';
            memcpy(p, names[i], 7);
            p += 7;
            *p++ = ',';
            p = put_fixed(p, (uint64_t)s.uo[i], dec, p10);
            *p++ = ',';
            p = put_fixed(p, (uint64_t)s.uh[i], dec, p10);
            *p++ = ',';
            p = put_fixed(p, (uint64_t)s.ul[i], dec, p10);
            *p++ = ',';
            p = put_fixed(p, (uint64_t)s.uc[i], dec, p10);
            *p++ = ',';
            p = put_u64(p, (uint64_t)s.uv[i]);
            *p++ = '\n';
            len = (size_t)(p - buf);
        }
    }
    rc = flush(f, buf, len, err);
    if (!rc && fflush(f))
        rc = kr_error_set(err, KR_EIO, NULL, 0, 0, NULL,
                          "writing the CSV failed: %s", strerror(errno));
out:
    free(names);
    free(buf);
    synth_free(&s);
    return rc;
}
