package io.numaslab.bench.tlb;

import io.numaslab.numa.HugePagePool;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The result of {@link TlbBench#run}: ns per access per (page kind, working set, pattern) for numaslab's
 * regions and the C reference side by side, ratios against 4 KiB pages and against C, and the notes that
 * say what could not be measured and why. Renders itself as Markdown and as JSON.
 *
 * @param machine        one line: CPU, CPUs, kernel, Java, THP mode, huge page pools at the start.
 * @param plan           the measurement plan used on both sides.
 * @param node           the node the memory was bound to.
 * @param cpu            the CPU the measuring thread and the C program were pinned to; -1 if not pinned.
 * @param pmu            whether hardware TLB counters exist here.
 * @param cSkippedReason null when the C reference ran, else why it did not.
 * @param rows           ordered by working set, pattern, page kind.
 * @param notes          what was skipped and why, and how to read the figures.
 * @param elapsedSeconds wall time of the run.
 */
public record TlbReport(
    String machine, MeasurementPlan plan, int node, int cpu, PmuStatus pmu, String cSkippedReason, List<TlbRow> rows,
    List<String> notes, double elapsedSeconds)
{
    /** Copies the lists. */
    public TlbReport
    {
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
    }

    /** @return how many rows have both figures, and how many of those are within 5% of C. */
    public int[] targetCounts()
    {
        return counts(TlbRow::isComparable, TlbRow::meetsTarget);
    }

    /**
     * @return how many rows have both C figures (C's loop in C's mapping and in numaslab's region), and how many of
     *         those are within 5% of each other.
     */
    public int[] regionTargetCounts()
    {
        return counts(TlbRow::isRegionComparable, TlbRow::regionMeetsTarget);
    }

    private int[] counts(final Predicate<TlbRow> comparable, final Predicate<TlbRow> meets)
    {
        int compared = 0;
        int met = 0;
        for (final TlbRow row : rows)
        {
            if (comparable.test(row))
            {
                compared++;
                met += meets.test(row) ? 1 : 0;
            }
        }
        return new int[] {compared, met};
    }

    /** @return the report as Markdown: a header of facts, one table, the notes. */
    public String toMarkdown()
    {
        final StringBuilder out = new StringBuilder();
        out.append("## TLB and page size: ns per access, numaslab Region vs C (mmap)\n\n");
        out.append("- machine: ").append(machine).append('\n');
        out.append("- plan: ").append(describePlan()).append("; memory bound to node ").append(node)
            .append(cpu >= 0 ? ", Java and C pinned to CPU " + cpu : ", not pinned").append('\n');
        out.append("- PMU: ").append(pmu.summary()).append(" (").append(pmu.evidence()).append(")\n");
        final int[] counts = targetCounts();
        out.append("- C reference: ").append(cSkippedReason == null ? "bench/c/pointer_chase.c, gcc -O2" : cSkippedReason)
            .append('\n');
        out.append("- target, numaslab within 5% of C for the same kind, size and pattern: ")
            .append(counts[0] == 0 ? "no comparable rows" : counts[1] + " of " + counts[0] + " rows").append('\n');
        final int[] regionCounts = regionTargetCounts();
        if (regionCounts[0] > 0)
        {
            out.append("- the region alone, C's loop in numaslab's region within 5% of the same loop in C's mapping: ")
                .append(regionCounts[1]).append(" of ").append(regionCounts[0]).append(" rows\n");
        }
        out.append("- run time: ").append(String.format(Locale.ROOT, "%.0f s", elapsedSeconds)).append("\n\n");
        out.append("| working set | pattern | page kind | numaslab ns/access | vs 4 KiB | C ns/access | C vs 4 KiB " +
            "| numaslab / C | within 5% of C | C in region ns/access | region / C | huge pages (numaslab / C) |\n");
        out.append("|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
        for (final TlbRow row : rows)
        {
            out.append("| ").append(HugePagePool.describeSize(row.sizeBytes()))
                .append(" | ").append(row.pattern().label())
                .append(" | ").append(row.kind())
                .append(" | ").append(row.unavailableReason() != null ? "not available: " + row.unavailableReason() :
                    fixed(row.nsPerAccess(), 1))
                .append(" | ").append(fixed(row.vsSmallPages(), 2))
                .append(" | ").append(row.cUnavailableReason() != null ? "not available: " + row.cUnavailableReason() :
                    fixed(row.cNsPerAccess(), 1))
                .append(" | ").append(fixed(row.cVsSmallPages(), 2))
                .append(" | ").append(row.isComparable() ? fixed(row.ratio(), 3) : "")
                .append(" | ").append(row.isComparable() ? (row.meetsTarget() ? "yes" : "**no**") : "n/a")
                .append(" | ").append(fixed(row.cLoopInRegionNsPerAccess(), 1))
                .append(" | ").append(row.isRegionComparable() ? fixed(row.regionRatio(), 3) : "")
                .append(" | ").append(percent(row.hugePageFraction())).append(" / ").append(percent(row.cHugePageFraction()))
                .append(" |\n");
        }
        if (!notes.isEmpty())
        {
            out.append('\n');
            for (final String note : notes)
            {
                out.append("- ").append(note).append('\n');
            }
        }
        return out.toString();
    }

    /** @return the report as one JSON object: machine, plan, pmu, rows (every field of {@link TlbRow}), notes. */
    public String toJson()
    {
        final StringBuilder out = new StringBuilder();
        out.append("{\n  \"benchmark\": \"tlb\",\n");
        out.append("  \"machine\": ").append(JsonText.quote(machine)).append(",\n");
        out.append("  \"plan\": {\"chaseAccesses\": ").append(plan.chaseAccesses())
            .append(", \"randomAccesses\": ").append(plan.randomAccesses())
            .append(", \"reps\": ").append(plan.reps())
            .append(", \"seed\": ").append(plan.seed()).append("},\n");
        out.append("  \"node\": ").append(node).append(",\n");
        out.append("  \"cpu\": ").append(cpu).append(",\n");
        out.append("  \"pmu\": {\"available\": ").append(pmu.available())
            .append(", \"summary\": ").append(JsonText.quote(pmu.summary()))
            .append(", \"evidence\": ").append(JsonText.quote(pmu.evidence())).append("},\n");
        out.append("  \"cReference\": {\"ran\": ").append(cSkippedReason == null)
            .append(", \"reason\": ").append(JsonText.quote(cSkippedReason)).append("},\n");
        out.append("  \"targetTolerance\": ").append(JsonText.number(TlbRow.TARGET_TOLERANCE)).append(",\n");
        out.append("  \"elapsedSeconds\": ").append(JsonText.number(elapsedSeconds)).append(",\n");
        out.append("  \"rows\": [");
        for (int i = 0; i < rows.size(); i++)
        {
            final TlbRow row = rows.get(i);
            out.append(i == 0 ? "\n" : ",\n")
                .append("    {\"kind\": ").append(JsonText.quote(row.kind().name()))
                .append(", \"sizeBytes\": ").append(row.sizeBytes())
                .append(", \"pattern\": ").append(JsonText.quote(row.pattern().label()))
                .append(", \"nsPerAccess\": ").append(JsonText.number(row.nsPerAccess()))
                .append(", \"vsSmallPages\": ").append(JsonText.number(row.vsSmallPages()))
                .append(", \"hugePageFraction\": ").append(JsonText.number(row.hugePageFraction()))
                .append(", \"unavailableReason\": ").append(JsonText.quote(row.unavailableReason()))
                .append(", \"cNsPerAccess\": ").append(JsonText.number(row.cNsPerAccess()))
                .append(", \"cVsSmallPages\": ").append(JsonText.number(row.cVsSmallPages()))
                .append(", \"cHugePageFraction\": ").append(JsonText.number(row.cHugePageFraction()))
                .append(", \"cUnavailableReason\": ").append(JsonText.quote(row.cUnavailableReason()))
                .append(", \"ratio\": ").append(JsonText.number(row.ratio()))
                .append(", \"meetsTarget\": ").append(row.isComparable() ? Boolean.toString(row.meetsTarget()) : "null")
                .append(", \"cLoopInRegionNsPerAccess\": ").append(JsonText.number(row.cLoopInRegionNsPerAccess()))
                .append(", \"regionRatio\": ").append(JsonText.number(row.regionRatio()))
                .append(", \"regionMeetsTarget\": ")
                .append(row.isRegionComparable() ? Boolean.toString(row.regionMeetsTarget()) : "null")
                .append('}');
        }
        out.append(rows.isEmpty() ? "],\n" : "\n  ],\n");
        out.append("  \"notes\": ").append(JsonText.stringArray(notes)).append("\n}\n");
        return out.toString();
    }

    private String describePlan()
    {
        return String.format(Locale.ROOT, "chase %,d accesses and random %,d accesses per pass, 1 untimed + %d timed " +
            "passes, best pass; seed %d; clock: %s", plan.chaseAccesses(), plan.randomAccesses(), plan.reps(), plan.seed(),
            AccessTimer.clockName());
    }

    private static String fixed(final double value, final int decimals)
    {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String percent(final double fraction)
    {
        return Double.isNaN(fraction) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }
}
