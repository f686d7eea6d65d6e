package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import io.numaslab.slab.InvalidFreeException;
import io.numaslab.slab.SizeClasses;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two threads free the same address at the same instant, over and over: exactly one free of each address must
 * succeed and the other must throw, or the slot would go into two thread caches and be handed out twice. And a
 * second free of a page run that waits for the arena's lock while the run's pages become a slab must not free the
 * slot now at that address.
 */
class ConcurrentDoubleFreeTest
{
    private static final int ROUNDS = 200_000;
    private static final int SIZE_BYTES = 64;

    @Test
    void ofTwoThreadsFreeingOneAddressAtOnceExactlyOneSucceeds() throws Exception
    {
        try (NumaAllocator allocator = NumaAllocator.builder().jmx(false).build())
        {
            final long[] addresses = new long[ROUNDS];
            for (int r = 0; r < ROUNDS; r++)
            {
                addresses[r] = allocator.allocate(SIZE_BYTES);
            }
            final AtomicInteger arrived = new AtomicInteger();
            final AtomicInteger succeeded = new AtomicInteger();
            final AtomicInteger refused = new AtomicInteger();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Runnable racer = () ->
            {
                try
                {
                    for (int r = 0; r < ROUNDS; r++)
                    {
                        // a spin barrier per round, so both threads reach the free together
                        arrived.incrementAndGet();
                        final int everyone = 2 * (r + 1);
                        while (arrived.get() < everyone)
                        {
                            Thread.onSpinWait();
                        }
                        try
                        {
                            allocator.free(addresses[r]);
                            succeeded.incrementAndGet();
                        }
                        catch (final InvalidFreeException expected)
                        {
                            refused.incrementAndGet();
                        }
                    }
                    allocator.trimCurrentThreadCache();
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            };
            final Thread first = new Thread(racer, "racer-1");
            final Thread second = new Thread(racer, "racer-2");
            first.start();
            second.start();
            first.join();
            second.join();
            assertNull(failure.get());
            assertEquals(ROUNDS, succeeded.get(), "frees that succeeded: one per address");
            assertEquals(ROUNDS, refused.get(), "frees refused as double frees: one per address");
            assertEquals(allocator.stats().getAllocations(), allocator.stats().getFrees());
            assertEquals(0, allocator.stats().getUsedBytes());

            // Nothing is handed out twice: as many allocations as there were addresses are all distinct.
            final Set<Long> handedOut = new HashSet<>();
            for (int r = 0; r < ROUNDS; r++)
            {
                assertTrue(handedOut.add(allocator.allocate(SIZE_BYTES)), "an address handed out twice");
            }
        }
    }

    @Test
    void aSecondFreeOfAPageRunWhosePagesWereCarvedIntoSlotsMeanwhileIsRefused() throws Exception
    {
        try (NumaAllocator allocator = NumaAllocator.builder().pageKind(PageKind.SMALL).jmx(false)
            .maintenanceInterval(Duration.ofHours(1)).build())
        {
            final NodeArena arena = allocator.arenas()[0];
            final long run = allocator.allocate(128 * 1024); // a page run: above the largest size class
            allocator.free(run);
            final AtomicReference<Throwable> secondFree = new AtomicReference<>();
            final Thread freer = new Thread(() ->
            {
                try
                {
                    allocator.free(run);
                }
                catch (final Throwable t)
                {
                    secondFree.set(t);
                }
            }, "second-free");
            final int classIndex = SizeClasses.classIndexOf(64);
            arena.lock.lock();
            try
            {
                freer.start();
                RaceTestSupport.awaitSpinning(freer); // found no slab at the address, waits for the lock
                // What a thread cache's refill does: slots carved from the run's pages, taken but not yet live.
                final long slot = arena.heap.allocate(64);
                assertEquals(run, slot, "the slab was carved where the run was (first fit)");
            }
            finally
            {
                arena.lock.unlock();
            }
            freer.join();
            assertInstanceOf(InvalidFreeException.class, secondFree.get(), "the second free of the run");
            assertEquals(1, arena.heap.usedSlots(classIndex), "the cached slot is still taken, not free twice");
        }
    }
}
