/* html.c -- report.html: one self-contained page for a backtest.
 *
 * The page is written top to bottom in one pass over the sections: header
 * (title, strategy, period, bars, headline figures), statistics, equity
 * against buy-and-hold, drawdown, the distribution of returns, monthly
 * returns, the price of each symbol
 * with its trades, the trades table and the settings. Everything it needs is
 * inline: the CSS in a <style>, the charts as SVG drawn here (svg.c), and a
 * twenty-line script that adds a hover read-out to the charts -- the page is
 * complete without it. Nothing is fetched: no URL appears in the page, so it
 * opens the same from a mail attachment, an archive or an air-gapped box.
 *
 * Size and memory: each chart goes through a downsampler that keeps at most
 * two points per pixel column, trade markers are thinned to one per kind per
 * few pixels, the trades table stops at KR_REPORT_HTML_TRADES rows and price
 * charts at KR_REPORT_HTML_PRICE_CHARTS symbols, so a ten-million-bar run
 * gives a page of a few MB. The writer allocates two downsamplers, the
 * monthly grid, a marker bitmap and one cursor per symbol, once per page.
 *
 * How statistics are shown is a presentation table here (label, group and
 * unit by metric name); which statistics exist and their values come from
 * the one metric table in engine.h. A metric this table does not know is
 * still shown, under "Other", with a generic number format. Every string
 * from outside (title, strategy, symbols, settings) is escaped.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"

/* ------------------------------------------------------------------------
 * How each statistic is shown
 * ------------------------------------------------------------------------ */

enum { U_NUM, U_PCT, U_RATIO, U_RATIO4, U_MONEY, U_COUNT, U_BARS, U_TIMES };
enum { G_RETURN, G_RISK, G_TRADES, G_OTHER, G_COUNT };

static const char *const GROUP_NAMES[G_COUNT] = {"Return", "Risk", "Trades",
                                                 "Other"};

typedef struct display {
    const char *name;
    const char *label;
    int unit;
    int group;
} display;

static const display DISPLAY[] = {
    {"total_return", "Total return", U_PCT, G_RETURN},
    {"cagr", "CAGR", U_PCT, G_RETURN},
    {"volatility", "Volatility (annual)", U_PCT, G_RETURN},
    {"sharpe", "Sharpe ratio", U_RATIO, G_RETURN},
    {"sortino", "Sortino ratio", U_RATIO, G_RETURN},
    {"calmar", "Calmar ratio", U_RATIO, G_RETURN},
    {"psr", "Probabilistic Sharpe", U_PCT, G_RETURN},
    {"dsr", "Deflated Sharpe", U_PCT, G_RETURN},
    {"sharpe_per_bar", "Sharpe per bar", U_RATIO4, G_RETURN},
    {"max_drawdown", "Max drawdown", U_PCT, G_RISK},
    {"max_drawdown_duration", "Max drawdown duration", U_BARS, G_RISK},
    {"var_95", "VaR 95% (per bar)", U_PCT, G_RISK},
    {"es_95", "Expected shortfall 95%", U_PCT, G_RISK},
    {"skew", "Skew", U_RATIO, G_RISK},
    {"kurtosis", "Kurtosis", U_RATIO, G_RISK},
    {"exposure", "Exposure", U_PCT, G_RISK},
    {"turnover", "Turnover (per year)", U_TIMES, G_RISK},
    {"trades", "Closed trades", U_COUNT, G_TRADES},
    {"win_rate", "Win rate", U_PCT, G_TRADES},
    {"profit_factor", "Profit factor", U_RATIO, G_TRADES},
    {"expectancy", "Expectancy", U_MONEY, G_TRADES},
    {"avg_win", "Average win", U_MONEY, G_TRADES},
    {"avg_loss", "Average loss", U_MONEY, G_TRADES},
    {"costs", "Costs", U_MONEY, G_TRADES},
    {"final_equity", "Final equity", U_MONEY, G_TRADES},
    {"bars", "Bars", U_COUNT, G_TRADES},
    {"periods_per_year", "Periods per year", U_COUNT, G_TRADES},
};

static const display *display_of(const char *name)
{
    for (size_t i = 0; i < sizeof DISPLAY / sizeof DISPLAY[0]; i++)
        if (name && strcmp(DISPLAY[i].name, name) == 0)
            return &DISPLAY[i];
    return NULL;
}

static void fmt_value(double v, int unit, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "n/a");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, "%s", v < 0 ? "&minus;&infin;" : "&infin;");
        return;
    }
    switch (unit) {
    case U_PCT: snprintf(buf, size, "%.2f%%", v * 100); break;
    case U_RATIO: snprintf(buf, size, "%.2f", v); break;
    case U_RATIO4: snprintf(buf, size, "%.4f", v); break;
    case U_MONEY: kr__fmt_money(v, buf, size); break;
    case U_COUNT: snprintf(buf, size, "%.0f", v); break;
    case U_BARS: snprintf(buf, size, "%.0f bars", v); break;
    case U_TIMES: snprintf(buf, size, "%.2f&times;", v); break;
    default: snprintf(buf, size, "%.6g", v); break;
    }
}

