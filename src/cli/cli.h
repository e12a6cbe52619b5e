/* cli.h -- helpers shared by the kairos subcommands: exit codes, printing
 * errors, and parsing numeric option values with a clear message.
 */
#ifndef KR_CLI_H
#define KR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kairos/core.h"

enum { KR_EXIT_OK = 0, KR_EXIT_FINDINGS = 1, KR_EXIT_USAGE = 2 };

/* Prints "kairos: <msg>" on stderr; returns KR_EXIT_USAGE. */
int kr_cli_fail(const char *fmt, ...) KR_PRINTF(1, 2);
/* Prints a kr_error as one line "kairos: file:line:col: ..."; returns 2. */
int kr_cli_fail_error(const kr_error *e);

/* Parse option values; on failure print "kairos: CMD: option --opt: ..." and
 * return false. */
bool kr_cli_double(const char *cmd, const char *opt, const char *s,
                   double lo, double hi, double *out);
bool kr_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo,
                int64_t hi, int64_t *out);

/* The option getopt_long (with opterr = 0) just rejected, quoted for a
 * message: "-x" for an unknown short option, else the argument as given. */
const char *kr_cli_bad_option(char **argv, int c, char *buf, size_t size);

/* A writer of a command's output: writes to f and returns KR_OK, KR_EIO
 * when writing failed, or another code after printing its own error. */
typedef int (*kr_cli_writer)(FILE *f, void *user);

/* kr_cli_write_output runs `fn` on stdout when path is NULL or "-", else
 * on PATH.tmp.PID, renamed to path only when complete, so a failed run
 * never leaves a truncated or clobbered file. Prints I/O errors naming the
 * file (fn prints its own); returns an exit status. */
int kr_cli_write_output(const char *cmd, const char *path, kr_cli_writer fn,
                        void *user);

/* kr_cli_write_bars writes series as CSV (kr_csv_write_bars) to `path`, or
 * stdout when path is NULL or "-". A file is written to PATH.tmp.PID and
 * renamed into place when complete, so a failed run never leaves half a
 * file. Errors are printed with the command name; returns an exit status. */
struct kr_bars;
struct kr_symtab;
int kr_cli_write_bars(const char *cmd, const char *path,
                      const struct kr_bars *const *series, size_t n,
                      const struct kr_symtab *symbols);

/* Logs at warn level, once, how many rows a command dropped as repeated
 * timestamps (kr_bars_clean) and skipped as unparsable; silent when none. */
void kr_cli_warn_dropped(const char *cmd, const char *path, size_t dropped,
                         size_t unparsable);

/* kr_cli_load_series loads the bar file at `path` for command `cmd`, keeps
 * the series of `symbol` (every series when NULL), puts each in time order
 * without repeated timestamps (kr_bars_clean) and warns once of what was
 * dropped. On success *ds holds the file (kr_dataset_free) and *series
 * (free()) its *nser kept series. On error it prints one line naming the
 * file (or the symbol), leaves nothing to free and returns KR_EXIT_USAGE. */
struct kr_dataset;
int kr_cli_load_series(const char *cmd, const char *path, const char *symbol,
                       struct kr_dataset *ds, struct kr_bars ***series,
                       size_t *nser);

/* Writes s as one CSV field, quoted (with doubled quotes) when it holds a
 * comma, a quote or a line break. */
void kr_cli_csv_field(FILE *f, const char *s);

/* True when stdout is a terminal (colour, progress). */
bool kr_cli_stdout_tty(void);

#endif
