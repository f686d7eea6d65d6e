/*
 * pointer_chase.c: the C reference for numaslab's TLB and page-size measurements
 * (io.numaslab.bench.tlb.TlbBench, which builds and runs this program through CReference).
 *
 * Same page kinds, same cycle, same loops and same measurement plan as the Java side, so that the two
 * figures differ only by what numaslab's Region and the JVM add:
 *
 *   page kinds  SMALL       mmap, madvise(MADV_NOHUGEPAGE)                 (4 KiB pages)
 *               THP         mmap aligned to 2 MiB, madvise(MADV_HUGEPAGE)  (2 MiB pages if the kernel finds them)
 *               HUGETLB_2M  mmap(MAP_HUGETLB | MAP_HUGE_2MB)               (explicit 2 MiB pages)
 *               HUGETLB_1G  mmap(MAP_HUGETLB | MAP_HUGE_1GB)               (explicit 1 GiB pages)
 *               each bound to --node with mbind(MPOL_BIND, MPOL_MF_STRICT) and prefaulted with
 *               madvise(MADV_POPULATE_WRITE) (touching every page where that does not exist), like Region.
 *               The mapping is the size rounded up to whole pages (a 64 MiB working set of HUGETLB_1G
 *               lives in one 1 GiB page).
 *
 *   patterns    chase       dependent loads: one 8-byte pointer per 64-byte line, the lines linked in one
 *                           random cycle (Sattolo's algorithm), so every load waits for the one before.
 *               chase-page  the same with one pointer per 4 KiB page: few cache lines, many pages. Slot i is
 *                           at i * 4096 + line(i) * 64, line(i) the top 6 bits of i * 0x9E3779B97F4A7C15, so
 *                           the slots spread over the cache sets even in physically contiguous huge pages.
 *               random      independent loads of random lines; the line index is the top bits of a 64-bit
 *                           MCG (s = s * M, Knuth's MMIX multiplier, the state odd), computed in registers, so
 *                           the index stream never misses and the loads overlap.
 *
 *   randomness  splitmix64 seeded with --seed; a bound below 2^31 is drawn as ((next >> 33) * bound) >> 31.
 *               Sattolo: successor[i] = i, then for i = n-1 down to 1 swap successor[i] with successor[j],
 *               j drawn below i. The random pattern's MCG starts at --seed | 1.
 *
 *   plan        per (size, kind, pattern): one untimed pass of the same length as a timed one, then --reps
 *               timed passes; the best (lowest) pass's ns per access is printed: other work on the machine
 *               can only slow a pass down. The chase and the MCG carry on from pass
 *               to pass. The clock is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), as on the Java side:
 *               stalls on loads count, time spent descheduled on a busy machine does not.
 *
 * Build:  gcc -O2 -o bench/target/pointer_chase bench/c/pointer_chase.c
 *         gcc -O2 -shared -fPIC -DPOINTER_CHASE_LIBRARY -o bench/target/libpointer_chase.so bench/c/pointer_chase.c
 *                 (the two loops alone, as pointer_chase_chase and pointer_chase_random_reads, for CLoops)
 * Run:    pointer_chase --kinds SMALL,THP,HUGETLB_2M,HUGETLB_1G --sizes 67108864,268435456
 *                       --patterns chase,chase-page,random --chase-accesses 1000000
 *                       --random-accesses 8000000 --reps 5 --seed 42 --node 0 --cpu 1
 *         pointer_chase --print-cycle SLOTS --seed 42      (the successors Sattolo builds, for tests)
 *         pointer_chase --print-page-offsets SLOTS          (where chase-page slots lie, for tests)
 *
 * Output: one line per (size, kind, pattern), key=value separated by spaces, values with spaces in
 * double quotes; lines starting with '#' are comments:
 *   kind=THP size=268435456 pattern=chase ns_per_access=87.312 mapped_bytes=268435456 huge_bytes=268435456
 *   kind=HUGETLB_1G size=67108864 pattern=chase status=unavailable reason="mmap ... failed: ENOMEM ..."
 * Exit status: 0 when every line was printed (unavailable kinds included), 2 for bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define MPOL_BIND_MODE 2
#define MPOL_MF_STRICT_FLAG 1
#define NODEMASK_WORDS 17      /* 1024 nodes + one spare word, as numaslab's Numa.mbind */
#define NODEMASK_MAXNODE 1025

