package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

class UseAroundCloseTest
{
    @Test
    void trimmingTheThreadCacheAfterCloseIsHarmless()
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).retainedEmptyChunks(0).build();
        a.free(a.allocate(64)); // the slot stays in this thread's cache
        a.close();
        // NodeEventLoops does "if (!isClosed()) trimCurrentThreadCache()": close() can come in between
        assertDoesNotThrow(a::trimCurrentThreadCache);
    }

    @Test
    void anAllocationRacingCloseLeavesNoRegionMappedAfterClose() throws Exception
    {
        for (int round = 0; round < 20; round++)
        {
            final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
            final NodeArena arena = a.arenas()[0];
            final long[] got = new long[1];
            arena.lock.lock();
            final Thread[] racing = allocateWhileClosing(a, arena, got);
            final Thread allocating = racing[0];
            final Thread closer = racing[1];
            allocating.join();
            closer.join();
            final long mapped = arena.chunkSource.mappedBytes();
            if (mapped != 0)
            {
                throw new AssertionError("round " + round + ": after close() returned, allocate() returned 0x" +
                    Long.toHexString(got[0]) + " and the arena still has " + mapped + " bytes mapped that nothing " +
                    "will unmap (isClosed=" + a.isClosed() + ")");
            }
        }
    }

    /**
     * With the arena lock held by the caller: starts a thread that allocates 64 bytes (a refill, so it gets past the
     * closed check and waits for the lock) and one that closes; releases the lock once both wait for it.
     *
     * @return the allocating and the closing thread; {@code got[0]} is the address, or -1 for IllegalStateException.
     */
    private static Thread[] allocateWhileClosing(final NumaAllocator a, final NodeArena arena, final long[] got)
        throws InterruptedException
    {
        final Thread allocating = new Thread(() ->
        {
            try
            {
                got[0] = a.allocate(64);
            }
            catch (final IllegalStateException closed)
            {
                got[0] = -1;
            }
        });
        allocating.start();
        RaceTestSupport.awaitSpinning(allocating);
        final Thread closer = new Thread(a::close, "closer");
        closer.start();
        RaceTestSupport.awaitSpinning(closer);
        arena.lock.unlock();
        return new Thread[] {allocating, closer};
    }

    /**
     * @return whether the address is mapped. Only for "still mapped": once a region is unmapped, the kernel may put
     *         any new mapping (a thread's stack, a malloc arena) in the hole, so that its addresses are mapped again
     *         though the region is gone. For "unmapped", see {@link #isRegionMapped}.
     */
    static boolean isMapped(final long address) throws java.io.IOException
    {
        for (final String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/maps")))
        {
            final String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0 &&
                Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param a       an allocator still open.
     * @param address an address it handed out, still allocated (or kept by a Netty buffer cache).
     * @return the start and end of the allocator's region that holds it: a chunk source's region or one of its own.
     */
    static long[] regionOf(final NumaAllocator a, final long address)
    {
        for (final NodeArena arena : a.arenas())
        {
            final java.util.List<io.numaslab.hugepages.Region> regions = arena.chunkSource.regions();
            regions.addAll(a.largeRegionsOf(arena));
            for (final io.numaslab.hugepages.Region region : regions)
            {
                final long start = region.address();
                if (Long.compareUnsigned(address, start) >= 0 && address - start < region.sizeBytes())
                {
                    return new long[] {start, start + region.sizeBytes()};
                }
            }
        }
        throw new AssertionError("0x" + Long.toHexString(address) + " is in no region of the allocator");
    }

    /**
     * Whether a region is still mapped, as close() keeps one whose memory may be in use
     * ({@code Region.closeKeepingAddresses()}: the range mapped again, read-write, to zero pages): one anonymous
     * read-write mapping covers all of it. The kernel merges neighbouring mappings of the same kind, so that mapping
     * may be larger than the region (two regions mapped back to back show as one), but it is never smaller. Not
     * whether some address of it is mapped: once the region is unmapped, the kernel may put a new mapping in the hole
     * (a thread's stack, a malloc'd block), which is no sign of the region; for one to pass for it, it would have to be
     * read-write, anonymous, at least as large as the region and placed over all of it.
     *
     * @param range the region's start and end, from {@link #regionOf} while it was mapped.
     */
    static boolean isRegionMapped(final long[] range) throws java.io.IOException
    {
        for (final String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/maps")))
        {
            // start-end perms offset dev inode [path]
            final String[] fields = line.trim().split("\\s+");
            final String[] bounds = fields[0].split("-");
            if (Long.compareUnsigned(Long.parseUnsignedLong(bounds[0], 16), range[0]) <= 0 &&
                Long.compareUnsigned(Long.parseUnsignedLong(bounds[1], 16), range[1]) >= 0)
            {
                return "rw-p".equals(fields[1]) && "0".equals(fields[4]) && fields.length == 5;
            }
        }
        return false;
    }

    @Test
    void anAllocationThatReturnsAfterCloseDoesNotHandOutUnmappedMemory() throws Exception
    {
        for (int round = 0; round < 20; round++)
        {
            final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
            a.allocate(100_000); // maps a chunk; the 64-byte class will be carved from it
            final NodeArena arena = a.arenas()[0];
            final long[] got = new long[1];
            arena.lock.lock();
            final Thread[] racing = allocateWhileClosing(a, arena, got);
            final Thread allocating = racing[0];
            final Thread closer = racing[1];
            closer.join();
            // close() has returned; if the allocation is still waiting for the lock, it runs after close() for sure
            boolean afterClose = false;
            for (final StackTraceElement e : allocating.getStackTrace())
            {
                afterClose |= e.getMethodName().equals("lockContended");
            }
            allocating.join();
            if (afterClose && got[0] > 0 && !isMapped(got[0]))
            {
                throw new AssertionError("round " + round + ": allocate() returned 0x" + Long.toHexString(got[0]) +
                    ", which is not mapped: it was carved after close() had returned and unmapped its chunk; writing to it is a SIGSEGV");
            }
        }
    }
}
