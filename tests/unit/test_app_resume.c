/* quince client --session FILE: the ticket and token survive a round trip
 * through the file, which is created 0600; a foreign or damaged file is
 * ignored (a full handshake), never fatal. */
#include "common/tu.h"
#include "app/app_cli.h"
#include "app/app_resume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void tmp_path(char *out, size_t n)
{
    snprintf(out, n, "/tmp/quince-test-resume-%ld.sess", (long)getpid());
    unlink(out);
}

static void test_session_file_round_trip_is_0600(void **state)
{
    (void)state;
    char path[128];
    app_resume r, back;
    struct stat st;
    tmp_path(path, sizeof path);
    app_resume_load(&r, path); /* missing: no session */
    assert_null(r.sess);
    assert_null(r.tok);
    umask(022);
    app_resume_on_session(&r, (const uint8_t *)"ticket-bytes", 12);
    app_resume_on_token(&r, (const uint8_t *)"ntoken", 6);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    app_resume_load(&back, path);
    assert_int_equal(back.sess_len, 12);
    assert_memory_equal(back.sess, "ticket-bytes", 12);
    assert_int_equal(back.tok_len, 6);
    assert_memory_equal(back.tok, "ntoken", 6);
    /* a new ticket alone keeps the loaded token */
    app_resume_on_session(&back, (const uint8_t *)"ticket-2", 8);
    app_resume_free(&r);
    app_resume_load(&r, path);
    assert_int_equal(r.sess_len, 8);
    assert_int_equal(r.tok_len, 6);
    app_resume_free(&r);
    app_resume_free(&back);
    unlink(path);
}

static void test_foreign_session_file_is_ignored(void **state)
{
    (void)state;
    char path[128];
    app_resume r;
    tmp_path(path, sizeof path);
    FILE *f = fopen(path, "wb");
    fputs("QSES\x02 not ours", f); /* another version */
    fclose(f);
    app_resume_load(&r, path);
    assert_null(r.sess);
    assert_null(r.tok);
    app_resume_free(&r);
    f = fopen(path, "wb");
    static const uint8_t trunc[] = {'Q', 'S', 'E', 'S', 1, 0, 0, 0, 9, 'a', 'b', 'c'};
    fwrite(trunc, 1, sizeof trunc, f); /* a session of 9 bytes cut at 3 */
    fclose(f);
    app_resume_load(&r, path);
    assert_null(r.sess);
    app_resume_free(&r);
    unlink(path);
}

static void test_session_flag_is_a_client_option(void **state)
{
    (void)state;
    app_opts o;
    char *ok[] = {"quince", "client", "https://localhost:1/ping-pong", "--session", "s.bin", NULL};
    char *server[] = {"quince", "server", "--listen", "127.0.0.1:1", "--session", "s.bin", NULL};
    char *missing[] = {"quince", "client", "https://localhost:1/ping-pong", "--session", NULL};
    FILE *err = fopen("/dev/null", "w");
    assert_int_equal(app_cli_parse(5, ok, &o, err), 0);
    assert_string_equal(o.session, "s.bin");
    assert_int_equal(app_cli_parse(6, server, &o, err), 2);
    assert_int_equal(app_cli_parse(4, missing, &o, err), 2);
    fclose(err);
}

/* RFC 9114 §7.2.4.2: the server's SETTINGS for a 0-RTT request survive the
 * file with the ticket; a version 1 file (no SETTINGS) still loads. */
static void test_server_settings_kept_with_the_session(void **state)
{
    (void)state;
    char path[128];
    app_resume r, back;
    tmp_path(path, sizeof path);
    app_resume_load(&r, path);
    app_resume_on_session(&r, (const uint8_t *)"ticket", 6);
    app_resume_on_settings(&r, (const uint8_t *)"\x33\x01\x08\x01", 4);
    app_resume_load(&back, path);
    assert_int_equal(back.sess_len, 6);
    assert_int_equal(back.settings_len, 4);
    assert_memory_equal(back.settings, "\x33\x01\x08\x01", 4);
    app_resume_free(&back);
    app_resume_free(&r);
    FILE *f = fopen(path, "wb");
    static const uint8_t v1[] = {'Q', 'S', 'E', 'S', 1, 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0};
    fwrite(v1, 1, sizeof v1, f);
    fclose(f);
    app_resume_load(&back, path);
    assert_int_equal(back.sess_len, 2);
    assert_null(back.settings);
    app_resume_free(&back);
    unlink(path);
}

/* --0rtt is a client option that needs --session; --no-0rtt a server one. */
static void test_0rtt_flags(void **state)
{
    (void)state;
    app_opts o;
    char *ok[] = {"quince", "client", "https://localhost:1/ping-pong", "--session", "s.bin", "--0rtt", NULL};
    char *alone[] = {"quince", "client", "https://localhost:1/ping-pong", "--0rtt", NULL};
    char *srv[] = {"quince", "server", "--listen", "127.0.0.1:1", "--no-0rtt", NULL};
    char *srv_bad[] = {"quince", "server", "--listen", "127.0.0.1:1", "--0rtt", NULL};
    char *cl_bad[] = {"quince", "client", "https://localhost:1/ping-pong", "--no-0rtt", NULL};
    FILE *err = fopen("/dev/null", "w");
    assert_int_equal(app_cli_parse(6, ok, &o, err), 0);
    assert_true(o.early_data);
    assert_int_equal(app_cli_parse(4, alone, &o, err), 2);
    assert_int_equal(app_cli_parse(5, srv, &o, err), 0);
    assert_true(o.no_0rtt);
    assert_int_equal(app_cli_parse(5, srv_bad, &o, err), 2);
    assert_int_equal(app_cli_parse(4, cl_bad, &o, err), 2);
    fclose(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_file_round_trip_is_0600),
        cmocka_unit_test(test_foreign_session_file_is_ignored),
        cmocka_unit_test(test_session_flag_is_a_client_option),
        cmocka_unit_test(test_server_settings_kept_with_the_session),
        cmocka_unit_test(test_0rtt_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