/* The value of the metric called `name`, NaN when absent. */
static double metric(const kr_bt_metrics *m, const char *name)
{
    if (m == NULL)
        return NAN;
    size_t n = kr_bt_metric_count();
    for (size_t i = 0; i < n; i++) {
        const char *k = kr_bt_metric_name(i);
        if (k && strcmp(k, name) == 0)
            return kr_bt_metric_value(m, i);
    }
    return NAN;
}

/* ------------------------------------------------------------------------
 * Page frame
 * ------------------------------------------------------------------------ */

static const char CSS[] =
    ":root{--fg:#1f2937;--mut:#6b7280;--line:#e5e7eb;--bg:#f6f7f9;"
    "--card:#fff;--eq:#2563eb;--bh:#9ca3af;--dd:#dc2626;--long:#16a34a;"
    "--short:#dc2626;--px:#374151}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 "
    "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;font-variant-numeric:tabular-nums}\n"
    "main{max-width:1120px;margin:0 auto;padding:24px 20px 40px}\n"
    "header.top{margin-bottom:18px}\n"
    "h1{font-size:24px;margin:0 0 2px;font-weight:650;letter-spacing:-.01em}\n"
    "h2{font-size:15px;margin:0 0 10px;font-weight:600;color:#111827}\n"
    ".sub{color:var(--mut);margin:0 0 14px}\n"
    ".sub code{color:var(--fg);background:#eef0f3;padding:1px 6px;"
    "border-radius:4px;font:13px ui-monospace,SFMono-Regular,Menlo,"
    "Consolas,monospace}\n"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,"
    "1fr));gap:10px}\n"
    ".kpi{background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:10px 14px}\n"
    ".kpi .k{color:var(--mut);font-size:12px;text-transform:uppercase;"
    "letter-spacing:.04em}\n"
    ".kpi .v{font-size:20px;font-weight:600;margin-top:2px}\n"
    "section{background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:16px 18px;margin:14px 0}\n"
    ".pos{color:var(--long)}.neg{color:var(--short)}\n"
    ".groups{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,"
    "1fr));gap:8px 28px}\n"
    "h3{font-size:12px;color:var(--mut);text-transform:uppercase;"
    "letter-spacing:.05em;margin:0 0 4px;font-weight:600}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "td,th{padding:4px 8px;border-bottom:1px solid var(--line);"
    "text-align:right;white-space:nowrap}\n"
    "th{font-weight:600;color:var(--mut);font-size:12px}\n"
    "td:first-child,th:first-child{text-align:left}\n"
    "table.stats td{padding:5px 4px}\n"
    "table.stats td:first-child{color:#374151}\n"
    ".scroll{overflow-x:auto}\n"
    "table.trades td,table.trades th{font-size:13px}\n"
    "table.heat td{text-align:center;font-size:12px;padding:6px 4px;"
    "border:2px solid #fff;min-width:52px}\n"
    "table.heat th{text-align:center}\n"
    "table.heat td.y{font-weight:600;text-align:left;border:0}\n"
    "table.heat td.tot{font-weight:600}\n"
    "table.settings td{text-align:left;white-space:normal;"
    "word-break:break-all}\n"
    "table.settings td:first-child{color:var(--mut);width:180px}\n"
    ".note{color:var(--mut);font-size:13px;margin:8px 0 0}\n"
    ".legend{display:flex;gap:16px;font-size:12px;color:var(--mut);"
    "margin:-4px 0 6px}\n"
    ".legend i{display:inline-block;width:14px;height:3px;"
    "vertical-align:middle;margin-right:5px;border-radius:2px}\n"
    ".legend .tri{margin-right:4px}\n"
    "svg.chart{width:100%;height:auto;display:block;overflow:visible}\n"
    "svg .grid line{stroke:#eceef1}\n"
    "svg .xaxis line{stroke:#9ca3af}\n"
    "svg text{font-size:11px;fill:#6b7280}\n"
    "svg text.yl{text-anchor:end}\n"
    "svg text.xl{text-anchor:middle}\n"
    "svg polyline{fill:none;stroke-width:1.4;stroke-linejoin:round}\n"
    "svg .eq{stroke:var(--eq);stroke-width:1.8}\n"
    "svg .bh{stroke:var(--bh);stroke-dasharray:5 3}\n"
    "svg .ddl{stroke:var(--dd);stroke-width:1}\n"
    "svg .dda{fill:var(--dd);fill-opacity:.18}\n"
    "svg .px{stroke:var(--px);stroke-width:1.1}\n"
    "svg .mk.long{fill:var(--long);stroke:var(--long)}\n"
    "svg .mk.short{fill:var(--short);stroke:var(--short)}\n"
    "svg .mk.exit{fill:#fff;stroke-width:1.5}\n"
    "svg .dot{fill:#111827;visibility:hidden}\n"
    "svg .hpos{fill:var(--long);fill-opacity:.75}\n"
    "svg .hneg{fill:var(--short);fill-opacity:.75}\n"
    "svg .hzero{fill:#9ca3af}\n"
    "svg .var{stroke:#111827;stroke-dasharray:4 3}\n"
    "svg text.varl{fill:#111827}\n"
    "h2 .note{font-weight:400;font-size:13px}\n"
    ".tip{position:fixed;pointer-events:none;background:#111827;color:#fff;"
    "font-size:12px;padding:3px 7px;border-radius:4px;display:none;"
    "z-index:9}\n"
    "footer{color:var(--mut);font-size:12px;text-align:center;"
    "margin-top:18px}\n";

/* The hover read-out: the nearest kept point of a chart's main line, its
 * date and value from the chart's data-* scales. Optional by design. */
static const char SCRIPT[] =
    "(function(){var tip=document.createElement('div');tip.className='tip';"
    "document.body.appendChild(tip);\n"
    "document.querySelectorAll('svg.chart').forEach(function(s){"
    "var pl=s.querySelector('polyline.main'),dot=s.querySelector('.dot');"
    "if(!pl||!dot)return;var P=pl.getAttribute('points').trim().split(' ')"
    ".map(function(p){var a=p.split(',');return[+a[0],+a[1]];});"
    "var d=s.dataset,vb=s.viewBox.baseVal;\n"
    "s.addEventListener('mousemove',function(e){var r=s.getBoundingClientRect(),"
    "x=(e.clientX-r.left)*vb.width/r.width,lo=0,hi=P.length-1;"
    "while(lo<hi){var mid=(lo+hi)>>1;if(P[mid][0]<x)lo=mid+1;else hi=mid;}"
    "var p=P[lo];if(!p)return;"
    "var t=+d.t0+(p[0]-d.x0)/(d.x1-d.x0)*(d.t1-d.t0),"
    "v=+d.v0+(d.y0-p[1])/(d.y0-d.y1)*(d.v1-d.v0),"
    "vs=d.fmt=='pct'?(v*100).toFixed(2)+'%':v.toLocaleString(undefined,"
    "{maximumFractionDigits:2});\n"
    "dot.setAttribute('cx',p[0]);dot.setAttribute('cy',p[1]);"
    "dot.style.visibility='visible';tip.textContent=new Date(t).toISOString()"
    ".slice(0,d.t1-d.t0>864e5*60?10:16).replace('T',' ')+'  '+vs;tip.style.display='block';"
    "tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY-28)+'px';});\n"
    "s.addEventListener('mouseleave',function(){tip.style.display='none';"
    "dot.style.visibility='hidden';});});})();\n";

static void put_date(FILE *f, kr_ts t)
{
    char buf[40];
    if (t == KR_TS_NONE) {
        fputs("&ndash;", f);
        return;
    }
    kr_time_format(t, KR_TIME_AUTO, buf, sizeof buf);
    /* "2020-01-02T14:30:00Z" reads better as "2020-01-02 14:30:00". */
    char *p = strchr(buf, 'T');
    if (p)
        *p = ' ';
    p = strchr(buf, 'Z');
    if (p)
        *p = '\0';
    fputs(buf, f);
}

static const char *sign_class(double v)
{
    return v > 0 ? "pos" : v < 0 ? "neg" : "";
}

/* ------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------ */

static void kpi(FILE *f, const char *k, double v, int unit, int colored)
{
    char buf[64];
    fmt_value(v, unit, buf, sizeof buf);
    fprintf(f, "<div class=\"kpi\"><div class=\"k\">%s</div>"
               "<div class=\"v %s\">%s</div></div>\n",
            k, colored && isfinite(v) ? sign_class(v) : "", buf);
}

static void write_header(FILE *f, const kr_backtest *bt,
                         const kr_bt_metrics *m, const kr_backtest_input *in,
                         const char *title, const kr_report_info *info)
{
    fputs("<header class=\"top\"><h1>", f);
    kr__html_put(f, title);
    fputs("</h1>\n<p class=\"sub\">", f);
    if (info && info->strategy) {
        fputs("Strategy <code>", f);
        kr__html_put(f, info->strategy);
        fputs("</code> &middot; ", f);
    }
    if (bt->npoints > 0) {
        put_date(f, bt->ts[0]);
        fputs(" &rarr; ", f);
        put_date(f, bt->ts[bt->npoints - 1]);
        fputs(" &middot; ", f);
    }
    uint64_t nbars = bt->nbars ? bt->nbars : (uint64_t)bt->npoints;
    fprintf(f, "%" PRIu64 " bars", nbars);
    if (in && in->n)
        fprintf(f, " &middot; %zu symbol%s", in->n, in->n == 1 ? "" : "s");
    if (bt->stop_reason[0]) {
        char reason[sizeof bt->stop_reason];
        memcpy(reason, bt->stop_reason, sizeof reason);
        reason[sizeof reason - 1] = '\0';
        fputs(" &middot; stopped early: ", f);
        kr__html_put(f, reason);
    }
    fputs("</p>\n<div class=\"kpis\">\n", f);
    double fe = bt->npoints ? bt->equity[bt->npoints - 1] : NAN;
    kpi(f, "Final equity", fe, U_MONEY, 0);
    kpi(f, "Total return", metric(m, "total_return"), U_PCT, 1);
    kpi(f, "CAGR", metric(m, "cagr"), U_PCT, 1);
    kpi(f, "Sharpe", metric(m, "sharpe"), U_RATIO, 0);
    kpi(f, "Max drawdown", metric(m, "max_drawdown"), U_PCT, 0);
    kpi(f, "Trades", metric(m, "trades"), U_COUNT, 0);
    fputs("</div></header>\n", f);
}

static void write_stats(FILE *f, const kr_bt_metrics *m)
{
    size_t n = kr_bt_metric_count();
    fputs("<section id=\"statistics\"><h2>Statistics</h2>"
          "<div class=\"groups\">\n",
          f);
    for (int g = 0; g < G_COUNT; g++) {
        int opened = 0;
        for (size_t i = 0; i < n; i++) {
            const char *name = kr_bt_metric_name(i);
            const display *d = display_of(name);
            if ((d ? d->group : G_OTHER) != g)
                continue;
            if (!opened) {
                fprintf(f, "<div><h3>%s</h3><table class=\"stats\">\n",
                        GROUP_NAMES[g]);
                opened = 1;
            }
            double v = m ? kr_bt_metric_value(m, i) : NAN;
            char val[64], raw[40];
            fmt_value(v, d ? d->unit : U_NUM, val, sizeof val);
            kr_format_double(v, raw, sizeof raw);
            fputs("<tr class=\"metric\" data-metric=\"", f);
            kr__html_put(f, name);
            fprintf(f, "\" data-value=\"%s\"><td>", raw);
            if (d) {
                fputs(d->label, f);
            } else {
                for (const char *p = name ? name : ""; *p; p++) {
                    char s[2] = {*p == '_' ? ' ' : *p, 0};
                    kr__html_put(f, s);
                }
            }
            fprintf(f, "</td><td>%s</td></tr>\n", val);
        }
        if (opened)
            fputs("</table></div>\n", f);
    }
    fputs("</div></section>\n", f);
}

/* Buy-and-hold: the initial cash split equally across the symbols at their
 * first close, held. Before a symbol's first bar its share is cash. The
 * cursors advance with the equity curve's timestamps, so the whole curve
 * costs one pass over every series. */
static double bh_cash(const kr_backtest *bt)
{
    if (bt->pf.initial_cash > 0)
        return kr_fixed_to_double(bt->pf.initial_cash, bt->pf.ccy_precision);
    return bt->npoints ? bt->equity[0] : NAN;
}

static void write_equity(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in, kr__ds *eq, kr__ds *bh,
                         size_t *cur)
{
    fputs("<section id=\"equity\"><h2>Equity</h2>\n", f);
    kr_ts t0 = bt->ts[0], t1 = bt->ts[bt->npoints - 1];
    kr__ds_reset(eq, t0, t1);
    kr__ds_reset(bh, t0, t1);
    size_t nsym = in && in->bars ? in->n : 0;
    double cash0 = bh_cash(bt);
    double share = nsym ? cash0 / (double)nsym : 0;
    for (size_t s = 0; s < nsym; s++)
        cur[s] = 0;
    for (size_t i = 0; i < bt->npoints; i++) {
        kr_ts t = bt->ts[i];
        kr__ds_push(eq, t, bt->equity[i]);
        if (nsym == 0)
            continue;
        double v = 0;
        for (size_t s = 0; s < nsym; s++) {
            const kr_bars *b = &in->bars[s];
            while (cur[s] < b->n && b->ts[cur[s]] <= t)
                cur[s]++;
            if (cur[s] == 0 || !(b->close[0] > 0))
                v += share;
            else
                v += share / b->close[0] * b->close[cur[s] - 1];
        }
        kr__ds_push(bh, t, v);
    }
    kr__ds_finish(eq);
    kr__ds_finish(bh);
    double lo = eq->lo, hi = eq->hi;
    if (bh->pushed) {
        lo = fmin(lo, bh->lo);
        hi = fmax(hi, bh->hi);
    }
    fputs("<div class=\"legend\"><span><i style=\"background:var(--eq)\">"
          "</i>Strategy</span>",
          f);
    if (bh->pushed)
        fputs("<span><i style=\"background:var(--bh)\"></i>Buy and hold "
              "(equal weight)</span>",
              f);
    fputs("</div>\n", f);
    kr__chart c;
    kr__chart_setup(&c, 1000, 300, t0, t1, lo, hi, KR__FMT_MONEY);
    kr__chart_open(f, &c, "equity", "Equity curve against buy and hold");
    if (bh->pushed)
        kr__chart_line(f, &c, bh, "bh");
    kr__chart_line(f, &c, eq, "eq main");
    fputs("<circle class=\"dot\" r=\"3\" cx=\"0\" cy=\"0\"/>\n", f);
    kr__chart_close(f);
    fputs("</section>\n", f);
}

static void write_drawdown(FILE *f, const kr_backtest *bt, kr__ds *dd)
{
    fputs("<section id=\"drawdown\"><h2>Drawdown</h2>\n", f);
    kr_ts t0 = bt->ts[0], t1 = bt->ts[bt->npoints - 1];
    kr__ds_reset(dd, t0, t1);
    double peak = -INFINITY;
    for (size_t i = 0; i < bt->npoints; i++) {
        double e = bt->equity[i];
        if (e > peak)
            peak = e;
        kr__ds_push(dd, bt->ts[i], peak > 0 ? (e >= peak ? 0 : e / peak - 1)
                                            : NAN);
    }
    kr__ds_finish(dd);
    double lo = dd->pushed && dd->lo < 0 ? dd->lo : -0.01;
    kr__chart c;
    kr__chart_setup(&c, 1000, 180, t0, t1, lo, 0, KR__FMT_PCT);
    kr__chart_open(f, &c, "drawdown", "Drawdown from the running peak");
    kr__chart_area(f, &c, dd, 0, "dda");
    kr__chart_line(f, &c, dd, "ddl main");
    fputs("<circle class=\"dot\" r=\"3\" cx=\"0\" cy=\"0\"/>\n", f);
    kr__chart_close(f);
    fputs("</section>\n", f);
}

/* The distribution of the per-point returns of the equity curve: a
 * histogram of HIST_BINS equal bins over [mean - 5 sd, mean + 5 sd] cut to
 * the observed range (returns beyond it count in the edge bins): losses red,
 * gains green, the bin holding 0 grey, and the 95% VaR marked. Two passes
 * over the curve, no allocation. */
#define HIST_BINS 60

static void write_returns(FILE *f, const kr_backtest *bt,
                          const kr_bt_metrics *m)
{
    fputs("<section id=\"returns\"><h2>Distribution of returns "
          "<span class=\"note\">(per bar)</span></h2>\n",
          f);
    double mean = 0, m2 = 0, rmin = INFINITY, rmax = -INFINITY;
    size_t n = 0;
    for (size_t i = 1; i < bt->npoints; i++) {
        double r = bt->equity[i] / bt->equity[i - 1] - 1;
        if (!isfinite(r))
            continue;
        n++;
        double dlt = r - mean;
        mean += dlt / (double)n;
        m2 += dlt * (r - mean);
        rmin = fmin(rmin, r);
        rmax = fmax(rmax, r);
    }
    if (n < 2) {
        fputs("<p class=\"note\">Too few points for a distribution.</p>"
              "</section>\n",
              f);
        return;
    }
    double sd = sqrt(m2 / (double)(n - 1));
    double lo = fmax(rmin, mean - 5 * sd), hi = fmin(rmax, mean + 5 * sd);
    if (!(hi > lo)) {
        lo = rmin - 0.001;
        hi = rmax + 0.001;
    }
    size_t count[HIST_BINS] = {0}, most = 1;
    double width = (hi - lo) / HIST_BINS;
    for (size_t i = 1; i < bt->npoints; i++) {
        double r = bt->equity[i] / bt->equity[i - 1] - 1;
        if (!isfinite(r))
            continue;
        double pos = (r - lo) / width;
        size_t b = pos <= 0 ? 0 : pos >= HIST_BINS ? HIST_BINS - 1 : (size_t)pos;
        if (++count[b] > most)
            most = count[b];
    }
    const double W = 1000, H = 200, ml = 64, mr = 16, mt = 12, mb = 28;
    double pw = W - ml - mr, ph = H - mt - mb;
    fprintf(f,
            "<svg class=\"chart hist\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
            "aria-label=\"Histogram of the returns per bar\">\n<g class=\"grid\">",
            W, H);
    double cstep = kr__nice_step((double)most, 4);
    if (cstep < 1)
        cstep = 1;
    double ctop = ceil((double)most / cstep) * cstep;
    for (double c = 0; c <= ctop + cstep * 1e-9; c += cstep) {
        double y = H - mb - c / ctop * ph;
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"yl\" x=\"%.1f\" y=\"%.1f\">%.0f</text>",
                ml, y, W - mr, y, ml - 6, y + 4, c);
    }
    fputs("</g>\n<g class=\"bins\">", f);
    for (size_t b = 0; b < HIST_BINS; b++) {
        if (count[b] == 0)
            continue;
        double x = ml + (double)b / HIST_BINS * pw;
        double h = (double)count[b] / ctop * ph;
        double b0 = lo + (double)b * width, b1 = b0 + width;
        const char *cls = b1 <= 0 ? "hneg" : b0 > 0 ? "hpos" : "hzero";
        fprintf(f,
                "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\"><title>%+.2f%% to %+.2f%%: %zu</title></rect>",
                cls, x + 0.5, H - mb - h, pw / HIST_BINS - 1, h, b0 * 100,
                b1 * 100, count[b]);
    }
    fputs("</g>\n<g class=\"xaxis\">", f);
    double step = kr__nice_step(hi - lo, 8);
    for (double v = ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
        char lab[32];
        double x = ml + (v - lo) / (hi - lo) * pw;
        kr__axis_label(v, step, fmax(fabs(lo), fabs(hi)), KR__FMT_PCT, lab,
                       sizeof lab);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">%s</text>",
                x, H - mb, x, H - mb + 5, x, H - mb + 18, lab);
    }
    fprintf(f,
            "<line class=\"base\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
            "y2=\"%.1f\"/></g>\n",
            ml, H - mb, W - mr, H - mb);
    double var = metric(m, "var_95");
    if (isfinite(var) && -var >= lo && -var <= hi) {
        double x = ml + (-var - lo) / (hi - lo) * pw;
        fprintf(f,
                "<line class=\"var\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                "y2=\"%.1f\"/><text class=\"varl\" x=\"%.1f\" y=\"%.1f\">"
                "VaR 95%% %.2f%%</text>\n",
                x, mt, x, H - mb, x + 4, mt + 10, var * 100);
    }
    kr__chart_close(f);
    fputs("</section>\n", f);
}

