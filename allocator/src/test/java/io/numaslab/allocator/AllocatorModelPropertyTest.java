package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.slab.InvalidFreeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random allocate/free sequences, with invalid frees mixed in, checked against a model of live intervals. */
class AllocatorModelPropertyTest
{
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void randomSequencesMatchTheModel(final long seed)
    {
        final Random random = new Random(seed);
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(4 << 20).threadCacheBytes(random.nextInt(256 * 1024)).retainedEmptyChunks(random.nextInt(3))
            .build())
        {
            final TreeMap<Long, Integer> live = new TreeMap<>();
            final List<Long> order = new ArrayList<>();
            long usableTotal = 0;
            for (int op = 0; op < 30_000; op++)
            {
                final int dice = random.nextInt(100);
                if (dice < 55 || live.isEmpty())
                {
                    final int size = randomSize(random);
                    final long address = allocator.allocate(size);
                    final int usable = allocator.usableSize(address);
                    assertTrue(usable >= size);
                    final Map.Entry<Long, Integer> below = live.floorEntry(address);
                    assertTrue(below == null || below.getKey() + below.getValue() <= address, "overlap below");
                    final Long above = live.ceilingKey(address);
                    assertTrue(above == null || address + usable <= above, "overlap above");
                    live.put(address, usable);
                    order.add(address);
                    usableTotal += usable;
                }
                else if (dice < 95)
                {
                    final long address = order.remove(random.nextInt(order.size()));
                    usableTotal -= live.remove(address);
                    allocator.free(address);
                }
                else
                {
                    // an invalid free: a freed address, or an interior pointer of a live one
                    final long victim = live.isEmpty() ? 0x1000 : order.get(random.nextInt(order.size()));
                    final long bad = random.nextBoolean() ? victim + 8 : victim;
                    if (bad != victim)
                    {
                        assertThrows(InvalidFreeException.class, () -> allocator.free(bad));
                    }
                }
                if (op % 5000 == 0)
                {
                    assertEquals(usableTotal, allocator.stats().getUsedBytes(), "used bytes at op " + op);
                }
            }
            assertEquals(usableTotal, allocator.stats().getUsedBytes());
            for (final long address : order)
            {
                allocator.free(address);
                assertThrows(InvalidFreeException.class, () -> allocator.free(address));
            }
            allocator.trimCurrentThreadCache();
            assertEquals(0, allocator.stats().getUsedBytes());
            assertEquals(0, allocator.stats().getCachedBytes());
            assertEquals(allocator.stats().getAllocations(), allocator.stats().getFrees());
        }
    }

    private static int randomSize(final Random random)
    {
        final int kind = random.nextInt(100);
        if (kind < 70)
        {
            return 1 + random.nextInt(1024);
        }
        if (kind < 95)
        {
            return 1 + random.nextInt(65536);
        }
        return 65537 + random.nextInt(3 << 20);
    }
}
