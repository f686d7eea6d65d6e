package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.hugepages.Smaps;
import io.numaslab.hugepages.SmapsSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A read of HugePageBackedBytes reads smaps, which takes the kernel a while on a large process: it must not hold the
 * chunk source's lock meanwhile, or every allocation that needs a new chunk waits for a JMX poll.
 */
class HugePageBackedBytesLockTest
{
    private NumaAllocator allocator;
    private final ExecutorService reader = Executors.newSingleThreadExecutor();

    @AfterEach
    void close()
    {
        reader.shutdownNow();
        if (allocator != null)
        {
            allocator.close();
        }
    }

    @Test
    void aChunkIsHandedOutWhileAStatsReadIsReadingSmaps() throws Exception
    {
        assumeTrue(Files.isReadable(Smaps.SELF), "needs /proc/self/smaps (Linux)");
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.THP).build();
        allocator = a;
        final int nodeId = a.nodeOfCurrentThread();
        a.allocate(64); // maps the node's first region
        final NodeArenaStats stats = (NodeArenaStats)a.nodeStats(nodeId);
        assumeTrue("THP".equals(stats.getPageKind()), "needs transparent huge pages (THP enabled [always] or " +
            "[madvise]); the node's regions are " + stats.getPageKind() + ": " + stats.getPageKindFallbackReasons());
        NodeArena arena = null;
        for (final NodeArena candidate : a.arenas())
        {
            arena = candidate.node == nodeId ? candidate : arena;
        }
        final RegionChunkSource chunks = arena.chunkSource;

        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch finishRead = new CountDownLatch(1);
        final Future<Long> read = reader.submit(() -> stats.hugePageBackedBytes(() ->
        {
            reading.countDown();
            awaitQuietly(finishRead);
            return Smaps.read();
        }));
        assertTrue(reading.await(10, TimeUnit.SECONDS), "the stats read reached smaps");
        try
        {
            final long chunk = CompletableFuture.supplyAsync(chunks::acquireChunk).get(5, TimeUnit.SECONDS);
            assertNotEquals(0, chunk, "a chunk: " + chunks.lastFailure());
            chunks.releaseChunk(chunk);
        }
        catch (final TimeoutException held)
        {
            fail("acquireChunk waited for the stats read's smaps: the chunk source's lock is held while reading it");
        }
        finally
        {
            finishRead.countDown();
        }
        read.get(10, TimeUnit.SECONDS); // and the read itself completes
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