/* A cell colour: white blended towards green (gains) or red (losses) by
 * |r| / scale. */
static void heat_style(FILE *f, double r, double scale)
{
    if (r == 0) { /* flat: no position, or no change */
        fputs(" style=\"background:#f3f4f6;color:#6b7280\"", f);
        return;
    }
    double a = fmin(1.0, fabs(r) / scale);
    a = 0.12 + 0.78 * a;
    int g[3] = {22, 163, 74}, rd[3] = {220, 38, 38};
    const int *c = r >= 0 ? g : rd;
    int rgb[3];
    for (int k = 0; k < 3; k++)
        rgb[k] = (int)lround(255 + (c[k] - 255) * a);
    fprintf(f, " style=\"background:#%02x%02x%02x;color:%s\"", rgb[0], rgb[1],
            rgb[2], a > 0.6 ? "#fff" : "#1f2937");
}

static void heat_cell(FILE *f, double r, double scale, const char *cls,
                      int64_t y, int month)
{
    if (isnan(r)) {
        fputs("<td></td>", f);
        return;
    }
    char raw[40];
    kr_format_double(r, raw, sizeof raw);
    fprintf(f, "<td class=\"%s\" data-ret=\"%s\"", cls, raw);
    heat_style(f, r, scale);
    if (month)
        fprintf(f, " title=\"%" PRId64 "-%02d: %+.2f%%\"", y, month, r * 100);
    else
        fprintf(f, " title=\"%" PRId64 ": %+.2f%%\"", y, r * 100);
    if (r == 0)
        fputs(">0.0%</td>", f);
    else
        fprintf(f, ">%+.1f%%</td>", r * 100);
}

