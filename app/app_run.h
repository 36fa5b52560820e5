/* The quince commands: each returns the process exit code (0 success,
 * 1 protocol or peer failure, 2 usage). */
#ifndef APP_RUN_H
#define APP_RUN_H

#include "app/app_cli.h"

int app_run_server(const app_opts *o);
int app_run_client(const app_opts *o);
int app_run_demo(const app_opts *o);
int app_run_gencert(const app_opts *o);
/* What SIGINT and SIGTERM do (async-signal-safe): the running loop closes its
 * connections with H3_NO_ERROR, logs "interrupted" and returns (server 0,
 * client and demo 1). */
void app_run_stop(void);

#endif
