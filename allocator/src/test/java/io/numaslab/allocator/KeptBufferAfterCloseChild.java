package io.numaslab.allocator;

import io.netty.buffer.ByteBuf;
import io.numaslab.allocator.netty.NumaByteBufAllocator;
import io.numaslab.hugepages.PageKind;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by {@link UseAfterCloseTest}: a thread that stays alive, as an event loop not yet shut down,
 * keeps released Netty buffers in its buffer cache; another thread closes the allocator, and the memory of those
 * buffers is then written, as the live thread would write a kept buffer it took just before the close (past the
 * cache's closed check). Exits 0 with a line per buffer if that does not crash the JVM, and 1 if what is read back is
 * the old data (the memory was not given back).
 */
public final class KeptBufferAfterCloseChild
{
    static final int[] SIZES = {64, 1024, 16 * 1024};

    public static void main(final String[] args) throws InterruptedException
    {
        final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).build();
        final NumaByteBufAllocator alloc = new NumaByteBufAllocator(a);
        final long[] addresses = new long[SIZES.length];
        final CountDownLatch kept = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        final Thread loop = new Thread(() ->
        {
            for (int i = 0; i < SIZES.length; i++)
            {
                final ByteBuf buf = alloc.directBuffer(SIZES[i]);
                new UnsafeBuffer(buf.memoryAddress(), SIZES[i]).setMemory(0, SIZES[i], (byte)0x5A);
                addresses[i] = buf.memoryAddress();
                buf.release(); // kept by this thread's cache, for its next buffer of the class
            }
            kept.countDown();
            awaitUninterruptibly(done);
        }, "live-event-loop");
        loop.start();
        kept.await();
        a.close();
        for (int i = 0; i < SIZES.length; i++)
        {
            final UnsafeBuffer late = new UnsafeBuffer(addresses[i], SIZES[i]);
            final byte before = late.getByte(SIZES[i] - 1);
            late.putLong(0, 42);
            System.out.println("kept " + SIZES[i] + " bytes: read " + before + " after close, wrote " +
                late.getLong(0));
            if (before == 0x5A)
            {
                System.out.println("the old data is still there: the memory was not given back");
                System.exit(1);
            }
        }
        done.countDown();
        loop.join();
    }

    private static void awaitUninterruptibly(final CountDownLatch latch)
    {
        while (true)
        {
            try
            {
                latch.await();
                return;
            }
            catch (final InterruptedException ignored)
            {
                // the test waits for the latch alone
            }
        }
    }
}
