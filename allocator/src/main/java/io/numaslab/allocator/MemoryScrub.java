package io.numaslab.allocator;

import com.sun.jna.Pointer;

/** Zeroes freed memory for {@link NumaAllocator.Builder#scrubOnFree(boolean)}, through JNA's native memset. */
final class MemoryScrub
{
    private MemoryScrub()
    {
    }

    static void zero(final long address, final long lengthBytes)
    {
        new Pointer(address).setMemory(0, lengthBytes, (byte)0);
    }
}
