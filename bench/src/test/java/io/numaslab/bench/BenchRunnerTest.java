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
