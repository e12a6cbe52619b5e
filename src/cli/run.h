/* run.h -- what `kairos backtest` and `kairos sweep` share: their options
 * (from the command line and from a YAML run file, with the same names),
 * loading the data files into a backtest input, and the progress bar.
 */
#ifndef KR_CLI_RUN_H
#define KR_CLI_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "kairos/data.h"
#include "kairos/engine.h"
#include "kairos/risk.h"

/* The options of one run. Strings are owned copies. */
typedef struct kr_run_opts {
    const char *cmd;       /* "backtest" or "sweep", for messages */
    char *data;            /* comma-separated files */
    char *strategy;        /* the spec, "sma_cross:fast=50,slow=200" */
    char *out;             /* output directory (backtest, sweep --report) */
    char *grid;            /* sweep: "fast=10:50:5,slow=100:300:25" */
    char *registry;        /* the model strategy's registry */
    char *csv;             /* sweep: the results file */
    char *commission;      /* specs as given, for the report */
    char *slippage;
    int jobs;              /* sweep: threads, 0 = every core */
    kr_backtest_config cfg;
    kr_sizing sizing;
    char *size;            /* the --size spec as given */
    double lot;            /* 0 = fractional */
    int price_precision;   /* decimals of prices (6) */
    int size_precision;    /* decimals of quantities: 6, or the lot's */
    bool size_precision_set;
    bool progress;         /* a progress bar on a terminal */
    /* A strategy given as a YAML mapping (strategy.name, strategy.KEY). */
    char *strat_name;
    char *strat_params;
} kr_run_opts;

void kr_run_opts_init(kr_run_opts *o, const char *cmd);
void kr_run_opts_free(kr_run_opts *o);

/* kr_run_parse parses argv (argv[0] the command name): --config FILE is
 * read first, its keys applied as options, then the command line's options
 * override them. On --help prints `usage` and returns -1; on an error
 * prints one line naming the option (and for the YAML file, the file, line
 * and column) and returns KR_EXIT_USAGE; else 0. */
int kr_run_parse(kr_run_opts *o, int argc, char **argv, const char *usage);

/* The data of a run, loaded from the files of --data. */
typedef struct kr_run_data {
    kr_dataset *ds;
    size_t nds;
    kr_bars *bars;          /* shallow copies of the datasets' series */
    kr_instrument *inst;
    const char **names;
    size_t n;
    kr_backtest_input in;
} kr_run_data;

/* Loads, cleans (sorts, drops repeated timestamps) and checks the data
 * files. Prints the error and returns KR_EXIT_USAGE on failure, else 0. */
int kr_run_load(const kr_run_opts *o, kr_run_data *d);
void kr_run_data_free(kr_run_data *d);

/* A progress bar on stderr for runs longer than a second, when stderr is a
 * terminal: kr_backtest_config.progress with a kr_progress as user. */
typedef struct kr_progress {
    double start;      /* monotonic seconds */
    double last;
    bool shown;
    uint64_t total;    /* units of work (bars) */
    const char *label;
} kr_progress;

void kr_progress_start(kr_progress *p, uint64_t total, const char *label);
void kr_progress_update(void *user, double done);
void kr_progress_end(kr_progress *p);
double kr_now_seconds(void);

/* "key=value" strings describing the run for reports; *n entries, owned
 * (free with kr_run_settings_free). */
char **kr_run_settings(const kr_run_opts *o, const kr_run_data *d, size_t *n);
void kr_run_settings_free(char **s, size_t n);

#endif
