package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.InternalThreadLocalMap;
import io.numaslab.allocator.LogCapture;
import io.numaslab.allocator.NumaAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A buffer released on the thread that allocated it is kept with its memory for the next buffer of its size class
 * on that thread; what is kept is bounded, counts as used, and goes back through every kind of trim.
 */
class ThreadBufferCacheTest
{
    private static final int SIZE = 16 * 1024;
    /**
     * A slot above {@link ThreadBufferCache#SMALL_RETURN_MAX_BYTES}, so it comes back through the queue of larger
     * ones; 16 of it fit the byte bound ({@link ThreadBufferCache#MAX_BYTES}).
     */
    private static final int LARGE_SIZE = 32 * 1024;

    private NumaAllocator numa;
    private NumaByteBufAllocator alloc;

    @BeforeEach
    void open()
    {
        numa = NumaAllocator.builder().jmx(false).build();
        alloc = new NumaByteBufAllocator(numa);
    }

    @AfterEach
    void close()
    {
        numa.trimCurrentThreadCache();
        numa.close();
    }

    private long used()
    {
        return numa.stats().getUsedBytes();
    }

    @Test
    void aBufferReleasedOnItsThreadIsTheNextOfItsSizeClassThereWithItsMemory()
    {
        final ByteBuf first = alloc.directBuffer(1000);
        final long address = first.memoryAddress();
        first.writeLong(42).readByte();
        assertTrue(first.release());
        assertEquals(1024, ThreadBufferCache.bytesKept(numa), "its 1 KiB slot is kept");

        final ByteBuf other = alloc.directBuffer(3000);
        assertNotEquals(address, other.memoryAddress(), "another class does not get it");
        final ByteBuf again = alloc.directBuffer(1010);
        assertSame(first, again);
        assertEquals(address, again.memoryAddress());
        assertEquals(1, again.refCnt());
        assertEquals(1010, again.capacity());
        assertEquals(0, again.readerIndex());
        assertEquals(0, again.writerIndex());
        again.writeLong(7);
        assertEquals(7, again.readLong());
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        again.release();
        other.release();
    }

