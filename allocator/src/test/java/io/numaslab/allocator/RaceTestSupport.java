package io.numaslab.allocator;

import io.numaslab.numa.NumaTopology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers for the tests of races between allocator paths: a fake two-node topology, log capture, lock waits. */
final class RaceTestSupport
{
    private RaceTestSupport() {}

    /** A fake two-node topology: node 0 has the CPUs, both have memory. Only node 0 can really map memory here. */
    static NumaTopology twoNodes()
    {
        return twoNodes(1, null);
    }

    /**
     * A fake two-node topology: node 0 has the CPUs, both have memory.
     *
     * @param secondNode      the second node's id; one no machine has (say 200) makes every mapping on it fail.
     * @param allowedMemNodes the nodes whose memory the process may use (its cpuset), or null for all.
     */
    static NumaTopology twoNodes(final int secondNode, final int[] allowedMemNodes)
    {
        try
        {
            final Path root = Files.createTempDirectory("fake-sysfs");
            write(root.resolve("online"), "0," + secondNode + "\n");
            node(root, 0, "0-1", "10 20");
            node(root, secondNode, "", "20 10");
            return NumaTopology.read(root, null, allowedMemNodes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void node(final Path root, final int id, final String cpus, final String distances) throws IOException
    {
        final Path dir = root.resolve("node" + id);
        write(dir.resolve("cpulist"), cpus + "\n");
        write(dir.resolve("meminfo"), "Node " + id + " MemTotal:       8000000 kB\nNode " + id +
            " MemFree:        7000000 kB\nNode " + id + " MemUsed:        1000000 kB\n");
        write(dir.resolve("distance"), distances + "\n");
    }

    private static void write(final Path file, final String text) throws IOException
    {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** Waits until a thread is blocked entering a monitor (for example the maintenance lock). */
    static void awaitBlocked(final Thread t) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != Thread.State.BLOCKED)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError(t.getName() + " never blocked on a monitor");
            }
            Thread.sleep(1);
        }
    }

    /** Waits until a thread is spinning for an arena lock. */
    static void awaitSpinning(final Thread t) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            for (final StackTraceElement e : t.getStackTrace())
            {
                if (e.getMethodName().equals("lockContended"))
                {
                    Thread.sleep(20);
                    return;
                }
            }
            Thread.sleep(1);
        }
        throw new AssertionError(t.getName() + " never blocked on the arena lock");
    }
}
