/* test_synth.c -- tests of src/data/synth.c: the synthetic OHLCV generator.
 *
 * The generator is random, so most checks are statistics with tolerances
 * derived from their standard errors (each says how), invariants that hold
 * bar by bar (OHLC order, tick grid, calendar), exact known answers where the
 * randomness is switched off (volatility 1e-9 leaves a deterministic
 * exponential path), and identities between the two outputs: the CSV text of
 * kr_synth_write_csv, read back either by hand with strtod or through
 * kr_csv_load, must give exactly the doubles of kr_synth_generate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>

#include "kairos/data.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* Options with the randomness that tests do not study switched off. */
static void plain_opts(kr_synth_opts *o)
{
    kr_synth_opts_init(o);
    o->vol_of_vol = 0;
    o->jump_rate = 0;
    o->corr = 0;
}

/* Runs kr_synth_write_csv into memory; the caller frees *buf. */
static int csv_mem(const kr_synth_opts *o, char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    assert_non_null(f);
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_synth_write_csv(o, f, &err);
    assert_int_equal(fclose(f), 0);
    return rc;
}

static void generate_ok(const kr_synth_opts *o, kr_dataset *ds)
{
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_synth_generate(o, ds, &err);
    if (rc)
        fail_msg("kr_synth_generate: %s", err.msg);
    assert_int_equal(ds->nbars, o->symbols);
}

static kr_ts date(int y, unsigned m, unsigned d)
{
    return kr_ts_from_civil(y, m, d, 0, 0, 0, 0);
}

static int64_t tod_min(kr_ts t)
{
    return (t - kr_ts_day(t) * KR_NS_PER_DAY) / KR_NS_PER_MIN;
}

/* ------------------------------------------------------------------------
 * Options and reproducibility
 * ------------------------------------------------------------------------ */

