/* test_order.c -- tests of src/oms/order.c: the order state machine.
 *
 * The heart is a table-driven test over every status x event pair: an order
 * is driven into each status by legal events, then every event is applied
 * with valid arguments and the outcome is compared with the table written
 * out below, by hand, from the rules in docs/orders-and-accounting.md: the
 * new status when legal, and KR_EINVAL with the order byte for byte
 * unchanged when not. A second test reads the docs page and checks that the
 * table printed there is the one kr_order_next_status answers with. The rest
 * are known answers: validation at creation, partial fills and the exact
 * average price, modify, reject reasons, time order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kairos/oms.h"

#define N_ KR_ORDER_NEW
#define SU KR_ORDER_SUBMITTED
#define AC KR_ORDER_ACCEPTED
#define PF KR_ORDER_PARTIALLY_FILLED
#define FI KR_ORDER_FILLED
#define CA KR_ORDER_CANCELED
#define RE KR_ORDER_REJECTED
#define EX KR_ORDER_EXPIRED
#define XX (-1)

/* The expected table, written from the rules, not copied from order.c. The
 * fill column is for a fill that leaves quantity open. */
static const int expected[KR_ORDER_STATUS_COUNT][KR_ORDER_EVENT_COUNT] = {
    /*       submit accept reject fill cancel expire modify */
    [N_] = {SU, XX, RE, XX, CA, XX, XX},
    [SU] = {XX, AC, RE, PF, CA, XX, XX},
    [AC] = {XX, XX, XX, PF, CA, EX, AC},
    [PF] = {XX, XX, XX, PF, CA, EX, PF},
    [FI] = {XX, XX, XX, XX, XX, XX, XX},
    [CA] = {XX, XX, XX, XX, XX, XX, XX},
    [RE] = {XX, XX, XX, XX, XX, XX, XX},
    [EX] = {XX, XX, XX, XX, XX, XX, XX},
};

static kr_instrument inst;

static kr_order_params limit_params(void)
{
    kr_order_params p = {
        .id = 7,
        .side = KR_BUY,
        .type = KR_ORDER_LIMIT,
        .tif = KR_TIF_GTC,
        .qty = 100,
        .limit_px = 1000,
        .stop_px = KR_PX_NONE,
        .ts = 1000,
    };
    return p;
}

static kr_order_event ev_of(int type, kr_ts ts)
{
    kr_order_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.ts = ts;
    switch (type) {
    case KR_OEV_REJECT:
        ev.u.reason = "no margin";
        break;
    case KR_OEV_FILL:
        ev.u.fill.qty = 10;
        ev.u.fill.price = 999;
        break;
    case KR_OEV_MODIFY:
        ev.u.modify.qty = 200;
        ev.u.modify.limit_px = 990;
        ev.u.modify.stop_px = KR_PX_NONE;
        break;
    default:
        break;
    }
    return ev;
}

static void apply(kr_order *o, int type, kr_ts ts)
{
    kr_order_event ev = ev_of(type, ts);
    assert_int_equal(kr_order_transition(o, &ev), KR_OK);
}

static void fill(kr_order *o, int64_t qty, int64_t px, kr_ts ts)
{
    kr_order_event ev = ev_of(KR_OEV_FILL, ts);
    ev.u.fill.qty = qty;
    ev.u.fill.price = px;
    assert_int_equal(kr_order_transition(o, &ev), KR_OK);
}

/* Builds a limit order for 100 and drives it into `status`. */
static void order_in(kr_order *o, int status)
{
    kr_order_params p = limit_params();
    assert_int_equal(kr_order_init(o, &p, &inst), KR_OK);
    switch (status) {
    case N_:
        break;
    case SU:
        apply(o, KR_OEV_SUBMIT, 1001);
        break;
    case AC:
        apply(o, KR_OEV_SUBMIT, 1001);
        apply(o, KR_OEV_ACCEPT, 1002);
        break;
    case PF:
        apply(o, KR_OEV_SUBMIT, 1001);
        apply(o, KR_OEV_ACCEPT, 1002);
        fill(o, 40, 1000, 1003);
        break;
    case FI:
        apply(o, KR_OEV_SUBMIT, 1001);
        apply(o, KR_OEV_ACCEPT, 1002);
        fill(o, 100, 1000, 1003);
        break;
    case CA:
        apply(o, KR_OEV_SUBMIT, 1001);
        apply(o, KR_OEV_CANCEL, 1002);
        break;
    case RE:
        apply(o, KR_OEV_REJECT, 1001);
        break;
    case EX:
        apply(o, KR_OEV_SUBMIT, 1001);
        apply(o, KR_OEV_ACCEPT, 1002);
        apply(o, KR_OEV_EXPIRE, 1003);
        break;
    default:
        fail();
    }
    assert_int_equal(o->status, status);
}

