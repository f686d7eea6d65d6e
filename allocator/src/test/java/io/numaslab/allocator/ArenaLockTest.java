package io.numaslab.allocator;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArenaLockTest
{
    private final ArenaLock lock = new ArenaLock();
    private long guarded;

    @Test
    void threadsHammeringItNeverLoseAnUpdateOfWhatItGuards() throws Exception
    {
        final int threads = 4;
        final int rounds = 200_000;
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() ->
            {
                for (int i = 0; i < rounds; i++)
                {
                    lock.lock();
                    try
                    {
                        guarded++; // a plain read-modify-write: only mutual exclusion keeps it exact
                    }
                    finally
                    {
                        lock.unlock();
                    }
                }
            });
            workers[t].start();
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        assertEquals((long)threads * rounds, guarded);
    }

    @Test
    void lockingItTwiceOnOneThreadThrowsInsteadOfDeadlocking()
    {
        lock.lock();
        assertTrue(lock.isHeldByCurrentThread());
        assertThrows(IllegalStateException.class, lock::lock);
        lock.unlock();
        assertFalse(lock.isHeldByCurrentThread());
        lock.lock(); // still usable
        lock.unlock();
    }

    @Test
    void contendedLockingAllocatesNothing() throws Exception
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final CountDownLatch started = new CountDownLatch(1);
        final AtomicLong otherRounds = new AtomicLong();
        final Thread other = new Thread(() ->
        {
            started.countDown();
            while (!Thread.currentThread().isInterrupted())
            {
                lock.lock();
                guarded++;
                lock.unlock();
                otherRounds.incrementAndGet();
            }
        });
        other.start();
        started.await();
        for (int i = 0; i < 10_000; i++) // warm up, so nothing below is class loading or a first-call allocation
        {
            lock.lock();
            lock.unlock();
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++)
        {
            lock.lock();
            guarded++;
            lock.unlock();
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        other.interrupt();
        other.join();
        assertTrue(otherRounds.get() > 0, "the other thread took the lock too");
        assertEquals(0, allocated, "bytes allocated by 200,000 contended lock/unlock pairs");
    }
}