    @Test
    void keptBuffersAreBoundedCountAsUsedAndGoBackOnTrim()
    {
        final long before = used();
        final List<ByteBuf> bufs = new ArrayList<>();
        for (int i = 0; i < 3 * ThreadBufferCache.BUFFERS_PER_CLASS; i++)
        {
            bufs.add(alloc.directBuffer(SIZE));
        }
        bufs.forEach(ByteBuf::release);
        final long kept = (long)ThreadBufferCache.BUFFERS_PER_CLASS * SIZE;
        assertEquals(kept, ThreadBufferCache.bytesKept(numa), "at most BUFFERS_PER_CLASS per class");
        assertEquals(kept, alloc.keptBufferBytes());
        assertTrue(alloc.metric().toString().contains("keptBufferBytes: " + kept), alloc.metric().toString());
        assertEquals(before + kept, used(), "kept memory is still allocated");

        for (int size = 64; size <= 64 * 1024; size *= 2)
        {
            for (int i = 0; i < ThreadBufferCache.BUFFERS_PER_CLASS; i++)
            {
                bufs.add(alloc.directBuffer(size));
            }
        }
        bufs.subList(3 * ThreadBufferCache.BUFFERS_PER_CLASS, bufs.size()).forEach(ByteBuf::release);
        assertTrue(ThreadBufferCache.bytesKept(numa) <= ThreadBufferCache.MAX_BYTES);

        numa.trimCurrentThreadCache();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used());
    }

    @Test
    void theByteBoundHoldsEightOfTheLargestClass()
    {
        final int largest = 64 * 1024;
        final List<ByteBuf> bufs = new ArrayList<>();
        for (int i = 0; i < ThreadBufferCache.BUFFERS_PER_CLASS + 2; i++)
        {
            bufs.add(alloc.directBuffer(largest));
        }
        bufs.forEach(ByteBuf::release);
        final int fit = (int)Math.min(ThreadBufferCache.BUFFERS_PER_CLASS, ThreadBufferCache.MAX_BYTES / largest);
        assertEquals(8, fit, "the byte bound has room for 8 of the largest class");
        assertEquals((long)fit * largest, ThreadBufferCache.bytesKept(numa),
            "a producer of 64 KiB buffers keeps as many as the byte bound holds");

        final Set<ByteBuf> again = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < fit; i++)
        {
            again.add(alloc.directBuffer(largest));
        }
        assertEquals(0, ThreadBufferCache.bytesKept(numa), "the next ones of the class are the kept ones");
        assertTrue(bufs.containsAll(again));
        again.forEach(ByteBuf::release);
    }

    @Test
    void buffersGivenBackByManyThreadsAtOnceAreNeitherLostNorHandedOutTwice() throws Exception
    {
        final long before = used();
        final int releasers = 3;
        final int perReleaser = 40_000;
        final int[] sizes = {64, 1000, SIZE, 64 * 1024};
        final List<java.util.concurrent.BlockingQueue<ByteBuf>> queues = new ArrayList<>();
        final Set<Long> handedOut = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < releasers; r++)
        {
            final java.util.concurrent.BlockingQueue<ByteBuf> queue = new java.util.concurrent.ArrayBlockingQueue<>(256);
            queues.add(queue);
            threads.add(new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < perReleaser; i++)
                    {
                        final ByteBuf buf = queue.take();
                        final long address = buf.memoryAddress();
                        assertEquals(address, buf.getLong(0), "the pattern the allocating thread wrote");
                        assertTrue(handedOut.remove(address), "handed out once, released once");
                        assertTrue(buf.release());
                    }
                    numa.trimCurrentThreadCache();
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            }, "releaser-" + r));
        }
        threads.forEach(Thread::start);
        // This thread allocates; its buffers come back to it from three threads at once, through its queue.
        for (int i = 0; i < releasers * perReleaser && failure.get() == null; i++)
        {
            final ByteBuf buf = alloc.directBuffer(sizes[i % sizes.length]);
            final long address = buf.memoryAddress();
            assertTrue(handedOut.add(address), "0x" + Long.toHexString(address) + " is in two buffers at once");
            buf.setLong(0, address);
            while (!queues.get(i % releasers).offer(buf, 10, java.util.concurrent.TimeUnit.MILLISECONDS))
            {
                assertNull(failure.get());
            }
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertTrue(handedOut.isEmpty());
        numa.trimCurrentThreadCache();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used(), "every slot given back was kept or freed, none lost");
    }

    /** Runs a task on a new thread and waits for it; rethrows what it threw. */
    static void onAnotherThread(final Runnable task) throws Exception
    {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                task.run();
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        thread.start();
        thread.join();
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void aBufferReleasedOnAnotherThreadComesBackWithItsMemoryToTheThreadThatAllocatedIt() throws Exception
    {
        final long before = used();
        final ByteBuf buf = alloc.directBuffer(SIZE);
        final long address = buf.memoryAddress();
        onAnotherThread(() ->
        {
            buf.release();
            numa.trimCurrentThreadCache();
        });
        assertEquals(before + SIZE, used(), "in flight back to this thread, with its memory");
        final ByteBuf again = alloc.directBuffer(SIZE);
        assertSame(buf, again);
        assertEquals(address, again.memoryAddress());
        assertEquals(1, again.refCnt());
        again.release();
        numa.trimCurrentThreadCache();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used());
    }

    @Test
    void whatOtherThreadsGiveBackIsBoundedAndFreedOnTrim() throws Exception
    {
        // above SMALL_RETURN_MAX_BYTES: bounded by RETURN_LARGE_BUFFERS
        assertGivenBackAtMost(LARGE_SIZE, ThreadBufferCache.RETURN_LARGE_BUFFERS);
    }

    @Test
    void smallBuffersFillTheWholeReturnQueue() throws Exception
    {
        assertGivenBackAtMost(1024, ThreadBufferCache.RETURN_QUEUE_CAPACITY);
    }

    @Test
    void sixteenKibBuffersFillTheWholeReturnQueueToo() throws Exception
    {
        // Netty's common read buffer: a producer/consumer pair of loops passing them keeps 1024 in flight, not 64
        assertGivenBackAtMost(SIZE, ThreadBufferCache.RETURN_QUEUE_CAPACITY);
    }

    @Test
    void largeBuffersGivenBackMoveOnWhileTheThreadTakesOnlySmallOnes() throws Exception
    {
        final long before = used();
        final int large = 20;
        allocateHereReleaseElsewhere(LARGE_SIZE, large);
        assertEquals(before + (long)large * LARGE_SIZE, used(), "all 20 in flight back to this thread");
        // Three small buffers, none released: each finds its stack empty and drains what came back. The first
        // drain fills the large class's stack (BUFFERS_PER_CLASS); the next ones free what does not fit.
        final List<ByteBuf> small = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            small.add(alloc.directBuffer(1024));
        }
        assertEquals(before + (long)ThreadBufferCache.BUFFERS_PER_CLASS * LARGE_SIZE + 3 * 1024, used(),
            ThreadBufferCache.BUFFERS_PER_CLASS + " large kept on their stack, the others freed");
        small.forEach(ByteBuf::release);
    }

    @Test
    void buffersOfTheClassBeingTakenThatDoNotFitWaitInTheQueueRatherThanBeFreed() throws Exception
    {
        final int size = 64 * 1024; // the byte bound holds 8 of them, the count bound 16
        final int count = 20;
        final long before = used();
        allocateHereReleaseElsewhere(size, count);
        final ByteBuf again = alloc.directBuffer(size);
        assertEquals(before + (long)count * size, used(),
            "none freed: 8 moved to the stack and one of them handed out, 12 still in the queue");
        assertEquals((long)(count - 1) * size, ThreadBufferCache.bytesKept(numa));
        again.release();
        numa.trimCurrentThreadCache();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used());
    }

    /** Allocates {@code count} buffers on this thread and releases them all on another, which gives them back here. */
    private void allocateHereReleaseElsewhere(final int sizeBytes, final int count) throws Exception
    {
        final List<ByteBuf> bufs = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            bufs.add(alloc.directBuffer(sizeBytes));
        }
        onAnotherThread(() -> bufs.forEach(ByteBuf::release));
    }

    private void assertGivenBackAtMost(final int sizeBytes, final int bound) throws Exception
    {
        final long before = used();
        final int count = 2 * bound;
        final List<ByteBuf> bufs = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            bufs.add(alloc.directBuffer(sizeBytes));
        }
        onAnotherThread(() ->
        {
            bufs.forEach(ByteBuf::release);
            numa.trimCurrentThreadCache();
        });
        assertEquals(before + (long)bound * sizeBytes, used(), "up to the bound in flight, the rest freed");
        assertEquals((long)bound * sizeBytes, ThreadBufferCache.bytesKept(numa), "what waits in the return queue");
        numa.trimCurrentThreadCache();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used());
    }

    @Test
    void buffersOfAThreadThatEndedAreFreedWhenReleasedBeforeOrAfterItsCacheIsReclaimed() throws Exception
    {
        final long before = used();
        final List<ByteBuf> bufs = new ArrayList<>();
        onAnotherThread(() ->
        {
            for (int i = 0; i < 6; i++)
            {
                bufs.add(alloc.directBuffer(SIZE));
            }
        });
        numa.trimCurrentThreadCache();
        final long withSix = used();
        bufs.subList(0, 3).forEach(ByteBuf::release); // the thread ended, but nobody knows yet: given back
        numa.trimCurrentThreadCache();
        assertEquals(withSix, used(), "given back to the ended thread's cache, still allocated");
        numa.maintainNow(); // reclaims the ended thread's cache: frees what was given back
        assertEquals(withSix - 3L * SIZE, used());
        bufs.subList(3, 6).forEach(ByteBuf::release); // after: freed at once
        numa.trimCurrentThreadCache();
        numa.maintainNow();
        assertEquals(before, used());
    }

    /**
     * A thread that gives a buffer back may read the cache's allocator just before the owner switches to another
     * and drains its queue, and offer it just after: the queue of a cache that keeps one allocator's buffers then
     * holds another's. Each allocator's count must have only its own, or {@code close()} of the first could take the
     * other's bytes for its own free ones, and unmap memory still in use.
     */
    @Test
    void aBufferOfAnotherAllocatorGivenBackAsTheCacheSwitchedCountsForItsOwnAllocatorOnly() throws Exception
    {
        final NumaAllocator other = NumaAllocator.builder().jmx(false).build();
        try
        {
            final NumaByteBufAllocator otherAlloc = new NumaByteBufAllocator(other);
            final AtomicReference<ThreadBufferCache> cacheOfThread = new AtomicReference<>();
            final AtomicReference<ByteBuf> ofOther = new AtomicReference<>();
            final long keptForEndedOfNuma;
            final long keptForEndedOfOther;
            final long keptOfNuma;
            final long keptOfOther;
            // Any allocator's maintenance (every second, and not only these two's) reclaims the caches of threads
            // that have ended, under this lock: held from before the thread ends until it is counted, none can.
            synchronized (ThreadBufferCache.class)
            {
                onAnotherThread(() ->
                {
                    ofOther.set(otherAlloc.directBuffer(64)); // allocated here: given back here
                    alloc.directBuffer(1024).release(); // now keeps numa's buffers: 1 KiB of them
                    cacheOfThread.set(ThreadBufferCache.ofCurrentThread());
                });
                final ThreadBufferCache cache = cacheOfThread.get();
                // the race, replayed: the giving thread reads the old allocator, then offers after the switch
                final Field memory = ThreadBufferCache.class.getDeclaredField("memory");
                memory.setAccessible(true);
                memory.set(cache, other);
                ofOther.get().release();
                memory.set(cache, numa);

                keptForEndedOfNuma = ThreadBufferCache.bytesKeptForEndedThreads(numa);
                keptForEndedOfOther = ThreadBufferCache.bytesKeptForEndedThreads(other);
                keptOfNuma = ThreadBufferCache.bytesKept(numa);
                keptOfOther = ThreadBufferCache.bytesKept(other);
            }
            assertEquals(1024, keptForEndedOfNuma, "the other allocator's buffer does not count as numa's");
            assertEquals(64, keptForEndedOfOther, "it counts as the other's: the thread has ended");
            assertEquals(1024, keptOfNuma);
            assertEquals(64, keptOfOther);
            numa.maintainNow();
            assertEquals(0, ThreadBufferCache.bytesKept(numa));
            assertEquals(0, ThreadBufferCache.bytesKept(other), "freed with the ended thread's cache");
        }
        finally
        {
            other.close();
        }
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void aVirtualThreadKeepsNoBuffersAndPoolsFewObjects() throws Exception
    {
        final long before = used();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final int[] reused = new int[1];
        final Runnable body = () ->
        {
            try
            {
                final Set<ByteBuf> first = Collections.newSetFromMap(new IdentityHashMap<>());
                final List<ByteBuf> bufs = new ArrayList<>();
                for (int i = 0; i < 100; i++)
                {
                    bufs.add(alloc.directBuffer(SIZE));
                }
                first.addAll(bufs);
                bufs.forEach(ByteBuf::release);
                assertEquals(0, ThreadBufferCache.bytesKept(numa), "a virtual thread keeps no buffer");
                bufs.clear();
                for (int i = 0; i < 100; i++)
                {
                    bufs.add(alloc.directBuffer(SIZE));
                }
                reused[0] = (int)bufs.stream().filter(first::contains).count();
                bufs.forEach(ByteBuf::release);
                numa.trimCurrentThreadCache();
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        };
        // Thread.ofVirtual().unstarted(...) through reflection: this code compiles for Java 17
        final Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        final Thread virtual = (Thread)Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class)
            .invoke(builder, body);
        virtual.start();
        virtual.join();
        assertNull(failure.get());
        assertEquals(BufferRecycler.MAX_POOLED_PER_VIRTUAL_THREAD, reused[0], "objects pooled by a virtual thread");
        numa.maintainNow();
        assertEquals(before, used());
    }

    @Test
    void nothingIsKeptOfAnAllocatorThatZeroesFreedMemory()
    {
        final NumaAllocator scrubbing = NumaAllocator.builder().jmx(false).scrubOnFree(true).build();
        try
        {
            final NumaByteBufAllocator scrubbingAlloc = new NumaByteBufAllocator(scrubbing);
            final ByteBuf buf = scrubbingAlloc.directBuffer(SIZE);
            final long address = buf.memoryAddress();
            buf.setBytes(0, new byte[SIZE]).setByte(0, 0x5A).setByte(SIZE - 1, 0x5A);
            buf.release();
            assertEquals(0, scrubbingAlloc.keptBufferBytes(), "not kept, so that it is zeroed");
            final ByteBuf next = scrubbingAlloc.directBuffer(SIZE);
            assertEquals(address, next.memoryAddress(), "the same slot, freed and allocated again");
            assertEquals(0, next.getByte(0));
            assertEquals(0, next.getByte(SIZE - 1));
            next.release();
        }
        finally
        {
            scrubbing.trimCurrentThreadCache();
            scrubbing.close();
        }
    }

    @Test
    void anIdleThreadGivesItsKeptBuffersBackAndABusyOneKeepsThem()
    {
        final long before = used();
        alloc.directBuffer(SIZE).release();
        numa.trimCurrentThreadCacheIfIdle(); // the first call only notes how busy the thread has been
        for (int period = 0; period < 3; period++)
        {
            alloc.directBuffer(SIZE).release(); // kept buffers only: the allocator's own counters do not move
            assertFalse(numa.trimCurrentThreadCacheIfIdle(), "busy with kept buffers, so not idle");
            assertEquals(SIZE, ThreadBufferCache.bytesKept(numa));
        }
        assertTrue(numa.trimCurrentThreadCacheIfIdle(), "a period without work: idle");
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used());
    }

    @Test
    void whatAThreadKeptWhenItEndedIsFreedByMaintenance() throws Exception
    {
        final long before = used();
        final Thread worker = new Thread(() ->
        {
            final List<ByteBuf> bufs = new ArrayList<>();
            for (int i = 0; i < 5; i++)
            {
                bufs.add(alloc.directBuffer(SIZE));
            }
            bufs.forEach(ByteBuf::release);
        });
        worker.start();
        worker.join();
        assertEquals(5L * SIZE, ThreadBufferCache.bytesKept(numa));
        numa.maintainNow();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        assertEquals(before, used(), "the ended thread's kept buffers and its cache are freed");
    }

    @Test
    void fastThreadLocalsRemovedFreeWhatTheThreadKeptAndItKeepsAgainAfter() throws Exception
    {
        onAnotherThread(() ->
        {
            final long before = used();
            final ByteBuf older = alloc.directBuffer(SIZE);
            alloc.directBuffer(SIZE).release();
            assertEquals(SIZE, ThreadBufferCache.bytesKept(numa));
            FastThreadLocal.removeAll(); // as Netty does as an event loop terminates, here mid-life
            assertEquals(0, ThreadBufferCache.bytesKept(numa), "freed, as by a trim");
            numa.trimCurrentThreadCache();
            assertEquals(before + SIZE, used(), "the kept buffer's memory is the allocator's again");
            older.release();
            assertEquals(0, ThreadBufferCache.bytesKept(numa), "memory allocated before is not kept after");
            final ByteBuf next = alloc.directBuffer(SIZE);
            next.writeLong(42);
            assertEquals(42, next.readLong());
            next.release();
            assertEquals(SIZE, ThreadBufferCache.bytesKept(numa), "the thread keeps buffers again");
            FastThreadLocal.removeAll();
            assertEquals(0, ThreadBufferCache.bytesKept(numa), "and frees them at the next removal too");
            numa.trimCurrentThreadCache();
            assertEquals(before, used());
        });
    }

    /**
     * Netty calls {@link FastThreadLocal#removeAll()} as an event loop terminates with nothing around it to catch what
     * an onRemoval throws. A free refused there (the memory of a kept buffer freed directly, a user's mistake) must
     * not escape: the cache logs it, frees the thread's other kept buffers, and keeps buffers again after.
     */
    @Test
    void aFreeRefusedAsFastThreadLocalsAreRemovedIsLoggedAndTheOtherKeptBuffersAreFreed() throws Exception
    {
        try (LogCapture log = new LogCapture(ThreadBufferCache.class.getPackageName()))
        {
            onAnotherThread(() ->
            {
                final long before = used();
                keepTwoAndFreeTheFirstBehindTheCache();
                FastThreadLocal.removeAll();
                assertEquals(0, ThreadBufferCache.bytesKept(numa));
                numa.trimCurrentThreadCache();
                assertEquals(before, used(), "the other kept buffer was freed all the same");
                alloc.directBuffer(SIZE).release();
                assertEquals(SIZE, ThreadBufferCache.bytesKept(numa), "the thread keeps buffers again");
                FastThreadLocal.removeAll();
                assertEquals(0, ThreadBufferCache.bytesKept(numa), "and frees them at the next removal");
            });
            assertRefusalLogged(log);
        }
    }

    /**
     * A trim (here the allocator's, as the idle trim of an event loop runs it on a schedule that a throw would cancel
     * for good) that meets a refused free of a kept buffer logs it and frees the rest; it does not throw into the
     * unrelated call.
     */
    @Test
    void aTrimThatMeetsARefusedFreeLogsItAndFreesTheRest() throws Exception
    {
        try (LogCapture log = new LogCapture(ThreadBufferCache.class.getPackageName()))
        {
            onAnotherThread(() ->
            {
                final long before = used();
                keepTwoAndFreeTheFirstBehindTheCache();
                assertDoesNotThrow(numa::trimCurrentThreadCache, "the trim reports the refusal, it does not throw");
                assertEquals(0, ThreadBufferCache.bytesKept(numa));
                numa.trimCurrentThreadCache();
                assertEquals(before, used(), "the other kept buffer was freed all the same");
            });
            assertRefusalLogged(log);
        }
    }

    /**
     * On the calling thread: two buffers released and kept by its cache, then the memory of the first (kept first, so
     * freed first) freed directly, behind the cache's back, so that the cache's own free of it is refused.
     */
    private void keepTwoAndFreeTheFirstBehindTheCache()
    {
        final ByteBuf first = alloc.directBuffer(SIZE);
        final ByteBuf second = alloc.directBuffer(SIZE);
        final long freedDirectly = first.memoryAddress();
        first.release();
        second.release();
        assertEquals(2L * SIZE, ThreadBufferCache.bytesKept(numa));
        numa.free(freedDirectly);
    }

    private static void assertRefusalLogged(final LogCapture log)
    {
        assertTrue(log.warnings().stream().anyMatch(w -> w.contains("InvalidFreeException")), log.warnings().toString());
    }

    /**
     * The same refused free on a plain Netty event loop: its shutdown must complete. An exception out of
     * {@link FastThreadLocal#removeAll()} there ends the loop's thread before it completes the termination future.
     */
    @Test
    @SuppressWarnings("deprecation") // NioEventLoopGroup: deprecated in Netty 4.2, the one both 4.1 and 4.2 have
    void anEventLoopWhoseCacheCannotFreeAKeptBufferStillTerminates() throws Exception
    {
        final EventLoopGroup group = new NioEventLoopGroup(1);
        try
        {
            group.submit(() ->
            {
                final ByteBuf buf = alloc.directBuffer(SIZE);
                final long address = buf.memoryAddress();
                buf.release(); // kept by the loop's cache
                numa.free(address);
            }).sync();
            assertTrue(group.shutdownGracefully(0, 10, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS),
                "the loop terminated");
        }
        finally
        {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    /**
     * A thread's map of FastThreadLocals can go without their onRemoval ({@link InternalThreadLocalMap#remove()},
     * {@link FastThreadLocal#destroy()}, or an onRemoval that threw earlier in a removeAll()). A thread that then
     * allocates from another allocator must set its value again, so that the next removeAll() frees what it keeps.
     */
    @Test
    void aThreadWhoseFastThreadLocalsWentWithoutRemovalRegistersAgainWhenItSwitchesAllocator() throws Exception
    {
        final NumaAllocator other = NumaAllocator.builder().jmx(false).build();
        try
        {
            final NumaByteBufAllocator otherAlloc = new NumaByteBufAllocator(other);
            onAnotherThread(() ->
            {
                alloc.directBuffer(SIZE).release();
                assertEquals(SIZE, ThreadBufferCache.bytesKept(numa));
                InternalThreadLocalMap.remove(); // the map goes, and with it the value, without onRemoval
                otherAlloc.directBuffer(SIZE).release();
                assertEquals(0, ThreadBufferCache.bytesKept(numa), "freed as the thread switched allocator");
                assertEquals(SIZE, ThreadBufferCache.bytesKept(other));
                FastThreadLocal.removeAll();
                assertEquals(0, ThreadBufferCache.bytesKept(other), "freed at the removal");
            });
        }
        finally
        {
            other.close();
        }
    }

    @Test
    void aBufferAllocatedBeforeATrimIsNotKeptAfterIt()
    {
        final ByteBuf buf = alloc.directBuffer(SIZE);
        numa.trimCurrentThreadCache(); // as when the thread rebinds to another node: older memory must not be kept
        buf.release();
        assertEquals(0, ThreadBufferCache.bytesKept(numa));
        alloc.directBuffer(SIZE).release();
        assertEquals(SIZE, ThreadBufferCache.bytesKept(numa), "memory allocated after the trim is kept");
    }

    @Test
    void aClosedAllocatorHandsOutNoKeptBuffer()
    {
        final NumaAllocator other = NumaAllocator.builder().jmx(false).build();
        final NumaByteBufAllocator otherAlloc = new NumaByteBufAllocator(other);
        otherAlloc.directBuffer(SIZE).release();
        assertEquals(SIZE, ThreadBufferCache.bytesKept(other));
        other.close();
        assertThrows(IllegalStateException.class, () -> otherAlloc.directBuffer(SIZE));
        other.trimCurrentThreadCache(); // drops the kept buffer without freeing into the closed allocator
        assertEquals(0, ThreadBufferCache.bytesKept(other));
    }

    @Test
    void keepingABufferOfAnotherAllocatorFreesThoseOfThePreviousOne()
    {
        final NumaAllocator other = NumaAllocator.builder().jmx(false).build();
        try
        {
            final NumaByteBufAllocator otherAlloc = new NumaByteBufAllocator(other);
            final long before = used();
            alloc.directBuffer(SIZE).release();
            assertEquals(SIZE, ThreadBufferCache.bytesKept(numa));
            otherAlloc.directBuffer(SIZE).release();
            assertEquals(SIZE, ThreadBufferCache.bytesKept(other));
            assertEquals(0, ThreadBufferCache.bytesKept(numa));
            numa.trimCurrentThreadCache();
            assertEquals(before, used(), "the first allocator's kept buffer was freed");
        }
        finally
        {
            other.trimCurrentThreadCache();
            other.close();
        }
    }
}