#define LINE_BYTES ((uint64_t)64)
#define SMALL_PAGE_BYTES ((uint64_t)4096)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)
#define MCG_MULTIPLIER 6364136223846793005ULL
#define MAX_LIST 64
#define REASON_BYTES 512

enum kind { KIND_SMALL, KIND_THP, KIND_HUGETLB_2M, KIND_HUGETLB_1G, KIND_COUNT };
static const char *const KIND_NAMES[KIND_COUNT] = {"SMALL", "THP", "HUGETLB_2M", "HUGETLB_1G"};

enum pattern { PATTERN_CHASE, PATTERN_CHASE_PAGE, PATTERN_RANDOM, PATTERN_COUNT };
static const char *const PATTERN_NAMES[PATTERN_COUNT] = {"chase", "chase-page", "random"};

struct options
{
    int kinds[MAX_LIST];
    int kind_count;
    uint64_t sizes[MAX_LIST];
    int size_count;
    int patterns[MAX_LIST];
    int pattern_count;
    uint64_t chase_accesses;
    uint64_t random_accesses;
    int reps;
    uint64_t seed;
    int node;
    int cpu;
    long print_cycle_slots;
    long print_page_offsets;
};

struct mapping
{
    char *address;
    uint64_t length;
    char reason[REASON_BYTES];
};

/* ---- randomness, identical to io.numaslab.bench.tlb.SplitMix64 and ChaseCycle ---- */

static uint64_t splitmix_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint32_t splitmix_below(uint64_t *state, uint32_t bound)
{
    return (uint32_t)(((splitmix_next(state) >> 33) * (uint64_t)bound) >> 31);
}

/* successor[i] is the slot visited after slot i; one cycle through all slots. */
static uint32_t *sattolo_successors(uint32_t slot_count, uint64_t seed)
{
    uint32_t *successors = malloc((size_t)slot_count * sizeof *successors);
    if (successors == NULL)
    {
        return NULL;
    }
    for (uint32_t i = 0; i < slot_count; i++)
    {
        successors[i] = i;
    }
    uint64_t rng = seed;
    for (uint32_t i = slot_count - 1; i > 0; i--)
    {
        const uint32_t j = splitmix_below(&rng, i);
        const uint32_t swap = successors[i];
        successors[i] = successors[j];
        successors[j] = swap;
    }
    return successors;
}

/* ---- slot layout, identical to io.numaslab.bench.tlb.AccessPattern ---- */

static uint64_t slot_count(const int pattern, const uint64_t size_bytes)
{
    return pattern == PATTERN_CHASE_PAGE ? size_bytes / SMALL_PAGE_BYTES : size_bytes / LINE_BYTES;
}

static uint64_t slot_offset(const int pattern, const uint64_t slot)
{
    return pattern == PATTERN_CHASE_PAGE ? slot * SMALL_PAGE_BYTES + ((slot * 0x9E3779B97F4A7C15ULL) >> 58) * LINE_BYTES
        : slot * LINE_BYTES;
}

/* ---- the loops, identical to io.numaslab.bench.tlb.PointerChaser and RandomReadStream ---- */

static __attribute__((noinline)) uint64_t chase(uint64_t pointer, const uint64_t accesses)
{
    for (uint64_t i = 0; i < accesses; i++)
    {
        pointer = *(const uint64_t *)(uintptr_t)pointer;
    }
    return pointer;
}

