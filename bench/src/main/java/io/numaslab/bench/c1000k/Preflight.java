package io.numaslab.bench.c1000k;

import io.numaslab.numa.KernelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks up front what holding N loopback connections needs, and says how to get what is missing. The server
 * process holds one end of every connection, so it needs one file descriptor per connection; the client ends are
 * spread over load generator processes of at most {@link #connectionsPerProcess()} each. Beyond file descriptors:
 * the system-wide file limit, enough ephemeral ports per source address, and memory.
 */
final class Preflight
{
    /** File descriptors each process needs besides one per connection (JVM, jars, epoll, pipes). */
    static final int SPARE_FILE_DESCRIPTORS = 1000;

    /** Kernel memory per socket end (socket, inode, file, epoll item): slab grew 4.1 KB per socket in the VM. */
    static final long KERNEL_BYTES_PER_SOCKET = 4 * 1024;
    /** Server JVM memory per connection (channel, pipeline, session record, heap headroom). */
    static final long SERVER_BYTES_PER_CONNECTION = 4 * 1024;
    /** Load generator JVM memory per connection. */
    static final long GENERATOR_BYTES_PER_CONNECTION = 4 * 1024;
    /** Memory of a JVM with no connections yet (a server or generator starts at 65-70 MiB RSS). */
    static final long BYTES_PER_PROCESS = 96L << 20;

    private Preflight()
    {
    }

    /** One thing the run needs, whether this machine has it, and how to get it. */
    record Need(String what, boolean met, String fix)
    {
        @Override
        public String toString()
        {
            return (met ? "ok: " : "MISSING: ") + what + (met ? "" : "; " + fix);
        }
    }

    /**
     * @return how many connections one process may hold under its file descriptor limit (the hard one, which the
     *     JVM raises the soft one to), one descriptor each; Integer.MAX_VALUE where it is unknown.
     */
    static int connectionsPerProcess()
    {
        final long hard = openFilesLimit(true);
        return hard < 0 ? Integer.MAX_VALUE : (int)Math.max(0, Math.min(Integer.MAX_VALUE, hard - SPARE_FILE_DESCRIPTORS));
    }

    /**
     * @param connections connections to hold.
     * @param perProcess  client ends one load generator holds at most.
     * @return the load generator processes that takes.
     */
    static int generators(final int connections, final int perProcess)
    {
        return (int)((connections + (long)perProcess - 1) / perProcess);
    }

    /** @return the sentence that says why the file limit caps the server, and how to lift it. */
    static String fileLimitExplanation(final int connections)
    {
        final long needed = (long)connections + SPARE_FILE_DESCRIPTORS;
        final long nrOpen = readLong("/proc/sys/fs/nr_open");
        return "the server process takes one file descriptor per connection: " + needed + " needed, its hard " +
            "limit (RLIMIT_NOFILE) is " + openFilesLimit(true) + "; as root: " +
            (nrOpen >= 0 && nrOpen < needed ? "sysctl -w fs.nr_open=" + needed + " && " : "") +
            "ulimit -Hn " + needed + " && ulimit -n " + needed + " (./numaslab raises the limit to fs.nr_open when it may; it may not where CAP_SYS_RESOURCE is " +
            "withheld, as in containers)";
    }

    /**
     * @param connections connections asked for.
     * @param perProcess  client ends one load generator holds at most.
     * @return everything those connections need, met or not.
     */
    static List<Need> needs(final int connections, final int perProcess)
    {
        final List<Need> needs = new ArrayList<>();
        final int generators = generators(connections, perProcess);
        final long serverFds = (long)connections + SPARE_FILE_DESCRIPTORS;
        final long nrOpen = readLong("/proc/sys/fs/nr_open");
        needs.add(new Need("fs.nr_open (the most file descriptors one process may have) >= " + serverFds + " for the server " +
            "process, is " + nrOpen, nrOpen < 0 || nrOpen >= serverFds, "as root: sysctl -w fs.nr_open=" + serverFds));
        final long hard = openFilesLimit(true);
        needs.add(new Need("file descriptor limit (ulimit -Hn) >= " + serverFds + " for the server process, is " + hard,
            hard < 0 || hard >= serverFds, "as root: ulimit -Hn " + serverFds + " && ulimit -n " + serverFds +
            " (./numaslab raises it to fs.nr_open when it may; not where CAP_SYS_RESOURCE is withheld, as in containers); " +
            "until then the server holds " + Math.min(connections, connectionsPerProcess()) + " connections"));
        final long allFds = 2L * connections + (1L + generators) * SPARE_FILE_DESCRIPTORS;
        final long fileMax = readLong("/proc/sys/fs/file-max");
        needs.add(new Need("fs.file-max (all processes) >= " + allFds + " (server, and " + generators + " load generator " +
            "process(es) of at most " + perProcess + " connections), is " + fileMax,
            fileMax < 0 || fileMax >= allFds, "as root: sysctl -w fs.file-max=" + (allFds + 100_000)));
        final String range = readString("/proc/sys/net/ipv4/ip_local_port_range");
        if (range != null)
        {
            final String[] bounds = range.trim().split("\\s+");
            final long ports = Long.parseLong(bounds[1]) - Long.parseLong(bounds[0]) + 1;
            final int addresses = (connections + ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS - 1) / ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS;
            final long portsNeeded = 2L * Math.min(connections, ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS) + 4000;
            needs.add(new Need("ephemeral ports (net.ipv4.ip_local_port_range) >= " + portsNeeded + ", so that the half " +
                "bind() takes from first holds the " + Math.min(connections, ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS) + " connections of " +
                "each source address (" + addresses + " addresses from 127.0.0.2), is " + ports, ports >= portsNeeded,
                "as root: sysctl -w net.ipv4.ip_local_port_range='1024 65535'"));
        }
        // Connects in flight wait in the server's accept queue, which the kernel caps at these two (silently: the
        // server asks for 65535); a short queue slows connecting down to the failures the generators give up on.
        final long backlog = Math.min(65535, Math.min(connections, (long)LoadGenerator.CONNECTS_IN_FLIGHT * generators));
        for (final String sysctl : new String[] {"net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog"})
        {
            final long value = readLong("/proc/sys/" + sysctl.replace('.', '/'));
            needs.add(new Need(sysctl + " (caps the server's accept queue) >= " + backlog + " for the connects in " +
                "flight (" + LoadGenerator.CONNECTS_IN_FLIGHT + " per load generator), is " + value,
                value < 0 || value >= backlog, "as root: sysctl -w " + sysctl + "=65535"));
        }
        final long available = memAvailableBytes();
        final long memory = memoryBytes(connections, generators);
        needs.add(new Need("memory about " + (memory >> 20) + " MiB (" + ((2 * KERNEL_BYTES_PER_SOCKET + SERVER_BYTES_PER_CONNECTION +
            GENERATOR_BYTES_PER_CONNECTION) >> 10) + " KiB per connection: kernel sockets, server and load generator JVMs, " +
            "plus " + (BYTES_PER_PROCESS >> 20) + " MiB per process), " + (available >> 20) + " MiB available",
            available < 0 || available >= memory, "fewer --connections"));
        return needs;
    }

    /**
     * @param connections connections the run will try to hold (after the file limit).
     * @param perProcess  client ends one load generator holds at most.
     * @return what keeps the run from starting at all (the file descriptor limit only caps it), empty if it can go ahead.
     */
    static List<Need> blockers(final int connections, final int perProcess)
    {
        final List<Need> blockers = new ArrayList<>();
        for (final Need need : needs(connections, perProcess))
        {
            // the file limit caps the run; a short accept queue slows it: neither stops it
            if (!need.met() && !need.what().startsWith("fs.nr_open") && !need.what().startsWith("file descriptor limit") &&
                !need.what().startsWith("net."))
            {
                blockers.add(need);
            }
        }
        return blockers;
    }

    /** @return the limits this run had: per-process file limit, fs.nr_open, fs.file-max, port range, memory. */
    static String limitsInEffect()
    {
        final String range = readString("/proc/sys/net/ipv4/ip_local_port_range");
        return "file descriptor hard limit per process " + openFilesLimit(true) + ", fs.nr_open " +
            readLong("/proc/sys/fs/nr_open") + ", fs.file-max " + readLong("/proc/sys/fs/file-max") +
            ", ip_local_port_range " + (range == null ? "?" : range.trim().replaceAll("\\s+", "-")) +
            ", " + Runtime.getRuntime().availableProcessors() + " CPUs, MemTotal " + (memTotalBytes() >> 20) + " MiB";
    }

    static long memoryBytes(final int connections, final int generators)
    {
        return connections * (2 * KERNEL_BYTES_PER_SOCKET + SERVER_BYTES_PER_CONNECTION + GENERATOR_BYTES_PER_CONNECTION) +
            (1L + generators) * BYTES_PER_PROCESS;
    }

    /** @return this process's resident memory in bytes (VmRSS), or -1 where /proc is missing. */
    static long rssBytes()
    {
        return statusField("/proc/self/status", "VmRSS:");
    }

    static long openFilesLimit(final boolean hard)
    {
        final String limits = readString("/proc/self/limits");
        if (limits == null)
        {
            return -1;
        }
        for (final String line : limits.split("\n"))
        {
            if (line.startsWith("Max open files"))
            {
                final String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                final String value = hard ? fields[1] : fields[0];
                return "unlimited".equals(value) ? Long.MAX_VALUE : Long.parseLong(value);
            }
        }
        return -1;
    }

    private static long memAvailableBytes()
    {
        return statusField("/proc/meminfo", "MemAvailable:");
    }

    private static long memTotalBytes()
    {
        return statusField("/proc/meminfo", "MemTotal:");
    }

    private static long statusField(final String file, final String field)
    {
        final String text = readString(file);
        if (text == null)
        {
            return -1;
        }
        for (final String line : text.split("\n"))
        {
            if (line.startsWith(field))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static long readLong(final String file)
    {
        final String text = readString(file);
        return text == null ? -1 : Long.parseLong(text.trim());
    }

    private static String readString(final String file)
    {
        final Path path = Paths.get(file);
        try
        {
            return Files.isReadable(path) ? KernelFiles.read(path) : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
    }
}
