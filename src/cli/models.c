/* models.c -- `kairos models list|show|promote|rollback|add`: the model
 * registry from the command line.
 *
 * Five commands of the "models" group over one registry directory
 * (--registry DIR, see docs/registry.md): list the kept versions with the
 * live and previous ones marked, show one version's meta, promote a version
 * to live, roll back to the previous live version, and add a model file as
 * a new version. They share one option parser; each accepts only the
 * options that mean something to it. Everything is done by the library
 * (include/kairos/ml.h); a refused promote or add prints the library's
 * error, naming the file, and leaves the registry as it was. Model kinds
 * are looked up by name in the table below (today only "xgboost").
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kairos/ml.h"

/* The model kinds `models add --kind` accepts. */
static const kr_model_kind *const kinds[] = {&kr_model_kind_xgb};
#define NKINDS (sizeof kinds / sizeof kinds[0])

#define KEEP_DEFAULT 10

enum {
    O_REGISTRY = 1 << 0,
    O_JSON = 1 << 1,
    O_KIND = 1 << 2,
    O_PARENT = 1 << 3,
    O_FEATURES = 1 << 4,
    O_DATA_HASH = 1 << 5,
    O_KEEP = 1 << 6,
    O_METRIC = 1 << 7,
    O_GATE = 1 << 8,
};

