package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Run on JDK 24+ (virtual threads unmount when they block on a monitor): a virtual thread that holds an arena lock
 * blocks briefly on the chunk source's monitor (held by a JMX read, say); virtual threads that want the arena lock
 * spin and yield on every carrier.
 */
public final class VirtualThreadArenaLockChild
{
    public static void main(final String[] args) throws Exception
    {
        final Method startVirtual = Thread.class.getMethod("startVirtualThread", Runnable.class);
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
            .maintenanceInterval(java.time.Duration.ofHours(1)).build();
        final NodeArena arena = a.arenas()[0];
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread jmxReader = new Thread(() ->
        {
            synchronized (arena.chunkSource) // held long, as a stats read once held it while reading smaps
            {
                held.countDown();
                try { release.await(); } catch (final InterruptedException ex) { throw new RuntimeException(ex); }
            }
        });
        jmxReader.start();
        held.await();
        final Thread holder = (Thread)startVirtual.invoke(null, (Runnable)() -> a.allocate(64)); // first chunk: maps
        while (holder.getState() != Thread.State.BLOCKED && holder.getState() != Thread.State.WAITING)
        {
            Thread.sleep(1);
        }
        System.out.println("holder: " + holder.getState());
        final List<Thread> others = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            others.add((Thread)startVirtual.invoke(null, (Runnable)() -> a.allocate(64)));
        }
        Thread.sleep(500);
        release.countDown(); // the JMX read ends after half a second
        jmxReader.join();
        final long deadline = System.nanoTime() + 10_000_000_000L;
        holder.join(10_000);
        for (final Thread t : others)
        {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        if (holder.isAlive())
        {
            System.out.println("LIVELOCK: 10 s after the monitor was released the lock holder is still " +
                holder.getState() + "; the other virtual threads spin on the arena lock");
            Runtime.getRuntime().halt(1);
        }
        System.out.println("all done");
        Runtime.getRuntime().halt(0);
    }
}
