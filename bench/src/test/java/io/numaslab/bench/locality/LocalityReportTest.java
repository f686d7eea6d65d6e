package io.numaslab.bench.locality;

import io.numaslab.hugepages.PageKind;
import io.numaslab.numa.NumaTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalityReportTest
{
    @Test
    void oneNodeReportsNothingToCompareAndMeasuresNothing(@TempDir final Path sysfs) throws IOException
    {
        Files.writeString(sysfs.resolve("online"), "0\n");
        final Path node = Files.createDirectories(sysfs.resolve("node0"));
        Files.writeString(node.resolve("cpulist"), "0-1\n");
        Files.writeString(node.resolve("meminfo"), "Node 0 MemTotal:  1048576 kB\nNode 0 MemFree:  524288 kB\n");
        Files.writeString(node.resolve("distance"), "10\n");
        final NumaTopology oneNode = NumaTopology.read(sysfs, null, null);

        final LocalityReport report = LocalityBench.run(LocalityOptions.small(), oneNode);

        assertTrue(report.nothingToCompare());
        assertTrue(report.rows().isEmpty());
        assertTrue(report.placementVerified(), "nothing placed, nothing wrong");
        assertTrue(report.toMarkdown().contains("1 NUMA node: nothing to compare"), report.toMarkdown());
        assertTrue(report.toJson().contains("\"nothingToCompare\": true"), report.toJson());
        assertTrue(report.toJson().contains("\"message\": \"1 NUMA node: nothing to compare\""), report.toJson());
    }

    @Test
    void twoNodesRenderEveryPairWithRatiosAndFlagPagesOffNode()
    {
        final NodePairRow local = new NodePairRow(0, 0, 10, List.of(0), true, PageKind.THP, List.of(), 16L << 20,
            100.0, 1.0, 20e9, 1.0, 4096, 4096);
        final NodePairRow remote = new NodePairRow(0, 1, 20, List.of(0), true, PageKind.THP, List.of(), 16L << 20,
            150.0, 1.5, 15e9, 0.75, 4000, 4096);
        final LocalityReport report = new LocalityReport(2, List.of("2 NUMA node(s)"), "16 MiB per pair", false,
            List.of(local, remote), List.of("timings are not meaningful in the VM"), 3.0);

        assertFalse(report.nothingToCompare());
        assertFalse(report.placementVerified(), "96 pages of the remote region are off node");
        final String markdown = report.toMarkdown();
        assertTrue(markdown.contains("| 0 | 0 | 10 | 0 | THP | 100.0 | 1.00 | 20.00 | 1.00 | 4096 of 4096 |"), markdown);
        assertTrue(markdown.contains("| 0 | 1 | 20 | 0 | THP | 150.0 | 1.50 | 15.00 | 0.75 | 4000 of 4096 **off node** |"),
            markdown);
        assertTrue(markdown.contains("**FAILED**"), markdown);
        assertTrue(markdown.contains("**not meaningful here**"), markdown);
        final String json = report.toJson();
        assertTrue(json.contains("\"cpuNode\": 0, \"memoryNode\": 1, \"distance\": 20, \"cpusUsed\": [0]"), json);
        assertTrue(json.contains("\"bandwidthGBps\": 15, \"bandwidthVsLocal\": 0.75"), json);
        assertTrue(json.contains("\"placementOk\": false"), json);
        assertTrue(json.contains("\"placementVerified\": false"), json);
        assertEquals(json.chars().filter(c -> c == '{').count(), json.chars().filter(c -> c == '}').count());
    }

    @Test
    void smallOptionsAreSmallAndParseable()
    {
        final LocalityOptions small = LocalityOptions.parse("--small", "--bandwidth-threads", "all");
        assertEquals(16L << 20, small.sizeBytes());
        assertEquals(0, small.bandwidthThreads());
        assertEquals(PageKind.HUGETLB_2M, LocalityOptions.parse("--page-kind", "hugetlb_2m").pageKind());
    }
}
