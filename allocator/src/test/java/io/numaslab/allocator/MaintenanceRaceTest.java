package io.numaslab.allocator;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MaintenanceRaceTest
{
    @Test
    void twoMaintenanceRunsReclaimTheSameEndedThreadsCacheOnce() throws Exception
    {
        try (LogCapture log = new LogCapture();
             NumaAllocator a = NumaAllocator.builder().jmx(false).pageKind(PageKind.SMALL)
                 .maintenanceInterval(Duration.ofHours(1)).build())
        {
            final Thread dead = new Thread(() ->
            {
                final long[] addresses = new long[20];
                for (int i = 0; i < addresses.length; i++)
                {
                    addresses[i] = a.allocate(64);
                }
                for (final long address : addresses)
                {
                    a.free(address); // into its cache
                }
            });
            dead.start();
            dead.join();

            final NodeArena arena = a.arenas()[0];
            arena.lock.lock(); // the first run reaches the ended thread's cache and waits here
            final Thread m1 = new Thread(a::maintainNow, "m1");
            final Thread m2 = new Thread(a::maintainNow, "m2");
            m1.start();
            RaceTestSupport.awaitSpinning(m1);
            m2.start();
            // The second run must wait for the first as a whole; without that it reached the same cache and
            // both reclaimed it.
            RaceTestSupport.awaitBlocked(m2);
            arena.lock.unlock();
            m1.join();
            m2.join();

            final List<String> warnings = log.warnings();
            assertEquals(List.of(), warnings, "maintenance runs that raced on one cache");
        }
    }
}
