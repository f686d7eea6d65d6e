package io.numaslab.bench.tlb;

import java.lang.reflect.Field;

/**
 * Raw 8-byte loads and stores at absolute addresses through {@code sun.misc.Unsafe}: no bounds checks, no
 * object, one machine load or store each, as the measurement loops need. An address outside mapped memory
 * crashes the JVM; callers keep to their region.
 */
public final class UnsafeMemory
{
    private static final sun.misc.Unsafe UNSAFE = loadUnsafe();

    private UnsafeMemory()
    {
    }

    /**
     * @param address an absolute address with 8 readable bytes.
     * @return the long there (native byte order).
     */
    public static long getLong(final long address)
    {
        return UNSAFE.getLong(address);
    }

    /**
     * @param address an absolute address with 8 writable bytes.
     * @param value   the long to store (native byte order).
     */
    public static void putLong(final long address, final long value)
    {
        UNSAFE.putLong(address, value);
    }

    /**
     * @param sizeBytes bytes of native memory ({@code malloc}), e.g. for tests and JIT warm-up.
     * @return its address; free it with {@link #free(long)}.
     */
    public static long allocate(final long sizeBytes)
    {
        return UNSAFE.allocateMemory(sizeBytes);
    }

    /** @param address an address from {@link #allocate(long)}. */
    public static void free(final long address)
    {
        UNSAFE.freeMemory(address);
    }

    private static sun.misc.Unsafe loadUnsafe()
    {
        try
        {
            final Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (sun.misc.Unsafe)field.get(null);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError("sun.misc.Unsafe is not accessible (module jdk.unsupported): " + ex);
        }
    }
}
