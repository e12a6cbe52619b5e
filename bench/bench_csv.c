/* bench_csv.c -- CSV loading throughput: kr_csv_load against a plain libc
 * loop and pandas.read_csv, on the same synthetic files, in the same run.
 *
 * The files come from kr_synth_write_csv with a fixed seed and are cached
 * under ${KR_BENCH_DIR:-/tmp/kairos-bench}, keyed by generator version,
 * symbols, rows, interval, calendar and seed, so only the first run pays for
 * writing 600 MB. Each contender loads a file REPEAT times and keeps its best
 * time; kairos and the libc loop each run in a forked child so that the peak
 * RSS growth (getrusage ru_maxrss) is theirs alone and the page cache is the
 * only state they share. pandas runs as `python3 bench/peers/pandas_csv.py`
 * (${KR_BENCH_PYTHON:-python3}), which times itself the same way and reports
 * JSON; without pandas that peer is skipped with a note on stderr.
 *
 * The libc baseline is what a careful C programmer writes first: fgets, strtok,
 * strtod, strptime + timegm, and per-symbol columns grown by doubling. Both C
 * loaders also sum their closes so that a parser that skipped or misread rows
 * shows up as a mismatch on stderr instead of as a fast figure.
 *
 * Output: one JSON object per line on stdout (bench/README.md); everything
 * else goes to stderr.
 */
#define _GNU_SOURCE /* strptime, timegm */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kairos/data.h"

#ifndef KR_BENCH_PEERS
#define KR_BENCH_PEERS "bench/peers"
#endif

#define REPEAT 3
#define SEED 42

typedef struct spec {
    const char *name; /* benchmark name prefix */
    size_t symbols;
    size_t rows; /* per symbol */
    int64_t interval;
    const char *ivname;
    const char *calendar;
} spec;

/* 1 symbol x 10M one-minute bars (ISO datetimes, 2000 to 2019), and 10
 * symbols x 1M hourly bars (several series interleaved by time). */
static const spec specs[] = {
    {"data.csv_load_10m", 1, 10000000, KR_NS_PER_MIN, "1m", "crypto"},
    {"data.csv_load_10x1m", 10, 1000000, KR_NS_PER_HOUR, "1h", "crypto"},
};

typedef struct result {
    int ok;
    double seconds;  /* best of REPEAT */
    double rss_mib;  /* peak RSS growth during the loads */
    size_t rows;
    double checksum; /* sum of every close */
} result;

/* ------------------------------------------------------------------------
 * The cached input files
 * ------------------------------------------------------------------------ */

static int mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

/* Makes sure the file of `s` exists in `dir`; its path goes to `path`. */
static int ensure_file(const spec *s, const char *dir, char *path, size_t size)
{
    snprintf(path, size, "%s/synth-v1-%zux%zu-%s-%s-seed%d.csv", dir,
             s->symbols, s->rows, s->ivname, s->calendar, SEED);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size > 0)
        return 0;
    fprintf(stderr, "bench_csv: writing %s (cached for later runs)\n", path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "bench_csv: cannot create %s: %s\n", tmp,
                strerror(errno));
        return -1;
    }
    kr_synth_opts o;
    kr_synth_opts_init(&o);
    o.seed = SEED;
    o.symbols = s->symbols;
    o.rows = s->rows;
    o.interval.ns = s->interval;
    snprintf(o.calendar, sizeof o.calendar, "%s", s->calendar);
    kr_error err;
    kr_error_clear(&err);
    int rc = kr_synth_write_csv(&o, f, &err);
    if (fclose(f) && !rc)
        rc = KR_EIO;
    if (rc || rename(tmp, path)) {
        fprintf(stderr, "bench_csv: writing %s failed: %s\n", tmp,
                rc ? err.msg : strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Contenders
 * ------------------------------------------------------------------------ */

static double now(void) { return (double)kr_monotonic_ns() * 1e-9; }

static void run_kairos(const char *path, result *r)
{
    kr_csv_opts co;
    kr_csv_opts_init(&co);
    r->seconds = INFINITY;
    for (int i = 0; i < REPEAT; i++) {
        kr_dataset ds;
        kr_error err;
        kr_error_clear(&err);
        double t0 = now();
        int rc = kr_csv_load(path, &co, &ds, &err);
        double t = now() - t0;
        if (rc) {
            fprintf(stderr, "bench_csv: kr_csv_load %s: %s\n", path, err.msg);
            return;
        }
        if (t < r->seconds)
            r->seconds = t;
        r->rows = ds.rows;
        r->checksum = 0;
        for (size_t s = 0; s < ds.nbars; s++)
            for (size_t k = 0; k < ds.bars[s].n; k++)
                r->checksum += ds.bars[s].close[k];
        kr_dataset_free(&ds);
    }
    r->ok = 1;
}

typedef struct series {
    char name[64];
    size_t n, cap;
    int64_t *ts;
    double *open, *high, *low, *close, *volume;
} series;

#define MAX_SERIES 64

static int series_push(series *s, int64_t ts, const double v[5])
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        void *p[6] = {realloc(s->ts, cap * sizeof *s->ts),
                      NULL, NULL, NULL, NULL, NULL};
        if (!p[0])
            return -1;
        s->ts = p[0];
        double **cols[5] = {&s->open, &s->high, &s->low, &s->close,
                            &s->volume};
        for (int k = 0; k < 5; k++) {
            double *c = realloc(*cols[k], cap * sizeof **cols[k]);
            if (!c)
                return -1;
            *cols[k] = c;
        }
        s->cap = cap;
    }
    s->ts[s->n] = ts;
    s->open[s->n] = v[0];
    s->high[s->n] = v[1];
    s->low[s->n] = v[2];
    s->close[s->n] = v[3];
    s->volume[s->n] = v[4];
    s->n++;
    return 0;
}

