package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Region;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.NumaTopology;
import io.numaslab.slab.InvalidFreeException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NumaAllocatorTest
{
    private NumaAllocator allocator;

    private NumaAllocator allocator(final NumaAllocator.Builder builder)
    {
        allocator = builder.build();
        return allocator;
    }

    @AfterEach
    void close()
    {
        if (allocator != null)
        {
            allocator.close();
        }
    }

    @Test
    void allocationsAreDistinctWritableAndAtLeastTheirSize()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final TreeMap<Long, Integer> live = new TreeMap<>();
        final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        for (int size = 1; size <= 70_000; size = size * 3 / 2 + 1)
        {
            for (int k = 0; k < 5; k++)
            {
                final long address = a.allocate(size);
                assertEquals(0, address % 16, "16-byte aligned");
                assertTrue(a.usableSize(address) >= size);
                final Map.Entry<Long, Integer> below = live.floorEntry(address);
                assertTrue(below == null || below.getKey() + below.getValue() <= address, "overlaps " + below);
                final Long above = live.ceilingKey(address);
                assertTrue(above == null || address + size <= above, "overlaps the next allocation");
                live.put(address, size);
                a.wrap(address, buffer).setMemory(0, size, (byte)size);
            }
        }
        for (final Map.Entry<Long, Integer> e : live.entrySet())
        {
            a.wrap(e.getKey(), buffer);
            assertEquals((byte)(int)e.getValue(), buffer.getByte(0));
            assertEquals((byte)(int)e.getValue(), buffer.getByte(e.getValue() - 1));
            a.free(e.getKey());
        }
        a.trimCurrentThreadCache();
        assertEquals(0, a.stats().getUsedBytes());
        assertEquals(a.stats().getAllocations(), a.stats().getFrees());
    }

    @Test
    void aPageRunOnThePagesOfTheLastAllocationsRetiredSlabFreesNormally()
    {
        // The free path first tries the slab of the thread's last allocation; once that slab is retired and its
        // pages are a page run, the guess must claim nothing, or the run's free would be refused as a double free.
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long slot = a.allocate(64);
        a.free(slot);
        a.trimCurrentThreadCache(); // the slab empties and its pages go back to its chunk
        final long run = a.allocate(100_000);
        assertTrue(run <= slot && slot < run + 100_000, "the run took the old slab's pages: run 0x" +
            Long.toHexString(run) + ", old slot 0x" + Long.toHexString(slot));
        a.free(run);
        assertEquals(0, a.stats().getUsedBytes());
    }

    @Test
    void aDoubleFreeIsCaughtWhetherOrNotTheAddressIsInTheLastAllocationsSlab()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long small = a.allocate(64);
        final long other = a.allocate(5000); // now the last allocation's slab is another class's
        a.free(small);
        assertThrows(InvalidFreeException.class, () -> a.free(small));
        a.free(other);
        assertThrows(InvalidFreeException.class, () -> a.free(other));
        final long again = a.allocate(64);
        assertThrows(InvalidFreeException.class, () -> a.free(again + 16), "interior pointer of the guessed slab");
        a.free(again);
    }

    @Test
    @SuppressWarnings("deprecation") // Thread.getId(), as the allocator's cache index uses
    void threadsWhoseIdsShareACacheSlotEachGetTheirOwnCache() throws Exception
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
        final java.util.concurrent.ConcurrentHashMap<Thread, ThreadAllocator> handles = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final Runnable work = () ->
        {
            try
            {
                final ThreadAllocator handle = a.threadAllocator();
                handles.put(Thread.currentThread(), handle);
                barrier.await(); // both threads alive at once, both holding a cache
                for (int i = 0; i < 10_000; i++)
                {
                    final long address = a.allocate(64);
                    handle.free(handle.allocate(32));
                    a.free(address);
                }
                assertTrue(a.threadAllocator() == handle, "the thread kept its own cache");
            }
            catch (final Throwable t)
            {
                failures.add(t);
            }
        };
        final Thread first = new Thread(work, "first");
        Thread second = new Thread(work, "second");
        while ((second.getId() & 1023) != (first.getId() & 1023))
        {
            second = new Thread(work, "second");
        }
        first.start();
        second.start();
        first.join();
        second.join();
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertEquals(2, handles.size());
        assertNotEquals(handles.get(first), handles.get(second));
    }

    @Test
    void aThreadThatKeepsWorkingKeepsItsCacheAndOneThatStopsTrimsIt()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        assertFalse(a.trimCurrentThreadCacheIfIdle(), "no cache yet");
        a.free(a.allocate(100));
        assertFalse(a.trimCurrentThreadCacheIfIdle(), "it worked since the last check");
        a.free(a.allocate(100));
        assertFalse(a.trimCurrentThreadCacheIfIdle(), "it worked since the last check");
        assertTrue(a.stats().getCachedBytes() > 0);
        assertTrue(a.trimCurrentThreadCacheIfIdle(), "idle since the last check");
        assertEquals(0, a.stats().getCachedBytes());
        assertFalse(a.trimCurrentThreadCacheIfIdle(), "nothing left to trim");
    }

    @Test
    @org.junit.jupiter.api.condition.EnabledForJreRange(min = org.junit.jupiter.api.condition.JRE.JAVA_21)
    void aVirtualThreadGetsASmallCacheAndAPlatformThreadAFullOne() throws Exception
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final int size = 1000;
        final long[] cachedAfterChurn = new long[2];
        final Runnable churn = () ->
        {
            final long[] addresses = new long[200];
            for (int i = 0; i < addresses.length; i++)
            {
                addresses[i] = a.allocate(size);
            }
            for (final long address : addresses)
            {
                a.free(address);
            }
        };
        final Thread platform = new Thread(() ->
        {
            churn.run();
            cachedAfterChurn[0] = a.stats().getCachedBytes();
            a.trimCurrentThreadCache();
        });
        platform.start();
        platform.join();
        // Thread.ofVirtual().unstarted(...) through reflection: this code compiles for Java 17
        final Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        final Thread virtual = (Thread)Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class)
            .invoke(builder, (Runnable)() ->
            {
                churn.run();
                cachedAfterChurn[1] = a.stats().getCachedBytes();
                a.trimCurrentThreadCache();
            });
        assertTrue(VirtualThreads.isVirtual(virtual));
        assertFalse(VirtualThreads.isVirtual(platform));
        virtual.start();
        virtual.join();
        final int slotBytes = io.numaslab.slab.SizeClasses.sizeOfClass(io.numaslab.slab.SizeClasses.classIndexOf(size));
        assertTrue(cachedAfterChurn[0] >= 32L * slotBytes, "a platform thread caches plenty: " + cachedAfterChurn[0]);
        assertTrue(cachedAfterChurn[1] > 0 &&
            cachedAfterChurn[1] <= NumaAllocator.VIRTUAL_THREAD_CACHE_SLOTS_PER_CLASS * (long)slotBytes,
            "a virtual thread caches at most a few slots: " + cachedAfterChurn[1]);
    }

    @Test
    void aFreedSlotIsTheNextOneHandedOutOfItsClass()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long first = a.allocate(100);
        a.allocate(100);
        a.free(first);
        assertEquals(first, a.allocate(112), "LIFO thread cache, same class");
    }

    @Test
    void badSizesAreRejected()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).maxAllocationBytes(8 << 20));
        assertEquals("allocate(0): size must be from 1 to 8388608 bytes",
            assertThrows(IllegalArgumentException.class, () -> a.allocate(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.allocate(-5));
        assertThrows(IllegalArgumentException.class, () -> a.allocate((8 << 20) + 1));
    }

    @Test
    void doubleFreeNamesTheAddressAndChangesNothing()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long address = a.allocate(48);
        a.free(address);
        final long frees = a.stats().getFrees();

        final InvalidFreeException ex = assertThrows(InvalidFreeException.class, () -> a.free(address));

        assertEquals(address, ex.address());
        assertTrue(ex.getMessage().startsWith("free(0x" + Long.toHexString(address) + "): the 48-byte slot there is not allocated (double free"),
            ex.getMessage());
        assertEquals(frees, a.stats().getFrees());
        final long again = a.allocate(48);
        final long other = a.allocate(48);
        assertEquals(address, again, "handed out once more, not twice");
        assertNotEquals(again, other);
    }

    @Test
    void interiorPointerIsRejected()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long address = a.allocate(256);
        final InvalidFreeException ex = assertThrows(InvalidFreeException.class, () -> a.free(address + 16));
        assertTrue(ex.getMessage().contains("interior pointer"), ex.getMessage());
        a.free(address);
    }

    @Test
    void anInteriorPointerIntoARegionOfItsOwnIsCalledOne()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long address = a.allocate(5 << 20);
        final InvalidFreeException ex = assertThrows(InvalidFreeException.class, () -> a.free(address + 4096));
        assertTrue(ex.getMessage().contains("interior pointer") && ex.getMessage().contains("4096 bytes into"),
            ex.getMessage());
        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> a.usableSize(address + 4096));
        assertTrue(size.getMessage().contains("interior pointer"), size.getMessage());
        a.free(address);
    }

    @Test
    void aMaintenanceIntervalTooLongForNanosecondsMeansNeverAndLeavesNothingRegistered() throws Exception
    {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        final List<ObjectName> names;
        try (NumaAllocator a = NumaAllocator.builder().maintenanceInterval(ChronoUnit.FOREVER.getDuration()).build())
        {
            a.free(a.allocate(64));
            names = a.mxBeanNames();
            assertFalse(names.isEmpty());
        }
        names.forEach(n -> assertFalse(server.isRegistered(n), n.toString()));
    }

    @Test
    void whatANodeHasMappedIsAllAccountedFor()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .maintenanceInterval(java.time.Duration.ofHours(1)));
        final long[] runs = new long[10];
        for (int i = 0; i < runs.length; i++)
        {
            runs[i] = a.allocate(1 << 20); // four regions of one chunk, then one of four chunks: three untouched
        }
        final NodeArenaMXBean node = a.nodeStats(a.nodeOfCurrentThread());
        assertEquals(16L << 20, node.getReservedBytes());
        assertEquals(10L << 20, node.getUsedBytes());
        assertEquals(6L << 20, node.getEmptyChunkBytes(), "the region's chunks no allocation has reached yet");
        assertEquals(node.getReservedBytes(), node.getUsedBytes() + node.getCachedBytes() + node.getEmptyChunkBytes(),
            "one thread, no frees pending from others: every mapped byte is used, cached or in an empty chunk");
        for (final long run : runs)
        {
            a.free(run);
        }
    }

    @Test
    void regionsOfTheirOwnOnHugePagesCountAsHugePageBacked()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.HUGETLB_2M));
        final int node = a.nodeOfCurrentThread(); // where this thread's allocations go, wherever it runs now
        final long free2M = NumaTopology.read().node(node).hugePagePools().stream()
            .filter(pool -> pool.pageSizeBytes() == HugePagePool.SIZE_2M).mapToLong(HugePagePool::freePages).sum();
        assumeTrue(free2M >= 4, "needs four free 2 MiB pages on node " + node + ", has " + free2M);
        final long region = a.allocate(4 << 20); // more than a chunk: a region of its own
        final NodeArenaMXBean stats = a.nodeStats(node);
        assertEquals(4L << 20, stats.getReservedBytes());
        assertEquals(4L << 20, stats.getHugePageBackedBytes(), "the region is all 2 MiB pages");
        a.free(region);
        assertEquals(0, stats.getHugePageBackedBytes());
    }

    @Test
    void addressNotFromThisAllocatorIsRejected()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        a.allocate(64);
        final InvalidFreeException ex = assertThrows(InvalidFreeException.class, () -> a.free(0x1000));
        assertEquals("free(0x1000): not allocated by this NumaAllocator (or already freed); nothing was freed", ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.usableSize(0x1000));
    }

    @Test
    void aBadFreeNamesTheAddressWhileARegionOfItsOwnIsBeingClosed() throws ReflectiveOperationException
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL));
        final long large = a.allocate(4 << 20); // more than a chunk: a region of its own
        // A free of it, or close(), on another thread closes the region while it is still listed: a bad free's
        // message, which looks through the listed regions, meets it closed. Closed here, the race made certain.
        final Field listed = NumaAllocator.class.getDeclaredField("largeAllocations");
        listed.setAccessible(true);
        final Object allocation = ((Map<?, ?>)listed.get(a)).get(large);
        final Field regionField = allocation.getClass().getDeclaredField("region");
        regionField.setAccessible(true);
        ((Region)regionField.get(allocation)).close();

        final InvalidFreeException outside = assertThrows(InvalidFreeException.class, () -> a.free(0x1000));
        assertEquals("free(0x1000): not allocated by this NumaAllocator (or already freed); nothing was freed",
            outside.getMessage());
        final long inside = large + 4096;
        final InvalidFreeException interior = assertThrows(InvalidFreeException.class, () -> a.free(inside));
        assertEquals("free(0x" + Long.toHexString(inside) + "): not allocated by this NumaAllocator (or already " +
            "freed); nothing was freed", interior.getMessage(), "its region is closed: nothing to point into");
        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> a.usableSize(inside));
        assertTrue(size.getMessage().contains("0x" + Long.toHexString(inside)), size.getMessage());
        a.free(large); // the free that closed it, in the race: closing again is harmless
    }

    @Test
    void pageRunsServeSizesAboveSixtyFourKilobytesAndCatchDoubleFree()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long address = a.allocate(100_000);
        assertEquals(128 * 1024, a.usableSize(address));
        new UnsafeBuffer(address, 100_000).setMemory(0, 100_000, (byte)7);
        a.free(address);
        final InvalidFreeException ex = assertThrows(InvalidFreeException.class, () -> a.free(address));
        assertTrue(ex.getMessage().contains("0x" + Long.toHexString(address)), ex.getMessage());
    }

    @Test
    void sizesAboveAChunkGetARegionOfTheirOwn()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long address = a.allocate(5 << 20);
        assertTrue(a.usableSize(address) >= 5 << 20);
        new UnsafeBuffer(address, 5 << 20).setMemory(0, 5 << 20, (byte)1);
        final long reserved = a.stats().getReservedBytes();
        a.free(address);
        assertTrue(a.stats().getReservedBytes() <= reserved - (5 << 20), "region unmapped on free");
        assertThrows(InvalidFreeException.class, () -> a.free(address));
    }

    @Test
    void nodeLimitNamesNodeRequestUsedAndLimit()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(2 << 20).bytesLimitPerNode(4 << 20).threadCacheBytes(0));
        final int node = a.nodeOfCurrentThread();
        final List<Long> taken = new ArrayList<>();
        final NodeLimitExceededException ex = assertThrows(NodeLimitExceededException.class, () ->
        {
            while (true)
            {
                taken.add(a.allocate(60_000));
            }
        });
        assertEquals(node, ex.node());
        assertEquals(4 << 20, ex.limitBytes());
        assertTrue(ex.getMessage().startsWith("node " + node + ": cannot allocate 60000 bytes: "), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("limit 4194304 bytes"), ex.getMessage());
        assertTrue(taken.size() >= 4 * 1024 * 1024 / 65536 - 2, "nearly the whole limit was usable: " + taken.size());
        assertEquals(1, a.nodeStats(node).getFailures());

        a.free(taken.remove(0));
        taken.add(a.allocate(60_000)); // room again after a free
        taken.forEach(a::free);
        assertEquals(0, a.stats().getUsedBytes());
    }

    @Test
    void scrubOnFreeZeroesTheMemory()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).scrubOnFree(true));
        final long address = a.allocate(1024);
        new UnsafeBuffer(address, 1024).setMemory(0, 1024, (byte)0x5a);
        a.free(address);
        final long again = a.allocate(1024);
        assertEquals(address, again);
        final UnsafeBuffer buffer = new UnsafeBuffer(again, 1024);
        for (int i = 0; i < 1024; i++)
        {
            assertEquals(0, buffer.getByte(i), "byte " + i);
        }
    }

    @Test
    void scrubOnFreeZeroesAPageRunToo()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).scrubOnFree(true));
        final int size = 128 * 1024; // above the largest size class: a page run of a chunk
        final long address = a.allocate(size);
        new UnsafeBuffer(address, size).setMemory(0, size, (byte)0xab);
        a.free(address);
        final long again = a.allocate(size);
        assertEquals(address, again, "the same run, first fit");
        final UnsafeBuffer buffer = new UnsafeBuffer(again, size);
        for (int i = 0; i < size; i += 8)
        {
            assertEquals(0L, buffer.getLong(i), "bytes at " + i);
        }
        a.free(again);
        assertThrows(InvalidFreeException.class, () -> a.free(again), "a double free of a run is still refused");
    }

    @Test
    void maxAllocationBytesHoldsForSizesTheThreadCachesServeToo()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).maxAllocationBytes(1000));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> a.allocate(4096));
        assertTrue(ex.getMessage().contains("1 to 1000"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.threadAllocator().allocate(1001));
        a.free(a.allocate(1000));
    }

    @Test
    void theNodeLimitCountsChunksAndLargeAllocationsTogether()
    {
        final long limit = 16 << 20;
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(2 << 20).bytesLimitPerNode(limit).threadCacheBytes(0));
        final int node = a.nodeOfCurrentThread();
        final List<Long> taken = new ArrayList<>();
        taken.add(a.allocate(12 << 20)); // a region of its own: 12 MiB of the 16
        assertThrows(NodeLimitExceededException.class, () ->
        {
            while (true)
            {
                taken.add(a.allocate(1 << 20)); // page runs of 2 MiB chunks
            }
        });
        assertTrue(a.nodeStats(node).getReservedBytes() <= limit,
            "reserved " + a.nodeStats(node).getReservedBytes() + " bytes, limit " + limit);
        assertTrue(taken.size() >= 1 + 3, "the 4 MiB left still served 1 MiB runs: " + taken.size());
        assertThrows(NodeLimitExceededException.class, () -> a.allocate(12 << 20), "no room for another region");
        taken.forEach(a::free);
        assertEquals(0, a.stats().getUsedBytes());
    }

    @Test
    void threadBindingIsVisibleAndOverridable()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final int node = a.nodeOfCurrentThread();
        assertTrue(a.bindingOfCurrentThread() == ThreadBinding.FIRST_CPU || a.bindingOfCurrentThread() == ThreadBinding.PINNED);
        a.bindCurrentThread(node);
        assertEquals(ThreadBinding.EXPLICIT, a.bindingOfCurrentThread());
        assertEquals(node, a.nodeOfCurrentThread());
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> a.bindCurrentThread(99));
        assertTrue(ex.getMessage().startsWith("this allocator has no arena on node 99"), ex.getMessage());
    }

    @Test
    void threadCacheIsBoundedInBytes()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).threadCacheBytes(64 * 1024));
        final long[] addresses = new long[2000];
        for (int i = 0; i < addresses.length; i++)
        {
            addresses[i] = a.allocate(1000 + (i % 7) * 100);
        }
        for (final long address : addresses)
        {
            a.free(address);
            assertTrue(a.stats().getCachedBytes() <= 64 * 1024, "cache bound held");
        }
        a.trimCurrentThreadCache();
        assertEquals(0, a.stats().getCachedBytes());
        assertEquals(0, a.stats().getUsedBytes());
    }

    @Test
    void aThreadThatOnlyAllocatesStaysInsideItsCacheBudget()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .maintenanceInterval(java.time.Duration.ofHours(1)));
        final List<Long> handedOut = new ArrayList<>();
        for (int c = 0; c < io.numaslab.slab.SizeClasses.classCount(); c++)
        {
            handedOut.add(a.allocate(io.numaslab.slab.SizeClasses.sizeOfClass(c))); // each refills its class
            assertTrue(a.stats().getCachedBytes() <= 1 << 20, "cached " + a.stats().getCachedBytes() +
                " bytes after refilling " + (c + 1) + " classes, budget 1 MiB");
        }
        handedOut.forEach(a::free);
    }

    @Test
    void cachesOfThreadsThatEndedAreReclaimed() throws InterruptedException
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final Thread thread = new Thread(() ->
        {
            for (int i = 0; i < 100; i++)
            {
                a.free(a.allocate(512));
            }
        });
        thread.start();
        thread.join();
        assertEquals(1, a.stats().getThreadCaches());
        assertTrue(a.stats().getCachedBytes() > 0);

        a.maintainNow();

        assertEquals(0, a.stats().getThreadCaches());
        assertEquals(0, a.stats().getCachedBytes());
        assertEquals(100, a.stats().getAllocations(), "counters of the ended thread are kept");
        assertEquals(100, a.stats().getFrees());
    }

    @Test
    void emptyChunksBeyondTheRetainedLimitGoBackToTheOs()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(2 << 20).retainedEmptyChunks(1));
        final long[] addresses = new long[1000];
        for (int i = 0; i < addresses.length; i++)
        {
            addresses[i] = a.allocate(16 * 1024);
        }
        final long reserved = a.stats().getReservedBytes();
        assertTrue(reserved >= 1000L * 16 * 1024, "reserved " + reserved);
        for (final long address : addresses)
        {
            a.free(address);
        }
        a.trimCurrentThreadCache();
        assertTrue(a.stats().getReservedBytes() <= 2 << 20, "one retained chunk at most, got " + a.stats().getReservedBytes());
        final NodeArenaMXBean node = a.nodeStats(a.nodeOfCurrentThread());
        assertTrue(node.getRegionsUnmapped() > 0 && node.getRegionsUnmapped() < node.getRegionsMapped(),
            node.getRegionsUnmapped() + " of " + node.getRegionsMapped() + " regions unmapped");
    }

    @Test
    void regionsAreOneChunkUntilARegionsWorthIsMapped()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL));
        final int node = a.nodeOfCurrentThread();
        a.allocate(256);
        assertEquals(2L << 20, a.stats().getReservedBytes(), "a first small allocation maps one 2 MiB chunk");
        final long[] expectedReserved = {4L << 20, 6L << 20, 8L << 20, 16L << 20, 16L << 20, 16L << 20, 16L << 20,
            24L << 20};
        for (final long expected : expectedReserved)
        {
            a.allocate(2 << 20); // a whole chunk each
            assertEquals(expected, a.stats().getReservedBytes(),
                "regions of 2 MiB (a chunk) until 8 MiB (the default region size) are mapped, then of 8 MiB");
        }
        assertEquals(6, a.nodeStats(node).getRegionsMapped());
    }

    @Test
    void afterATrimTheRetainedChunksHoldNoMoreThanTheirOwnBytes()
    {
        // Default 8 MiB regions: after 8 MiB of one-chunk regions the arena maps four chunks at a time, and a
        // retained chunk in such a region would keep all four mapped.
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .retainedEmptyChunks(2).maintenanceInterval(java.time.Duration.ofDays(1)));
        final long[] runs = new long[14];
        for (int i = 0; i < runs.length; i++)
        {
            runs[i] = a.allocate(2 << 20); // a whole chunk each: 4 one-chunk regions, then 8 MiB ones
        }
        assertEquals(32L << 20, a.stats().getReservedBytes());
        for (int i = runs.length - 1; i >= 0; i--)
        {
            a.free(runs[i]); // the one-chunk regions empty last: oldest-first release would keep them
        }
        a.trimCurrentThreadCache();
        assertEquals(4L << 20, a.stats().getReservedBytes(),
            "two retained 2 MiB chunks keep 4 MiB mapped, not two 8 MiB regions");
        assertEquals(4L << 20, a.stats().getEmptyChunkBytes());
    }

    @Test
    void emptyChunksWaitingForMaintenanceMakeRoomForALargeAllocationUnderTheLimit()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .bytesLimitPerNode(8 << 20).retainedEmptyChunks(0).maintenanceInterval(java.time.Duration.ofDays(1)));
        final long[] runs = new long[3];
        for (int i = 0; i < runs.length; i++)
        {
            runs[i] = a.allocate(2 << 20); // a whole chunk each
        }
        for (final long run : runs)
        {
            a.free(run);
        }
        assertEquals(6L << 20, a.stats().getEmptyChunkBytes(), "the chunks wait for maintenance");
        final long large = a.allocate(4 << 20); // 6 MiB mapped + 4 MiB would pass the 8 MiB limit
        assertEquals(4 << 20, a.usableSize(large));
        assertEquals(0, a.stats().getEmptyChunkBytes(), "the empty chunks went back to make room");
        a.free(large);
    }

    @Test
    void surplusEmptyChunksStayOneMaintenancePeriodThenGoBack() throws InterruptedException
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .regionSizeBytes(2 << 20).retainedEmptyChunks(1).maintenanceInterval(java.time.Duration.ofDays(1)));
        final Thread burst = new Thread(() ->
        {
            final long[] addresses = new long[1000];
            for (int i = 0; i < addresses.length; i++)
            {
                addresses[i] = a.allocate(16 * 1024);
            }
            for (final long address : addresses)
            {
                a.free(address);
            }
        });
        burst.start();
        burst.join();
        final long peak = a.stats().getReservedBytes();
        assertTrue(peak >= 1000L * 16 * 1024, "reserved " + peak);

        a.maintain(true); // reclaims the ended thread's cache: its chunks empty now, during this period
        assertEquals(peak, a.stats().getReservedBytes(), "chunks emptied within the period are kept");
        assertEquals(peak, a.stats().getEmptyChunkBytes(), "and shown as empty");
        final Thread reuse = new Thread(() -> a.free(a.allocate(16 * 1024)));
        reuse.start();
        reuse.join();
        assertEquals(peak, a.stats().getReservedBytes(), "and reused without mapping anything");

        a.maintain(true);
        final long after = a.stats().getReservedBytes();
        assertTrue(after <= 2 << 20, "a period later only the retained chunk is left, got " + after);
        assertEquals(after, a.stats().getEmptyChunkBytes());
        final NodeArenaMXBean node = a.nodeStats(a.nodeOfCurrentThread());
        assertTrue(node.getRegionsUnmapped() > 0, node.getRegionsUnmapped() + " regions unmapped");
    }

    @Test
    void jmxShowsEachNodeAndUnregistersOnClose() throws Exception
    {
        final NumaAllocator a = allocator(NumaAllocator.builder());
        final int node = a.nodeOfCurrentThread();
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        final ObjectName name = a.mxBeanNames().stream()
            .filter(n -> String.valueOf(node).equals(n.getKeyProperty("node"))).findFirst().orElseThrow();
        final long address = a.allocate(3000);

        assertEquals((long)a.usableSize(address), server.getAttribute(name, "UsedBytes"));
        assertEquals(1L, server.getAttribute(name, "Allocations"));
        assertTrue((Long)server.getAttribute(name, "ReservedBytes") >= 2 << 20);
        assertFalse(((String)server.getAttribute(name, "PageKind")).isEmpty());
        final javax.management.openmbean.CompositeData[] classes =
            (javax.management.openmbean.CompositeData[])server.getAttribute(name, "SizeClasses");
        assertEquals(80, classes.length);

        a.close();
        assertFalse(server.isRegistered(name));
        assertTrue(a.mxBeanNames().isEmpty());
    }

    @Test
    void twoAllocatorsGetTheirOwnMxBeanNamesEvenWhenThePlainOnesAreTaken() throws Exception
    {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        final int node;
        try (NumaAllocator first = NumaAllocator.builder().build(); NumaAllocator second = NumaAllocator.builder().build())
        {
            node = second.nodes()[0];
            assertEquals(1 + first.nodes().length, first.mxBeanNames().size());
            for (final ObjectName name : first.mxBeanNames())
            {
                assertTrue(server.isRegistered(name), name.toString());
                assertFalse(second.mxBeanNames().contains(name), "both allocators' beans are visible: " + name);
            }
            second.mxBeanNames().forEach(n -> assertTrue(server.isRegistered(n), n.toString()));
        }
        // Someone else's bean holds the plain name of one node (or another allocator of this JVM already does).
        final ObjectName plainNode = new ObjectName("io.numaslab:type=NodeArena,node=" + node);
        final ObjectName plainTotals = new ObjectName("io.numaslab:type=NumaAllocator");
        final boolean squatted = !server.isRegistered(plainNode);
        final boolean totalsWereFree = !server.isRegistered(plainTotals);
        if (squatted)
        {
            server.registerMBean(new javax.management.timer.Timer(), plainNode);
        }
        try (NumaAllocator third = NumaAllocator.builder().build())
        {
            assertFalse(third.mxBeanNames().isEmpty());
            third.mxBeanNames().forEach(n -> assertTrue(n.toString().contains(",allocator="), n.toString()));
            assertEquals(!totalsWereFree, server.isRegistered(plainTotals), "no plain name left half-registered");
            third.free(third.allocate(64));
        }
        finally
        {
            if (squatted)
            {
                server.unregisterMBean(plainNode);
            }
        }
    }

    @Test
    void anAllocatorWhoseMxBeansCannotBeRegisteredFailsToBuildAndLeavesNoThreadBehind() throws Exception
    {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        final int node;
        try (NumaAllocator probe = NumaAllocator.builder().jmx(false).build())
        {
            node = probe.nodes()[0];
        }
        // Both the plain name and the next allocator's suffixed one are taken.
        final int nextId = NumaAllocator.INSTANCES.get() + 1;
        final List<ObjectName> squatters = new ArrayList<>();
        for (final ObjectName name : List.of(new ObjectName("io.numaslab:type=NodeArena,node=" + node),
            new ObjectName("io.numaslab:type=NodeArena,node=" + node + ",allocator=" + nextId)))
        {
            if (!server.isRegistered(name))
            {
                server.registerMBean(new javax.management.timer.Timer(), name);
                squatters.add(name);
            }
        }
        final int totalsBefore = server.queryNames(new ObjectName("io.numaslab:type=NumaAllocator,*"), null).size();
        final long threadsBefore = maintenanceThreads();
        try
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> NumaAllocator.builder().build());
            assertTrue(ex.getMessage().startsWith("cannot register numaslab MXBeans"), ex.getMessage());
            assertEquals(totalsBefore, server.queryNames(new ObjectName("io.numaslab:type=NumaAllocator,*"), null).size(),
                "what it had registered is gone again");
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (maintenanceThreads() > threadsBefore && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertEquals(threadsBefore, maintenanceThreads(), "no maintenance thread of its own is left running");
        }
        finally
        {
            for (final ObjectName name : squatters)
            {
                server.unregisterMBean(name);
            }
        }
    }

    @Test
    void builderOptionsOutOfRangeAreRejectedBeforeAnythingStarts()
    {
        final long threadsBefore = maintenanceThreads();
        assertThrows(IllegalArgumentException.class,
            () -> NumaAllocator.builder().threadCacheSlotsPerClass(NumaAllocator.Builder.MAX_THREAD_CACHE_SLOTS_PER_CLASS + 1));
        assertThrows(IllegalArgumentException.class, () -> NumaAllocator.builder().threadCacheSlotsPerClass(26_843_546));
        assertThrows(IllegalArgumentException.class, () -> NumaAllocator.builder().retainedEmptyChunks(-1));
        assertThrows(IllegalArgumentException.class, () -> NumaAllocator.builder().maintenanceInterval(java.time.Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
            () -> NumaAllocator.builder().maintenanceInterval(java.time.Duration.ofSeconds(-1)));
        assertEquals(threadsBefore, maintenanceThreads());
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false)
            .threadCacheSlotsPerClass(NumaAllocator.Builder.MAX_THREAD_CACHE_SLOTS_PER_CLASS));
        a.free(a.allocate(64));
    }

    private static long maintenanceThreads()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("numaslab-maintenance-") && t.isAlive()).count();
    }

    @Test
    void closedAllocatorRefusesWork()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final long address = a.allocate(64);
        a.close();
        a.close();
        assertThrows(IllegalStateException.class, () -> a.allocate(64));
        assertThrows(IllegalStateException.class, () -> a.free(address));
    }

    @Test
    void garbageFreeOnTheHotPath()
    {
        final NumaAllocator a = allocator(NumaAllocator.builder().jmx(false));
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final AtomicLong sink = new AtomicLong();
        for (int i = 0; i < 200_000; i++)
        {
            final long address = a.allocate(64 + (i & 1023));
            sink.addAndGet(address & 1);
            a.free(address);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++)
        {
            final long address = a.allocate(64 + (i & 1023));
            a.free(address);
        }
        final long after = threads.getCurrentThreadAllocatedBytes();
        assertTrue(after - before < 4096, "allocated " + (after - before) + " bytes over 1M allocate/free pairs");
    }

    @Test
    void nodesThatDoNotExistAreRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> NumaAllocator.builder().nodes(99).jmx(false).build());
        assertArrayEquals(new int[] {0}, allocator(NumaAllocator.builder().nodes(0).jmx(false)).nodes());
    }
}
