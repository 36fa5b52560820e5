/* Log lines in Go's log/slog default text format (see app_log.h). The app is
 * the only layer that prints; the core hands it strings through its log hook. */
#include "app/app_log.h"

#include <stdarg.h>
#include <time.h>

/* The program's own settings: the app layer owns its process, unlike the core. */
static app_log_level g_min = APP_LOG_INFO;
static FILE *g_out;

void app_log_set_level(app_log_level min) { g_min = min; }
void app_log_set_stream(FILE *f) { g_out = f; }

void app_log(app_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (level < g_min)
        return;
    FILE *out = g_out ? g_out : stderr;
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &tm);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line so lines from two threads never interleave mid-line. */
    fprintf(out, "%s %s %s\n", stamp, names[level], line);
    fflush(out);
}
