/* cli.h -- helpers shared by the kairos subcommands: exit codes, printing
 * errors, and parsing numeric option values with a clear message.
 */
#ifndef KR_CLI_H
#define KR_CLI_H

#include <stdbool.h>
#include <stdint.h>

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

/* True when stdout is a terminal (colour, progress). */
bool kr_cli_stdout_tty(void);

#endif
