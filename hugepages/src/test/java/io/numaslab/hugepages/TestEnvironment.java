package io.numaslab.hugepages;

import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.NumaTopology;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the machine offers the tests. Where a test needs huge pages the machine lacks, it is skipped with a
 * reason, unless {@code NUMASLAB_REQUIRE_HUGEPAGES=1} (set by .ci/run, which reserves them), where it fails.
 */
final class TestEnvironment
{
    private TestEnvironment()
    {
    }

    static long freeHugePages(final int node, final long pageSizeBytes)
    {
        return NumaTopology.readHugePagePool(node, pageSizeBytes).map(HugePagePool::freePages).orElse(0L);
    }

    static void requireFree2MPages(final int node, final long pages)
    {
        final long free = freeHugePages(node, HugePagePool.SIZE_2M);
        final String why = "needs " + pages + " free 2 MiB huge pages on node " + node + ", found " + free +
            " (reserve them: echo 64 > /proc/sys/vm/nr_hugepages)";
        if ("1".equals(System.getenv("NUMASLAB_REQUIRE_HUGEPAGES")) && free < pages)
        {
            fail(why);
        }
        assumeTrue(free >= pages, why);
    }

    static void requireLinux()
    {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "needs Linux");
    }
}
