package io.numaslab.allocator;

import java.lang.ref.WeakReference;
import java.util.function.Function;

/**
 * A per-thread value found in two independent loads: arrays indexed by the low bits of the thread's id, in front
 * of a {@link ThreadLocal}. A {@code ThreadLocal.get()} probes the thread's hash map (about six dependent loads);
 * on an allocator's hot path that was a third of an allocate + free pair.
 * <p>
 * Layout: slot {@code id & 1023} holds a thread in {@code owners} and its value in {@code values}. A thread takes
 * its slot when the slot is empty or its holder has ended; a thread whose id collides with a live holder's finds
 * its value through the ThreadLocal instead, correctly but more slowly.
 * <p>
 * Only a thread itself writes itself into a slot, so a thread that finds itself in {@code owners} reads its own
 * value; other threads only ever empty the slots of threads that have ended. Slots are written under a lock (it is
 * taken once per thread, on its first use): two new threads whose ids collide could otherwise both take an ended
 * thread's slot at once and leave one's thread beside the other's value. Slots of ended threads are emptied
 * whenever a thread makes its value, and by {@link #forget(Thread)}, so an ended thread's value is not kept for
 * long.
 *
 * @param <T> the per-thread value.
 */
public final class ThreadSlots<T>
{
    /** Slots in the arrays: 1024, so up to that many live threads with consecutive ids never collide. */
    public static final int SLOT_COUNT = 1024;

    private final Thread[] owners = new Thread[SLOT_COUNT];
    private final Object[] values = new Object[SLOT_COUNT];
    /** Each thread's value, or a {@link WeakReference} to it if {@link #weakValues}. */
    private final ThreadLocal<Object> threadLocal = new ThreadLocal<>();
    private final Function<Thread, T> factory;
    private final boolean weakValues;

    /** @param factory makes the calling thread's value on its first {@link #get()}. */
    public ThreadSlots(final Function<Thread, T> factory)
    {
        this(factory, false);
    }

    /**
     * @param factory    makes the calling thread's value on its first {@link #get()}.
     * @param weakValues whether the ThreadLocal holds the values weakly, for an owner that keeps every value reachable
     *                   itself as long as it needs it. A value that leads back to its ThreadSlots (a thread cache
     *                   that knows its allocator) would otherwise keep its own ThreadLocal entry, and with it the
     *                   owner, from ever being collected while the thread lives: one closed allocator retained per
     *                   long-lived thread that used it.
     */
    public ThreadSlots(final Function<Thread, T> factory, final boolean weakValues)
    {
        this.factory = factory;
        this.weakValues = weakValues;
    }

    /** @return the calling thread's value, made on first use. */
    @SuppressWarnings("unchecked")
    public T get()
    {
        final Thread thread = Thread.currentThread();
        final int slot = slotOf(thread);
        return owners[slot] == thread ? (T)values[slot] : getSlow(thread, slot);
    }

    /** @return the calling thread's value, or null if it has none yet. */
    @SuppressWarnings("unchecked")
    public T getIfPresent()
    {
        final Object held = threadLocal.get();
        return weakValues && held != null ? ((WeakReference<T>)held).get() : (T)held;
    }

    /**
     * Empties the slot of a thread that has ended, so that another thread can take it and the value be collected.
     *
     * @param owner a thread that has ended.
     */
    public synchronized void forget(final Thread owner)
    {
        final int slot = slotOf(owner);
        if (owners[slot] == owner)
        {
            owners[slot] = null;
            values[slot] = null;
        }
    }

    private T getSlow(final Thread thread, final int slot)
    {
        T value = getIfPresent();
        if (value == null)
        {
            value = factory.apply(thread);
            threadLocal.set(weakValues ? new WeakReference<>(value) : value);
            forgetEnded();
        }
        // A racy look first: a slot held by another live thread stays so (only a thread writes itself in, and a
        // slot is emptied only once its holder has ended), so the lock is for a slot that may be free. Without
        // this, every lookup of a thread whose id collides with a live one's took the lock, shared by all threads.
        final Thread seen = owners[slot];
        if (seen != null && seen != thread && seen.isAlive())
        {
            return value;
        }
        synchronized (this)
        {
            final Thread holder = owners[slot];
            if (holder == null || !holder.isAlive())
            {
                values[slot] = value;
                owners[slot] = thread;
            }
        }
        return value;
    }

    /** Empties the slots of threads that have ended: a thousand loads, next to the cost of starting a thread. */
    private synchronized void forgetEnded()
    {
        for (int slot = 0; slot < SLOT_COUNT; slot++)
        {
            final Thread holder = owners[slot];
            if (holder != null && !holder.isAlive())
            {
                forget(holder);
            }
        }
    }

    @SuppressWarnings("deprecation") // Thread.getId(): threadId() is Java 19+; both return the same final id
    private static int slotOf(final Thread thread)
    {
        return (int)thread.getId() & (SLOT_COUNT - 1);
    }
}