/* Loads per inner loop of random_reads: RandomReadStream.BLOCK_ACCESSES. */
#define RANDOM_BLOCK_ACCESSES 1024

/* The same shape as RandomReadStream.read, whose comments say why: an inner loop of constant length, an MCG
   rather than an LCG, unrolled 8 times as C2 unrolls it. The core keeps as many loads in flight as fit in its
   window, so the loop's instructions per load show in the figure: both sides should run the same machine loop. */
static __attribute__((noinline)) uint64_t random_reads(
    const uintptr_t base, const unsigned shift, uint64_t *state, const uint64_t accesses)
{
    uint64_t s = *state;
    uint64_t sum = 0;
    uint64_t left = accesses;
    for (; left >= RANDOM_BLOCK_ACCESSES; left -= RANDOM_BLOCK_ACCESSES)
    {
#pragma GCC unroll 8
        for (int i = 0; i < RANDOM_BLOCK_ACCESSES; i++)
        {
            s *= MCG_MULTIPLIER;
            sum += *(const uint64_t *)(base + ((s >> shift) << 6));
        }
    }
    for (; left > 0; left--)
    {
        s *= MCG_MULTIPLIER;
        sum += *(const uint64_t *)(base + ((s >> shift) << 6));
    }
    *state = s;
    return sum;
}

#ifdef POINTER_CHASE_LIBRARY
/* Built as a shared library too (gcc -O2 -shared -fPIC -DPOINTER_CHASE_LIBRARY, by CReference): io.numaslab.bench.tlb.CLoops
   calls these from Java to time C's own loops in a numaslab Region, so the region and C's mapping are compared with
   the same machine code. */
uint64_t pointer_chase_chase(const uint64_t pointer, const uint64_t accesses)
{
    return chase(pointer, accesses);
}

uint64_t pointer_chase_random_reads(const uintptr_t base, const unsigned shift, uint64_t *state, const uint64_t accesses)
{
    return random_reads(base, shift, state, accesses);
}
#else /* the program */

/* ---- timing ---- */

static double now_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double best(const double *values, const int count)
{
    double lowest = values[0];
    for (int i = 1; i < count; i++)
    {
        lowest = values[i] < lowest ? values[i] : lowest;
    }
    return lowest;
}

static volatile uint64_t sink;

static double time_chase(const uint64_t start, const uint64_t accesses, const int reps)
{
    double samples[MAX_LIST];
    uint64_t pointer = chase(start, accesses);
    for (int r = 0; r < reps; r++)
    {
        const double t0 = now_nanos();
        pointer = chase(pointer, accesses);
        samples[r] = (now_nanos() - t0) / (double)accesses;
    }
    sink += pointer;
    return best(samples, reps);
}

static double time_random(const char *base, const uint64_t size_bytes, const uint64_t seed,
    const uint64_t accesses, const int reps)
{
    double samples[MAX_LIST];
    const unsigned shift = 64 - (unsigned)__builtin_ctzll(size_bytes / LINE_BYTES);
    uint64_t state = seed | 1;
    uint64_t sum = random_reads((uintptr_t)base, shift, &state, accesses);
    for (int r = 0; r < reps; r++)
    {
        const double t0 = now_nanos();
        sum += random_reads((uintptr_t)base, shift, &state, accesses);
        samples[r] = (now_nanos() - t0) / (double)accesses;
    }
    sink += sum;
    return best(samples, reps);
}

/* ---- mapping, as io.numaslab.hugepages.Region does it ---- */

static const char *errno_name(const int error)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    const char *name = strerrorname_np(error);
    if (name != NULL)
    {
        return name;
    }
#endif
    static char number[24];
    snprintf(number, sizeof number, "errno %d", error);
    return number;
}

static uint64_t page_bytes_of(const int kind)
{
    switch (kind)
    {
        case KIND_HUGETLB_1G: return GIB;
        case KIND_HUGETLB_2M: return 2 * MIB;
        case KIND_THP: return 2 * MIB;
        default: return SMALL_PAGE_BYTES;
    }
}

