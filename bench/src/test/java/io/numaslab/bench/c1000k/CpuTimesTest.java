package io.numaslab.bench.c1000k;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuTimesTest
{
    /** The all-CPU line: user nice system idle iowait irq softirq steal guest guest_nice. */
    @Test
    void theAllCpuLineIsSplitIntoUserKernelIdleAndSteal()
    {
        final CpuTimes times = CpuTimes.parse("cpu  100 5 200 1000 30 7 60 2 0 0");
        assertEquals(new CpuTimes(105, 267, 1030, 2), times);
    }

    @Test
    void theShareIsOfTheTimeBetweenTwoReadings()
    {
        final CpuTimes before = CpuTimes.parse("cpu  8119891 0 844681 7341816 14521 0 38237 9679 0 0");
        final CpuTimes after = CpuTimes.parse("cpu  8119969 0 844883 7341816 14521 0 38363 9679 0 0");
        final CpuTimes.Share share = before.until(after);
        // 78 user, 202 system + 126 softirq, no idle, no steal: 406 ticks
        assertEquals(100.0 * 78 / 406, share.userPercent(), 1e-9);
        assertEquals(100.0 * 328 / 406, share.kernelPercent(), 1e-9);
        assertEquals(0, share.idlePercent(), 1e-9);
        assertEquals("19 / 81 / 0", share.describe());
    }

    @Test
    void stealIsShownOnlyWhenItIsAtLeastOnePercent()
    {
        assertEquals("20 / 30 / 40 (steal 10)", new CpuTimes.Share(20, 30, 40, 10).describe());
        assertEquals("20 / 30 / 50", new CpuTimes.Share(20, 30, 49.5, 0.5).describe());
        assertEquals("-", CpuTimes.Share.UNKNOWN.describe());
    }

    @Test
    void otherLinesAndReadingsWithNoTimeBetweenAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> CpuTimes.parse("cpu0 1 2 3 4 5 6 7 8"));
        assertThrows(IllegalArgumentException.class, () -> CpuTimes.parse("cpu 1 2 3"));
        final CpuTimes same = CpuTimes.parse("cpu 1 2 3 4 5 6 7 8");
        assertThrows(IllegalArgumentException.class, () -> same.until(same));
    }

    @Test
    void theReportShowsTheShareAndNamesTheRunsWhoseCpusWereSaturated()
    {
        final RunResult busy = result("numaslab", new CpuTimes.Share(19, 81, 0.5, 0));
        final RunResult calm = result("pooled", new CpuTimes.Share(10, 20, 70, 0));
        final RunResult none = result("adaptive", CpuTimes.Share.UNKNOWN);
        final String report = Report.markdown(List.of(busy, calm, none), "", 1000, 10, 0.2, "none", 1);
        assertTrue(report.contains("| 19 / 81 / 1 |"), report);
        assertTrue(report.contains("| 10 / 20 / 70 |"), report);
        assertTrue(report.contains("| - |"), report);
        assertTrue(report.contains("saturated during the load of numaslab (50000 messages/s: idle 1%, kernel 81%, user 19%)"),
            report);
        assertFalse(report.contains("of pooled"), report);
        assertTrue(busy.toJson().contains("\"cpu\":{\"userPercent\":19.0,\"kernelPercent\":81.0"), busy.toJson());
        assertTrue(none.toJson().contains("\"cpu\":null"), none.toJson());
    }

    private static RunResult result(final String allocator, final CpuTimes.Share cpu)
    {
        return new RunResult(allocator, "epoll", 1000, 1000, 1, 1.0, 50_000, 52_000, 4000, 10_000, 100 << 20, 2000,
            1 << 21, 2097, 0, Map.of(), cpu, "");
    }
}
