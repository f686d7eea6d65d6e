package io.numaslab.bench;

import io.numaslab.numa.Errno;
import io.numaslab.numa.NumaException;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NumaslabCommandTest
{
    /** A container without CAP_SYS_NICE denies move_pages: the row says so instead of the command dying. */
    @Test
    void deniedMovePagesMakesThePlacementUnknownWithTheReason()
    {
        final String cell = NumaslabCommand.describePagesPerNode(() ->
        {
            throw new NumaException("move_pages(self, 4 pages from 0x7f0000000000, nodes=NULL)", Errno.EPERM,
                "denied");
        });

        assertEquals("unknown: move_pages denied (EPERM)", cell);
    }

    @Test
    void otherMovePagesFailuresNameTheirErrno()
    {
        final String cell = NumaslabCommand.describePagesPerNode(() ->
        {
            throw new NumaException("move_pages(self, 4 pages from 0x7f0000000000, nodes=NULL)", Errno.EINVAL,
                "the kernel could not report where the pages are");
        });

        assertEquals("unknown: move_pages failed (EINVAL)", cell);
    }

    @Test
    void knownPlacementIsCountedPerNode()
    {
        final Map<Integer, Long> counts = new TreeMap<>(Map.of(0, 3L, 1, 1L, -2, 2L));

        assertEquals("absent(-2)=2 N0=3 N1=1", NumaslabCommand.describePagesPerNode(() -> counts));
    }
}
