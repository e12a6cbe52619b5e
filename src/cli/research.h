/* research.h -- the research pipeline behind `kairos cv`, `kairos train`
 * and `kairos predict`: bars -> features -> labels -> a dataset of rows in
 * time order -> purged cross-validation with XGBoost -> out-of-sample
 * predictions stitched into backtest paths -> the paths backtested through
 * the engine -> the promotion gate -> the registry.
 */
#ifndef KR_CLI_RESEARCH_H
#define KR_CLI_RESEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/run.h"
#include "kairos/features.h"
#include "kairos/ml.h"
#include "kairos/validate.h"

/* The options of a research command (flags or a YAML file with the same
 * keys). */
typedef struct kr_research_opts {
    const char *cmd;
    char *data;          /* comma-separated bar files */
    char *features;      /* feature spec */
    char *label;         /* "triple:pt=2,sl=2,h=10,vol=20" | "horizon:h=5" */
    char *scheme;        /* "cpcv:groups=6,test=2" ... */
    char *embargo;       /* fraction, text */
    char *registry;      /* directory */
    char *out;           /* directory for cv results */
    char *model;         /* "rounds=200,depth=4,eta=0.05,..." */
    char *gate;          /* "min_sharpe=0.3,min_psr=0.9,max_drawdown=0.4" */
    double threshold;    /* long when P(up) > threshold (0.55) */
    bool shorts;         /* short when P(up) < 1 - threshold */
    bool promote;        /* train: promote when the gate passes */
    bool force;          /* train: promote even when the gate fails */
    char *parent;        /* train: parent version */
    char *thresholds;    /* cv: "0.5,0.55,0.6": PBO over these */
    char *stack;         /* cv: "depth=2;depth=6": a stacking ensemble */
} kr_research_opts;

void kr_research_opts_init(kr_research_opts *o, const char *cmd);
void kr_research_opts_free(kr_research_opts *o);
/* Parses argv (with --config FILE read first). Prints and returns
 * KR_EXIT_USAGE on error, -1 after --help, else 0. */
int kr_research_parse(kr_research_opts *o, int argc, char **argv,
                      const char *usage);

#endif
