package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;

/** Run in a child JVM: a free of a page run that is waiting for the arena lock when close() runs. */
public final class CloseRaceChild
{
    public static void main(final String[] args) throws Exception
    {
        for (int round = 0; round < 30; round++)
        {
            final NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL).scrubOnFree(true).build();
            final long run = a.allocate(100_000); // a page run
            final NodeArena arena = a.arenas()[0];
            arena.lock.lock();
            final Thread freer = new Thread(() ->
            {
                try
                {
                    a.free(run);
                }
                catch (final IllegalStateException expected)
                {
                    // what a free after close should get
                }
            }, "freer");
            freer.start();
            RaceTestSupport.awaitSpinning(freer); // past the closed check, waiting for the lock
            final Thread closer = new Thread(a::close, "closer");
            closer.start();
            RaceTestSupport.awaitSpinning(closer);
            arena.lock.unlock(); // either may go first; when close() does, the free zeroes unmapped memory
            freer.join();
            closer.join();
            System.out.println("round " + round + " survived");
        }
    }
}
