/*
 * frontend.c: throughput of the whole pgward front end on real SQL.
 *
 *   bench_frontend [-n RUNS] [DIR]
 *
 * Reads every .sql file of DIR (default: ../shared/corpus/pg15-regress beside the
 * repository) into memory, then runs script_read_memory() over all of them RUNS
 * times (default 5): boundary scanner, interpreter (variables, \if, COPY data) and
 * one libpg_query parse per statement, plus script_free(). File reading is not
 * timed. Reports the best run (CLOCK_MONOTONIC) as MB/s and statements/s, with
 * the totals and the slowest files. Exits 0, or 77 with a message when DIR is
 * absent or has no .sql file (so a harness can treat it as skipped).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "script/script.h"
#include "base/util.h"

#ifndef BENCH_DEFAULT_CORPUS
#define BENCH_DEFAULT_CORPUS "../shared/corpus/pg15-regress"
#endif

typedef struct bench_file {
    char *name;
    char *text;
    size_t len;
    size_t nstmts;     /* statements returned */
    size_t nerrors;    /* statements libpg_query rejected */
    size_t nfindings;  /* front-end findings */
    double best;       /* seconds, best over the runs */
} bench_file;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const bench_file *)a)->name, ((const bench_file *)b)->name);
}

static int cmp_slowest(const void *a, const void *b)
{
    double x = (*(bench_file *const *)a)->best, y = (*(bench_file *const *)b)->best;
    return (x < y) - (x > y);
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-n RUNS] [DIR]\n", argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = BENCH_DEFAULT_CORPUS;
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1)
                usage(argv[0]);
        } else if (argv[i][0] == '-') {
            usage(argv[0]);
        } else {
            dir = argv[i];
        }
    }

    DIR *d = opendir(dir);
    if (!d) {
        printf("corpus absent: %s (%s), skipping\n", dir, strerror(errno));
        return 77;
    }
    bench_file *files = NULL;
    size_t nfiles = 0, cap = 0, total_bytes = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!str_ends_with(e->d_name, ".sql"))
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        char *text, *err;
        size_t len;
        if (read_whole_file(path, SOURCE_MAX_SIZE, &text, &len, &err) < 0) {
            fprintf(stderr, "bench_frontend: %s\n", err);
            free(err);
            free(path);
            continue;
        }
        free(path);
        GROW(files, cap, nfiles + 1);
        files[nfiles] = (bench_file){.name = xstrdup(e->d_name), .text = text, .len = len,
                                     .best = 1e30};
        nfiles++;
        total_bytes += len;
    }
    closedir(d);
    if (nfiles == 0) {
        printf("corpus absent: %s has no .sql files, skipping\n", dir);
        return 77;
    }
    qsort(files, nfiles, sizeof(*files), cmp_names);

    script_options opt = script_options_default();
    double best = 1e30, worst = 0;
    size_t total_stmts = 0, total_errors = 0, total_findings = 0;
    for (int r = 0; r < runs; r++) {
        size_t stmts = 0, errors = 0, findings = 0;
        double run_start = now();
        for (size_t i = 0; i < nfiles; i++) {
            bench_file *f = &files[i];
            double t0 = now();
            script *s = script_read_memory(f->name, f->text, f->len, &opt);
            f->nstmts = s->nstmts;
            f->nerrors = 0;
            for (size_t k = 0; k < s->nstmts; k++)
                if (s->stmts[k].parse.error)
                    f->nerrors++;
            f->nfindings = s->findings.count;
            script_free(s);
            double dt = now() - t0;
            if (dt < f->best)
                f->best = dt;
            stmts += f->nstmts;
            errors += f->nerrors;
            findings += f->nfindings;
        }
        double elapsed = now() - run_start;
        if (elapsed < best)
            best = elapsed;
        if (elapsed > worst)
            worst = elapsed;
        total_stmts = stmts;
        total_errors = errors;
        total_findings = findings;
    }
    script_options_free(&opt);

    printf("pgward front end (scanner + interpreter + libpg_query parse), best of %d runs\n",
           runs);
    printf("  corpus:      %s\n", dir);
    printf("  files:       %zu\n", nfiles);
    printf("  bytes:       %zu (%.2f MB)\n", total_bytes, (double)total_bytes / 1e6);
    printf("  statements:  %zu (%zu rejected by the parser, %zu front-end findings)\n",
           total_stmts, total_errors, total_findings);
    printf("  time:        %.3f ms best, %.3f ms worst\n", best * 1e3, worst * 1e3);
    printf("  throughput:  %.2f MB/s, %.0f statements/s\n",
           (double)total_bytes / 1e6 / best, (double)total_stmts / best);

    bench_file **order = xmalloc(nfiles * sizeof(*order));
    for (size_t i = 0; i < nfiles; i++)
        order[i] = &files[i];
    qsort(order, nfiles, sizeof(*order), cmp_slowest);
    printf("  slowest files (best run):\n");
    for (size_t i = 0; i < nfiles && i < 5; i++)
        printf("    %-28s %8.3f ms %8zu bytes %6zu statements %6.2f MB/s\n", order[i]->name,
               order[i]->best * 1e3, order[i]->len, order[i]->nstmts,
               (double)order[i]->len / 1e6 / order[i]->best);
    /* One machine-readable line for bench/run.sh. */
    printf("RESULT files=%zu bytes=%zu statements=%zu best_s=%.6f mb_per_s=%.3f "
           "stmts_per_s=%.0f\n",
           nfiles, total_bytes, total_stmts, best, (double)total_bytes / 1e6 / best,
           (double)total_stmts / best);

    free(order);
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].name);
        free(files[i].text);
    }
    free(files);
    return 0;
}
