/* Log lines in the style of Go's log/slog text output that the blog shows:
 *   2025/07/08 22:59:35 INFO client: received datagram value=0
 * One line per event, on stderr, so a person and a test can read them alike. */
#ifndef APP_LOG_H
#define APP_LOG_H

#include <stdio.h>

typedef enum app_log_level {
    APP_LOG_DEBUG = 0,
    APP_LOG_INFO = 1,
    APP_LOG_WARN = 2,
    APP_LOG_ERROR = 3,
} app_log_level;

/* Lines below this level are not printed (default INFO; -v sets DEBUG). */
void app_log_set_level(app_log_level min);
void app_log_set_stream(FILE *f);
void app_log(app_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define app_info(...) app_log(APP_LOG_INFO, __VA_ARGS__)
#define app_warn(...) app_log(APP_LOG_WARN, __VA_ARGS__)
#define app_error(...) app_log(APP_LOG_ERROR, __VA_ARGS__)
#define app_debug(...) app_log(APP_LOG_DEBUG, __VA_ARGS__)

#endif