static void test_every_transition(void **state)
{
    (void)state;
    int legal = 0, illegal = 0;
    for (int s = 0; s < KR_ORDER_STATUS_COUNT; s++) {
        for (int e = 0; e < KR_ORDER_EVENT_COUNT; e++) {
            kr_order o, before;
            order_in(&o, s);
            memcpy(&before, &o, sizeof o);
            kr_order_event ev = ev_of(e, 2000);
            int rc = kr_order_transition(&o, &ev);
            assert_int_equal(kr_order_next_status(s, e), expected[s][e]);
            if (expected[s][e] < 0) {
                if (rc != KR_EINVAL)
                    fail_msg("%s on %s: %d", kr_order_event_name(e),
                             kr_order_status_name(s), rc);
                assert_memory_equal(&o, &before, sizeof o);
                illegal++;
                continue;
            }
            if (rc != KR_OK)
                fail_msg("%s on %s: %d", kr_order_event_name(e),
                         kr_order_status_name(s), rc);
            assert_int_equal(o.status, expected[s][e]);
            assert_int_equal(o.ts_last, 2000);
            assert_int_equal(kr_order_is_terminal(&o),
                             o.status >= KR_ORDER_FILLED);
            assert_int_equal(kr_order_is_open(&o),
                             o.status >= SU && o.status <= PF);
            legal++;
        }
    }
    assert_int_equal(legal, 15);
    assert_int_equal(illegal, 8 * 7 - 15);
    /* Out-of-range statuses and events are illegal too. */
    assert_int_equal(kr_order_next_status(-1, 0), -1);
    assert_int_equal(kr_order_next_status(8, 0), -1);
    assert_int_equal(kr_order_next_status(0, 7), -1);
    kr_order o;
    order_in(&o, AC);
    kr_order_event ev = ev_of(KR_OEV_ACCEPT, 2000);
    ev.type = 99;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
}

/* The table in docs/orders-and-accounting.md is the one in order.c. */
static void test_docs_table(void **state)
{
    (void)state;
    FILE *f = fopen(KR_SOURCE_DIR "/docs/orders-and-accounting.md", "r");
    assert_non_null(f);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] != '|')
            continue;
        char *cells[16];
        int n = 0;
        for (char *tok = strtok(line, "|\n"); tok && n < 16;
             tok = strtok(NULL, "|\n")) {
            while (*tok == ' ' || *tok == '`' || *tok == '*')
                tok++;
            char *end = tok + strlen(tok);
            while (end > tok && (end[-1] == ' ' || end[-1] == '`' ||
                                 end[-1] == '*'))
                *--end = '\0';
            cells[n++] = tok;
        }
        int s = -1;
        for (int i = 0; i < KR_ORDER_STATUS_COUNT; i++)
            if (n > 0 && strcmp(cells[0], kr_order_status_name(i)) == 0)
                s = i;
        if (s < 0 || n != 1 + KR_ORDER_EVENT_COUNT)
            continue;
        for (int e = 0; e < KR_ORDER_EVENT_COUNT; e++) {
            int next = kr_order_next_status(s, e);
            const char *want = next < 0 ? "-" : kr_order_status_name(next);
            if (strcmp(cells[1 + e], want) != 0)
                fail_msg("docs: %s on %s says '%s', order.c '%s'",
                         kr_order_event_name(e), kr_order_status_name(s),
                         cells[1 + e], want);
        }
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, KR_ORDER_STATUS_COUNT);
}

