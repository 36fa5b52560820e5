/* quince: the command-line program. The subcommands arrive with the layers
 * they need; for now it explains itself. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: quince <command> [options]\n"
            "\n"
            "commands (being built; see README.md):\n"
            "  demo      the HTTP/3 datagram ping-pong, server and client in one process\n"
            "  server    serve /ping-pong over HTTP/3 with datagrams\n"
            "  client    run the ping-pong against a server\n"
            "  gencert   write a self-signed certificate and key\n"
            "\n"
            "  --help    this text\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "quince: command '%s' is not available yet\n", argv[1]);
    usage(stderr);
    return 2;
}
