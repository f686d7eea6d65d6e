package io.numaslab.bench.tlb;

/**
 * Whether this machine's hardware performance counters can be read, as found by {@link PmuProbe}.
 *
 * @param available true when {@code perf stat -e instructions} counted, so JMH's {@code -prof perfnorm} can
 *                  report dTLB misses per access.
 * @param summary   one line for the report: the counters to use, or why there are none.
 * @param evidence  what the probe saw (sysfs PMU devices, perf's answer, perf_event_paranoid).
 */
public record PmuStatus(boolean available, String summary, String evidence)
{
    /** The report's line when there is no hardware PMU. */
    public static final String NO_PMU_SUMMARY =
        "no hardware PMU: TLB counters not available; TLB effects are measured by timing";
}
