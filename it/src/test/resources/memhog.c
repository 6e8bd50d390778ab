/* Holds MIB mebibytes of memory and rewrites PERCENT of it every INTERVAL_MS, printing a counter each round:
 * a process whose memory and progress a checkpoint must carry across a restore.
 * usage: memhog MIB PERCENT INTERVAL_MS [RUN_KIB]
 * Without RUN_KIB each round rewrites one contiguous stretch; with it, distinct runs of RUN_KIB (a multiple of 4) at
 * random run-aligned places, drawn from a fixed seed, so every run of the benchmark dirties the same pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    int percent = argc > 2 ? atoi(argv[2]) : 5;
    int interval = argc > 3 ? atoi(argv[3]) : 200;
    size_t run_pages = argc > 4 ? strtoul(argv[4], NULL, 10) / 4 : 0;
    unsigned long long place = 42; /* the fixed seed of where runs go */
    size_t size = mib << 20, page = 4096, pages = size / page;
    unsigned char *mem = malloc(size);
    unsigned long long seed = (unsigned long long) time(NULL) ^ (unsigned long long) getpid();
    if (!mem) {
        perror("malloc");
        return 1;
    }
    for (size_t i = 0; i < size; i += 8) { /* random, so compression cannot hide the size */
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        memcpy(mem + i, &seed, 8);
    }
    size_t slots = run_pages ? pages / run_pages : 0;
    unsigned char *taken = slots ? calloc(slots, 1) : NULL;
    for (unsigned long round = 1;; round++) {
        size_t dirty = pages * percent / 100, start = (round * 7919) % (pages ? pages : 1);
        if (slots) {
            size_t runs = dirty / run_pages;
            if (runs > slots) {
                runs = slots;
            }
            memset(taken, 0, slots);
            for (size_t r = 0; r < runs; r++) {
                size_t slot;
                do { /* distinct runs within a round */
                    place = place * 6364136223846793005ULL + 1442695040888963407ULL;
                    slot = (size_t) (place >> 33) % slots;
                } while (taken[slot]);
                taken[slot] = 1;
                for (size_t p = 0; p < run_pages; p++) {
                    size_t at = (slot * run_pages + p) * page;
                    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                    memcpy(mem + at, &seed, 8);
                }
            }
            printf("round %lu\n", round);
            fflush(stdout);
            usleep(interval * 1000);
            continue;
        }
        for (size_t p = 0; p < dirty; p++) {
            size_t at = ((start + p) % pages) * page;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            memcpy(mem + at, &seed, 8);
        }
        printf("round %lu\n", round);
        fflush(stdout);
        usleep(interval * 1000);
    }
}
