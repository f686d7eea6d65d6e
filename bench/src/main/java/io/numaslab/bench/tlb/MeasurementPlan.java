package io.numaslab.bench.tlb;

/**
 * How much each measurement runs, the same for numaslab's regions and the C reference: one untimed pass,
 * then {@code reps} timed passes; the best (lowest) pass's ns per access is the figure (see
 * {@link AccessTimer}).
 *
 * @param chaseAccesses  loads per pass of a pointer chase.
 * @param randomAccesses loads per pass of the independent random reads.
 * @param reps           timed passes, 1 to 64.
 * @param seed           the seed of the chase cycle and of the random reads' MCG.
 */
public record MeasurementPlan(int chaseAccesses, int randomAccesses, int reps, long seed)
{
    /** The plan of {@code --quick}: about 0.3 s per chase pass on 4 KiB pages at 1 GiB. */
    public static final MeasurementPlan QUICK = new MeasurementPlan(1_000_000, 8_000_000, 5, 42);
    /** The plan of a full run: four times the accesses per pass, seven passes. */
    public static final MeasurementPlan FULL = new MeasurementPlan(4_000_000, 32_000_000, 7, 42);

    /**
     * @throws IllegalArgumentException for non-positive access counts or reps outside 1..64.
     */
    public MeasurementPlan
    {
        if (chaseAccesses <= 0 || randomAccesses <= 0)
        {
            throw new IllegalArgumentException("access counts must be positive, got chase " + chaseAccesses +
                ", random " + randomAccesses);
        }
        if (reps < 1 || reps > 64)
        {
            throw new IllegalArgumentException("reps must be 1..64, got " + reps);
        }
    }

    /**
     * @param pattern a pattern.
     * @return the loads per pass for it.
     */
    public int accessesPerPass(final AccessPattern pattern)
    {
        return pattern.isDependent() ? chaseAccesses : randomAccesses;
    }
}