static void series_free(series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].ts);
        free(s[i].open);
        free(s[i].high);
        free(s[i].low);
        free(s[i].close);
        free(s[i].volume);
    }
}

/* The baseline loader: returns rows loaded, or 0 on failure. */
static size_t libc_load(const char *path, series *sv, size_t *nseries,
                        double *checksum)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1024];
    size_t rows = 0, ns = 0, cur = 0;
    *checksum = 0;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        char *ts = strtok(line, ",");
        char *sym = strtok(NULL, ",");
        double v[5];
        int nv = 0;
        for (char *t; nv < 5 && (t = strtok(NULL, ",\n")); nv++)
            v[nv] = strtod(t, NULL);
        if (!ts || !sym || nv < 5)
            continue;
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        if (!strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm)) {
            memset(&tm, 0, sizeof tm);
            if (!strptime(ts, "%Y-%m-%d", &tm))
                continue;
        }
        int64_t t = (int64_t)timegm(&tm) * KR_NS_PER_SEC;
        if (!ns || strcmp(sv[cur].name, sym)) {
            for (cur = 0; cur < ns && strcmp(sv[cur].name, sym); cur++)
                ;
            if (cur == ns) {
                if (ns == MAX_SERIES)
                    continue;
                memset(&sv[ns], 0, sizeof sv[ns]);
                snprintf(sv[ns].name, sizeof sv[ns].name, "%s", sym);
                ns++;
            }
        }
        if (series_push(&sv[cur], t, v))
            break;
        *checksum += v[3];
        rows++;
    }
    fclose(f);
    *nseries = ns;
    return rows;
}

static void run_libc(const char *path, result *r)
{
    static series sv[MAX_SERIES];
    r->seconds = INFINITY;
    for (int i = 0; i < REPEAT; i++) {
        size_t ns = 0;
        double t0 = now();
        size_t rows = libc_load(path, sv, &ns, &r->checksum);
        double t = now() - t0;
        series_free(sv, ns);
        if (!rows) {
            fprintf(stderr, "bench_csv: libc baseline could not read %s\n",
                    path);
            return;
        }
        if (t < r->seconds)
            r->seconds = t;
        r->rows = rows;
    }
    r->ok = 1;
}

/* Runs `fn` in a child process and returns its result with the child's own
 * peak RSS growth. */
static result measure(void (*fn)(const char *, result *), const char *path)
{
    result r;
    memset(&r, 0, sizeof r);
    int fd[2];
    if (pipe(fd))
        return r;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return r;
    }
    if (pid == 0) {
        close(fd[0]);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        long base = ru.ru_maxrss;
        fn(path, &r);
        getrusage(RUSAGE_SELF, &ru);
        r.rss_mib = (double)(ru.ru_maxrss - base) / 1024.0;
        ssize_t w = write(fd[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], &r, sizeof r);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof r || !WIFEXITED(status) ||
        WEXITSTATUS(status))
        memset(&r, 0, sizeof r);
    return r;
}

/* pandas.read_csv through the peer script; r->ok stays 0 when pandas is not
 * installed or the script fails (a note goes to stderr). */