static void test_init_validation(void **state)
{
    (void)state;
    kr_order o;
    memset(&o, 0xab, sizeof o);
    kr_order before;
    memcpy(&before, &o, sizeof o);
    kr_order_params p;
    kr_instrument lots = inst;
    lots.lot_size = 100;

#define BAD(field, value, in)                                               \
    do {                                                                    \
        p = limit_params();                                                 \
        p.field = value;                                                    \
        assert_int_equal(kr_order_init(&o, &p, in), KR_EINVAL);             \
        assert_memory_equal(&o, &before, sizeof o);                         \
    } while (0)

    BAD(qty, 0, &inst);
    BAD(qty, -5, &inst);
    BAD(qty, 150, &lots);
    BAD(id, 0, &inst);
    BAD(side, 0, &inst);
    BAD(type, 4, &inst);
    BAD(tif, 9, &inst);
    BAD(limit_px, KR_PX_NONE, &inst); /* limit order without a limit */
    BAD(stop_px, 900, &inst);         /* limit order with a stop */
    BAD(qty, 100, NULL);
    BAD(type, KR_ORDER_MARKET, &inst); /* market order with a limit */
    BAD(type, KR_ORDER_STOP, &inst);   /* stop order with no stop */
    BAD(type, KR_ORDER_STOP_LIMIT, &inst);
#undef BAD

    p = limit_params();
    p.qty = 300;
    assert_int_equal(kr_order_init(&o, &p, &lots), KR_OK);
    p.type = KR_ORDER_MARKET;
    p.limit_px = KR_PX_NONE;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    assert_int_equal(o.avg_px_raw, KR_PX_NONE);
    p.type = KR_ORDER_STOP;
    p.stop_px = 1100;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    p.type = KR_ORDER_STOP_LIMIT;
    p.limit_px = 1110;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    assert_int_equal(o.status, KR_ORDER_NEW);
    assert_int_equal(o.id, 7);
    assert_int_equal(o.symbol, inst.symbol);
    assert_int_equal(o.limit_px, 1110);
    assert_int_equal(o.stop_px, 1100);
    assert_int_equal(o.ts_init, 1000);
    assert_int_equal(kr_order_leaves(&o), 300);
    assert_string_equal(o.reason, "");
}

static void test_partial_fills_avg_price(void **state)
{
    (void)state;
    kr_order o;
    kr_order_params p = limit_params();
    p.qty = 400;
    p.limit_px = 1010;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    apply(&o, KR_OEV_ACCEPT, 1002);
    fill(&o, 100, 1000, 1003); /* 100 at 10.00 */
    assert_int_equal(o.status, PF);
    assert_int_equal(o.avg_px_raw, 1000);
    assert_int_equal(kr_order_leaves(&o), 300);

    /* Over-fill and empty fills are refused, the order untouched. */
    kr_order before;
    memcpy(&before, &o, sizeof o);
    kr_order_event ev = ev_of(KR_OEV_FILL, 1004);
    ev.u.fill.qty = 301;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.fill.qty = 0;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.fill.qty = -1;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.fill.qty = 1;
    ev.u.fill.price = KR_PX_NONE;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    assert_memory_equal(&o, &before, sizeof o);

    fill(&o, 300, 1005, 1004); /* 300 at 10.05 */
    /* (100 x 10.00 + 300 x 10.05) / 400 = 10.0375 -> 10.04 */
    assert_int_equal(o.status, FI);
    assert_int_equal(o.filled_qty, 400);
    assert_int_equal(o.fill_count, 2);
    assert_int_equal(o.avg_px_raw, 1004);
    assert_float_equal(o.avg_px, 10.0375, 1e-12);
    assert_int_equal(kr_order_leaves(&o), 0);

    /* A tie: (10.00 + 10.05) / 2 = 10.025 -> 10.02, half to even. */
    p.qty = 2;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    fill(&o, 1, 1000, 1002); /* a fill straight from submitted */
    fill(&o, 1, 1005, 1003);
    assert_int_equal(o.avg_px_raw, 1002);
    assert_float_equal(o.avg_px, 10.025, 1e-12);

    /* Prices near the int64 limit still average exactly. */
    p.qty = 3;
    p.limit_px = INT64_MAX;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    fill(&o, 1, INT64_MAX, 1002);
    fill(&o, 1, INT64_MAX - 1, 1003);
    fill(&o, 1, INT64_MAX - 2, 1004);
    assert_int_equal(o.avg_px_raw, INT64_MAX - 1);
}

static void test_fok_and_cancel_remainder(void **state)
{
    (void)state;
    kr_order o;
    kr_order_params p = limit_params();
    p.tif = KR_TIF_FOK;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    kr_order_event ev = ev_of(KR_OEV_FILL, 1002);
    ev.u.fill.qty = 50;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    assert_int_equal(o.status, SU);
    apply(&o, KR_OEV_CANCEL, 1002); /* killed */
    assert_int_equal(o.status, CA);

    /* IOC: part fills, the rest is canceled; the fill stays on record. */
    p.tif = KR_TIF_IOC;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    fill(&o, 30, 1000, 1002);
    apply(&o, KR_OEV_CANCEL, 1002);
    assert_int_equal(o.status, CA);
    assert_int_equal(o.filled_qty, 30);
    assert_int_equal(kr_order_leaves(&o), 0);
}

