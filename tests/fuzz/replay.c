/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A plain main() for a harness of tests/fuzz, for CI without clang: runs
 * LLVMFuzzerTestOneInput once on every file given, and on every file in
 * every folder given (a corpus), no fuzzing. A broken promise aborts, and
 * the sanitizers of the build report what they see, as under libFuzzer.
 * A folder that does not exist is skipped (a harness without regression
 * inputs yet). Prints how many inputs it ran. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len = 0;

    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    fclose(f);
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int inputs = 0, bad = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        if (!S_ISDIR(st.st_mode)) {
            bad |= run_file(argv[i]) != 0;
            inputs++;
            continue;
        }
        {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char **names = NULL;
            size_t n = 0;
            if (!d)
                continue;
            while ((e = readdir(d)) != NULL) {
                char path[4096];
                char **grown;
                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                    continue;
                grown = realloc(names, (n + 1) * sizeof *names);
                if (!grown)
                    break;
                names = grown;
                names[n++] = strdup(path);
            }
            closedir(d);
            /* The same order every run, for a report that can be compared. */
            qsort(names, n, sizeof *names, cmp);
            for (size_t k = 0; k < n; k++) {
                if (names[k])
                    bad |= run_file(names[k]) != 0;
                inputs++;
                free(names[k]);
            }
            free(names);
        }
    }
    printf("replay: %d inputs\n", inputs);
    return bad ? 1 : 0;
}
