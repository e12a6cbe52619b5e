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
    X(backtest, "backtest", "",                                                \
      "--data FILE[,...] --strategy SPEC --out DIR [--config run.yaml]",       \
      "a strategy on the simulated exchange: metrics, trades, HTML report")    \
    X(sweep, "sweep", "",                                                      \
      "--data FILE --strategy NAME --grid K=A:B:S,... --out FILE.csv",         \
      "a parameter grid on every core; the best run's deflated Sharpe")        \
    X(strategies, "strategies", "", "[--markdown]",                            \
      "the built-in strategies, their parameters and defaults")

#define KR_CMD_DECLARE(id, group, name, synopsis, summary)                     \
    int kr_cmd_##id(int argc, char **argv);
KR_COMMANDS(KR_CMD_DECLARE)
#undef KR_CMD_DECLARE

#endif
