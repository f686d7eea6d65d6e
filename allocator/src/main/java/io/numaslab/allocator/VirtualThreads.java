package io.numaslab.allocator;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Tells virtual threads (Java 21+) from platform threads while compiling for Java 17, where
 * {@code Thread.isVirtual()} does not exist: the method is looked up once, and on a JDK without it every thread
 * is a platform thread.
 * <p>
 * The allocator needs to know because a server may run hundreds of thousands of virtual threads: a full thread
 * cache for each (up to 1 MiB of memory and 80 KiB of heap) would hold far more than the arenas serve. So do the
 * Netty buffers' per-thread pools. Ask once per thread: the call goes through a method handle.
 */
public final class VirtualThreads
{
    private static final MethodHandle IS_VIRTUAL = lookUpIsVirtual();

    private VirtualThreads()
    {
    }

    /**
     * @param thread any thread.
     * @return whether it is a virtual thread; false on JDKs without virtual threads.
     */
    public static boolean isVirtual(final Thread thread)
    {
        if (IS_VIRTUAL == null)
        {
            return false;
        }
        try
        {
            return (boolean)IS_VIRTUAL.invokeExact(thread);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("Thread.isVirtual() failed", t);
        }
    }

    private static MethodHandle lookUpIsVirtual()
    {
        try
        {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        }
        catch (final NoSuchMethodException | IllegalAccessException ex)
        {
            return null;
        }
    }
}
