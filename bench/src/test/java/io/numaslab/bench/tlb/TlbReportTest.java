package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlbReportTest
{
    private static final long SIZE = 64L << 20;

    private static TlbReport report()
    {
        final TlbRow small = new TlbRow(PageKind.SMALL, SIZE, AccessPattern.CHASE, 100.0, 1.0, 0.0, null,
            98.0, 1.0, 0.0, null, 99.0);
        final TlbRow thp = new TlbRow(PageKind.THP, SIZE, AccessPattern.CHASE, 80.0, 0.8, 1.0, null,
            70.0, 70.0 / 98.0, 1.0, null, 77.0);
        final TlbRow gig = new TlbRow(PageKind.HUGETLB_1G, SIZE, AccessPattern.CHASE, Double.NaN, Double.NaN,
            Double.NaN, "HUGETLB_1G: node 0 has 0 free 1 GiB pages (needs 1)", Double.NaN, Double.NaN, Double.NaN,
            "HUGETLB_1G: mmap of 1 GiB failed with \"ENOMEM\"", Double.NaN);
        final PmuStatus pmu = new PmuStatus(false, PmuStatus.NO_PMU_SUMMARY, "perf stat -e instructions: not supported");
        return new TlbReport("test machine", MeasurementPlan.QUICK, 0, 1, pmu, null, List.of(small, thp, gig),
            List.of("a note"), 12.5);
    }

    @Test
    void aRowWithin5PercentOfCMeetsTheTargetAndOneOutsideDoesNot()
    {
        final TlbReport report = report();
        assertTrue(report.rows().get(0).meetsTarget(), "100 vs 98 ns is within 5%");
        assertFalse(report.rows().get(1).meetsTarget(), "80 vs 70 ns is 14% slower");
        assertFalse(report.rows().get(2).isComparable());
        assertArrayEquals(new int[] {2, 1}, report.targetCounts());
        assertTrue(report.rows().get(0).regionMeetsTarget(), "C's loop: 99 in the region vs 98 ns in C's mapping");
        assertFalse(report.rows().get(1).regionMeetsTarget(), "C's loop: 77 vs 70 ns is 10% slower");
        assertFalse(report.rows().get(2).isRegionComparable());
        assertArrayEquals(new int[] {2, 1}, report.regionTargetCounts());
    }

    @Test
    void markdownHasOneTableRowPerRowWithRatiosVerdictsAndReasons()
    {
        final String markdown = report().toMarkdown();
        assertTrue(markdown.contains("| working set | pattern | page kind | numaslab ns/access | vs 4 KiB |"), markdown);
        assertTrue(markdown.contains("| 64 MiB | chase | SMALL | 100.0 | 1.00 | 98.0 | 1.00 | 1.020 | yes | 99.0 | 1.010 | 0% / 0% |"),
            markdown);
        assertTrue(markdown.contains("| 64 MiB | chase | THP | 80.0 | 0.80 | 70.0 | 0.71 | 1.143 | **no** | 77.0 | 1.100 | 100% / 100% |"),
            markdown);
        assertTrue(markdown.contains("not available: HUGETLB_1G: node 0 has 0 free 1 GiB pages (needs 1)"), markdown);
        assertTrue(markdown.contains(PmuStatus.NO_PMU_SUMMARY), markdown);
        assertTrue(markdown.contains("within 5% of C for the same kind, size and pattern: 1 of 2 rows"), markdown);
        assertTrue(markdown.contains("the same loop in C's mapping: 1 of 2 rows"), markdown);
        assertTrue(markdown.contains("- a note"), markdown);
    }

    @Test
    void jsonHasEveryRowFieldWithNullForMissingFiguresAndEscapedQuotes()
    {
        final String json = report().toJson();
        assertTrue(json.contains("\"benchmark\": \"tlb\""), json);
        assertTrue(json.contains("{\"kind\": \"SMALL\", \"sizeBytes\": 67108864, \"pattern\": \"chase\", " +
            "\"nsPerAccess\": 100, \"vsSmallPages\": 1, \"hugePageFraction\": 0, \"unavailableReason\": null, " +
            "\"cNsPerAccess\": 98, \"cVsSmallPages\": 1, \"cHugePageFraction\": 0, \"cUnavailableReason\": null, " +
            "\"ratio\": 1.0204, \"meetsTarget\": true, \"cLoopInRegionNsPerAccess\": 99, \"regionRatio\": 1.0102, " +
            "\"regionMeetsTarget\": true}"), json);
        assertTrue(json.contains("\"regionMeetsTarget\": null"), json);
        assertTrue(json.contains("\"nsPerAccess\": null"), json);
        assertTrue(json.contains("\"meetsTarget\": null"), json);
        assertTrue(json.contains("failed with \\\"ENOMEM\\\""), json);
        assertTrue(json.contains("\"pmu\": {\"available\": false"), json);
        assertEquals(count(json, '{'), count(json, '}'), "balanced braces");
        assertEquals(count(json, '['), count(json, ']'), "balanced brackets");
    }

    @Test
    void jsonTextEscapesControlCharactersAndWritesNaNAsNull()
    {
        assertEquals("\"a\\\\b\\n\\u0001\"", JsonText.quote("a\\b\n\u0001"));
        assertEquals("null", JsonText.number(Double.NaN));
        assertEquals("87.3", JsonText.number(87.3));
        assertEquals("2", JsonText.number(2.0));
    }

    private static long count(final String text, final char c)
    {
        return text.chars().filter(x -> x == c).count();
    }
}