static void write_monthly(FILE *f, const kr__monthly *mo)
{
    static const char *const M[12] = {"Jan", "Feb", "Mar", "Apr",
                                      "May", "Jun", "Jul", "Aug",
                                      "Sep", "Oct", "Nov", "Dec"};
    double ms = 0.005, ys = 0.005;
    for (size_t i = 0; i < mo->nyears * 12; i++)
        if (isfinite(mo->month[i]))
            ms = fmax(ms, fabs(mo->month[i]));
    for (size_t i = 0; i < mo->nyears; i++)
        if (isfinite(mo->year[i]))
            ys = fmax(ys, fabs(mo->year[i]));
    fputs("<section id=\"monthly\"><h2>Monthly returns</h2>"
          "<div class=\"scroll\"><table class=\"heat\">\n<tr><th>Year</th>",
          f);
    for (int k = 0; k < 12; k++)
        fprintf(f, "<th>%s</th>", M[k]);
    fputs("<th>Year</th></tr>\n", f);
    for (size_t i = 0; i < mo->nyears; i++) {
        int64_t y = mo->year0 + (int64_t)i;
        fprintf(f, "<tr><td class=\"y\">%" PRId64 "</td>", y);
        for (int k = 0; k < 12; k++)
            heat_cell(f, mo->month[i * 12 + (size_t)k], ms, "m", y, k + 1);
        heat_cell(f, mo->year[i], ys, "tot", y, 0);
        fputs("</tr>\n", f);
    }
    fputs("</table></div></section>\n", f);
}