static void test_defaults(void **state)
{
    (void)state;
    kr_synth_opts o;
    memset(&o, 0xff, sizeof o);
    kr_synth_opts_init(&o);
    /* The defaults documented in data.h. */
    assert_int_equal(o.seed, 42);
    assert_int_equal(o.symbols, 1);
    assert_int_equal(o.rows, 1000);
    assert_int_equal(o.interval.ns, KR_NS_PER_DAY);
    assert_int_equal(o.interval.months, 0);
    assert_int_equal(o.start, date(2000, 1, 3));
    assert_string_equal(o.calendar, "equity");
    assert_true(o.s0 == 100 && o.mu == 0.05 && o.vol == 0.2);
    assert_true(o.vol_of_vol == 0.5 && o.vol_kappa == 5);
    assert_true(o.jump_rate == 3 && o.jump_mean == -0.02 &&
                o.jump_std == 0.05);
    assert_true(o.corr == 0.3 && o.corr_matrix == NULL);
    assert_true(o.tick == 0.01 && o.volume == 1e6);
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.symbols = 3;
    o.rows = 700;
    o.interval.ns = 5 * KR_NS_PER_MIN;
    o.jump_rate = 50; /* make sure the jump draws are exercised */
    char *a, *b, *c;
    size_t na, nb, nc;
    assert_int_equal(csv_mem(&o, &a, &na), KR_OK);
    assert_int_equal(csv_mem(&o, &b, &nb), KR_OK);
    o.seed = 43;
    assert_int_equal(csv_mem(&o, &c, &nc), KR_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* Another seed: same shape (header and timestamps) but other prices. */
    assert_true(na != nc || memcmp(a, c, na) != 0);
    const char *la = strchr(a, '\n') + 1, *lc = strchr(c, '\n') + 1;
    assert_memory_equal(la, lc, 29); /* same first timestamp and symbol */

    /* The dataset path is reproducible too. */
    kr_dataset d1, d2;
    o.seed = 7;
    generate_ok(&o, &d1);
    generate_ok(&o, &d2);
    for (size_t s = 0; s < 3; s++) {
        assert_memory_equal(d1.bars[s].close, d2.bars[s].close,
                            o.rows * sizeof(double));
        assert_memory_equal(d1.bars[s].volume, d2.bars[s].volume,
                            o.rows * sizeof(double));
    }
    kr_dataset_free(&d1);
    kr_dataset_free(&d2);
    free(a);
    free(b);
    free(c);
}

/* Seeds differing only above bit 31 would alias in mt19937; they are
 * rejected instead. */
static void test_seed_range(void **state)
{
    (void)state;
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.rows = 10;
    kr_dataset ds;
    kr_error err;
    o.seed = UINT32_MAX;
    assert_int_equal(kr_synth_generate(&o, &ds, &err), KR_OK);
    kr_dataset_free(&ds);
    o.seed = (uint64_t)UINT32_MAX + 1;
    assert_int_equal(kr_synth_generate(&o, &ds, &err), KR_EINVAL);
    assert_string_equal(err.field, "seed");
}

/* ------------------------------------------------------------------------
 * The two outputs agree
 * ------------------------------------------------------------------------ */

/* Parses the CSV by hand (strtod is correctly rounded) and compares every
 * value with == against the generated columns. */
static void check_csv_equals_dataset(const kr_synth_opts *o)
{
    char *buf;
    size_t len;
    assert_int_equal(csv_mem(o, &buf, &len), KR_OK);
    kr_dataset ds;
    generate_ok(o, &ds);
    assert_int_equal(ds.layout, KR_LAYOUT_GENERIC);
    assert_int_equal(ds.rows, o->rows * o->symbols);

    const char *p = buf, *end = buf + len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    assert_non_null(nl);
    assert_memory_equal(p, "timestamp,symbol,open,high,low,close,volume\n",
                        (size_t)(nl - p + 1));
    p = nl + 1;
    for (size_t r = 0; r < o->rows; r++) {
        for (size_t s = 0; s < o->symbols; s++) {
            const kr_bars *b = &ds.bars[s];
            char name[32];
            snprintf(name, sizeof name, "SYN%04zu", s);
            assert_string_equal(kr_symtab_name(ds.symbols, b->symbol), name);
            const char *c1 = memchr(p, ',', (size_t)(end - p));
            assert_non_null(c1);
            kr_ts t;
            assert_int_equal(kr_time_parse(p, (size_t)(c1 - p), &t), KR_OK);
            assert_int_equal(t, b->ts[r]);
            assert_memory_equal(c1 + 1, name, 7);
            char *q = (char *)c1 + 9;
            double v[5];
            for (int k = 0; k < 5; k++) {
                v[k] = strtod(q, &q);
                assert_true(*q == (k < 4 ? ',' : '\n'));
                q++;
            }
            assert_true(v[0] == b->open[r]);
            assert_true(v[1] == b->high[r]);
            assert_true(v[2] == b->low[r]);
            assert_true(v[3] == b->close[r]);
            assert_true(v[4] == b->volume[r]);
            p = q;
        }
    }
    assert_ptr_equal(p, end);
    kr_dataset_free(&ds);
    free(buf);
}

static void test_csv_equals_generate(void **state)
{
    (void)state;
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.symbols = 3;
    o.rows = 400;
    check_csv_equals_dataset(&o); /* daily, tick 0.01 */
    o.interval.ns = 5 * KR_NS_PER_MIN;
    o.tick = 0.05;
    o.jump_rate = 100;
    check_csv_equals_dataset(&o); /* intraday equity, tick 0.05 */
    o.interval.ns = KR_NS_PER_MIN;
    memcpy(o.calendar, "crypto", 7);
    o.tick = 0.0001;
    o.s0 = 0.5;
    check_csv_equals_dataset(&o); /* crypto 1m, 4 decimals */
    o.tick = 5;
    o.s0 = 20000;
    check_csv_equals_dataset(&o); /* whole ticks of 5 */
}

/* The exact text of the first rows: dates for daily bars, ISO with Z
 * intraday, and as many decimals as the tick has. */
static void test_csv_format(void **state)
{
    (void)state;
    static const struct {
        double tick;
        int decimals;
    } ticks[] = {{0.01, 2}, {0.5, 1}, {1, 0}, {0.0001, 4}, {0.25, 2},
                 {1e-9, 9}};
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.rows = 50;
    o.symbols = 2;
    for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++) {
        o.tick = ticks[i].tick;
        for (int intraday = 0; intraday < 2; intraday++) {
            o.interval.ns = intraday ? 30 * KR_NS_PER_MIN : KR_NS_PER_DAY;
            char *buf;
            size_t len;
            assert_int_equal(csv_mem(&o, &buf, &len), KR_OK);
            char *save = NULL, *line = strtok_r(buf, "\n", &save);
            assert_string_equal(line,
                                "timestamp,symbol,open,high,low,close,volume");
            size_t rows = 0;
            while ((line = strtok_r(NULL, "\n", &save))) {
                rows++;
                char *f[7], *s2 = NULL;
                int nf = 0;
                for (char *t = strtok_r(line, ",", &s2); t && nf < 7;
                     t = strtok_r(NULL, ",", &s2))
                    f[nf++] = t;
                assert_int_equal(nf, 7);
                if (intraday) {
                    /* 2000-01-03T14:30:00Z */
                    assert_int_equal(strlen(f[0]), 20);
                    assert_true(f[0][10] == 'T' && f[0][19] == 'Z');
                } else {
                    assert_int_equal(strlen(f[0]), 10);
                }
                assert_int_equal(strlen(f[1]), 7);
                for (int k = 2; k < 6; k++) {
                    const char *dot = strchr(f[k], '.');
                    if (ticks[i].decimals == 0)
                        assert_null(dot);
                    else
                        assert_int_equal(strlen(dot + 1),
                                         ticks[i].decimals);
                }
                assert_int_equal(strspn(f[6], "0123456789"), strlen(f[6]));
            }
            assert_int_equal(rows, 100);
            free(buf);
        }
    }
    /* The very first row, by hand: the first bar time and the first name. */
    o.tick = 0.01;
    o.interval.ns = KR_NS_PER_DAY;
    char *buf;
    size_t len;
    assert_int_equal(csv_mem(&o, &buf, &len), KR_OK);
    assert_memory_equal(strchr(buf, '\n') + 1, "2000-01-03,SYN0000,", 19);
    free(buf);
    o.interval.ns = 30 * KR_NS_PER_MIN;
    assert_int_equal(csv_mem(&o, &buf, &len), KR_OK);
    assert_memory_equal(strchr(buf, '\n') + 1, "2000-01-03T14:30:00Z,SYN0000,",
                        29);
    free(buf);
}

