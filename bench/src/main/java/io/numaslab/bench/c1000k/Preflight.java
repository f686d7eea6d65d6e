package io.numaslab.bench.c1000k;

import io.numaslab.numa.KernelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks up front what holding N loopback connections in one process needs, and says how to get what is
 * missing: two file descriptors per connection, enough ephemeral ports per source address, and memory.
 */
final class Preflight
{
    private static final long KERNEL_BYTES_PER_SOCKET = 4096;
    private static final long JVM_BYTES_PER_CONNECTION = 6144;

    private Preflight()
    {
    }

    /** File descriptors the run needs besides two per connection. */
    static final int SPARE_FILE_DESCRIPTORS = 2000;

    /**
     * @return how many connections this process's file descriptor limit (the hard one, which the JVM raises the
     *     soft one to) lets one process hold, two descriptors each; Integer.MAX_VALUE where it is unknown.
     */
    static int connectionsTheFileLimitAllows()
    {
        final long hard = openFilesLimit(true);
        return hard < 0 ? Integer.MAX_VALUE : (int)Math.max(0, Math.min(Integer.MAX_VALUE, (hard - SPARE_FILE_DESCRIPTORS) / 2));
    }

    /** @return the sentence that says why the file limit caps the run, and how to lift it. */
    static String fileLimitExplanation(final int connections)
    {
        final long needed = 2L * connections + SPARE_FILE_DESCRIPTORS;
        return "each connection takes 2 file descriptors (client and server end): " + needed + " needed, the hard " +
            "limit (RLIMIT_NOFILE) is " + openFilesLimit(true) + "; as root: ulimit -Hn " + needed + " && ulimit -n " +
            needed + " (./numaslab does this when it may; it may not where CAP_SYS_RESOURCE is withheld, " +
            "as in containers)";
    }

    /**
     * @return one sentence per problem other than the file limit, with the command that fixes it; empty if the
     *     run can go ahead.
     */
    static List<String> check(final int connections)
    {
        final List<String> problems = new ArrayList<>();
        final long fdsNeeded = 2L * connections + SPARE_FILE_DESCRIPTORS;
        final long nrOpen = readLong("/proc/sys/fs/nr_open");
        if (nrOpen >= 0 && nrOpen < fdsNeeded)
        {
            problems.add("fs.nr_open is " + nrOpen + ": sysctl -w fs.nr_open=" + (fdsNeeded + 1000));
        }
        final long fileMax = readLong("/proc/sys/fs/file-max");
        if (fileMax >= 0 && fileMax < fdsNeeded)
        {
            problems.add("fs.file-max is " + fileMax + ": sysctl -w fs.file-max=" + (fdsNeeded + 100_000));
        }
        final String range = readString("/proc/sys/net/ipv4/ip_local_port_range");
        if (range != null)
        {
            final String[] bounds = range.trim().split("\\s+");
            final long ports = Long.parseLong(bounds[1]) - Long.parseLong(bounds[0]) + 1;
            if (ports < ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS + 1000)
            {
                problems.add("the ephemeral port range has " + ports + " ports, the run uses " +
                    ManyConnectionsRun.PORTS_PER_SOURCE_ADDRESS + " per source address: " +
                    "sysctl -w net.ipv4.ip_local_port_range='1024 65535'");
            }
        }
        final long available = memAvailableBytes();
        final long needed = connections * (2 * KERNEL_BYTES_PER_SOCKET + JVM_BYTES_PER_CONNECTION) + (1L << 30);
        if (available >= 0 && available < needed)
        {
            problems.add("about " + (needed >> 20) + " MiB of memory is needed (kernel sockets and JVM), " +
                (available >> 20) + " MiB is available: fewer --connections");
        }
        return problems;
    }

    /** @return this process's resident memory in bytes (VmRSS), or -1 where /proc is missing. */
    static long rssBytes()
    {
        final String status = readString("/proc/self/status");
        if (status == null)
        {
            return -1;
        }
        for (final String line : status.split("\n"))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static long openFilesLimit(final boolean hard)
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
        final String meminfo = readString("/proc/meminfo");
        if (meminfo == null)
        {
            return -1;
        }
        for (final String line : meminfo.split("\n"))
        {
            if (line.startsWith("MemAvailable:"))
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
