/*
 * bench/mpi: write a MOODF32 binary table (see include/moodscope/mpi.h) of n rows × d features
 * drawn from k overlapping Gaussian blobs (seeded), for the MPI k-means benchmark.
 * Usage: gen_f32 OUT.f32 N D K SEED
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return ((double)(next(s) >> 11) + 0.5) * 0x1.0p-53;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: gen_f32 OUT.f32 N D K SEED\n");
        return 2;
    }
    unsigned long long n = strtoull(argv[2], NULL, 10), d = strtoull(argv[3], NULL, 10);
    unsigned long long k = strtoull(argv[4], NULL, 10);
    uint64_t s = strtoull(argv[5], NULL, 10);
    FILE *fp = fopen(argv[1], "wb");
    float *centre = malloc(k * d * sizeof(float)), *row = malloc(d * sizeof(float));
    if (!fp || !centre || !row || d == 0 || k == 0)
        return 1;
    fwrite("MOODF32", 1, 8, fp);
    fwrite(&n, sizeof n, 1, fp);
    fwrite(&d, sizeof d, 1, fp);
    for (unsigned long long j = 0; j < d; j++)
        fprintf(fp, "f%02llu%c", j, 0);
    for (unsigned long long i = 0; i < k * d; i++)
        centre[i] = (float)(2.0 * uniform(&s) - 1.0); /* overlapping: Lloyd needs many steps */
    for (unsigned long long i = 0; i < n; i++) {
        const float *c = centre + (next(&s) % k) * d;
        for (unsigned long long j = 0; j < d; j += 2) {
            double r = sqrt(-2.0 * log(uniform(&s))), t = 6.283185307179586 * uniform(&s);
            row[j] = c[j] + (float)(r * cos(t));
            if (j + 1 < d)
                row[j + 1] = c[j + 1] + (float)(r * sin(t));
        }
        fwrite(row, sizeof(float), d, fp);
    }
    free(centre);
    free(row);
    return fclose(fp) == 0 ? 0 : 1;
}