/* kr_csv_load reads the CSV back to exactly the generated values. */
static void check_load_roundtrip(const kr_synth_opts *o)
{
    char path[] = "/tmp/kr_test_synth_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    kr_error err;
    kr_error_clear(&err);
    assert_int_equal(kr_synth_write_csv(o, f, &err), KR_OK);
    assert_int_equal(fclose(f), 0);

    kr_dataset gen, ld;
    generate_ok(o, &gen);
    kr_csv_opts co;
    kr_csv_opts_init(&co);
    int rc = kr_csv_load(path, &co, &ld, &err);
    unlink(path);
    if (rc)
        fail_msg("kr_csv_load: %s", err.msg);
    assert_int_equal(ld.layout, KR_LAYOUT_GENERIC);
    assert_int_equal(ld.nissues, 0);
    assert_int_equal(ld.rows, gen.rows);
    assert_int_equal(ld.nbars, gen.nbars);
    for (size_t s = 0; s < gen.nbars; s++) {
        const kr_bars *g = &gen.bars[s];
        const char *name = kr_symtab_name(gen.symbols, g->symbol);
        uint32_t id;
        assert_int_equal(kr_symtab_find(ld.symbols, name, strlen(name), &id),
                         KR_OK);
        const kr_bars *l = NULL;
        for (size_t k = 0; k < ld.nbars; k++)
            if (ld.bars[k].symbol == id)
                l = &ld.bars[k];
        assert_non_null(l);
        assert_int_equal(l->n, g->n);
        assert_memory_equal(l->ts, g->ts, g->n * sizeof *g->ts);
        for (size_t r = 0; r < g->n; r++) {
            if (l->open[r] != g->open[r] || l->high[r] != g->high[r] ||
                l->low[r] != g->low[r] || l->close[r] != g->close[r] ||
                l->volume[r] != g->volume[r])
                fail_msg("%s row %zu: loaded %.17g %.17g %.17g %.17g %.17g, "
                         "generated %.17g %.17g %.17g %.17g %.17g", name, r,
                         l->open[r], l->high[r], l->low[r], l->close[r],
                         l->volume[r], g->open[r], g->high[r], g->low[r],
                         g->close[r], g->volume[r]);
        }
    }
    kr_dataset_free(&gen);
    kr_dataset_free(&ld);
}

static void test_csv_load_roundtrip(void **state)
{
    (void)state;
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.symbols = 3;
    o.rows = 2000;
    check_load_roundtrip(&o); /* daily equity, dates */
    o.symbols = 2;
    o.rows = 5000;
    o.interval.ns = KR_NS_PER_MIN;
    memcpy(o.calendar, "crypto", 7);
    o.tick = 0.0001;
    o.s0 = 3.5;
    check_load_roundtrip(&o); /* intraday datetimes, 4 decimals */
    o.symbols = 1;
    o.tick = 0.25;
    o.s0 = 4500;
    check_load_roundtrip(&o); /* one symbol, quarter ticks */
}

/* ------------------------------------------------------------------------
 * Bar invariants and known answers
 * ------------------------------------------------------------------------ */

/* Every bar: low <= open, close <= high, all on the tick grid and at least
 * one tick, volume a non-negative whole number, time strictly increasing. */
static void check_bars(const kr_dataset *ds, double tick)
{
    for (size_t s = 0; s < ds->nbars; s++) {
        const kr_bars *b = &ds->bars[s];
        for (size_t r = 0; r < b->n; r++) {
            double px[4] = {b->open[r], b->high[r], b->low[r], b->close[r]};
            assert_true(b->low[r] <= b->open[r] && b->low[r] <= b->close[r]);
            assert_true(b->high[r] >= b->open[r] && b->high[r] >= b->close[r]);
            for (int k = 0; k < 4; k++) {
                double q = px[k] / tick;
                assert_true(px[k] >= tick * (1 - 1e-12));
                assert_true(fabs(q - floor(q + 0.5)) <= 1e-7 * fmax(1, q));
            }
            assert_true(b->volume[r] >= 0 &&
                        b->volume[r] == floor(b->volume[r]));
            if (r)
                assert_true(b->ts[r] > b->ts[r - 1]);
        }
    }
}

static void test_ohlc_consistent_on_tick(void **state)
{
    (void)state;
    static const struct {
        double tick, s0, vol;
        const char *cal;
        int64_t iv;
    } k[] = {
        {0.01, 100, 0.2, "equity", KR_NS_PER_DAY},
        {0.05, 37.3, 0.6, "equity", 5 * KR_NS_PER_MIN},
        {0.25, 4000, 0.15, "fx", KR_NS_PER_HOUR},
        {1, 30000, 0.8, "crypto", KR_NS_PER_MIN},
        {0.0001, 1.1, 0.1, "fx", 15 * KR_NS_PER_MIN},
        /* A penny stock at the tick floor: rounding and clamping at work. */
        {0.01, 0.03, 2.0, "equity", KR_NS_PER_DAY},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        kr_synth_opts o;
        kr_synth_opts_init(&o);
        o.symbols = 4;
        o.rows = 5000;
        o.tick = k[i].tick;
        o.s0 = k[i].s0;
        o.vol = k[i].vol;
        o.jump_rate = 20;
        o.interval.ns = k[i].iv;
        memset(o.calendar, 0, sizeof o.calendar);
        memcpy(o.calendar, k[i].cal, strlen(k[i].cal));
        kr_dataset ds;
        generate_ok(&o, &ds);
        check_bars(&ds, o.tick);
        kr_dataset_free(&ds);
    }
}

