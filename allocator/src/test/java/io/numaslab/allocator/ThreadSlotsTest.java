package io.numaslab.allocator;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadSlotsTest
{
    /** A value that remembers the thread it was made for. */
    private record Value(Thread owner)
    {
    }

    private final List<Thread> made = new CopyOnWriteArrayList<>();
    private final ThreadSlots<Value> slots = new ThreadSlots<>(thread ->
    {
        made.add(thread);
        return new Value(thread);
    });

    @Test
    void eachThreadGetsItsOwnValueMadeOnceOnFirstUse() throws Exception
    {
        assertNull(slots.getIfPresent());
        final Value mine = slots.get();
        assertSame(Thread.currentThread(), mine.owner());
        assertSame(mine, slots.get());
        assertSame(mine, slots.getIfPresent());
        final AtomicReference<Value> theirs = new AtomicReference<>();
        final Thread other = new Thread(() -> theirs.set(slots.get()));
        other.start();
        other.join();
        assertSame(other, theirs.get().owner());
        assertEquals(List.of(Thread.currentThread(), other), made);
    }

    @Test
    @SuppressWarnings("deprecation") // Thread.getId(), as ThreadSlots indexes by it
    void threadsWhoseIdsCollideWhileBothLiveEachSeeTheirOwnValue() throws Exception
    {
        final CyclicBarrier bothHaveValues = new CyclicBarrier(2);
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final Runnable work = () ->
        {
            try
            {
                final Value first = slots.get();
                bothHaveValues.await();
                for (int i = 0; i < 1000; i++)
                {
                    assertSame(first, slots.get());
                    assertSame(Thread.currentThread(), slots.get().owner());
                }
            }
            catch (final Throwable t)
            {
                failures.add(t);
            }
        };
        final Thread a = new Thread(work);
        Thread b = new Thread(work);
        while ((b.getId() & (ThreadSlots.SLOT_COUNT - 1)) != (a.getId() & (ThreadSlots.SLOT_COUNT - 1)))
        {
            b = new Thread(work);
        }
        a.start();
        b.start();
        a.join();
        b.join();
        assertTrue(failures.isEmpty(), () -> failures.toString());
        assertEquals(2, made.size());
    }

    @Test
    @SuppressWarnings("deprecation")
    void newThreadsRacingForOneEndedThreadsSlotEachGetTheirOwnValue() throws Exception
    {
        for (int round = 0; round < 20; round++)
        {
            final Thread ended = new Thread(slots::get);
            ended.start();
            ended.join();
            final int racers = 6;
            final CyclicBarrier start = new CyclicBarrier(racers);
            final List<Throwable> failures = new CopyOnWriteArrayList<>();
            final Runnable race = () ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < 200; i++)
                    {
                        assertSame(Thread.currentThread(), slots.get().owner(), "a thread got another's value");
                    }
                }
                catch (final Throwable t)
                {
                    failures.add(t);
                }
            };
            final Thread[] threads = new Thread[racers];
            for (int k = 0; k < racers; k++)
            {
                Thread t = new Thread(race);
                while ((t.getId() & (ThreadSlots.SLOT_COUNT - 1)) != (ended.getId() & (ThreadSlots.SLOT_COUNT - 1)))
                {
                    t = new Thread(race);
                }
                threads[k] = t;
            }
            for (final Thread t : threads)
            {
                t.start();
            }
            for (final Thread t : threads)
            {
                t.join();
            }
            assertTrue(failures.isEmpty(), () -> "round: " + failures);
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void aThreadWhoseIdCollidesWithAnEndedThreadTakesItsSlotAndItsOwnValue() throws Exception
    {
        final AtomicReference<Value> first = new AtomicReference<>();
        final Thread a = new Thread(() -> first.set(slots.get()));
        a.start();
        a.join();
        final AtomicReference<Value> second = new AtomicReference<>();
        final AtomicReference<Value> secondAgain = new AtomicReference<>();
        final Runnable task = () ->
        {
            second.set(slots.get());
            secondAgain.set(slots.get());
        };
        Thread b = new Thread(task);
        while ((b.getId() & (ThreadSlots.SLOT_COUNT - 1)) != (a.getId() & (ThreadSlots.SLOT_COUNT - 1)))
        {
            b = new Thread(task);
        }
        b.start();
        b.join();
        assertSame(b, second.get().owner());
        assertNotSame(first.get(), second.get());
        assertSame(second.get(), secondAgain.get());
        slots.forget(b);
        assertEquals(2, made.size());
    }

    @Test
    @SuppressWarnings("deprecation") // Thread.getId(), as ThreadSlots indexes by it
    void aThreadWhoseIdCollidesWithALiveOnesFindsItsValueWithoutTheLock() throws Exception
    {
        final CountDownLatch holderMayEnd = new CountDownLatch(1);
        final CountDownLatch holderHasSlot = new CountDownLatch(1);
        final Thread holder = new Thread(() ->
        {
            slots.get();
            holderHasSlot.countDown();
            try
            {
                holderMayEnd.await();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        });
        final SynchronousQueue<Boolean> go = new SynchronousQueue<>();
        final CountDownLatch firstDone = new CountDownLatch(1);
        final AtomicReference<Value> first = new AtomicReference<>();
        final AtomicReference<Value> second = new AtomicReference<>();
        final Runnable collider = () ->
        {
            try
            {
                first.set(slots.get()); // made, the slot left to the live holder
                firstDone.countDown();
                go.take();
                second.set(slots.get());
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        };
        Thread colliding = new Thread(collider);
        while ((colliding.getId() & (ThreadSlots.SLOT_COUNT - 1)) != (holder.getId() & (ThreadSlots.SLOT_COUNT - 1)))
        {
            colliding = new Thread(collider);
        }
        holder.start();
        holderHasSlot.await();
        colliding.start();
        firstDone.await();
        try
        {
            synchronized (slots)
            {
                go.put(Boolean.TRUE);
                colliding.join(1000);
                assertTrue(second.get() != null, "the second lookup waited for a lock another thread held");
            }
            colliding.join();
            assertSame(first.get(), second.get(), "the colliding thread's own value, both times");
        }
        finally
        {
            holderMayEnd.countDown();
            holder.join();
        }
    }
}
