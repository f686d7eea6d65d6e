package io.numaslab.bench.tlb;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Times the access patterns over a working set, following a {@link MeasurementPlan}: one untimed pass,
 * then timed passes; the figure is the best (lowest) pass's ns per access. The same plan as
 * {@code bench/c/pointer_chase.c}.
 * <p>
 * Best rather than median: other work on the machine (its cache and memory traffic, page walks of other
 * processes) can only slow a pass down, so the fastest pass is the closest to the memory's own figure,
 * and the same statistic on both sides keeps Java and C comparable.
 * <p>
 * The clock is the thread's CPU time ({@code CLOCK_THREAD_CPUTIME_ID}, through
 * {@code ThreadMXBean.getCurrentThreadCpuTime()}), as in the C reference: a core stalled on a load is
 * still running the thread, so stalls count, but time the thread spends descheduled while other work
 * runs on a busy machine does not. Where the JVM cannot read thread CPU time it falls back to
 * {@code System.nanoTime()} and {@link #clockName()} says so.
 */
public final class AccessTimer
{
    private static final long WARM_UP_BYTES = 4L << 20;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_CLOCK = THREADS.isCurrentThreadCpuTimeSupported();
    private static volatile long sink;

    private AccessTimer()
    {
    }

    /** @return the clock the timed passes read: the thread's CPU time, or monotonic wall time where unsupported. */
    public static String clockName()
    {
        return CPU_CLOCK ? "thread CPU time (CLOCK_THREAD_CPUTIME_ID)" : "wall time (System.nanoTime)";
    }

    /** @return the current time of {@link #clockName()}'s clock in ns. */
    public static long nowNanos()
    {
        return CPU_CLOCK ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /**
     * Compiles the loops before anything is timed: runs each of them a few hundred times over 4 MiB of
     * native memory, so the timed passes run C2-compiled code rather than an on-stack replacement.
     */
    public static void warmUpJit()
    {
        final long raw = UnsafeMemory.allocate(WARM_UP_BYTES + AccessPattern.SMALL_PAGE_BYTES);
        try
        {
            final long base = (raw + AccessPattern.SMALL_PAGE_BYTES - 1) & -AccessPattern.SMALL_PAGE_BYTES;
            final int[] successors = ChaseCycle.sattoloSuccessors(
                (int)AccessPattern.CHASE.slotCount(WARM_UP_BYTES), 1);
            final PointerChaser chaser = new PointerChaser(ChaseCycle.writePointers(base, AccessPattern.CHASE, successors));
            final RandomReadStream reads = new RandomReadStream(base, WARM_UP_BYTES, 1);
            for (int i = 0; i < 300; i++)
            {
                chaser.chase(10_000);
                reads.read(10_000);
            }
            sink += chaser.position() + reads.checksum();
        }
        finally
        {
            UnsafeMemory.free(raw);
        }
    }

    /**
     * Times one pattern over a working set whose chase pointers (if any) are already written.
     *
     * @param baseAddress  start of the working set.
     * @param sizeBytes    the working set, a power of two.
     * @param pattern      the pattern.
     * @param startAddress for a chase, the slot to start from (from {@link ChaseCycle#writePointers}); unused
     *                     for RANDOM.
     * @param plan         accesses per pass, passes, seed.
     * @return the best ns per access over the timed passes.
     */
    public static double nanosPerAccess(
        final long baseAddress, final long sizeBytes, final AccessPattern pattern, final long startAddress,
        final MeasurementPlan plan)
    {
        return pattern.isDependent() ? timeChase(startAddress, plan) : timeRandomReads(baseAddress, sizeBytes, plan);
    }

    /**
     * @param startAddress a slot of a written pointer cycle.
     * @param plan         the plan.
     * @return the best ns per dependent load over the timed passes.
     */
    public static double timeChase(final long startAddress, final MeasurementPlan plan)
    {
        final int accesses = plan.chaseAccesses();
        final PointerChaser chaser = new PointerChaser(startAddress);
        final double nanos = bestPass(plan.reps(), accesses, () -> chaser.chase(accesses));
        consume(chaser.position());
        return nanos;
    }

    /**
     * @param baseAddress start of the working set.
     * @param sizeBytes   the working set, a power of two.
     * @param plan        the plan; its seed starts the MCG.
     * @return the best ns per independent load over the timed passes.
     */
    public static double timeRandomReads(final long baseAddress, final long sizeBytes, final MeasurementPlan plan)
    {
        final int accesses = plan.randomAccesses();
        final RandomReadStream reads = new RandomReadStream(baseAddress, sizeBytes, plan.seed());
        final double nanos = bestPass(plan.reps(), accesses, () -> reads.read(accesses));
        consume(reads.checksum());
        return nanos;
    }

    /**
     * Runs a pass once untimed, then {@code reps} times timed.
     *
     * @param reps     timed passes, at least one.
     * @param accesses loads per pass.
     * @param pass     one pass.
     * @return the best (lowest) ns per access of the timed passes.
     */
    static double bestPass(final int reps, final long accesses, final Runnable pass)
    {
        pass.run();
        final double[] nanosPerAccess = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            final long start = nowNanos();
            pass.run();
            nanosPerAccess[r] = (nowNanos() - start) / (double)accesses;
        }
        return best(nanosPerAccess);
    }

    /** Keeps a result of the loads, so that they are not optimised away. */
    static void consume(final long result)
    {
        sink += result;
    }

    /**
     * @param values at least one value.
     * @return the smallest.
     */
    public static double best(final double[] values)
    {
        return Arrays.stream(values).min().orElseThrow();
    }
}
