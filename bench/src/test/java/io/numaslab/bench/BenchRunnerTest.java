package io.numaslab.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchRunnerTest
{
    /** --help prints the usage and runs nothing: before, it was refused as an unknown option. */
    @Test
    void helpPrintsTheUsageAndWritesNoResults(@TempDir final Path dir) throws Exception
    {
        final java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        final java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try
        {
            BenchRunner.main(new String[] {"--results", dir.toString(), "--help"});
        }
        finally
        {
            System.setOut(out);
        }
        final String usage = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        for (final String option : List.of("--quick", "--only REGEX", "--results DIR"))
        {
            assertTrue(usage.contains(option), usage);
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir))
        {
            assertEquals(0, files.count(), "--help wrote results");
        }
    }

    @Test
    void theIndexListsEveryOtherMarkdownResultByItsTitle(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("README.md"), "# numaslab benchmark results\n");
        Files.writeString(dir.resolve("tlb.md"), "# Page size and TLB, against C\n");
        Files.writeString(dir.resolve("pair-floor.md"), "intro\n\n# The floor of a pair\n\n## details\n");
        Files.writeString(dir.resolve("cross-thread.md"), "no heading\n");
        Files.writeString(dir.resolve("jmh.json"), "{}\n");
        assertEquals(List.of(
                "- `cross-thread.md` (command inside)",
                "- `pair-floor.md`: The floor of a pair (command inside)"),
            BenchRunner.otherResultFiles(dir, Set.of("README.md", "tlb.md")));
        assertTrue(BenchRunner.NAMED_RESULT_FILES.containsKey("tlb.md"), "the runner names tlb.md itself");
    }
}