static const char *describe_bytes(const uint64_t bytes, char *buffer, const size_t size)
{
    if (bytes >= GIB && bytes % GIB == 0)
    {
        snprintf(buffer, size, "%" PRIu64 " GiB", bytes / GIB);
    }
    else if (bytes >= MIB && bytes % MIB == 0)
    {
        snprintf(buffer, size, "%" PRIu64 " MiB", bytes / MIB);
    }
    else
    {
        snprintf(buffer, size, "%" PRIu64 " bytes", bytes);
    }
    return buffer;
}

static char *map_aligned(const uint64_t length, const uint64_t align, const int flags)
{
    if (align <= SMALL_PAGE_BYTES || (flags & MAP_HUGETLB) != 0)
    {
        return mmap(NULL, length, PROT_READ | PROT_WRITE, flags, -1, 0);
    }
    /* Reserve room to align, place the mapping inside, give back the slack (as Region.mapAligned). */
    const uint64_t span = length + align;
    char *reserved = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED)
    {
        return MAP_FAILED;
    }
    char *aligned = (char *)(((uintptr_t)reserved + align - 1) & ~(uintptr_t)(align - 1));
    if (mmap(aligned, length, PROT_READ | PROT_WRITE, flags | MAP_FIXED, -1, 0) == MAP_FAILED)
    {
        const int saved = errno;
        munmap(reserved, span);
        errno = saved;
        return MAP_FAILED;
    }
    if (aligned > reserved)
    {
        munmap(reserved, (size_t)(aligned - reserved));
    }
    const uint64_t tail = (uint64_t)(reserved + span - (aligned + length));
    if (tail > 0)
    {
        munmap(aligned + length, tail);
    }
    return aligned;
}

/* Returns 0 and fills m->address, or -1 with m->reason saying why the kind cannot be had. */
static int map_kind(const int kind, const uint64_t size_bytes, const int node, struct mapping *m)
{
    char size_text[32];
    const uint64_t page_bytes = page_bytes_of(kind);
    const uint64_t length = (size_bytes + page_bytes - 1) & ~(page_bytes - 1);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (kind == KIND_HUGETLB_2M)
    {
        flags |= MAP_HUGETLB | MAP_HUGE_2MB;
    }
    else if (kind == KIND_HUGETLB_1G)
    {
        flags |= MAP_HUGETLB | MAP_HUGE_1GB;
    }
    m->address = NULL;
    m->length = length;
    m->reason[0] = '\0';
    char *address = map_aligned(length, page_bytes, flags);
    if (address == MAP_FAILED)
    {
        const int saved = errno;
        snprintf(m->reason, sizeof m->reason, "%s: mmap of %s failed with %s (%s)%s", KIND_NAMES[kind],
            describe_bytes(length, size_text, sizeof size_text), errno_name(saved), strerror(saved),
            (flags & MAP_HUGETLB) != 0 && saved == ENOMEM ? ": the huge page pool cannot reserve the pages" : "");
        return -1;
    }
    if (node >= 0)
    {
        unsigned long mask[NODEMASK_WORDS];
        memset(mask, 0, sizeof mask);
        mask[node / 64] |= 1UL << (node % 64);
        if (syscall(SYS_mbind, address, length, MPOL_BIND_MODE, mask, NODEMASK_MAXNODE, MPOL_MF_STRICT_FLAG) != 0
            && errno != ENOSYS)
        {
            const int saved = errno;
            munmap(address, length);
            snprintf(m->reason, sizeof m->reason, "%s: mbind to node %d failed with %s", KIND_NAMES[kind], node,
                errno_name(saved));
            return -1;
        }
    }
    if (kind == KIND_THP)
    {
        madvise(address, length, MADV_HUGEPAGE);
    }
    else if (kind == KIND_SMALL)
    {
        madvise(address, length, MADV_NOHUGEPAGE);
    }
    if (madvise(address, length, MADV_POPULATE_WRITE) != 0)
    {
        const int saved = errno;
        if (saved == EINVAL)
        {
            /* Linux < 5.14: touch every page; hugetlb pages were reserved by mmap, so this cannot SIGBUS. */
            for (uint64_t offset = 0; offset < length; offset += SMALL_PAGE_BYTES)
            {
                address[offset] = 0;
            }
        }
        else
        {
            munmap(address, length);
            snprintf(m->reason, sizeof m->reason, "%s: node %d ran out of memory while prefaulting %s "
                "(madvise(MADV_POPULATE_WRITE) failed with %s)", KIND_NAMES[kind], node,
                describe_bytes(length, size_text, sizeof size_text), errno_name(saved));
            return -1;
        }
    }
    m->address = address;
    return 0;
}

