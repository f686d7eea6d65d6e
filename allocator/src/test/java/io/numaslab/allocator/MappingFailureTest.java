package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node the allocator cannot map on: it is refused when the allocator is built if the topology says so, and
 * otherwise each failed mapping is an {@link AllocationFailedException} naming the node, with the node's counts
 * left as they were and the configured fallback taken, whatever the mapping threw.
 */
class MappingFailureTest
{
    /** A node id no machine has: every mapping on it fails, here and in the multi-node VM alike. */
    private static final int UNMAPPABLE_NODE = 200;

    @Test
    void aNodeOutsideTheProcesssCpusetIsRefusedWhenTheAllocatorIsBuilt()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () ->
            NumaAllocator.builder().jmx(false).topology(RaceTestSupport.twoNodes(1, new int[] {0})).nodes(0, 1)
                .build());
        assertTrue(refused.getMessage().contains("node 1 is outside this process's cpuset"), refused.getMessage());
    }

    @Test
    void largeAllocationsThatCannotBeMappedLeaveTheNodesMappedBytesAlone()
    {
        try (NumaAllocator a = unmappableSecondNode(false))
        {
            a.bindCurrentThread(UNMAPPABLE_NODE);
            for (int attempt = 0; attempt < 3; attempt++)
            {
                final AllocationFailedException failed =
                    assertThrows(AllocationFailedException.class, () -> a.allocate(4 << 20));
                assertTrue(failed.getMessage().contains("node " + UNMAPPABLE_NODE), failed.getMessage());
                assertEquals(0, a.nodeStats(UNMAPPABLE_NODE).getReservedBytes(), "after attempt " + attempt);
            }
            assertEquals(3, a.nodeStats(UNMAPPABLE_NODE).getFailures());
        }
    }

    @Test
    void slotsAndPageRunsThatCannotBeMappedFailWithTheNodeNamed()
    {
        try (NumaAllocator a = unmappableSecondNode(false))
        {
            a.bindCurrentThread(UNMAPPABLE_NODE);
            for (final int size : new int[] {64, 128 * 1024})
            {
                final AllocationFailedException failed =
                    assertThrows(AllocationFailedException.class, () -> a.allocate(size));
                assertTrue(failed.getMessage().contains("node " + UNMAPPABLE_NODE), failed.getMessage());
            }
            assertEquals(0, a.nodeStats(UNMAPPABLE_NODE).getReservedBytes());
            assertEquals(0, a.nodeStats(UNMAPPABLE_NODE).getUsedBytes());
        }
    }

    @Test
    void theFallbackToAnotherNodeIsTakenWhenMappingFails()
    {
        try (NumaAllocator a = unmappableSecondNode(true))
        {
            a.bindCurrentThread(UNMAPPABLE_NODE);
            for (final int size : new int[] {64, 128 * 1024, 4 << 20})
            {
                final long address = a.allocate(size);
                assertNotEquals(0, address);
                a.free(address);
            }
            assertEquals(0, a.nodeStats(UNMAPPABLE_NODE).getReservedBytes());
            assertTrue(a.nodeStats(0).getFallbacks() + a.nodeStats(UNMAPPABLE_NODE).getFallbacks() >= 3);
        }
    }

    private static NumaAllocator unmappableSecondNode(final boolean fallback)
    {
        return NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).fallbackToOtherNodes(fallback)
            .topology(RaceTestSupport.twoNodes(UNMAPPABLE_NODE, null)).maintenanceInterval(Duration.ofHours(1)).build();
    }
}