/* Trade markers: one per kind (long/short x entry/exit) per MARK_BUCKETS
 * column of the chart, so a run with a million trades still draws a few
 * thousand triangles. */
#define MARK_BUCKETS 300

static void marker(FILE *f, const kr__chart *c, const kr_trade *t, int exit,
                   unsigned char *seen)
{
    kr_ts ts = exit ? t->exit_ts : t->entry_ts;
    double px = exit ? t->exit_price : t->entry_price;
    if (ts == KR_TS_NONE || !isfinite(px) || ts < c->t0 || ts > c->t1)
        return;
    double fr = (double)(ts - c->t0) / (double)(c->t1 - c->t0);
    size_t b = (size_t)(fr * (MARK_BUCKETS - 1));
    unsigned bit = 1u << ((t->side == KR_SELL) * 2 + exit);
    if (seen[b] & bit)
        return;
    seen[b] |= bit;
    double x = kr__chart_x(c, ts), y = kr__chart_y(c, px);
    /* A buy points up from below the price, a sell down from above. Exits
     * are larger and hollow and drawn first, so that where a reversal
     * exits one trade and enters the next at the same fill, the entry sits
     * inside the exit's outline and both stay visible. */
    int buy = (t->side == KR_SELL) == exit;
    double half = exit ? 6.5 : 4.5, len = exit ? 13 : 9;
    double tip = buy ? y + 2 : y - 2, base = buy ? tip + len : tip - len;
    fprintf(f,
            "<path class=\"mk %s %s\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\">"
            "<title>%s %s ",
            kr__trade_side_name(t->side), exit ? "exit" : "entry", x, tip,
            x - half, base, x + half, base, kr__trade_side_name(t->side),
            exit ? "exit" : "entry");
    put_date(f, ts);
    fprintf(f, " @ %.6g</title></path>\n", px);
}