/* With volatility 1e-9 the path is deterministic: on the crypto calendar a
 * daily bar is dt = 1/365 year, so with mu = 0.365 the close after k bars is
 * 100 * exp(0.001 k) (the sigma^2/2 term is 5e-19). By hand:
 *   k = 1: 100.100050 -> 100.10      k = 10: 101.005017 -> 101.01
 *   k = 100: 110.517092 -> 110.52    k = 1000: 271.828183 -> 271.83
 * and every open equals the previous close (its gap is 1e-10 of a cent). */
static void test_known_deterministic_path(void **state)
{
    (void)state;
    kr_synth_opts o;
    plain_opts(&o);
    o.vol = 1e-9;
    o.mu = 0.365;
    o.rows = 1000;
    memcpy(o.calendar, "crypto", 7);
    kr_dataset ds;
    generate_ok(&o, &ds);
    const kr_bars *b = &ds.bars[0];
    assert_true(b->open[0] == 100.0);
    assert_true(b->close[0] == 10010 / 100.0);
    assert_true(b->close[9] == 10101 / 100.0);
    assert_true(b->close[99] == 11052 / 100.0);
    assert_true(b->close[999] == 27183 / 100.0);
    for (size_t r = 1; r < b->n; r++) {
        assert_true(b->open[r] == b->close[r - 1]);
        assert_true(b->high[r] == b->close[r]); /* rising path */
        assert_true(b->low[r] == b->open[r]);
    }
    /* Consecutive calendar days, weekends included, from 2000-01-03. */
    assert_int_equal(b->ts[999], date(2000, 1, 3) + 999 * KR_NS_PER_DAY);
    kr_dataset_free(&ds);
}

/* ------------------------------------------------------------------------
 * Statistics of returns
 * ------------------------------------------------------------------------ */

/* Pooled mean and variance of the per-bar log close-to-close returns. */
static void log_return_moments(const kr_dataset *ds, double *mean,
                               double *var, size_t *n)
{
    double sum = 0, sum2 = 0;
    size_t m = 0;
    for (size_t s = 0; s < ds->nbars; s++) {
        const kr_bars *b = &ds->bars[s];
        for (size_t r = 1; r < b->n; r++) {
            double x = log(b->close[r] / b->close[r - 1]);
            sum += x;
            sum2 += x * x;
            m++;
        }
    }
    *mean = sum / (double)m;
    *var = (sum2 - sum * sum / (double)m) / (double)(m - 1);
    *n = m;
}

/* 100 independent symbols x 2000 daily crypto bars = 199,900 returns with
 * constant volatility and no jumps. Each return is N((mu - vol^2/2) dt,
 * vol^2 dt), dt = 1/365.
 *   std: the relative standard error of a sample std is 1/sqrt(2N) = 0.16%,
 *     so the required 2% band is over 12 standard errors wide.
 *   mean: annualised it estimates mu - vol^2/2 = 0.1 - 0.02 = 0.08 with
 *     standard error vol / sqrt(N dt) = 0.2 / sqrt(547.7) = 0.00855; we allow
 *     4 standard errors, 0.0342.
 * Rounding to a 1e-4 tick on prices above ~20 adds relative noise below 1e-5,
 * negligible against the 1% daily move. */
static void test_return_moments_daily(void **state)
{
    (void)state;
    kr_synth_opts o;
    plain_opts(&o);
    o.symbols = 100;
    o.rows = 2000;
    o.mu = 0.1;
    o.tick = 0.0001;
    memcpy(o.calendar, "crypto", 7);
    kr_dataset ds;
    generate_ok(&o, &ds);
    double mean, var;
    size_t n;
    log_return_moments(&ds, &mean, &var, &n);
    assert_int_equal(n, 199900);
    double ann_std = sqrt(var * 365), ann_mean = mean * 365;
    assert_true(fabs(ann_std / 0.2 - 1) < 0.02);
    assert_true(fabs(ann_mean - 0.08) < 4 * 0.2 / sqrt(199900 / 365.0));
    kr_dataset_free(&ds);
}

/* The same for 5-minute equity bars, where dt = 5 min / 6.5 h / 252: 200,000
 * returns give the annualised std within 2% of vol (0.16% standard error).
 * The mean over 10 years is too noisy to test here. */
static void test_return_std_intraday(void **state)
{
    (void)state;
    kr_synth_opts o;
    plain_opts(&o);
    o.rows = 200001;
    o.interval.ns = 5 * KR_NS_PER_MIN;
    o.tick = 0.0001;
    o.vol = 0.3;
    kr_dataset ds;
    generate_ok(&o, &ds);
    double mean, var;
    size_t n;
    log_return_moments(&ds, &mean, &var, &n);
    double dt = 5.0 / 390.0 / 252.0;
    assert_true(fabs(sqrt(var / dt) / 0.3 - 1) < 0.02);
    kr_dataset_free(&ds);
}

