/* commands.h -- the one table of kairos subcommands.
 *
 * main.c builds dispatch, `kairos --help` and the per-group help from this
 * list; each command lives in src/cli/<group>_<name>.c as kr_cmd_<id>(argc,
 * argv), where argv[0] is the command name and the rest its arguments. A
 * command prints its own detailed --help. Exit codes: 0 success, 1 the command
 * ran and found a problem (e.g. high-severity data findings), 2 usage or I/O
 * error.
 *
 * X(id, group, name, synopsis, summary)
 */
#ifndef KR_CLI_COMMANDS_H
#define KR_CLI_COMMANDS_H

#define KR_COMMANDS(X)                                                         \
    X(data_info, "data", "info", "FILE...",                                    \
      "symbols, rows, date range, frequency and layout of data files")         \
    X(data_validate, "data", "validate",                                       \
      "FILE... [--json] [--calendar equity|crypto|fx] [--jump 0.2]",           \
      "data-quality report; exits 1 on any high or critical finding")          \
    X(data_synth, "data", "synth",                                             \
      "[--symbols N] [--rows N] [--interval 1d] [--seed N] [-o FILE]",         \
      "reproducible synthetic OHLCV: GBM, stochastic volatility, jumps")       \
    X(data_resample, "data", "resample", "FILE --to INTERVAL [-o FILE]",       \
      "aggregate bars to a coarser interval (5m, 1h, 1d, 1w, 1M)")             \
    X(data_adjust, "data", "adjust", "FILE [--actions FILE] [-o FILE]",        \
      "split and dividend adjustment from adj close or an actions file")       \
    X(ta, "ta", "", "FILE --ind NAME[:P1,...] [--ind ...] [-o FILE] | --list", \
      "technical indicators over a bar file, TA-Lib compatible; --list")    \
    X(features, "features", "",                                                \
      "FILE --set SPEC [-o FILE] | check FILE --set SPEC | --list",            \
      "feature sets over bars; 'check' proves no feature looks ahead")         \
    X(label, "label", "",                                                      \
      "FILE --triple-barrier pt=2,sl=2,h=10,vol=20 | --horizon h=5 [-o FILE]", \
      "triple-barrier or fixed-horizon labels with uniqueness weights")        \
    X(backtest, "backtest", "",                                                \
      "--data FILE[,...] --strategy SPEC --out DIR [--config run.yaml]",       \
      "a strategy on the simulated exchange: metrics, trades, HTML report")    \
    X(sweep, "sweep", "",                                                      \
      "--data FILE --strategy NAME --grid K=A:B:S,... --out FILE.csv",         \
      "a parameter grid on every core; the best run's deflated Sharpe")        \
    X(strategies, "strategies", "", "[--markdown]",                            \
      "the built-in strategies, their parameters and defaults")                \
    X(cv, "cv", "", "--data FILE --features SPEC [--scheme cpcv:groups=6,test=2]",\
      "purged cross-validation of an XGBoost model, paths backtested")         \
    X(train, "train", "", "--config model.yaml | --data FILE --features SPEC --registry DIR",\
      "cross-validate, gate, fit and register a model (--promote)")            \
    X(predict, "predict", "", "--registry DIR --data FILE [--out FILE]",       \
      "predictions of the registry's live model")                              \
    X(drift, "drift", "",                                                      \
      "--ref FILE --cur FILE [--features A,B] [--psi X] [--ks-p X] [--json]",  \
      "feature drift (PSI, KS, JSD) and retraining triggers; 1 = retrain")    \
    X(models_list, "models", "list", "--registry DIR [--json]",                \
      "the versions in a model registry; live and previous marked")            \
    X(models_show, "models", "show", "VERSION --registry DIR [--json]",        \
      "what one model version records: kind, parent, data, metrics")           \
    X(models_promote, "models", "promote", "VERSION --registry DIR",           \
      "make a version live if its model loads; the old one is previous")       \
    X(models_rollback, "models", "rollback", "--registry DIR",                 \
      "make the previous live version live again (the two swap)")              \
    X(models_add, "models", "add",                                             \
      "FILE --kind xgboost --registry DIR [--parent V] [--features SPEC]",     \
      "add a model file as a new version (refused if it does not load)")

#define KR_CMD_DECLARE(id, group, name, synopsis, summary)                     \
    int kr_cmd_##id(int argc, char **argv);
KR_COMMANDS(KR_CMD_DECLARE)
#undef KR_CMD_DECLARE

#endif