static void run_pandas(const char *path, result *r)
{
    memset(r, 0, sizeof *r);
    const char *peers = getenv("KR_BENCH_PEERS");
    if (!peers || !*peers)
        peers = KR_BENCH_PEERS;
    const char *py = getenv("KR_BENCH_PYTHON");
    if (!py || !*py)
        py = "python3";
    if (strchr(peers, '\'') || strchr(path, '\'') || strchr(py, '\'')) {
        fprintf(stderr, "bench_csv: skipping pandas: quote in a path\n");
        return;
    }
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "'%s' -c 'import pandas' >/dev/null 2>&1", py);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_csv: %s cannot import pandas; skipping that "
                "peer (apt-get install python3-pandas, or point "
                "KR_BENCH_PYTHON at a python that has it)\n", py);
        return;
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s/pandas_csv.py' '%s' %d", py, peers,
             path, REPEAT);
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int st = pclose(p);
    json_error_t jerr;
    json_t *j = st == 0 ? json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
    if (!j) {
        fprintf(stderr, "bench_csv: pandas peer failed (status %d)\n", st);
        return;
    }
    r->rows = (size_t)json_integer_value(json_object_get(j, "rows"));
    r->seconds = json_number_value(json_object_get(j, "seconds"));
    r->rss_mib = json_number_value(json_object_get(j, "peak_rss_mib"));
    r->checksum = json_number_value(json_object_get(j, "checksum"));
    const char *ver = json_string_value(json_object_get(j, "version"));
    fprintf(stderr, "bench_csv: pandas %s\n", ver ? ver : "?");
    r->ok = r->seconds > 0;
    json_decref(j);
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static void emit(const char *name, const char *suffix, const char *unit,
                 int prec, double kairos, const char *peer_name, double peer,
                 double ratio)
{
    printf("{\"name\":\"%s%s\",\"unit\":\"%s\",\"kairos\":%.*f", name, suffix,
           unit, prec, kairos);
    if (peer_name)
        printf(",\"peer_name\":\"%s\",\"peer\":%.*f,\"ratio\":%.3f", peer_name,
               prec, peer, ratio);
    printf("}\n");
    fflush(stdout);
}

/* One line per (figure, peer): the pandas line carries the plain name, the
 * libc line the suffix _vs_libc. Ratios read > 1 when kairos is better. */
static void report(const spec *s, double bytes, const result *k,
                   const result *l, const result *p)
{
    static const char *figs[3][2] = {
        {"", "rows/s"}, {"_mbps", "MB/s"}, {"_peak_rss", "MiB"}};
    for (int f = 0; f < 3; f++) {
        const result *peers[2] = {p, l};
        const char *pname[2] = {"pandas", "libc_stdio_strtod"};
        for (int i = 0; i < 2; i++) {
            const result *q = peers[i];
            char suffix[64];
            snprintf(suffix, sizeof suffix, "%s%s", figs[f][0],
                     i ? "_vs_libc" : "");
            double kv, pv = 0, ratio = 0;
            int prec = f == 0 ? 0 : 1;
            if (f == 0)
                kv = (double)k->rows / k->seconds;
            else if (f == 1)
                kv = bytes / 1e6 / k->seconds;
            else
                kv = k->rss_mib;
            if (q->ok) {
                if (f == 0)
                    pv = (double)q->rows / q->seconds;
                else if (f == 1)
                    pv = bytes / 1e6 / q->seconds;
                else
                    pv = q->rss_mib;
                ratio = f < 2 ? kv / pv : pv / fmax(kv, 1.0);
            }
            if (q->ok || i == 0)
                emit(s->name, suffix, figs[f][1], prec, kv,
                     q->ok ? pname[i] : NULL, pv, ratio);
        }
    }
}

int main(void)
{
    const char *dir = getenv("KR_BENCH_DIR");
    if (!dir || !*dir)
        dir = "/tmp/kairos-bench";
    if (mkdir_p(dir)) {
        fprintf(stderr, "bench_csv: cannot create %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    int status = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const spec *s = &specs[i];
        char path[4096];
        if (ensure_file(s, dir, path, sizeof path))
            return 1;
        struct stat st;
        if (stat(path, &st))
            return 1;
        size_t want = s->symbols * s->rows;
        fprintf(stderr, "bench_csv: %s: %zu rows, %.0f MB, best of %d\n",
                s->name, want, (double)st.st_size / 1e6, REPEAT);

        result k = measure(run_kairos, path);
        if (!k.ok || k.rows != want) {
            fprintf(stderr, "bench_csv: kairos loaded %zu of %zu rows\n",
                    k.rows, want);
            status = 1;
            continue;
        }
        result l = measure(run_libc, path);
        result p;
        run_pandas(path, &p);
        result *peers[2] = {&l, &p};
        const char *names[2] = {"libc", "pandas"};
        for (int j = 0; j < 2; j++) {
            result *q = peers[j];
            if (!q->ok)
                continue;
            double rel = fabs(q->checksum - k.checksum) /
                         fmax(fabs(k.checksum), 1.0);
            if (q->rows != want || rel > 1e-9) {
                fprintf(stderr, "bench_csv: %s disagrees with kairos: %zu "
                        "rows, close sum %.17g vs %.17g; dropped\n",
                        names[j], q->rows, q->checksum, k.checksum);
                q->ok = 0;
            }
        }
        fprintf(stderr, "bench_csv: kairos %.3fs, libc %.3fs, pandas %.3fs\n",
                k.seconds, l.ok ? l.seconds : NAN, p.ok ? p.seconds : NAN);
        report(s, (double)st.st_size, &k, &l, &p);
    }
    return status;
}
