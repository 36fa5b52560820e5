/* quince: the command-line program. */
#include "app/app_cli.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    app_opts o;
    int rc = app_cli_parse(argc, argv, &o, stderr);
    if (rc != 0)
        return rc;
    if (o.cmd == APP_CMD_HELP) {
        app_cli_usage(stdout, APP_CMD_NONE);
        return 0;
    }
    if (o.help) {
        app_cli_usage(stdout, o.cmd);
        return 0;
    }
    /* The commands arrive with the layers they need (README: Status). */
    fprintf(stderr, "quince: '%s' is not available yet: the QUIC connection is being built\n",
            argv[1]);
    return 1;
}
