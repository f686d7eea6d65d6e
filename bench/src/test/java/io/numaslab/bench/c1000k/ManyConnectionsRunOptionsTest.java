package io.numaslab.bench.c1000k;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ManyConnectionsRunOptionsTest
{
    /** Bad options are refused before anything starts: no server JVM, no report written over the last one. */
    @Test
    void badOptionsAreRefusedWithAMessageNamingTheOption()
    {
        assertMessage("--bogus", new String[] {"--bogus", "1"});
        assertMessage("--connections needs a whole number, got 'abc'", new String[] {"--connections", "abc"});
        assertMessage("--name needs a value", new String[] {"--name"});
        assertMessage("unknown allocator 'foo'", new String[] {"--allocators", "numaslab,foo"});
        assertMessage("--connect-seconds must be at least 1", new String[] {"--connect-seconds", "0"});
        assertMessage("--connect-seconds must be at least 1", new String[] {"--connect-seconds", "-5"});
        assertMessage("--rate above 0", new String[] {"--rate", "0"});
    }

    /** --help anywhere asks for the usage alone, and the usage names every option the parser takes. */
    @Test
    void helpIsRecognisedAnywhereAndTheUsageNamesEveryOption()
    {
        assertTrue(ManyConnectionsRun.wantsHelp(new String[] {"--help"}));
        assertTrue(ManyConnectionsRun.wantsHelp(new String[] {"--connections", "10", "-h"}));
        assertFalse(ManyConnectionsRun.wantsHelp(new String[] {"--connections", "10"}));
        for (final String option : List.of("--connections", "--seconds", "--allocators", "--per-generator",
            "--connect-seconds", "--rate", "--results", "--name"))
        {
            assertTrue(ManyConnectionsRun.USAGE.contains(System.lineSeparator() + "  " + option + " "), option);
        }
    }

    @Test
    void allocatorNamesAreKeptInTheirOrder()
    {
        assertEquals(List.of("adaptive", "numaslab"), ManyConnectionsRun.allocatorNames("adaptive, numaslab"));
    }

    @Test
    void theEphemeralPortsNeededFollowTheConnectionsAskedUpToOneSourceAddressWorth()
    {
        assumeTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range")),
            "no port range to check on this system");
        assertTrue(portsNeed(100).contains(">= 4200"), portsNeed(100));
        assertTrue(portsNeed(1_000_000).contains(">= " + (2 * ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS + 4000)),
            portsNeed(1_000_000));
    }

    @Test
    void theLoadGeneratorsAreEnoughForTheConnections()
    {
        assertEquals(1, Preflight.generators(100, 19_000));
        assertEquals(53, Preflight.generators(1_000_000, 19_000));
    }

    @Test
    void theAcceptQueueIsCheckedForTheConnectsInFlightButDoesNotStopTheRun()
    {
        final List<String> million = Preflight.needs(1_000_000, 19_000).stream().map(Preflight.Need::what).toList();
        assertTrue(million.stream().anyMatch(w -> w.startsWith("net.core.somaxconn") && w.contains(">= 53000")),
            million.toString());
        assertTrue(million.stream().anyMatch(w -> w.startsWith("net.ipv4.tcp_max_syn_backlog") && w.contains(">= 53000")),
            million.toString());
        assertTrue(Preflight.needs(100, 19_000).stream().map(Preflight.Need::what)
            .anyMatch(w -> w.startsWith("net.core.somaxconn") && w.contains(">= 100 ")));
        assertTrue(Preflight.blockers(1_000_000, 19_000).stream().noneMatch(b -> b.what().startsWith("net.")));
    }

    private static String portsNeed(final int connections)
    {
        return Preflight.needs(connections, 19_000).stream().map(Preflight.Need::what)
            .filter(w -> w.startsWith("ephemeral ports")).findFirst().orElse("no port check on this machine");
    }

    private static void assertMessage(final String expected, final String[] args)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ManyConnectionsRun.main(args));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
