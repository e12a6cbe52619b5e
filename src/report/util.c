/* util.c -- quoting, names and number formats shared by the report writers.
 *
 * Every string that reaches a report from outside the program (symbol names
 * from a data file, order tags, reject reasons, settings) goes through one of
 * the two quoting functions here: kr__csv_put for CSV fields (RFC 4180
 * quoting only when a field needs it, so ordinary fields stay plain) and
 * kr__html_put for the HTML page (the five characters with a meaning in HTML
 * become entities; control bytes are dropped). Both write straight to the
 * stream in runs of plain bytes, so quoting never allocates.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report/internal.h"

void kr__csv_put(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

void kr__html_put(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        const char *ent = NULL;
        int special = 1;
        switch (c) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        case '\t':
        case '\n':
            special = 0;
            break;
        default:
            special = c == 0 || c < 0x20 || c == 0x7f;
        }
        if (!special)
            continue;
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        if (c == 0)
            return;
        if (ent)
            fputs(ent, f);
        run = p + 1;
    }
}

const char *kr__report_symbol(const kr_backtest_input *in, uint32_t sym,
                              char *buf, size_t size)
{
    if (in && in->names && sym < in->n && in->names[sym])
        return in->names[sym];
    snprintf(buf, size, "S%" PRIu32, sym);
    return buf;
}

const char *kr__trade_side_name(int32_t side)
{
    return side == KR_SELL ? "short" : "long";
}

const char *kr__order_side_name(int32_t side)
{
    return side == KR_SELL ? "sell" : side == KR_BUY ? "buy" : "unknown";
}

const char *kr__role_name(int32_t role)
{
    switch (role) {
    case KR_ROLE_ENTRY: return "entry";
    case KR_ROLE_TAKE_PROFIT: return "take_profit";
    case KR_ROLE_STOP_LOSS: return "stop_loss";
    case KR_ROLE_LIQUIDATION: return "liquidation";
    default: return "unknown";
    }
}

size_t kr__fmt_money(double v, char *buf, size_t size)
{
    if (isnan(v))
        return (size_t)snprintf(buf, size, "n/a");
    if (isinf(v))
        return (size_t)snprintf(buf, size, "%s", v < 0 ? "-inf" : "inf");
    char digits[64];
    int n = snprintf(digits, sizeof digits, "%.2f", fabs(v));
    if (n < 0 || (size_t)n >= sizeof digits)
        return (size_t)snprintf(buf, size, "%.6g", v);
    /* digits is "ddddd.dd": group the integer part by threes. */
    char out[96];
    size_t k = 0;
    int intlen = n - 3;
    if (v < 0 && strcmp(digits, "0.00") != 0)
        out[k++] = '-';
    for (int i = 0; i < intlen; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    memcpy(out + k, digits + intlen, 3);
    k += 3;
    out[k] = '\0';
    return (size_t)snprintf(buf, size, "%s", out);
}
