package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlbBenchTest
{
    @Test
    void aTinyRunOfSmallPagesGivesOneRowPerPatternAgainstItself()
    {
        final TlbOptions options = new TlbOptions(List.of(1L << 20), List.of(PageKind.SMALL),
            List.of(AccessPattern.values()), new MeasurementPlan(10_000, 10_000, 1, 42), false, null, -1, -1, false);
        final TlbReport report = TlbBench.run(options);
        assertEquals(3, report.rows().size(), report.toMarkdown());
        for (final TlbRow row : report.rows())
        {
            assertTrue(row.nsPerAccess() > 0, row.toString());
            assertEquals(1.0, row.vsSmallPages(), 1e-12, "SMALL against itself");
            assertFalse(row.isComparable(), "no C figure with --no-c");
            assertTrue(row.cUnavailableReason().contains("--no-c"), row.cUnavailableReason());
        }
    }

    @Test
    void quickOptionsStopAtMaxSize()
    {
        final TlbOptions options = TlbOptions.parse("--quick", "--max-size", "256M", "--no-c");
        assertEquals(List.of(64L << 20, 256L << 20), options.sizesBytes());
        assertEquals(MeasurementPlan.QUICK.chaseAccesses(), options.plan().chaseAccesses());
        assertFalse(options.cReference());
    }

    @Test
    void sizesThatAreNotPowersOfTwoAndUnknownOptionsAreRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> TlbOptions.parse("--sizes", "96M"));
        assertThrows(IllegalArgumentException.class, () -> TlbOptions.parse("--sizes", "512K"));
        assertThrows(IllegalArgumentException.class, () -> TlbOptions.parse("--fast"));
        assertEquals(8L << 30, ByteSizes.parse("8G"));
        assertEquals(512L << 20, ByteSizes.parse("512MiB"));
    }

    @Test
    void thePmuProbeNeverClaimsCountersItDidNotRead()
    {
        final PmuStatus pmu = PmuProbe.probe();
        if (pmu.available())
        {
            assertTrue(pmu.evidence().contains("counted"), pmu.evidence());
        }
        else
        {
            assertTrue(pmu.summary().contains("TLB effects are measured by timing"), pmu.summary());
        }
    }
}
