package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Run in a child JVM by {@link UseAfterCloseTest}: memory of every kind (a slot, a page run, a region of its own)
 * written, the allocator closed without freeing it, then the memory read and written again. Exits 0 with a line
 * per kind if that does not crash the JVM, and 1 if what is read back is the old data (the memory was not given back).
 */
public final class UseAfterCloseChild
{
    public static void main(final String[] args)
    {
        final int[] sizes = {64, 128 * 1024, 5 << 20};
        for (final PageKind kind : new PageKind[] {PageKind.SMALL, PageKind.HUGETLB_2M})
        {
            final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(kind).build();
            final long[] addresses = new long[sizes.length];
            for (int i = 0; i < sizes.length; i++)
            {
                addresses[i] = a.allocate(sizes[i]);
                new UnsafeBuffer(addresses[i], sizes[i]).setMemory(0, sizes[i], (byte)0x5A);
            }
            a.close();
            for (int i = 0; i < sizes.length; i++)
            {
                final UnsafeBuffer late = new UnsafeBuffer(addresses[i], sizes[i]);
                final byte before = late.getByte(sizes[i] - 1);
                late.putLong(0, 42);
                System.out.println(kind + " " + sizes[i] + " bytes: read " + before + " after close, wrote " +
                    late.getLong(0));
                if (before == 0x5A)
                {
                    System.out.println("the old data is still there: the memory was not given back");
                    System.exit(1);
                }
            }
        }
    }
}