static void write_prices(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in, kr__ds *ds,
                         unsigned char *seen)
{
    size_t ncharts = in->n < KR_REPORT_HTML_PRICE_CHARTS
                         ? in->n
                         : KR_REPORT_HTML_PRICE_CHARTS;
    fputs("<section id=\"prices\"><h2>Prices and trades</h2>\n"
          "<div class=\"legend\"><span><i style=\"background:var(--px)\"></i>"
          "Close</span><span><span class=\"tri\" style=\"color:var(--long)\">"
          "&#9650;</span>long entry</span><span><span class=\"tri\" "
          "style=\"color:var(--short)\">&#9660;</span>short entry</span>"
          "<span><span class=\"tri\">&#9661;&#9651;</span>exits (hollow)"
          "</span>"
          "</div>\n",
          f);
    kr_ts t0 = bt->ts[0], t1 = bt->ts[bt->npoints - 1];
    char sym[24];
    for (size_t s = 0; s < ncharts; s++) {
        const kr_bars *b = &in->bars[s];
        kr__ds_reset(ds, t0, t1);
        for (size_t i = 0; i < b->n; i++)
            kr__ds_push(ds, b->ts[i], b->close[i]);
        kr__ds_finish(ds);
        double lo = ds->lo, hi = ds->hi;
        size_t ntr = 0;
        for (size_t i = 0; i < bt->ntrades; i++) {
            const kr_trade *t = &bt->trades[i];
            if (t->symbol != s)
                continue;
            ntr++;
            if (isfinite(t->entry_price)) {
                lo = fmin(lo, t->entry_price);
                hi = fmax(hi, t->entry_price);
            }
            if (t->exit_ts != KR_TS_NONE && isfinite(t->exit_price)) {
                lo = fmin(lo, t->exit_price);
                hi = fmax(hi, t->exit_price);
            }
        }
        const char *name = kr__report_symbol(in, (uint32_t)s, sym, sizeof sym);
        fputs("<h3>", f);
        kr__html_put(f, name);
        fprintf(f, " <span style=\"text-transform:none;font-weight:400\">"
                   "&middot; %zu trade%s</span></h3>\n",
                ntr, ntr == 1 ? "" : "s");
        kr__chart c;
        kr__chart_setup(&c, 1000, 220, t0, t1, lo, hi, KR__FMT_NUM);
        kr__chart_open(f, &c, "price", name);
        kr__chart_line(f, &c, ds, "px main");
        memset(seen, 0, MARK_BUCKETS);
        for (int exit = 1; exit >= 0; exit--)
            for (size_t i = 0; i < bt->ntrades; i++)
                if (bt->trades[i].symbol == s)
                    marker(f, &c, &bt->trades[i], exit, seen);
        fputs("<circle class=\"dot\" r=\"3\" cx=\"0\" cy=\"0\"/>\n", f);
        kr__chart_close(f);
    }
    if (in->n > ncharts)
        fprintf(f, "<p class=\"note\">%zu more symbols not charted.</p>\n",
                in->n - ncharts);
    fputs("</section>\n", f);
}