/* Bytes of [address, address + length) in huge pages (AnonHugePages + *_Hugetlb), from /proc/self/smaps. */
static uint64_t huge_bytes_of(const char *address, const uint64_t length)
{
    FILE *smaps = fopen("/proc/self/smaps", "r");
    if (smaps == NULL)
    {
        return 0;
    }
    const uintptr_t start = (uintptr_t)address;
    const uintptr_t end = start + length;
    char line[512];
    int in_range = 0;
    uint64_t total_kb = 0;
    while (fgets(line, sizeof line, smaps) != NULL)
    {
        uintptr_t from;
        uintptr_t to;
        char perms[8];
        uint64_t kb;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &from, &to, perms) == 3)
        {
            in_range = from < end && to > start;
        }
        else if (in_range && (sscanf(line, "AnonHugePages: %" SCNu64 " kB", &kb) == 1 ||
            sscanf(line, "Private_Hugetlb: %" SCNu64 " kB", &kb) == 1 ||
            sscanf(line, "Shared_Hugetlb: %" SCNu64 " kB", &kb) == 1))
        {
            total_kb += kb;
        }
    }
    fclose(smaps);
    return total_kb * 1024;
}

/* ---- arguments ---- */

static int parse_kind(const char *name)
{
    for (int k = 0; k < KIND_COUNT; k++)
    {
        if (strcmp(name, KIND_NAMES[k]) == 0)
        {
            return k;
        }
    }
    return -1;
}

static int parse_pattern(const char *name)
{
    for (int p = 0; p < PATTERN_COUNT; p++)
    {
        if (strcmp(name, PATTERN_NAMES[p]) == 0)
        {
            return p;
        }
    }
    return -1;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: pointer_chase [--kinds SMALL,THP,HUGETLB_2M,HUGETLB_1G] [--sizes BYTES,...]\n"
        "                     [--patterns chase,chase-page,random] [--chase-accesses N] [--random-accesses N]\n"
        "                     [--reps N] [--seed N] [--node N|-1] [--cpu N|-1]\n"
        "       pointer_chase --print-cycle SLOTS [--seed N]\n"
        "       pointer_chase --print-page-offsets SLOTS\n"
        "sizes are powers of two, at least 1 MiB; reps 1..%d\n", MAX_LIST);
}

