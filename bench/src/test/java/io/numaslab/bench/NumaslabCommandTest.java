package io.numaslab.bench;

import io.numaslab.numa.Errno;
import io.numaslab.numa.NumaException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** --help after topology, size-classes or help was refused as an option (exit 2). */
    @Test
    void helpAfterACommandThatTakesNoOptionsPrintsItsUsageAndSucceeds()
    {
        final Answer topology = answer("topology", "--help");
        assertEquals(0, topology.status, topology.err);
        assertEquals("usage: numaslab topology\n  topology       NUMA nodes, huge page pools, and one region of each " +
            "page kind per node (default)\n", topology.out);
        assertEquals("", topology.err);

        final Answer sizeClasses = answer("size-classes", "-h");
        assertEquals(0, sizeClasses.status, sizeClasses.err);
        assertTrue(sizeClasses.out.startsWith("usage: numaslab size-classes\n  size-classes   the slab size classes"),
            sizeClasses.out);

        final Answer help = answer("help", "--help");
        assertEquals(0, help.status, help.err);
        assertTrue(help.out.startsWith("usage: numaslab [command]\n") && help.out.contains("  c1000k "), help.out);
    }

    @Test
    void otherOptionsAfterACommandThatTakesNoneAreRefused()
    {
        final Answer refused = answer("topology", "--json");
        assertEquals(2, refused.status);
        assertTrue(refused.err.startsWith("numaslab topology: takes no options, got --json\nusage: numaslab [command]"),
            refused.err);
        assertEquals("", refused.out);
    }

    private static Answer answer(final String command, final String... options)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = NumaslabCommand.answerOptions(command, options,
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Answer(status, out.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"),
            err.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }

    /** What {@link NumaslabCommand#answerOptions} printed and returned. */
    private record Answer(int status, String out, String err)
    {
    }
}