static double sample_corr(const kr_bars *a, const kr_bars *b)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    size_t n = a->n - 1;
    for (size_t r = 1; r < a->n; r++) {
        double x = log(a->close[r] / a->close[r - 1]);
        double y = log(b->close[r] / b->close[r - 1]);
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    double cxy = sxy - sx * sy / (double)n;
    double vx = sxx - sx * sx / (double)n, vy = syy - sy * sy / (double)n;
    return cxy / sqrt(vx * vy);
}

/* The standard error of a sample correlation is about (1 - rho^2)/sqrt(N):
 * 0.64 / 316 = 0.002 for rho = 0.6 and N = 100,000, so the 0.02 band is ten
 * standard errors. Hourly crypto bars keep the path within a few e-folds. */
static void test_correlation(void **state)
{
    (void)state;
    kr_synth_opts o;
    plain_opts(&o);
    o.symbols = 2;
    o.rows = 100001;
    o.corr = 0.6;
    o.tick = 0.0001;
    o.interval.ns = KR_NS_PER_HOUR;
    memcpy(o.calendar, "crypto", 7);
    kr_dataset ds;
    generate_ok(&o, &ds);
    assert_true(fabs(sample_corr(&ds.bars[0], &ds.bars[1]) - 0.6) < 0.02);
    kr_dataset_free(&ds);

    /* A full matrix with a negative entry; det = 1 - .25 - .09 - .04 +
     * 2(.5)(-.3)(.2) = 0.56 > 0 and the leading minors are positive, so it is
     * positive definite. */
    static const double m[9] = {1, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 1};
    o.symbols = 3;
    o.corr_matrix = m;
    generate_ok(&o, &ds);
    assert_true(fabs(sample_corr(&ds.bars[0], &ds.bars[1]) - 0.5) < 0.02);
    assert_true(fabs(sample_corr(&ds.bars[0], &ds.bars[2]) + 0.3) < 0.02);
    assert_true(fabs(sample_corr(&ds.bars[1], &ds.bars[2]) - 0.2) < 0.02);
    kr_dataset_free(&ds);
}

/* Jumps alone: with vol 1e-9, jump_rate 182.5 a year on daily crypto bars
 * (lambda = 0.5 a bar) and jump_mean 0, a bar moves only when it jumps, so
 * the share of flat bars estimates P(N = 0) = exp(-0.5) = 0.60653; its
 * standard error over 20,000 bars is sqrt(p(1-p)/N) = 0.00345, and we allow
 * 4 of them. The variance of a return is lambda * jump_std^2 = 0.5e-4. */
static void test_jumps(void **state)
{
    (void)state;
    kr_synth_opts o;
    plain_opts(&o);
    o.rows = 20001;
    o.vol = 1e-9;
    o.mu = 0;
    o.jump_rate = 182.5;
    o.jump_mean = 0;
    o.jump_std = 0.01;
    o.tick = 1e-6;
    memcpy(o.calendar, "crypto", 7);
    kr_dataset ds;
    generate_ok(&o, &ds);
    const kr_bars *b = &ds.bars[0];
    size_t flat = 0;
    for (size_t r = 1; r < b->n; r++)
        flat += fabs(log(b->close[r] / b->close[r - 1])) < 1e-6;
    double share = (double)flat / 20000.0;
    assert_true(fabs(share - exp(-0.5)) < 4 * 0.00345);
    double mean, var;
    size_t n;
    log_return_moments(&ds, &mean, &var, &n);
    /* The variance of a sample variance of this compound Poisson return is
     * about (E[x^4] - var^2)/N with E[x^4] = 3 lambda sd^4 + 3 lambda^2 sd^4
     * = 2.25e-8: a standard error of 1.0e-6, or 2% of 5e-5; allow 10%. */
    assert_true(fabs(var / 0.5e-4 - 1) < 0.1);
    kr_dataset_free(&ds);
}

/* Stochastic volatility makes squared returns persistent. With vol_of_vol 2
 * and kappa 5 the log-volatility has stationary std 2/sqrt(10) = 0.63 and
 * hourly autocorrelation ~1, which puts the lag-1 autocorrelation of squared
 * returns near 0.28; with vol_of_vol 0 it is 0 with standard error
 * 1/sqrt(N) = 0.003. */
static double sq_autocorr(const kr_bars *b)
{
    size_t n = b->n - 1;
    double *x = malloc(n * sizeof *x), m = 0;
    assert_non_null(x);
    for (size_t r = 0; r < n; r++) {
        double v = log(b->close[r + 1] / b->close[r]);
        x[r] = v * v;
        m += x[r];
    }
    m /= (double)n;
    double num = 0, den = 0;
    for (size_t r = 0; r < n; r++) {
        den += (x[r] - m) * (x[r] - m);
        if (r)
            num += (x[r] - m) * (x[r - 1] - m);
    }
    free(x);
    return num / den;
}