static void put_price(FILE *f, double v)
{
    if (!isfinite(v))
        fputs("&ndash;", f);
    else if (fabs(v) >= 1)
        fprintf(f, "%.2f", v);
    else
        fprintf(f, "%.6g", v);
}

static void write_trades(FILE *f, const kr_backtest *bt,
                         const kr_backtest_input *in)
{
    size_t shown = bt->ntrades < KR_REPORT_HTML_TRADES ? bt->ntrades
                                                       : KR_REPORT_HTML_TRADES;
    fprintf(f, "<section id=\"trades\"><h2>Trades</h2>\n");
    if (bt->ntrades == 0) {
        fputs("<p class=\"note\">No trades.</p></section>\n", f);
        return;
    }
    fputs("<div class=\"scroll\"><table class=\"trades\">\n<tr><th>#</th>"
          "<th>Symbol</th><th>Side</th><th>Entry</th><th>Entry price</th>"
          "<th>Exit</th><th>Exit price</th><th>Qty</th><th>P&amp;L</th>"
          "<th>Return</th><th>Bars</th><th>Costs</th></tr>\n",
          f);
    char sym[24], buf[64];
    for (size_t i = 0; i < shown; i++) {
        const kr_trade *t = &bt->trades[i];
        fprintf(f, "<tr><td>%zu</td><td>", i + 1);
        kr__html_put(f, kr__report_symbol(in, t->symbol, sym, sizeof sym));
        fprintf(f, "</td><td>%s</td><td>", kr__trade_side_name(t->side));
        put_date(f, t->entry_ts);
        fputs("</td><td>", f);
        put_price(f, t->entry_price);
        fputs("</td><td>", f);
        if (t->exit_ts == KR_TS_NONE)
            fputs("open", f);
        else
            put_date(f, t->exit_ts);
        fputs("</td><td>", f);
        put_price(f, t->exit_price);
        kr_format_double(t->qty, buf, sizeof buf);
        fprintf(f, "</td><td>%s</td>", buf);
        kr__fmt_money(t->pnl, buf, sizeof buf);
        fprintf(f, "<td class=\"%s\">%s</td>", sign_class(t->pnl), buf);
        if (isfinite(t->ret))
            fprintf(f, "<td class=\"%s\">%+.2f%%</td>", sign_class(t->ret),
                    t->ret * 100);
        else
            fputs("<td>n/a</td>", f);
        kr__fmt_money(t->costs, buf, sizeof buf);
        fprintf(f, "<td>%" PRId64 "</td><td>%s</td></tr>\n", t->bars_held,
                buf);
    }
    fputs("</table></div>\n", f);
    if (bt->ntrades > shown)
        fprintf(f,
                "<p class=\"note\">Showing the first %zu of %zu trades; "
                "%zu more in trades.csv.</p>\n",
                shown, bt->ntrades, bt->ntrades - shown);
    fputs("</section>\n", f);
}