static int parse_options(const int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    for (int k = 0; k < KIND_COUNT; k++)
    {
        o->kinds[o->kind_count++] = k;
    }
    o->sizes[o->size_count++] = 64 * MIB;
    for (int p = 0; p < PATTERN_COUNT; p++)
    {
        o->patterns[o->pattern_count++] = p;
    }
    o->chase_accesses = 1000000;
    o->random_accesses = 8000000;
    o->reps = 5;
    o->seed = 42;
    o->node = 0;
    o->cpu = -1;
    o->print_cycle_slots = -1;
    o->print_page_offsets = -1;
    for (int i = 1; i < argc; i++)
    {
        const char *arg = argv[i];
        char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL)
        {
            fprintf(stderr, "pointer_chase: %s needs a value\n", arg);
            return -1;
        }
        i++;
        if (strcmp(arg, "--kinds") == 0 || strcmp(arg, "--sizes") == 0 || strcmp(arg, "--patterns") == 0)
        {
            int count = 0;
            for (char *token = strtok(value, ","); token != NULL; token = strtok(NULL, ","))
            {
                if (count == MAX_LIST)
                {
                    fprintf(stderr, "pointer_chase: at most %d values for %s\n", MAX_LIST, arg);
                    return -1;
                }
                if (arg[2] == 'k')
                {
                    if ((o->kinds[count++] = parse_kind(token)) < 0)
                    {
                        fprintf(stderr, "pointer_chase: unknown page kind '%s'\n", token);
                        return -1;
                    }
                }
                else if (arg[2] == 'p')
                {
                    if ((o->patterns[count++] = parse_pattern(token)) < 0)
                    {
                        fprintf(stderr, "pointer_chase: unknown pattern '%s'\n", token);
                        return -1;
                    }
                }
                else
                {
                    const uint64_t size = strtoull(token, NULL, 10);
                    if (size < MIB || (size & (size - 1)) != 0 || size / LINE_BYTES > 0x7FFFFFFFULL)
                    {
                        fprintf(stderr, "pointer_chase: size %s is not a power of two from 1 MiB to 128 GiB\n",
                            token);
                        return -1;
                    }
                    o->sizes[count++] = size;
                }
            }
            if (arg[2] == 'k')
            {
                o->kind_count = count;
            }
            else if (arg[2] == 'p')
            {
                o->pattern_count = count;
            }
            else
            {
                o->size_count = count;
            }
        }
        else if (strcmp(arg, "--chase-accesses") == 0)
        {
            o->chase_accesses = strtoull(value, NULL, 10);
        }
        else if (strcmp(arg, "--random-accesses") == 0)
        {
            o->random_accesses = strtoull(value, NULL, 10);
        }
        else if (strcmp(arg, "--reps") == 0)
        {
            o->reps = atoi(value);
        }
        else if (strcmp(arg, "--seed") == 0)
        {
            o->seed = strtoull(value, NULL, 10);
        }
        else if (strcmp(arg, "--node") == 0)
        {
            o->node = atoi(value);
        }
        else if (strcmp(arg, "--cpu") == 0)
        {
            o->cpu = atoi(value);
        }
        else if (strcmp(arg, "--print-cycle") == 0)
        {
            o->print_cycle_slots = atol(value);
        }
        else if (strcmp(arg, "--print-page-offsets") == 0)
        {
            o->print_page_offsets = atol(value);
        }
        else
        {
            fprintf(stderr, "pointer_chase: unknown option %s\n", arg);
            return -1;
        }
    }
    if (o->reps < 1 || o->reps > MAX_LIST || o->chase_accesses == 0 || o->random_accesses == 0 ||
        o->node >= 1024 || o->print_cycle_slots == 0 || o->print_cycle_slots > 0x7FFFFFFFL)
    {
        fprintf(stderr, "pointer_chase: reps must be 1..%d, accesses positive, node below 1024, "
            "print-cycle slots 1..2^31-1\n", MAX_LIST);
        return -1;
    }
    return 0;
}

/* ---- main ---- */

static void print_unavailable(const int kind, const uint64_t size, const int pattern, const char *reason)
{
    char quoted[REASON_BYTES];
    size_t n = 0;
    for (const char *c = reason; *c != '\0' && n + 1 < sizeof quoted; c++)
    {
        quoted[n++] = *c == '"' ? '\'' : *c;
    }
    quoted[n] = '\0';
    printf("kind=%s size=%" PRIu64 " pattern=%s status=unavailable reason=\"%s\"\n", KIND_NAMES[kind], size,
        PATTERN_NAMES[pattern], quoted);
    fflush(stdout);
}

