package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class RebindWithPendingRemoteFreesTest
{
    @Test
    void rebindingWithPendingRemoteFreesLosesNothing() throws Exception
    {
        try (NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .topology(RaceTestSupport.twoNodes()).maintenanceInterval(Duration.ofHours(1)).build())
        {
            final Thread t = new Thread(() ->
            {
                final long[] x = new long[100];
                for (int i = 0; i < x.length; i++) x[i] = a.allocate(64 + (i % 5) * 100);
                a.bindCurrentThread(1);
                for (int i = 0; i < 30; i++) a.free(x[i]);
                a.bindCurrentThread(0);
                for (int i = 30; i < 60; i++) a.free(x[i]);
                a.bindCurrentThread(1);
                for (int i = 60; i < 100; i++) a.free(x[i]); // 40 pending when the thread ends
            });
            t.start();
            t.join();
            final NodeArenaMXBean n0 = a.nodeStats(0);
            System.out.println("before maintain: pending=" + n0.getPendingRemoteFrees() + " used=" + n0.getUsedBytes());
            a.maintainNow();
            assertEquals(0L, n0.getPendingRemoteFrees());
            assertEquals(0L, n0.getUsedBytes());
            assertEquals(70L, n0.getRemoteFrees());
            assertEquals(100L, n0.getAllocations());
            assertEquals(100L, n0.getFrees());
            a.arenas()[0].lock.lock();
            try { a.arenas()[0].heap.verifyInvariants(); } finally { a.arenas()[0].lock.unlock(); }
        }
    }

    @Test
    void aThreadBusyAfterRebindingIsNotTakenForIdle() throws Exception
    {
        try (NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .topology(RaceTestSupport.twoNodes()).maintenanceInterval(Duration.ofHours(1)).build())
        {
            final boolean[] trimmed = new boolean[1];
            final Thread t = new Thread(() ->
            {
                for (int i = 0; i < 50; i++)
                {
                    a.free(a.allocate(64)); // 100 operations
                }
                a.trimCurrentThreadCacheIfIdle(); // notes 100
                a.bindCurrentThread(1);
                a.bindCurrentThread(0); // the counts start again from 0
                for (int i = 0; i < 50; i++)
                {
                    a.free(a.allocate(64)); // 100 operations again: busy, with a slot cached
                }
                trimmed[0] = a.trimCurrentThreadCacheIfIdle();
            });
            t.start();
            t.join();
            assertFalse(trimmed[0], "a thread that worked since the last check was trimmed as idle");
        }
    }
}