static void test_stochastic_volatility(void **state)
{
    (void)state;
    kr_synth_opts o;
    plain_opts(&o);
    o.rows = 100001;
    o.tick = 0.0001;
    o.interval.ns = KR_NS_PER_HOUR;
    memcpy(o.calendar, "crypto", 7);
    kr_dataset ds;
    generate_ok(&o, &ds);
    assert_true(fabs(sq_autocorr(&ds.bars[0])) < 0.02);
    kr_dataset_free(&ds);
    o.vol_of_vol = 2;
    generate_ok(&o, &ds);
    assert_true(sq_autocorr(&ds.bars[0]) > 0.1);
    kr_dataset_free(&ds);
}

/* ------------------------------------------------------------------------
 * Calendars
 * ------------------------------------------------------------------------ */

static void gen_times(const char *cal, int64_t iv, kr_ts start, size_t rows,
                      kr_dataset *ds)
{
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    memset(o.calendar, 0, sizeof o.calendar);
    memcpy(o.calendar, cal, strlen(cal));
    o.interval.ns = iv;
    o.start = start;
    o.rows = rows;
    generate_ok(&o, ds);
}

static void test_calendar_equity_daily(void **state)
{
    (void)state;
    kr_dataset ds;
    /* From Saturday 2000-01-01: the first session is Monday 2000-01-03, and
     * 1000 weekdays are exactly 200 weeks, ending on Friday 2000-01-03 +
     * 199 * 7 + 4 = +1397 days = 2003-10-31. */
    gen_times("equity", KR_NS_PER_DAY, date(2000, 1, 1), 1000, &ds);
    const kr_bars *b = &ds.bars[0];
    assert_int_equal(b->ts[0], date(2000, 1, 3));
    assert_int_equal(b->ts[999], date(2003, 10, 31));
    for (size_t r = 0; r < b->n; r++) {
        assert_true(kr_weekday_of_day(kr_ts_day(b->ts[r])) < 5);
        assert_int_equal(b->ts[r] % KR_NS_PER_DAY, 0);
        if (r) {
            int64_t gap = (b->ts[r] - b->ts[r - 1]) / KR_NS_PER_DAY;
            int wd = kr_weekday_of_day(kr_ts_day(b->ts[r]));
            assert_int_equal(gap, wd == 0 ? 3 : 1);
        }
    }
    kr_dataset_free(&ds);

    /* Weekly from a Saturday: every Monday. fx daily: weekdays too. */
    gen_times("equity", 7 * KR_NS_PER_DAY, date(2000, 1, 1), 10, &ds);
    for (size_t r = 0; r < 10; r++)
        assert_int_equal(ds.bars[0].ts[r],
                         date(2000, 1, 3) + (int64_t)r * 7 * KR_NS_PER_DAY);
    kr_dataset_free(&ds);
    gen_times("fx", KR_NS_PER_DAY, date(2000, 1, 7), 3, &ds);
    assert_int_equal(ds.bars[0].ts[0], date(2000, 1, 7));  /* Friday */
    assert_int_equal(ds.bars[0].ts[1], date(2000, 1, 10)); /* Monday */
    assert_int_equal(ds.bars[0].ts[2], date(2000, 1, 11));
    kr_dataset_free(&ds);
}

static void test_calendar_equity_intraday(void **state)
{
    (void)state;
    kr_dataset ds;
    /* 6.5 hours of 5-minute bars are 78 a day. From midnight of Friday
     * 2000-01-07: 78 bars on Friday from 14:30, then Monday 14:30. */
    gen_times("equity", 5 * KR_NS_PER_MIN, date(2000, 1, 7), 156, &ds);
    const kr_bars *b = &ds.bars[0];
    assert_int_equal(b->ts[0], date(2000, 1, 7) + 870 * KR_NS_PER_MIN);
    assert_int_equal(b->ts[77], date(2000, 1, 7) + 1255 * KR_NS_PER_MIN);
    assert_int_equal(b->ts[78], date(2000, 1, 10) + 870 * KR_NS_PER_MIN);
    for (size_t r = 0; r < b->n; r++) {
        int64_t m = tod_min(b->ts[r]);
        assert_true(m >= 14 * 60 + 30 && m < 21 * 60);
        assert_true(kr_weekday_of_day(kr_ts_day(b->ts[r])) < 5);
    }
    kr_dataset_free(&ds);

    /* Hourly from 15:00: the grid is 14:30 + k hours, so 15:30 .. 20:30 (six
     * bars) and then 14:30 the next day. */
    gen_times("equity", KR_NS_PER_HOUR,
              date(2000, 1, 3) + 15 * KR_NS_PER_HOUR, 8, &ds);
    b = &ds.bars[0];
    for (int k = 0; k < 6; k++)
        assert_int_equal(tod_min(b->ts[k]), 15 * 60 + 30 + 60 * k);
    assert_int_equal(b->ts[6], date(2000, 1, 4) + 870 * KR_NS_PER_MIN);
    assert_int_equal(b->ts[7], date(2000, 1, 4) + 930 * KR_NS_PER_MIN);
    kr_dataset_free(&ds);

    /* A start after the close moves to the next session. */
    gen_times("equity", KR_NS_PER_MIN,
              date(2000, 1, 7) + 21 * KR_NS_PER_HOUR, 1, &ds);
    assert_int_equal(ds.bars[0].ts[0], date(2000, 1, 10) + 870 * KR_NS_PER_MIN);
    kr_dataset_free(&ds);
}

