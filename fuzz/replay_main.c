/* Replays a fuzz target without libFuzzer: every file of the directories (or
 * the files) named on the command line goes through LLVMFuzzerTestOneInput
 * once, in name order, each in a buffer of exactly its size so that a
 * sanitizer build sees any read past the end. Built with any C compiler, so
 * CTest runs the corpora and the crash regressions on every build
 * (fuzz/replay.cmake). A target's checks abort(); a clean run exits 0.
 *
 *   replay [--need] DIR|FILE...   --need: the next argument must exist and
 *                                 hold at least one input (the corpus). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    /* The input alone in its own allocation, as libFuzzer hands it over. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    if (getenv("REPLAY_VERBOSE"))
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, or -1 (missing when need is set, or I/O). */
static long run_path(const char *path, int need)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (need)
            fprintf(stderr, "replay: %s does not exist\n", path);
        return need ? -1 : 0;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path) == 0 ? 1 : -1;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0)
            continue; /* ., .., .gitkeep, and a folder's own note */
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                abort();
            names = nn;
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        if (!(names[count] = malloc(l)))
            abort();
        snprintf(names[count++], l, "%s/%s", path, e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, cmp_names);
    long ran = 0;
    for (size_t i = 0; i < count; i++) {
        if (ran >= 0 && run_file(names[i]) == 0)
            ran++;
        else
            ran = -1;
        free(names[i]);
    }
    free(names);
    if (need && ran == 0) {
        fprintf(stderr, "replay: %s holds no input\n", path);
        return -1;
    }
    return ran;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    int need = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--need") == 0) {
            need = 1;
            continue;
        }
        long n = run_path(argv[i], need);
        need = 0;
        if (n < 0)
            return 1;
        printf("replay: %ld inputs from %s\n", n, argv[i]);
        total += n;
    }
    printf("replay: %ld inputs ran clean\n", total);
    return 0;
}
