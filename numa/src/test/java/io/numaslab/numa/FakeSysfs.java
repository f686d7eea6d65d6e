package io.numaslab.numa;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a directory laid out like {@code /sys/devices/system/node} for topology tests. */
final class FakeSysfs
{
    private final Path root;

    FakeSysfs(final Path root)
    {
        this.root = root;
    }

    Path root()
    {
        return root;
    }

    FakeSysfs online(final String list)
    {
        write(root.resolve("online"), list + "\n");
        return this;
    }

    FakeSysfs node(final int id, final String cpulist, final long memTotalKb, final long memFreeKb, final String distances)
    {
        final Path dir = root.resolve("node" + id);
        write(dir.resolve("cpulist"), cpulist + "\n");
        write(dir.resolve("meminfo"),
            "Node " + id + " MemTotal:       " + memTotalKb + " kB\n" +
            "Node " + id + " MemFree:        " + memFreeKb + " kB\n" +
            "Node " + id + " MemUsed:        " + (memTotalKb - memFreeKb) + " kB\n");
        write(dir.resolve("distance"), distances + "\n");
        return this;
    }

    FakeSysfs hugePages(final int node, final long pageSizeKb, final long nr, final long free)
    {
        final Path dir = root.resolve("node" + node).resolve("hugepages").resolve("hugepages-" + pageSizeKb + "kB");
        write(dir.resolve("nr_hugepages"), nr + "\n");
        write(dir.resolve("free_hugepages"), free + "\n");
        write(dir.resolve("surplus_hugepages"), "0\n");
        return this;
    }

    private static void write(final Path file, final String text)
    {
        try
        {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