static void test_calendar_fx_crypto(void **state)
{
    (void)state;
    kr_dataset ds;
    /* fx hourly from Friday 20:00: 20, 21, 22, 23, then Monday 00:00. */
    gen_times("fx", KR_NS_PER_HOUR, date(2000, 1, 7) + 20 * KR_NS_PER_HOUR, 6,
              &ds);
    const kr_bars *b = &ds.bars[0];
    for (int k = 0; k < 4; k++)
        assert_int_equal(b->ts[k],
                         date(2000, 1, 7) + (20 + k) * KR_NS_PER_HOUR);
    assert_int_equal(b->ts[4], date(2000, 1, 10));
    assert_int_equal(b->ts[5], date(2000, 1, 10) + KR_NS_PER_HOUR);
    kr_dataset_free(&ds);
    /* fx from a Sunday noon: Monday 00:00 on the start's grid. */
    gen_times("fx", 7 * KR_NS_PER_MIN, date(2000, 1, 9) + 12 * KR_NS_PER_HOUR,
              1, &ds);
    /* 12 hours = 720 minutes to Monday; the grid point at or after it is
     * ceil(720 / 7) * 7 = 721 minutes after the start: Monday 00:01. */
    assert_int_equal(ds.bars[0].ts[0], date(2000, 1, 10) + KR_NS_PER_MIN);
    kr_dataset_free(&ds);

    /* crypto: every day, Saturday 2000-01-08 and Sunday 2000-01-09 too. */
    gen_times("crypto", KR_NS_PER_DAY, date(2000, 1, 3), 7, &ds);
    size_t weekend = 0;
    for (size_t r = 0; r < 7; r++) {
        assert_int_equal(ds.bars[0].ts[r],
                         date(2000, 1, 3) + (int64_t)r * KR_NS_PER_DAY);
        weekend += kr_weekday_of_day(kr_ts_day(ds.bars[0].ts[r])) >= 5;
    }
    assert_int_equal(weekend, 2);
    kr_dataset_free(&ds);
    /* crypto intraday runs through the weekend without a gap. */
    gen_times("crypto", 15 * KR_NS_PER_MIN, date(2000, 1, 8), 400, &ds);
    for (size_t r = 1; r < 400; r++)
        assert_int_equal(ds.bars[0].ts[r] - ds.bars[0].ts[r - 1],
                         15 * KR_NS_PER_MIN);
    kr_dataset_free(&ds);
}

/* ------------------------------------------------------------------------
 * Rejected options
 * ------------------------------------------------------------------------ */

static int try_generate(const kr_synth_opts *o, kr_error *err)
{
    kr_dataset ds;
    memset(&ds, 0x5a, sizeof ds);
    kr_error_clear(err);
    int rc = kr_synth_generate(o, &ds, err);
    if (rc) {
        /* Left freed: safe to free again. */
        assert_int_equal(ds.nbars, 0);
        assert_null(ds.bars);
        kr_dataset_free(&ds);
    } else {
        kr_dataset_free(&ds);
    }
    return rc;
}

static void test_rejects_bad_options(void **state)
{
    (void)state;
    kr_synth_opts base;
    kr_synth_opts_init(&base);
    base.rows = 20;
    base.symbols = 3;
    struct {
        const char *field;
        int code;
        kr_synth_opts o;
    } k[24];
    size_t n = 0;
#define CASE(fld, rc, stmt)                                                    \
    do {                                                                       \
        k[n].field = fld;                                                      \
        k[n].code = rc;                                                        \
        k[n].o = base;                                                         \
        kr_synth_opts *o = &k[n].o;                                            \
        stmt;                                                                  \
        n++;                                                                   \
    } while (0)
    CASE("symbols", KR_EINVAL, o->symbols = 0);
    CASE("symbols", KR_EINVAL, o->symbols = KR_SYNTH_MAX_SYMBOLS + 1);
    CASE("rows", KR_EINVAL, o->rows = 0);
    CASE("s0", KR_EINVAL, o->s0 = 0);
    CASE("s0", KR_EINVAL, o->s0 = NAN);
    CASE("mu", KR_EINVAL, o->mu = INFINITY);
    CASE("vol", KR_EINVAL, o->vol = 0);
    CASE("vol", KR_EINVAL, o->vol = NAN);
    CASE("vol_of_vol", KR_EINVAL, o->vol_of_vol = -0.1);
    CASE("vol_kappa", KR_EINVAL, o->vol_kappa = 500); /* 500/252 > 1 */
    CASE("jump_rate", KR_EINVAL, o->jump_rate = -1);
    CASE("jump_std", KR_EINVAL, o->jump_std = -1);
    CASE("corr", KR_EINVAL, o->corr = 1);
    CASE("corr", KR_EINVAL, o->corr = -1);
    CASE("corr", KR_EINVAL, o->corr = -0.6); /* 3 symbols: needs > -0.5 */
    CASE("tick", KR_EINVAL, o->tick = 0);
    CASE("tick", KR_EINVAL, o->tick = 1.0 / 3.0);
    CASE("volume", KR_EINVAL, o->volume = -5);
    CASE("calendar", KR_EINVAL, memcpy(o->calendar, "nyse", 5));
    CASE("interval", KR_EINVAL, (o->interval.ns = 0, o->interval.months = 1));
    CASE("interval", KR_EINVAL, o->interval.ns = 36 * KR_NS_PER_HOUR);
    CASE("interval", KR_EINVAL, o->interval.ns = 250 * KR_NS_PER_MS);
    CASE("start", KR_EINVAL, o->start += KR_NS_PER_HOUR); /* daily bars */
    CASE("rows", KR_ERANGE, (o->start = date(2200, 1, 1), o->rows = 100000));
#undef CASE
    for (size_t i = 0; i < n; i++) {
        kr_error err;
        int rc = try_generate(&k[i].o, &err);
        if (rc != k[i].code || strcmp(err.field, k[i].field))
            fail_msg("case %zu: want %d on '%s', got %d on '%s' (%s)", i,
                     k[i].code, k[i].field, rc, err.field, err.msg);
        assert_true(strlen(err.msg) > 10);
        /* The streaming path checks the same way and writes nothing. */
        char *buf;
        size_t len;
        assert_int_equal(csv_mem(&k[i].o, &buf, &len), k[i].code);
        assert_int_equal(len, 0);
        free(buf);
    }
}

