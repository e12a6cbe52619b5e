/* data_adjust.c -- placeholder until the command lands (being written now). */
#include "cli/cli.h"
#include "cli/commands.h"
int kr_cmd_data_adjust(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return kr_cli_fail("not built yet");
}
