package io.numaslab.bench.tlb;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.nio.file.Path;

/**
 * The C reference's own loops ({@code chase} and {@code random_reads} of {@code bench/c/pointer_chase.c}, built as
 * {@link CReference#library()}), called through JNA on memory Java mapped: a numaslab {@link io.numaslab.hugepages.Region}.
 * <p>
 * The report's main comparison runs Java's loop in numaslab's region against C's loop in C's own mapping, so it
 * measures the JIT's machine code as well as the memory; for independent loads the code matters (how many loads
 * fit in the core's window). Timing C's loop in the region, against the same loop in C's mapping, leaves only the
 * memory: what the region itself costs against the hardware's limit. The passes are timed as {@link AccessTimer}
 * times Java's (thread CPU time, one untimed pass, the best of the timed ones); one JNA call per pass of millions
 * of loads adds microseconds.
 */
public final class CLoops
{
    /** The library's two functions. */
    interface Functions extends Library
    {
        long pointer_chase_chase(long pointer, long accesses);

        long pointer_chase_random_reads(long base, int shift, long[] state, long accesses);
    }

    private final Functions functions;

    private CLoops(final Functions functions)
    {
        this.functions = functions;
    }

    /**
     * @param library the shared library, {@link CReference#library()}.
     * @return the loops.
     * @throws UnsatisfiedLinkError if it cannot be loaded.
     */
    public static CLoops load(final Path library)
    {
        return new CLoops(Native.load(library.toAbsolutePath().toString(), Functions.class));
    }

    /**
     * Follows a written pointer cycle with C's loop.
     *
     * @param startAddress a slot of the cycle (from {@link ChaseCycle#writePointers}).
     * @param accesses     loads per pass.
     * @return the address reached.
     */
    public long chase(final long startAddress, final long accesses)
    {
        return functions.pointer_chase_chase(startAddress, accesses);
    }

    /**
     * Makes independent loads with C's loop, from the same sequence as {@link RandomReadStream}.
     *
     * @param baseAddress start of the working set.
     * @param sizeBytes   the working set, a power of two of at least 128 bytes.
     * @param state       the generator's state, carried on: {@code {seed | 1}} to start.
     * @param accesses    how many loads.
     * @return the sum of the longs loaded.
     */
    public long randomReads(final long baseAddress, final long sizeBytes, final long[] state, final long accesses)
    {
        return functions.pointer_chase_random_reads(baseAddress, RandomReadStream.shiftFor(sizeBytes), state,
            accesses);
    }

    /**
     * @param startAddress a slot of a written pointer cycle.
     * @param plan         the plan.
     * @return the best ns per dependent load of C's loop over the timed passes.
     */
    public double timeChase(final long startAddress, final MeasurementPlan plan)
    {
        final long[] position = {startAddress};
        return AccessTimer.bestPass(plan.reps(), plan.chaseAccesses(),
            () -> position[0] = chase(position[0], plan.chaseAccesses()));
    }

    /**
     * @param baseAddress start of the working set.
     * @param sizeBytes   the working set, a power of two.
     * @param plan        the plan; its seed starts the generator, as in {@link AccessTimer#timeRandomReads}.
     * @return the best ns per independent load of C's loop over the timed passes.
     */
    public double timeRandomReads(final long baseAddress, final long sizeBytes, final MeasurementPlan plan)
    {
        final long[] state = {plan.seed() | 1};
        return AccessTimer.bestPass(plan.reps(), plan.randomAccesses(),
            () -> AccessTimer.consume(randomReads(baseAddress, sizeBytes, state, plan.randomAccesses())));
    }

    /**
     * @param pattern      the pattern.
     * @param baseAddress  start of the working set.
     * @param sizeBytes    the working set.
     * @param startAddress for a chase, the slot to start from; unused for RANDOM.
     * @param plan         the plan.
     * @return the best ns per access of C's loop.
     */
    public double nanosPerAccess(final AccessPattern pattern, final long baseAddress, final long sizeBytes,
        final long startAddress, final MeasurementPlan plan)
    {
        return pattern.isDependent() ? timeChase(startAddress, plan) : timeRandomReads(baseAddress, sizeBytes, plan);
    }
}
