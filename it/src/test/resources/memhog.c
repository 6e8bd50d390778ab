/* Holds MIB mebibytes of memory and rewrites PERCENT of it every INTERVAL_MS, printing a counter each round:
 * a process whose memory and progress a checkpoint must carry across a restore.
 * usage: memhog MIB PERCENT INTERVAL_MS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    int percent = argc > 2 ? atoi(argv[2]) : 5;
    int interval = argc > 3 ? atoi(argv[3]) : 200;
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
    for (unsigned long round = 1;; round++) {
        size_t dirty = pages * percent / 100, start = (round * 7919) % (pages ? pages : 1);
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