static void test_modify(void **state)
{
    (void)state;
    kr_order o, before;
    kr_instrument lots = inst;
    lots.lot_size = 10;
    kr_order_params p = limit_params();
    assert_int_equal(kr_order_init(&o, &p, &lots), KR_OK);
    kr_order_event ev = ev_of(KR_OEV_MODIFY, 1001);
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL); /* new */
    apply(&o, KR_OEV_SUBMIT, 1001);
    apply(&o, KR_OEV_ACCEPT, 1002);
    fill(&o, 40, 1000, 1003);
    memcpy(&before, &o, sizeof o);

    ev = ev_of(KR_OEV_MODIFY, 1004);
    ev.u.modify.qty = 40; /* not above the filled quantity */
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.modify.qty = 55; /* not a lot multiple */
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.modify.qty = -10;
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.modify.qty = 0;
    ev.u.modify.stop_px = 900; /* a limit order has no stop */
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    assert_memory_equal(&o, &before, sizeof o);

    ev.u.modify.stop_px = KR_PX_NONE;
    ev.u.modify.qty = 50;
    ev.u.modify.limit_px = 995;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_int_equal(o.status, PF);
    assert_int_equal(o.qty, 50);
    assert_int_equal(o.limit_px, 995);
    assert_int_equal(kr_order_leaves(&o), 10);

    ev.u.modify.qty = 0; /* keep the quantity, keep the limit */
    ev.u.modify.limit_px = KR_PX_NONE;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_int_equal(o.qty, 50);
    assert_int_equal(o.limit_px, 995);
    fill(&o, 10, 995, 1005);
    assert_int_equal(o.status, FI);

    /* A market order's terms have no prices to modify. */
    p.type = KR_ORDER_MARKET;
    p.limit_px = KR_PX_NONE;
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    apply(&o, KR_OEV_ACCEPT, 1002);
    ev = ev_of(KR_OEV_MODIFY, 1003);
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    ev.u.modify.limit_px = KR_PX_NONE;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_int_equal(o.qty, 200);
}

static void test_reject_reason_and_time(void **state)
{
    (void)state;
    kr_order o;
    kr_order_params p = limit_params();
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 1001);
    kr_order_event ev = ev_of(KR_OEV_REJECT, 1002);
    char longr[300];
    memset(longr, 'x', sizeof longr - 1);
    longr[sizeof longr - 1] = '\0';
    ev.u.reason = longr;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_int_equal(o.status, RE);
    assert_int_equal(strlen(o.reason), KR_ORDER_REASON_MAX - 1);
    assert_int_equal(o.reason[0], 'x');

    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_REJECT, 1000); /* by risk, before submission */
    assert_string_equal(o.reason, "no margin");

    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    ev = ev_of(KR_OEV_REJECT, 1000);
    ev.u.reason = NULL;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
    assert_string_equal(o.reason, "");

    /* Time does not run back: an event before the last is refused. */
    assert_int_equal(kr_order_init(&o, &p, &inst), KR_OK);
    apply(&o, KR_OEV_SUBMIT, 5000);
    ev = ev_of(KR_OEV_ACCEPT, 4999);
    assert_int_equal(kr_order_transition(&o, &ev), KR_EINVAL);
    assert_int_equal(o.status, SU);
    ev.ts = 5000;
    assert_int_equal(kr_order_transition(&o, &ev), KR_OK);
}

static void test_names_and_ids(void **state)
{
    (void)state;
    assert_string_equal(kr_order_status_name(PF), "partially_filled");
    assert_string_equal(kr_order_status_name(99), "unknown");
    assert_string_equal(kr_order_event_name(KR_OEV_MODIFY), "modify");
    assert_string_equal(kr_order_type_name(KR_ORDER_STOP_LIMIT),
                        "stop_limit");
    assert_string_equal(kr_tif_name(KR_TIF_FOK), "fok");
    assert_string_equal(kr_tif_name(-1), "unknown");

    kr_order_ids ids = {0};
    assert_int_equal(kr_order_ids_next(&ids), 1);
    assert_int_equal(kr_order_ids_next(&ids), 2);
    kr_order_ids_init(&ids, 1000);
    assert_int_equal(kr_order_ids_next(&ids), 1000);
    assert_int_equal(kr_order_ids_next(&ids), 1001);
}

static int setup(void **state)
{
    (void)state;
    return kr_instrument_init(&inst, 3, 2, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_docs_table),
        cmocka_unit_test(test_init_validation),
        cmocka_unit_test(test_partial_fills_avg_price),
        cmocka_unit_test(test_fok_and_cancel_remainder),
        cmocka_unit_test(test_modify),
        cmocka_unit_test(test_reject_reason_and_time),
        cmocka_unit_test(test_names_and_ids),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
