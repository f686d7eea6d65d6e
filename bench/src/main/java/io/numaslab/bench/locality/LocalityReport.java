package io.numaslab.bench.locality;

import io.numaslab.bench.tlb.JsonText;
import io.numaslab.numa.HugePagePool;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The result of {@link LocalityBench#run}: latency and bandwidth for every (CPU node, memory node) pair,
 * with the placement check of each region, or the one line "1 NUMA node: nothing to compare". Renders
 * itself as Markdown and as JSON.
 *
 * @param nodeCount         NUMA nodes with memory this process may use.
 * @param topology          one line per node: CPUs, memory, distances.
 * @param setup             one line: working set, page kind, passes, threads.
 * @param timingsMeaningful false inside the NUMA VM (emulated CPU) or where a pin did not hold.
 * @param rows              one per pair, by CPU node then memory node; empty when there is nothing to compare.
 * @param notes             how to read the figures; what was not as asked.
 * @param elapsedSeconds    wall time of the run.
 */
public record LocalityReport(
    int nodeCount, List<String> topology, String setup, boolean timingsMeaningful, List<NodePairRow> rows,
    List<String> notes, double elapsedSeconds)
{
    /** What the report says on a machine with one node. */
    public static final String NOTHING_TO_COMPARE = "1 NUMA node: nothing to compare";

    /** Copies the lists. */
    public LocalityReport
    {
        topology = List.copyOf(topology);
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
    }

    /** @return true when no pair was measured because there is only one node. */
    public boolean nothingToCompare()
    {
        return rows.isEmpty() && nodeCount < 2;
    }

    /** @return true when every measured region had all its pages on its memory node (vacuously on one node). */
    public boolean placementVerified()
    {
        return rows.stream().allMatch(NodePairRow::placementOk);
    }

    /** @return the report as Markdown: facts, one table (or "nothing to compare"), notes. */
    public String toMarkdown()
    {
        final StringBuilder out = new StringBuilder();
        out.append("## NUMA locality: latency and bandwidth from each node's CPUs to each node's memory\n\n");
        if (nothingToCompare())
        {
            out.append(NOTHING_TO_COMPARE).append("\n\n");
            topology.forEach(line -> out.append("- ").append(line).append('\n'));
            notes.forEach(note -> out.append("- ").append(note).append('\n'));
            return out.toString();
        }
        topology.forEach(line -> out.append("- ").append(line).append('\n'));
        out.append("- setup: ").append(setup).append('\n');
        out.append("- placement (move_pages, every page of every region on its memory node): ")
            .append(placementVerified() ? "verified" : "**FAILED**").append('\n');
        out.append("- timings: ").append(timingsMeaningful ? "meaningful on this machine" :
            "**not meaningful here** (see notes): compare placement only").append('\n');
        out.append("- run time: ").append(String.format(Locale.ROOT, "%.0f s", elapsedSeconds)).append("\n\n");
        out.append("| CPU node | memory node | distance | CPUs | page kind | latency ns/access | vs local " +
            "| bandwidth GB/s | vs local | pages on memory node |\n");
        out.append("|---|---|---:|---|---|---:|---:|---:|---:|---|\n");
        for (final NodePairRow row : rows)
        {
            out.append("| ").append(row.cpuNode())
                .append(" | ").append(row.memoryNode())
                .append(" | ").append(row.distance() < 0 ? "?" : Integer.toString(row.distance()))
                .append(" | ").append(row.cpusUsed().stream().map(String::valueOf).collect(Collectors.joining(",")))
                .append(row.pinnedOnCpuNode() ? "" : " (pin did not hold)")
                .append(" | ").append(row.pageKind()).append(row.fallbackReasons().isEmpty() ? "" : " (fallback)")
                .append(" | ").append(fixed(row.latencyNsPerAccess(), 1))
                .append(" | ").append(fixed(row.latencyVsLocal(), 2))
                .append(" | ").append(fixed(row.gigabytesPerSecond(), 2))
                .append(" | ").append(fixed(row.bandwidthVsLocal(), 2))
                .append(" | ").append(row.pagesOnMemoryNode()).append(" of ").append(row.pageCount())
                .append(row.placementOk() ? "" : " **off node**")
                .append(" |\n");
        }
        if (!notes.isEmpty())
        {
            out.append('\n');
            notes.forEach(note -> out.append("- ").append(note).append('\n'));
        }
        return out.toString();
    }

    /** @return the report as one JSON object. */
    public String toJson()
    {
        final StringBuilder out = new StringBuilder();
        out.append("{\n  \"benchmark\": \"locality\",\n");
        out.append("  \"nodeCount\": ").append(nodeCount).append(",\n");
        out.append("  \"nothingToCompare\": ").append(nothingToCompare()).append(",\n");
        if (nothingToCompare())
        {
            out.append("  \"message\": ").append(JsonText.quote(NOTHING_TO_COMPARE)).append(",\n");
        }
        out.append("  \"topology\": ").append(JsonText.stringArray(topology)).append(",\n");
        out.append("  \"setup\": ").append(JsonText.quote(setup)).append(",\n");
        out.append("  \"timingsMeaningful\": ").append(timingsMeaningful).append(",\n");
        out.append("  \"placementVerified\": ").append(placementVerified()).append(",\n");
        out.append("  \"elapsedSeconds\": ").append(JsonText.number(elapsedSeconds)).append(",\n");
        out.append("  \"rows\": [");
        for (int i = 0; i < rows.size(); i++)
        {
            final NodePairRow row = rows.get(i);
            out.append(i == 0 ? "\n" : ",\n")
                .append("    {\"cpuNode\": ").append(row.cpuNode())
                .append(", \"memoryNode\": ").append(row.memoryNode())
                .append(", \"distance\": ").append(row.distance())
                .append(", \"cpusUsed\": ").append(row.cpusUsed())
                .append(", \"pinnedOnCpuNode\": ").append(row.pinnedOnCpuNode())
                .append(", \"pageKind\": ").append(JsonText.quote(row.pageKind().name()))
                .append(", \"fallbackReasons\": ").append(JsonText.stringArray(row.fallbackReasons()))
                .append(", \"sizeBytes\": ").append(row.sizeBytes())
                .append(", \"latencyNsPerAccess\": ").append(JsonText.number(row.latencyNsPerAccess()))
                .append(", \"latencyVsLocal\": ").append(JsonText.number(row.latencyVsLocal()))
                .append(", \"bandwidthGBps\": ").append(JsonText.number(row.gigabytesPerSecond()))
                .append(", \"bandwidthVsLocal\": ").append(JsonText.number(row.bandwidthVsLocal()))
                .append(", \"pagesOnMemoryNode\": ").append(row.pagesOnMemoryNode())
                .append(", \"pageCount\": ").append(row.pageCount())
                .append(", \"placementOk\": ").append(row.placementOk())
                .append('}');
        }
        out.append(rows.isEmpty() ? "],\n" : "\n  ],\n");
        out.append("  \"notes\": ").append(JsonText.stringArray(notes)).append("\n}\n");
        return out.toString();
    }

    private static String fixed(final double value, final int decimals)
    {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /**
     * @param sizeBytes a size.
     * @return it in binary units, e.g. "16 MiB".
     */
    static String describeSize(final long sizeBytes)
    {
        return HugePagePool.describeSize(sizeBytes);
    }
}
