package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;

/**
 * Runs {@link TlbBenchmark} under JMH for the sizes, kinds and patterns of a {@link TlbOptions}, with
 * {@code -prof perfnorm} (hardware counters per access: dTLB-load-misses, cycles, ...) where
 * {@link PmuProbe} finds a hardware PMU. Without one it says so and runs the timings alone: it never
 * prints counters it could not read.
 */
public final class TlbJmhRunner
{
    private TlbJmhRunner()
    {
    }

    /**
     * @param args the options of {@link TlbOptions#USAGE} (sizes, kinds, patterns; the plan is JMH's own).
     * @throws RunnerException if JMH fails.
     */
    public static void main(final String[] args) throws RunnerException
    {
        final TlbOptions options = TlbOptions.parse(args);
        final PmuStatus pmu = PmuProbe.probe();
        System.out.println("PMU: " + pmu.summary());
        System.out.println("     " + pmu.evidence());
        run(options, pmu.available());
    }

    /**
     * @param options  sizes, kinds, patterns.
     * @param perfnorm whether to add JMH's perfnorm profiler (only where a PMU was found).
     * @return JMH's results, one per parameter combination that ran.
     * @throws RunnerException if JMH fails.
     */
    public static Collection<RunResult> run(final TlbOptions options, final boolean perfnorm) throws RunnerException
    {
        final ChainedOptionsBuilder builder = new OptionsBuilder()
            .include(TlbBenchmark.class.getName() + ".access")
            .param("kind", options.kinds().stream().map(PageKind::name).toArray(String[]::new))
            .param("sizeBytes", options.sizesBytes().stream().map(String::valueOf).toArray(String[]::new))
            .param("pattern", options.patterns().stream().map(AccessPattern::label).toArray(String[]::new));
        if (perfnorm)
        {
            builder.addProfiler("perfnorm");
        }
        return new Runner(builder.build()).run();
    }
}
