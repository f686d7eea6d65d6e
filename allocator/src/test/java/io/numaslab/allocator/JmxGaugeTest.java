package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import static org.junit.jupiter.api.Assertions.assertTrue;

class JmxGaugeTest
{
    @Test
    void usedBytesNeverGoesNegativeWhileAThreadWorks() throws Exception
    {
        try (NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build())
        {
            final long[] live = new long[200];
            final Thread worker = new Thread(() ->
            {
                while (!Thread.currentThread().isInterrupted())
                {
                    for (int i = 0; i < live.length; i++)
                    {
                        live[i] = a.allocate(1000);
                    }
                    for (final long address : live)
                    {
                        a.free(address);
                    }
                }
            });
            worker.start();
            long min = Long.MAX_VALUE;
            final NodeArenaMXBean stats = a.nodeStats(0);
            final long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end && min >= 0)
            {
                min = Math.min(min, stats.getUsedBytes());
            }
            worker.interrupt();
            worker.join();
            assertTrue(min >= 0, "JMX UsedBytes read " + min);
        }
    }

    @Test
    void pendingRemoteFreesNeverGoesNegative() throws Exception
    {
        try (NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .topology(RaceTestSupport.twoNodes()).maintenanceInterval(Duration.ofHours(1)).build())
        {
            final BlockingQueue<long[]> toFree = new ArrayBlockingQueue<>(4);
            final Thread producer = new Thread(() ->
            {
                try
                {
                    while (!Thread.currentThread().isInterrupted())
                    {
                        final long[] batch = new long[256];
                        for (int i = 0; i < batch.length; i++)
                        {
                            batch[i] = a.allocate(64); // node 0; each refill drains node 0's remote frees
                        }
                        toFree.put(batch);
                    }
                }
                catch (final InterruptedException ignored) { }
            });
            final Thread remote = new Thread(() ->
            {
                a.bindCurrentThread(1);
                try
                {
                    while (!Thread.currentThread().isInterrupted())
                    {
                        for (final long address : toFree.take())
                        {
                            a.free(address); // goes home to node 0 in batches of 64
                        }
                    }
                }
                catch (final InterruptedException ignored) { }
            });
            producer.start();
            remote.start();
            long min = Long.MAX_VALUE;
            final NodeArenaMXBean stats = a.nodeStats(0);
            final long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end && min >= 0)
            {
                min = Math.min(min, stats.getPendingRemoteFrees());
            }
            producer.interrupt();
            remote.interrupt();
            producer.join();
            remote.join();
            assertTrue(min >= 0, "JMX PendingRemoteFrees read " + min);
        }
    }
}