static const struct option long_opts[] = {
    {"registry", required_argument, NULL, O_REGISTRY},
    {"json", no_argument, NULL, O_JSON},
    {"kind", required_argument, NULL, O_KIND},
    {"parent", required_argument, NULL, O_PARENT},
    {"features", required_argument, NULL, O_FEATURES},
    {"data-hash", required_argument, NULL, O_DATA_HASH},
    {"keep", required_argument, NULL, O_KEEP},
    {"metric", required_argument, NULL, O_METRIC},
    {"gate-passed", no_argument, NULL, O_GATE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct opts {
    const char *cmd;      /* "models add" */
    const char *registry;
    const char *kind;
    const char *arg;      /* the one positional argument, if any */
    int json;
    int64_t keep;
    kr_model_meta meta;   /* parent, features, data_hash, metrics, gate */
} opts;

static const char *usage_list =
    "usage: kairos models list --registry DIR [--json]\n\n"
    "Lists the versions kept in a model registry, oldest first: version,\n"
    "state (live, previous or blank), kind, created, parent, whether the\n"
    "promotion gate passed, and the recorded metrics.\n\n"
    "options:\n"
    "  --registry DIR  the registry directory\n"
    "  --json          a JSON array of the versions' meta on stdout\n"
    "  -h, --help      this help\n";
static const char *usage_show =
    "usage: kairos models show VERSION --registry DIR [--json]\n\n"
    "Shows what a version records: kind, parent, creation time, training\n"
    "data hash, feature spec, gate and metrics.\n\n"
    "options:\n"
    "  --registry DIR  the registry directory\n"
    "  --json          the meta as one JSON object\n"
    "  -h, --help      this help\n";
static const char *usage_promote =
    "usage: kairos models promote VERSION --registry DIR\n\n"
    "Makes VERSION live; the live version becomes the previous one. The\n"
    "version's model must load, else nothing changes and the error names\n"
    "the file. Running predictors switch on their next refresh.\n\n"
    "options:\n"
    "  --registry DIR  the registry directory\n"
    "  -h, --help      this help\n";
static const char *usage_rollback =
    "usage: kairos models rollback --registry DIR\n\n"
    "Makes the previous live version live again (the two swap). Fails,\n"
    "changing nothing, when there is no previous version or its model does\n"
    "not load.\n\n"
    "options:\n"
    "  --registry DIR  the registry directory\n"
    "  -h, --help      this help\n";
static const char *usage_add =
    "usage: kairos models add FILE --kind xgboost --registry DIR\n"
    "                         [--parent V] [--features SPEC] [--data-hash H]\n"
    "                         [--metric NAME=VALUE]... [--gate-passed]\n"
    "                         [--keep N]\n\n"
    "Copies a model file into the registry as a new version and prints the\n"
    "version. The model is loaded first: a file that does not load is\n"
    "refused and nothing is added. The oldest versions beyond the last N\n"
    "are removed, never the live or the previous one.\n\n"
    "options:\n"
    "  --registry DIR      the registry directory (created if missing)\n"
    "  --kind xgboost      the model kind (an XGBoost JSON model)\n"
    "  --parent V          the version this model was retrained from\n"
    "  --features SPEC     the feature spec it was trained on\n"
    "  --data-hash H       SHA-256 (64 hex digits) of the training data\n"
    "  --metric NAME=VAL   a metric to record (up to 8; repeatable)\n"
    "  --gate-passed       record that the promotion gate passed\n"
    "  --keep N            versions kept besides live and previous [10]\n"
    "  -h, --help          this help\n";

/* Parses argv for `cmd`, accepting the options in `allowed` and `npos`
 * positional arguments (0 or 1). Returns -1 when the command should run,
 * else an exit status (help printed, or an error). */
static int parse(int argc, char **argv, const char *cmd, const char *usage,
                 unsigned allowed, int npos, opts *o)
{
    char q[96];
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->keep = KEEP_DEFAULT;
    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", long_opts, NULL);
        if (c == -1)
            break;
        const char *a = optarg;
        if (c == 'h') {
            fputs(usage, stdout);
            return KR_EXIT_OK;
        }
        if (c == ':')
            return kr_cli_fail("%s: option %s needs a value (try 'kairos %s "
                               "--help')",
                               cmd, kr_cli_bad_option(argv, c, q, sizeof q),
                               cmd);
        if (c == '?')
            return kr_cli_fail("%s: unknown option '%s' (try 'kairos %s "
                               "--help')",
                               cmd, kr_cli_bad_option(argv, c, q, sizeof q),
                               cmd);
        if (!((unsigned)c & allowed)) {
            const char *name = "?";
            for (const struct option *lo = long_opts; lo->name; lo++)
                if (lo->val == c)
                    name = lo->name;
            return kr_cli_fail("%s: option --%s does not apply (try 'kairos "
                               "%s --help')",
                               cmd, name, cmd);
        }
        size_t len = a ? strlen(a) : 0;
        switch (c) {
        case O_REGISTRY:
            o->registry = a;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_KIND:
            o->kind = a;
            break;
        case O_KEEP:
            if (!kr_cli_int(cmd, "keep", a, 2, 1000000, &o->keep))
                return KR_EXIT_USAGE;
            break;
        case O_GATE:
            o->meta.gate_passed = 1;
            break;
        case O_PARENT:
            if (len >= sizeof o->meta.parent)
                return kr_cli_fail("%s: option --parent: expected a version "
                                   "such as v0001, got '%s'",
                                   cmd, kr_escape(a, len, q, sizeof q));
            memcpy(o->meta.parent, a, len + 1);
            break;
        case O_FEATURES:
            if (len >= sizeof o->meta.features)
                return kr_cli_fail("%s: option --features: longer than %zu "
                                   "bytes",
                                   cmd, sizeof o->meta.features - 1);
            memcpy(o->meta.features, a, len + 1);
            break;
        case O_DATA_HASH:
            if (len >= sizeof o->meta.data_hash)
                return kr_cli_fail("%s: option --data-hash: expected 64 hex "
                                   "digits, got '%s'",
                                   cmd, kr_escape(a, len, q, sizeof q));
            memcpy(o->meta.data_hash, a, len + 1);
            break;
        case O_METRIC: {
            const char *eq = strchr(a, '=');
            size_t n = o->meta.nmetrics;
            if (!eq || eq == a || (size_t)(eq - a) >= 32)
                return kr_cli_fail("%s: option --metric: expected NAME=VALUE "
                                   "with a name of 1 to 31 bytes, got '%s'",
                                   cmd, kr_escape(a, len, q, sizeof q));
            if (n == 8)
                return kr_cli_fail("%s: option --metric: at most 8 metrics",
                                   cmd);
            if (!kr_cli_double(cmd, "metric", eq + 1, -HUGE_VAL, HUGE_VAL,
                               &o->meta.metrics[n]))
                return KR_EXIT_USAGE;
            memcpy(o->meta.metric_names[n], a, (size_t)(eq - a));
            o->meta.metric_names[n][eq - a] = '\0';
            o->meta.nmetrics = n + 1;
            break;
        }
        default:
            return kr_cli_fail("%s: unknown option", cmd);
        }
    }
    int left = argc - optind;
    if (left > npos)
        return kr_cli_fail("%s: unexpected argument '%s' (try 'kairos %s "
                           "--help')",
                           cmd,
                           kr_escape(argv[optind + npos],
                                     strlen(argv[optind + npos]), q, sizeof q),
                           cmd);
    if (left < npos)
        return kr_cli_fail("%s: missing %s (try 'kairos %s --help')", cmd,
                           !strcmp(cmd, "models add") ? "the model FILE"
                                                      : "the VERSION",
                           cmd);
    if (npos)
        o->arg = argv[optind];
    if (!o->registry)
        return kr_cli_fail("%s: option --registry DIR is required", cmd);
    return -1;
}

static int open_registry(const opts *o, kr_registry **r)
{
    kr_error err;
    kr_error_clear(&err);
    if (kr_registry_open(o->registry, (size_t)o->keep, r, &err) != KR_OK)
        return kr_cli_fail_error(&err);
    return -1;
}

/* "live", "previous" or "" for a version. */
static const char *state_of(const char *version, const char *live,
                            const char *prev)
{
    if (live[0] && !strcmp(version, live))
        return "live";
    if (prev[0] && !strcmp(version, prev))
        return "previous";
    return "";
}

/* The PREVIOUS pointer has no library getter (promote and rollback keep
 * it); reading the one-line file is enough for display. */
static void read_previous(const char *root, char *buf, size_t size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/PREVIOUS", root);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(buf, (int)size, f))
        buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

static json_t *meta_json(const kr_model_meta *m, const char *state)
{
    char iso[40];
    kr_time_format(m->created, KR_TIME_ISO, iso, sizeof iso);
    json_t *metrics = json_object();
    for (size_t i = 0; metrics && i < m->nmetrics; i++)
        json_object_set_new(metrics, m->metric_names[i],
                            json_real(m->metrics[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b}",
                     "version", m->version, "state", state, "kind", m->kind,
                     "parent", m->parent, "created", iso, "data_hash",
                     m->data_hash, "features", m->features, "metrics",
                     metrics, "gate_passed", m->gate_passed != 0);
}

static int print_json(json_t *j)
{
    int bad = !j || json_dumpf(j, stdout,
                               JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(j);
    if (bad)
        return kr_cli_fail("models: cannot write JSON");
    putchar('\n');
    return KR_EXIT_OK;
}

int kr_cmd_models_list(int argc, char **argv)
{
    opts o;
    kr_registry *r;
    int rc = parse(argc, argv, "models list", usage_list,
                   O_REGISTRY | O_JSON, 0, &o);
    if (rc >= 0 || (rc = open_registry(&o, &r)) >= 0)
        return rc;
    char live[32] = "", prev[32];
    kr_registry_live(r, live, sizeof live);
    read_previous(o.registry, prev, sizeof prev);
    size_t n = kr_registry_list(r, NULL, 0);
    kr_model_meta *m = n ? calloc(n, sizeof *m) : NULL;
    if (n && !m) {
        kr_registry_close(r);
        return kr_cli_fail("models list: out of memory");
    }
    n = kr_registry_list(r, m, n);
    if (o.json) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
            json_array_append_new(
                a, meta_json(&m[i], state_of(m[i].version, live, prev)));
        rc = print_json(a);
    } else {
        if (!n)
            printf("no model versions in %s\n", o.registry);
        else
            printf("%-8s %-8s %-10s %-20s %-8s %-4s %s\n", "VERSION",
                   "STATE", "KIND", "CREATED", "PARENT", "GATE", "METRICS");
        for (size_t i = 0; i < n; i++) {
            char iso[40];
            kr_time_format(m[i].created, KR_TIME_ISO, iso, sizeof iso);
            iso[19] = iso[19] ? 'Z' : '\0'; /* to the second */
            iso[20] = '\0';
            char line[512];
            size_t len = (size_t)snprintf(
                line, sizeof line, "%-8s %-8s %-10s %-20s %-8s %-4s",
                m[i].version, state_of(m[i].version, live, prev), m[i].kind,
                iso, m[i].parent[0] ? m[i].parent : "-",
                m[i].gate_passed ? "yes" : "no");
            for (size_t k = 0; k < m[i].nmetrics && len < sizeof line; k++)
                len += (size_t)snprintf(line + len, sizeof line - len,
                                        " %s=%g", m[i].metric_names[k],
                                        m[i].metrics[k]);
            if (len >= sizeof line)
                len = sizeof line - 1;
            while (len && line[len - 1] == ' ')
                len--;
            printf("%.*s\n", (int)len, line);
        }
        rc = KR_EXIT_OK;
    }
    free(m);
    kr_registry_close(r);
    return rc;
}

int kr_cmd_models_show(int argc, char **argv)
{
    opts o;
    kr_registry *r;
    int rc = parse(argc, argv, "models show", usage_show,
                   O_REGISTRY | O_JSON, 1, &o);
    if (rc >= 0 || (rc = open_registry(&o, &r)) >= 0)
        return rc;
    kr_model_meta m;
    kr_error err;
    kr_error_clear(&err);
    if (kr_registry_meta(r, o.arg, &m, &err) != KR_OK) {
        kr_registry_close(r);
        return kr_cli_fail_error(&err);
    }
    char live[32] = "", prev[32];
    kr_registry_live(r, live, sizeof live);
    read_previous(o.registry, prev, sizeof prev);
    const char *state = state_of(m.version, live, prev);
    if (o.json) {
        rc = print_json(meta_json(&m, state));
    } else {
        char iso[40];
        kr_time_format(m.created, KR_TIME_ISO, iso, sizeof iso);
        printf("version    %s\nstate      %s\nkind       %s\nparent     %s\n"
               "created    %s\ndata_hash  %s\nfeatures   %s\ngate       %s\n",
               m.version, state[0] ? state : "kept", m.kind,
               m.parent[0] ? m.parent : "-", iso,
               m.data_hash[0] ? m.data_hash : "-",
               m.features[0] ? m.features : "-",
               m.gate_passed ? "passed" : "not passed");
        for (size_t k = 0; k < m.nmetrics; k++)
            printf("metric     %s = %.17g\n", m.metric_names[k], m.metrics[k]);
        rc = KR_EXIT_OK;
    }
    kr_registry_close(r);
    return rc;
}

/* Prints the pointers after a promote or rollback. */
static void print_pointers(const opts *o, kr_registry *r)
{
    char live[32] = "", prev[32];
    kr_registry_live(r, live, sizeof live);
    read_previous(o->registry, prev, sizeof prev);
    printf("live %s, previous %s\n", live, prev[0] ? prev : "-");
}

int kr_cmd_models_promote(int argc, char **argv)
{
    opts o;
    kr_registry *r;
    int rc = parse(argc, argv, "models promote", usage_promote, O_REGISTRY, 1,
                   &o);
    if (rc >= 0 || (rc = open_registry(&o, &r)) >= 0)
        return rc;
    kr_error err;
    kr_error_clear(&err);
    if (kr_registry_promote(r, o.arg, &err) != KR_OK)
        rc = kr_cli_fail_error(&err);
    else {
        print_pointers(&o, r);
        rc = KR_EXIT_OK;
    }
    kr_registry_close(r);
    return rc;
}

int kr_cmd_models_rollback(int argc, char **argv)
{
    opts o;
    kr_registry *r;
    int rc = parse(argc, argv, "models rollback", usage_rollback, O_REGISTRY,
                   0, &o);
    if (rc >= 0 || (rc = open_registry(&o, &r)) >= 0)
        return rc;
    kr_error err;
    kr_error_clear(&err);
    if (kr_registry_rollback(r, &err) != KR_OK)
        rc = kr_cli_fail_error(&err);
    else {
        print_pointers(&o, r);
        rc = KR_EXIT_OK;
    }
    kr_registry_close(r);
    return rc;
}

int kr_cmd_models_add(int argc, char **argv)
{
    opts o;
    kr_registry *r;
    char q[96];
    int rc = parse(argc, argv, "models add", usage_add,
                   O_REGISTRY | O_KIND | O_PARENT | O_FEATURES | O_DATA_HASH |
                       O_KEEP | O_METRIC | O_GATE,
                   1, &o);
    if (rc >= 0)
        return rc;
    if (!o.kind)
        return kr_cli_fail("models add: option --kind is required (xgboost)");
    const kr_model_kind *kind = NULL;
    for (size_t i = 0; i < NKINDS; i++)
        if (!strcmp(kinds[i]->name, o.kind))
            kind = kinds[i];
    if (!kind)
        return kr_cli_fail("models add: option --kind: expected xgboost, got "
                           "'%s'",
                           kr_escape(o.kind, strlen(o.kind), q, sizeof q));
    if ((rc = open_registry(&o, &r)) >= 0)
        return rc;
    kr_error err;
    kr_error_clear(&err);
    if (kr_registry_add(r, kind, o.arg, &o.meta, &err) != KR_OK)
        rc = kr_cli_fail_error(&err);
    else {
        puts(o.meta.version);
        rc = KR_EXIT_OK;
    }
    kr_registry_close(r);
    return rc;
}
