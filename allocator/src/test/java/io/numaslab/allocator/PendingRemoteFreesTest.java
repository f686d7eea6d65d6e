package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frees of another node's memory wait in a batch of 64 before they go home; a thread that makes few of them must
 * still send them home while it lives, or that node cannot reuse the memory. Runs inside ../shared/numa-vm (see
 * .ci/multinode): the thread must allocate on a second node that really exists.
 */
@Tag("multinode")
@Timeout(300)
class PendingRemoteFreesTest
{
    @Test
    void aBusyThreadSendsAPartBatchOfRemoteFreesHomeWhileItLives() throws Exception
    {
        try (NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .maintenanceInterval(Duration.ofHours(1)).build())
        {
            final int[] nodes = a.nodes();
            assertTrue(nodes.length >= 2, "needs two nodes, has " + Arrays.toString(nodes));
            final long[] pendingAfterFrees = new long[1];
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread t = new Thread(() ->
            {
                try
                {
                    a.bindCurrentThread(nodes[0]);
                    final long[] ofFirstNode = new long[10];
                    for (int i = 0; i < ofFirstNode.length; i++)
                    {
                        ofFirstNode[i] = a.allocate(64 * 1024);
                    }
                    a.bindCurrentThread(nodes[1]); // its frees of the first node's memory are remote now
                    for (final long address : ofFirstNode)
                    {
                        a.free(address);
                    }
                    pendingAfterFrees[0] = a.nodeStats(nodes[0]).getPendingRemoteFrees();
                    // busy: allocates and frees its own node's memory, never idle, its batch never full
                    for (int i = 0; i < 40_000; i++)
                    {
                        a.free(a.allocate(1000 + (i % 2) * 4000));
                    }
                    a.maintainNow(); // drains what reached the first node's queue; the thread still lives
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            t.start();
            t.join();
            assertNull(failure.get());
            assertEquals(10, pendingAfterFrees[0], "freed on the second node's thread: in a batch, not sent yet");
            assertEquals(0, a.nodeStats(nodes[0]).getPendingRemoteFrees(), "sent home while the thread lived");
        }
    }
}
