/* quince: the command-line program. */
#include "app/app_cli.h"
#include "app/app_decode.h"
#include "app/app_run.h"
#include "base/qb_version.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf("quince %s\n", quince_version());
        return 0;
    }
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
    switch (o.cmd) {
    case APP_CMD_DEMO: return app_run_demo(&o);
    case APP_CMD_SERVER: return app_run_server(&o);
    case APP_CMD_CLIENT: return app_run_client(&o);
    case APP_CMD_GENCERT: return app_run_gencert(&o);
    case APP_CMD_DECODE: return app_decode_run(o.capture, o.keylog, o.json, stdout, stderr);
    default: break;
    }
    app_cli_usage(stderr, APP_CMD_NONE);
    return 2;
}