static void test_rejects_bad_matrix(void **state)
{
    (void)state;
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.symbols = 3;
    o.rows = 10;
    kr_error err;
    /* det = 1 - 3(.81) + 2(.9)(.9)(-.9) = -2.888 < 0: not positive definite. */
    static const double notpd[9] = {1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1};
    o.corr_matrix = notpd;
    assert_int_equal(try_generate(&o, &err), KR_EINVAL);
    assert_string_equal(err.field, "corr_matrix");
    assert_non_null(strstr(err.msg, "positive definite"));
    /* Singular (rank 2): the third shock would be a mix of the other two. */
    static const double sing[9] = {1, 0.5, 0.5, 0.5, 1, -0.5, 0.5, -0.5, 1};
    /* det = 1 - .75 + 2(.5)(.5)(-.5) = 0 */
    o.corr_matrix = sing;
    assert_int_equal(try_generate(&o, &err), KR_EINVAL);
    static const double asym[9] = {1, 0.5, 0, 0.4, 1, 0, 0, 0, 1};
    o.corr_matrix = asym;
    assert_int_equal(try_generate(&o, &err), KR_EINVAL);
    assert_non_null(strstr(err.msg, "symmetric"));
    static const double diag[9] = {1, 0, 0, 0, 2, 0, 0, 0, 1};
    o.corr_matrix = diag;
    assert_int_equal(try_generate(&o, &err), KR_EINVAL);
    static const double big[9] = {1, 1.5, 0, 1.5, 1, 0, 0, 0, 1};
    o.corr_matrix = big;
    assert_int_equal(try_generate(&o, &err), KR_EINVAL);
    static const double nanm[9] = {1, NAN, 0, NAN, 1, 0, 0, 0, 1};
    o.corr_matrix = nanm;
    assert_int_equal(try_generate(&o, &err), KR_EINVAL);
    /* The identity is fine and equals corr = 0 exactly. */
    static const double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    o.corr_matrix = id;
    kr_dataset a, b;
    generate_ok(&o, &a);
    o.corr_matrix = NULL;
    o.corr = 0;
    generate_ok(&o, &b);
    for (size_t s = 0; s < 3; s++)
        assert_memory_equal(a.bars[s].close, b.bars[s].close,
                            10 * sizeof(double));
    kr_dataset_free(&a);
    kr_dataset_free(&b);
}

/* A price beyond 2^53 ticks cannot be held exactly: KR_ERANGE, not garbage. */
static void test_price_overflow(void **state)
{
    (void)state;
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.s0 = 1e12;
    o.tick = 1e-4; /* 1e16 ticks */
    kr_error err;
    assert_int_equal(try_generate(&o, &err), KR_ERANGE);
    assert_non_null(strstr(err.msg, "2^53"));
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.rows = 100000; /* 5 MB: more than any stdio buffer */
    o.interval.ns = KR_NS_PER_MIN;
    kr_error err;
    kr_error_clear(&err);
    assert_int_equal(kr_synth_write_csv(&o, f, &err), KR_EIO);
    assert_non_null(strstr(err.msg, "writing"));
    fclose(f);
    assert_int_equal(kr_synth_write_csv(&o, NULL, &err), KR_EINVAL);
    assert_int_equal(kr_synth_write_csv(NULL, stdout, &err), KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_seed_range),
        cmocka_unit_test(test_csv_equals_generate),
        cmocka_unit_test(test_csv_format),
        cmocka_unit_test(test_csv_load_roundtrip),
        cmocka_unit_test(test_ohlc_consistent_on_tick),
        cmocka_unit_test(test_known_deterministic_path),
        cmocka_unit_test(test_return_moments_daily),
        cmocka_unit_test(test_return_std_intraday),
        cmocka_unit_test(test_correlation),
        cmocka_unit_test(test_jumps),
        cmocka_unit_test(test_stochastic_volatility),
        cmocka_unit_test(test_calendar_equity_daily),
        cmocka_unit_test(test_calendar_equity_intraday),
        cmocka_unit_test(test_calendar_fx_crypto),
        cmocka_unit_test(test_rejects_bad_options),
        cmocka_unit_test(test_rejects_bad_matrix),
        cmocka_unit_test(test_price_overflow),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
