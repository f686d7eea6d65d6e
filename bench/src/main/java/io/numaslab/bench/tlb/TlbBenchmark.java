package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.hugepages.RegionMappingException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The JMH form of {@link TlbBench}'s Java side: ns per access (one op = one load) of a pattern over a
 * numaslab {@link Region} of a page kind, fallback off. It exists for hardware counters: run it through
 * {@link TlbJmhRunner}, which adds {@code -prof perfnorm} where a PMU exists, to get dTLB-load-misses and
 * cycles per access next to the time. A kind that cannot be mapped fails its trial with the reason.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class TlbBenchmark
{
    /** Loads per benchmark invocation; JMH divides by it, so the score is ns per load. */
    public static final int ACCESSES_PER_OP = 1024;

    /** The page kind: SMALL, THP, HUGETLB_2M, HUGETLB_1G. */
    @Param({"SMALL", "THP", "HUGETLB_2M", "HUGETLB_1G"})
    public String kind;

    /** The working set in bytes, a power of two. */
    @Param({"67108864", "268435456", "1073741824"})
    public long sizeBytes;

    /** The pattern: chase, chase-page, random. */
    @Param({"chase", "chase-page", "random"})
    public String pattern;

    private Region region;
    private PointerChaser chaser;
    private RandomReadStream reads;

    /**
     * Maps the region and writes the cycle.
     *
     * @throws IllegalStateException "not available: reason" when the kind cannot be had.
     */
    @Setup(Level.Trial)
    public void mapRegion()
    {
        final PageKind pageKind = PageKind.valueOf(kind);
        final AccessPattern accessPattern = AccessPattern.fromLabel(pattern);
        try
        {
            region = Region.builder(sizeBytes).pageKind(pageKind).fallback(false).map();
        }
        catch (final RegionMappingException ex)
        {
            throw new IllegalStateException(kind + " not available: " + String.join("; ", ex.reasons()), ex);
        }
        if (accessPattern.isDependent())
        {
            final int[] cycle = ChaseCycle.sattoloSuccessors((int)accessPattern.slotCount(sizeBytes),
                MeasurementPlan.FULL.seed());
            chaser = new PointerChaser(ChaseCycle.writePointers(region.address(), accessPattern, cycle));
        }
        else
        {
            reads = new RandomReadStream(region.address(), sizeBytes, MeasurementPlan.FULL.seed());
        }
    }

    /** Unmaps the region. */
    @TearDown(Level.Trial)
    public void unmapRegion()
    {
        if (region != null)
        {
            region.close();
        }
    }

    /** @return a value depending on every load, for JMH to consume. */
    @Benchmark
    @OperationsPerInvocation(ACCESSES_PER_OP)
    public long access()
    {
        if (chaser != null)
        {
            chaser.chase(ACCESSES_PER_OP);
            return chaser.position();
        }
        reads.read(ACCESSES_PER_OP);
        return reads.checksum();
    }
}