static int print_cycle(const uint32_t slots, const uint64_t seed)
{
    uint32_t *successors = sattolo_successors(slots, seed);
    if (successors == NULL)
    {
        fprintf(stderr, "pointer_chase: cannot allocate %u successors\n", slots);
        return 1;
    }
    for (uint32_t i = 0; i < slots; i++)
    {
        printf(i == 0 ? "%u" : " %u", successors[i]);
    }
    printf("\n");
    free(successors);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_options(argc, argv, &o) != 0)
    {
        usage();
        return 2;
    }
    if (o.print_cycle_slots > 0)
    {
        return print_cycle((uint32_t)o.print_cycle_slots, o.seed);
    }
    if (o.print_page_offsets > 0)
    {
        for (long slot = 0; slot < o.print_page_offsets; slot++)
        {
            printf(slot == 0 ? "%" PRIu64 : " %" PRIu64, slot_offset(PATTERN_CHASE_PAGE, (uint64_t)slot));
        }
        printf("\n");
        return 0;
    }
    if (o.cpu >= 0)
    {
        /* Stay on one CPU, as the Java side does: a thread that moves loses its caches and TLB. */
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(o.cpu, &cpus);
        if (sched_setaffinity(0, sizeof cpus, &cpus) != 0)
        {
            fprintf(stderr, "pointer_chase: cannot pin to CPU %d: %s\n", o.cpu, strerror(errno));
            return 2;
        }
    }
    printf("# pointer_chase: chase accesses %" PRIu64 ", random accesses %" PRIu64 ", reps %d, seed %" PRIu64
        ", node %d, cpu %d\n", o.chase_accesses, o.random_accesses, o.reps, o.seed, o.node, o.cpu);
    for (int s = 0; s < o.size_count; s++)
    {
        const uint64_t size = o.sizes[s];
        uint32_t *successors[PATTERN_COUNT] = {NULL};
        for (int k = 0; k < o.kind_count; k++)
        {
            const int kind = o.kinds[k];
            struct mapping m;
            if (map_kind(kind, size, o.node, &m) != 0)
            {
                for (int p = 0; p < o.pattern_count; p++)
                {
                    print_unavailable(kind, size, o.patterns[p], m.reason);
                }
                continue;
            }
            const uint64_t huge_bytes = huge_bytes_of(m.address, m.length);
            for (int p = 0; p < o.pattern_count; p++)
            {
                const int pattern = o.patterns[p];
                double ns_per_access;
                if (pattern == PATTERN_RANDOM)
                {
                    ns_per_access = time_random(m.address, size, o.seed, o.random_accesses, o.reps);
                }
                else
                {
                    const uint32_t slots = (uint32_t)slot_count(pattern, size);
                    if (successors[pattern] == NULL && (successors[pattern] = sattolo_successors(slots, o.seed)) == NULL)
                    {
                        print_unavailable(kind, size, pattern, "cannot allocate the successor array");
                        continue;
                    }
                    const uintptr_t base = (uintptr_t)m.address;
                    for (uint32_t i = 0; i < slots; i++)
                    {
                        *(uint64_t *)(base + slot_offset(pattern, i)) = base + slot_offset(pattern, successors[pattern][i]);
                    }
                    ns_per_access = time_chase(base + slot_offset(pattern, 0), o.chase_accesses, o.reps);
                }
                printf("kind=%s size=%" PRIu64 " pattern=%s ns_per_access=%.3f mapped_bytes=%" PRIu64
                    " huge_bytes=%" PRIu64 "\n", KIND_NAMES[kind], size, PATTERN_NAMES[pattern], ns_per_access,
                    m.length, huge_bytes);
                fflush(stdout);
            }
            munmap(m.address, m.length);
        }
        for (int p = 0; p < PATTERN_COUNT; p++)
        {
            free(successors[p]);
        }
    }
    return 0;
}
#endif
