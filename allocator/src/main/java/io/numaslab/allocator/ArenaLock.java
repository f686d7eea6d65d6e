package io.numaslab.allocator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of a {@link NodeArena}: a test-and-test-and-set spin lock that spins briefly, then yields, and never
 * allocates. A contended {@link java.util.concurrent.locks.ReentrantLock} allocates a queue node for each waiting
 * thread, which showed up as garbage per operation when threads of two nodes refilled and flushed at once.
 * <p>
 * The sections it guards are short (a batch of slots moved between a thread cache and the arena's slabs), so
 * waiting threads spin rather than park; after {@link #SPINS_BEFORE_YIELD} spins they yield, so a holder that
 * was descheduled gets the CPU back, and after {@link #YIELDS_BEFORE_PARK} yields they park for a growing while
 * (1 µs up to 1 ms). Yielding alone is not enough for virtual threads: from JDK 24 a virtual thread that holds
 * the lock and blocks on a monitor gives up its carrier, and waiters that only yield can keep every carrier busy
 * so that it never gets one back; a parked waiter frees its carrier. Not reentrant: locking it twice on one
 * thread is a bug in numaslab and throws {@link IllegalStateException} instead of deadlocking.
 */
final class ArenaLock
{
    /** Spins (with {@link Thread#onSpinWait()}) before a waiting thread starts to yield. */
    static final int SPINS_BEFORE_YIELD = 128;
    /** Yields before a waiting thread starts to park. */
    static final int YIELDS_BEFORE_PARK = 64;
    private static final long MAX_PARK_NANOS = 1_000_000;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(ArenaLock.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    @SuppressWarnings("unused") // through STATE: 0 free, 1 held
    private volatile int state;
    /** The holder, for the reentrance check and for debugging; written only by the holder. */
    private Thread holder;

    /** Takes the lock, spinning then yielding while another thread holds it. */
    void lock()
    {
        if (!STATE.compareAndSet(this, 0, 1))
        {
            lockContended();
        }
        holder = Thread.currentThread();
    }

    private void lockContended()
    {
        if (holder == Thread.currentThread() && (int)STATE.getVolatile(this) == 1)
        {
            throw new IllegalStateException("numaslab: the arena lock is already held by this thread");
        }
        int waits = 0;
        long parkNanos = 1_000;
        do
        {
            if (waits < SPINS_BEFORE_YIELD)
            {
                waits++;
                Thread.onSpinWait();
            }
            else if (waits < SPINS_BEFORE_YIELD + YIELDS_BEFORE_PARK)
            {
                waits++;
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(this, parkNanos);
                parkNanos = Math.min(MAX_PARK_NANOS, parkNanos * 2);
            }
        }
        while ((int)STATE.getVolatile(this) != 0 || !STATE.compareAndSet(this, 0, 1));
    }

    /** Releases the lock; only its holder may call it. */
    void unlock()
    {
        holder = null;
        STATE.setRelease(this, 0);
    }

    /** @return whether the calling thread holds the lock. */
    boolean isHeldByCurrentThread()
    {
        return holder == Thread.currentThread() && (int)STATE.getVolatile(this) == 1;
    }
}
