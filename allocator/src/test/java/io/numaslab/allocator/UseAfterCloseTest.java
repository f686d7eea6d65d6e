package io.numaslab.allocator;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.numaslab.allocator.netty.NodeEventLoops;
import io.numaslab.allocator.netty.NumaByteBufAllocator;
import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory used after its allocator closed, which the API forbids: a mistake that must not crash the JVM. And the
 * price of that is paid only by such mistakes: an allocator closed with nothing allocated unmaps everything. Netty
 * buffers that a thread still alive keeps for reuse count as allocated (the thread may be handing one out as close()
 * runs); those kept by the closing thread or by threads that have ended do not.
 */
class UseAfterCloseTest
{
    @Test
    void memoryStillAllocatedAtCloseIsGivenBackButItsAddressesDoNotCrashTheJvm() throws Exception
    {
        final String out = runChild(UseAfterCloseChild.class, "use-after-close");
        assertTrue(out.contains("SMALL 5242880 bytes: read 0 after close, wrote 42"), out);
    }

    @Test
    void nettyBuffersKeptByALiveThreadAreGivenBackButTheirAddressesDoNotCrashTheJvm() throws Exception
    {
        final String out = runChild(KeptBufferAfterCloseChild.class, "kept-buffer-after-close");
        for (final int size : KeptBufferAfterCloseChild.SIZES)
        {
            assertTrue(out.contains("kept " + size + " bytes: read 0 after close, wrote 42"), out);
        }
    }