static void write_settings(FILE *f, const kr_report_info *info)
{
    fputs("<section id=\"settings\"><h2>Settings</h2>"
          "<table class=\"settings\">\n",
          f);
    if (info && info->strategy) {
        fputs("<tr><td>strategy</td><td>", f);
        kr__html_put(f, info->strategy);
        fputs("</td></tr>\n", f);
    }
    for (size_t i = 0; info && info->settings && i < info->nsettings; i++) {
        const char *kv = info->settings[i];
        if (kv == NULL)
            continue;
        const char *eq = strchr(kv, '=');
        fputs("<tr><td>", f);
        if (eq) {
            /* Escape the key in place-sized pieces, no copy needed. */
            for (const char *p = kv; p < eq; p++) {
                char s[2] = {*p, 0};
                kr__html_put(f, s);
            }
            fputs("</td><td>", f);
            kr__html_put(f, eq + 1);
        } else {
            kr__html_put(f, kv);
            fputs("</td><td>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

int kr_report_html(FILE *f, const kr_backtest *bt, const kr_bt_metrics *m,
                   const kr_backtest_input *in, const kr_report_info *info)
{
    if (f == NULL || bt == NULL)
        return KR_EINVAL;
    int rc = KR_ENOMEM;
    kr__ds a, b;
    kr__monthly mo = {0};
    size_t *cur = NULL;
    unsigned char *seen = NULL;
    int have_a = 0, have_b = 0;
    int have_prices = in && in->bars && in->n > 0 && bt->npoints > 0;
    if (kr__ds_init(&a, 0, 1, KR__CHART_BUCKETS) != KR_OK)
        goto err;
    have_a = 1;
    if (kr__ds_init(&b, 0, 1, KR__CHART_BUCKETS) != KR_OK)
        goto err;
    have_b = 1;
    if (in && in->n) {
        cur = calloc(in->n, sizeof *cur);
        if (cur == NULL)
            goto err;
    }
    seen = malloc(MARK_BUCKETS);
    if (seen == NULL)
        goto err;
    if (bt->npoints > 0) {
        int mrc = kr__monthly_compute(bt->npoints, bt->ts, bt->equity, &mo);
        if (mrc == KR_ENOMEM)
            goto err;
    }

    const char *title = info && info->title ? info->title : "kairos backtest";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
          "\n<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n<meta name=\"generator\" content=\"kairos "
          KR_VERSION "\">\n<title>",
          f);
    kr__html_put(f, title);
    if (info && info->strategy) {
        fputs(" &middot; ", f);
        kr__html_put(f, info->strategy);
    }
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
            CSS);
    write_header(f, bt, m, in, title, info);
    write_stats(f, m);
    if (bt->npoints > 0) {
        write_equity(f, bt, in, &a, &b, cur);
        write_drawdown(f, bt, &a);
        write_returns(f, bt, m);
        write_monthly(f, &mo);
    } else {
        fputs("<section id=\"equity\"><h2>Equity</h2><p class=\"note\">"
              "The run recorded no equity points.</p></section>\n",
              f);
    }
    if (have_prices)
        write_prices(f, bt, in, &a, seen);
    write_trades(f, bt, in);
    write_settings(f, info);
    fprintf(f, "<footer>Generated by kairos " KR_VERSION
               ". Self-contained: no network access needed.</footer>\n"
               "</main>\n<script>\n%s</script>\n</body>\n</html>\n",
            SCRIPT);
    rc = ferror(f) ? KR_EIO : KR_OK;
err:
    if (have_a)
        kr__ds_free(&a);
    if (have_b)
        kr__ds_free(&b);
    kr__monthly_free(&mo);
    free(cur);
    free(seen);
    return rc;
}