    /** @return the output of a child JVM that ran {@code main}, once it has exited with 0. */
    private static String runChild(final Class<?> main, final String name) throws Exception
    {
        final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/numaslab-" + name + "-hs_err_%p.log",
            "-cp", System.getProperty("java.class.path"), main.getName()))
            .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor(); // before reading: a hung child would never close its output
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child JVM output:\n" + out);
        return out;
    }

    @Test
    void anAllocatorClosedWithEverythingFreedUnmapsItsRegions() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final long slot = a.allocate(64);
        final long run = a.allocate(128 * 1024);
        final long region = a.allocate(5 << 20);
        final long[] slotRegion = UseAroundCloseTest.regionOf(a, slot);
        final long[] runRegion = UseAroundCloseTest.regionOf(a, run);
        final long[] ownRegion = UseAroundCloseTest.regionOf(a, region);
        a.free(slot); // stays in this thread's cache: cached, not allocated
        a.free(run);
        a.free(region);
        a.close();
        assertFalse(UseAroundCloseTest.isRegionMapped(slotRegion), "the chunk of a slot");
        assertFalse(UseAroundCloseTest.isRegionMapped(runRegion), "the chunk of a page run");
        assertFalse(UseAroundCloseTest.isRegionMapped(ownRegion), "a region of its own");
    }

    @Test
    void anUpperCacheThatThrowsDoesNotStopCloseHalfWay() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        a.addUpperCache(new UpperCache()
        {
            @Override
            public long operationsOfCurrentThread(final NumaAllocator allocator)
            {
                return 0;
            }

            @Override
            public boolean trimCurrentThread(final NumaAllocator allocator)
            {
                return false;
            }

            @Override
            public boolean reclaimEndedThreads(final NumaAllocator allocator)
            {
                return false;
            }

            @Override
            public long bytesHeldForEndedThreads(final NumaAllocator allocator)
            {
                throw new IllegalStateException("a third-party upper cache's bug");
            }
        });
        final long slot = a.allocate(64);
        final long held = a.allocate(64);
        a.free(slot);
        try (LogCapture log = new LogCapture())
        {
            a.close();
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("a third-party upper cache's bug")),
                log.warnings().toString());
        }
        assertEquals(0, a.stats().getReservedBytes(), "every arena was closed");
        assertTrue(UseAroundCloseTest.isMapped(held), "the safe direction: what the cache held may be in use");
    }

    @Test
    void releasedNettyBuffersThatTheClosingThreadKeepsDoNotCountAsStillAllocated() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final ByteBuf buf = new NumaByteBufAllocator(a).directBuffer(64);
        final long[] region = UseAroundCloseTest.regionOf(a, buf.memoryAddress());
        buf.release(); // kept, with its slot, by this thread's buffer cache: close() frees it first
        a.close();
        assertFalse(UseAroundCloseTest.isRegionMapped(region));
    }

    @Test
    void nettyBuffersKeptByALiveThreadKeepTheirAddressesMapped() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        try (KeepingThread loop = new KeepingThread(new NumaByteBufAllocator(a), true);
            LogCapture log = new LogCapture())
        {
            // the thread may be taking one of them for its next buffer right now, past the closed check
            a.close();
            for (final long address : loop.addresses)
            {
                assertTrue(UseAroundCloseTest.isMapped(address), "kept by a live thread: 0x" + Long.toHexString(address));
            }
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("still allocated")), log.warnings().toString());
        }
    }

    @Test
    void nettyBuffersGivenBackToALiveThreadKeepTheirAddressesMapped() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        try (KeepingThread loop = new KeepingThread(new NumaByteBufAllocator(a), false))
        {
            for (final ByteBuf buf : loop.buffers)
            {
                buf.release(); // back to the thread that allocated it, through its return queue
            }
            a.close();
            for (final long address : loop.addresses)
            {
                assertTrue(UseAroundCloseTest.isMapped(address), "waiting for a live thread: 0x" +
                    Long.toHexString(address));
            }
        }
    }

    @Test
    void nettyBuffersKeptByAThreadThatHasEndedDoNotCountAsStillAllocated() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final KeepingThread loop = new KeepingThread(new NumaByteBufAllocator(a), true);
        final List<long[]> regions = regionsOf(a, loop.addresses);
        loop.close(); // the thread has ended: nothing can take its buffers any more (maintenance has not run yet)
        a.close();
        for (final long[] region : regions)
        {
            assertFalse(UseAroundCloseTest.isRegionMapped(region), "kept by an ended thread: " + describe(region));
        }
    }

    @Test
    void nettyBuffersKeptByEventLoopsClosedBeforeTheAllocatorDoNotCountAsStillAllocated() throws Exception
    {
        for (int round = 0; round < 50; round++)
        {
            final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(a);
            final Queue<Long> addresses = new ConcurrentLinkedQueue<>();
            final List<long[]> regions;
            try (NodeEventLoops loops = NodeEventLoops.createNio(a, 1))
            {
                loops.runOnEachLoop(() ->
                {
                    final ByteBuf buf = alloc.directBuffer(64);
                    addresses.add(buf.memoryAddress());
                    buf.release(); // kept by the loop's cache
                }, Duration.ofSeconds(10));
                regions = regionsOf(a, addresses);
            }
            a.close();
            for (final long[] region : regions)
            {
                assertFalse(UseAroundCloseTest.isRegionMapped(region), "round " + round + ": kept by a loop closed " +
                    "before the allocator: " + describe(region));
            }
        }
    }

    /**
     * The standard Netty shutdown, with a plain group: {@code shutdownGracefully().sync()} returns once each loop has
     * terminated, which Netty signals from the loop's thread before the thread ends. The loops' kept buffers must
     * not count as in use then: Netty removes the thread's FastThreadLocals before it signals, and the buffer cache
     * frees itself then.
     */
    @Test
    @SuppressWarnings("deprecation") // NioEventLoopGroup: deprecated in Netty 4.2, the one both 4.1 and 4.2 have
    void nettyBuffersKeptByAPlainNettyGroupShutDownBeforeTheAllocatorDoNotCountAsStillAllocated() throws Exception
    {
        for (int round = 0; round < 30; round++)
        {
            final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
            final NumaByteBufAllocator alloc = new NumaByteBufAllocator(a);
            final Queue<Long> addresses = new ConcurrentLinkedQueue<>();
            final EventLoopGroup group = new NioEventLoopGroup(2);
            try (LogCapture log = new LogCapture())
            {
                for (final EventExecutor loop : group)
                {
                    loop.submit(() ->
                    {
                        for (final int size : KeepingThread.SIZES)
                        {
                            final ByteBuf buf = alloc.directBuffer(size);
                            addresses.add(buf.memoryAddress());
                            buf.release(); // kept by the loop's cache
                        }
                    }).sync();
                }
                assertTrue(alloc.keptBufferBytes() > 0, "round " + round + ": the loops keep buffers");
                final List<long[]> regions = regionsOf(a, addresses);
                group.shutdownGracefully(0, 10, TimeUnit.SECONDS).sync(); // no join of the threads
                a.close();
                for (final long[] region : regions)
                {
                    assertFalse(UseAroundCloseTest.isRegionMapped(region), "round " + round + ": kept by a loop of a " +
                        "group shut down before the allocator: " + describe(region));
                }
                assertFalse(log.warnings().stream().anyMatch(w -> w.contains("still allocated")), "round " + round +
                    ": " + log.warnings());
            }
            finally
            {
                group.shutdownGracefully(0, 10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aNettyBufferStillHeldAtCloseKeepsItsAddressMapped() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(a);
        alloc.directBuffer(64).release(); // one kept...
        final ByteBuf held = alloc.directBuffer(64); // ...and handed out again
        final ByteBuf another = alloc.directBuffer(64);
        a.close();
        assertTrue(UseAroundCloseTest.isMapped(held.memoryAddress()));
        assertTrue(UseAroundCloseTest.isMapped(another.memoryAddress()));
    }

    @Test
    void anAllocatorClosedWithMemoryStillAllocatedKeepsTheAddressesMapped() throws Exception
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final long slot = a.allocate(64);
        final long region = a.allocate(5 << 20);
        final long[] slotRegion = UseAroundCloseTest.regionOf(a, slot);
        final long[] ownRegion = UseAroundCloseTest.regionOf(a, region);
        a.close();
        assertEquals(0, a.stats().getReservedBytes(), "nothing is reserved once closed");
        assertTrue(UseAroundCloseTest.isMapped(slot));
        assertTrue(UseAroundCloseTest.isMapped(region));
        // what the checks that a region was unmapped look for, so that they would see one kept
        assertTrue(UseAroundCloseTest.isRegionMapped(slotRegion), "the chunks' region, kept whole");
        assertTrue(UseAroundCloseTest.isRegionMapped(ownRegion), "the region of its own, kept whole");
    }

    @Test
    void aClosedAllocatorIsCollectedWhileTheThreadsThatUsedItLive() throws Exception
    {
        final WeakReference<NumaAllocator> closed = allocateOnThisThreadAndClose();
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (closed.get() != null && System.nanoTime() < deadline)
        {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(closed.get(), "this thread (alive) keeps the closed allocator reachable");
    }

    /** @return the regions that hold the addresses ({@link UseAroundCloseTest#regionOf}); the allocator still open. */
    private static List<long[]> regionsOf(final NumaAllocator a, final Iterable<Long> addresses)
    {
        final List<long[]> regions = new ArrayList<>();
        for (final long address : addresses)
        {
            regions.add(UseAroundCloseTest.regionOf(a, address));
        }
        return regions;
    }

    private static List<long[]> regionsOf(final NumaAllocator a, final long[] addresses)
    {
        final List<Long> boxed = new ArrayList<>();
        for (final long address : addresses)
        {
            boxed.add(address);
        }
        return regionsOf(a, boxed);
    }

    private static String describe(final long[] region)
    {
        return "the region 0x" + Long.toHexString(region[0]) + "-0x" + Long.toHexString(region[1]);
    }

    private static WeakReference<NumaAllocator> allocateOnThisThreadAndClose()
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        a.free(a.allocate(64)); // this thread now has a cache of it
        a.close();
        return new WeakReference<>(a);
    }

    /**
     * A thread that allocates a few Netty buffers of the allocator, then stays alive (as an event loop not yet shut
     * down) until closed, when it ends.
     */
    private static final class KeepingThread implements AutoCloseable
    {
        static final int[] SIZES = {64, 1024, 16 * 1024};

        final long[] addresses = new long[SIZES.length];
        final ByteBuf[] buffers = new ByteBuf[SIZES.length];
        private final CountDownLatch allocated = new CountDownLatch(1);
        private final CountDownLatch end = new CountDownLatch(1);
        private final Thread thread;

        /**
         * @param alloc        where the buffers come from.
         * @param releaseThere whether the thread releases them itself (so its cache keeps them), or leaves them
         *                     in {@link #buffers} for the caller.
         */
        KeepingThread(final NumaByteBufAllocator alloc, final boolean releaseThere) throws InterruptedException
        {
            thread = new Thread(() ->
            {
                for (int i = 0; i < SIZES.length; i++)
                {
                    buffers[i] = alloc.directBuffer(SIZES[i]);
                    addresses[i] = buffers[i].memoryAddress();
                    if (releaseThere)
                    {
                        buffers[i].release();
                    }
                }
                allocated.countDown();
                try
                {
                    end.await();
                }
                catch (final InterruptedException ignored)
                {
                    // ends all the same
                }
            }, "keeping-thread");
            thread.start();
            allocated.await();
        }

        /** Lets the thread end, and waits until it has. */
        @Override
        public void close() throws InterruptedException
        {
            end.countDown();
            thread.join();
        }
    }
}
