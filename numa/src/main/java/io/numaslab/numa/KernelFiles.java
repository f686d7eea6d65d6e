package io.numaslab.numa;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the small text files of sysfs and procfs. Not {@code Files.readString}: these files report a size the
 * JDK trusts, and procfs ones have been seen to come back cut short (one byte of
 * {@code /proc/sys/net/ipv4/ip_local_port_range}); reading the stream to its end is always right. Nor
 * {@code Files.readAllLines}, which throws on bytes that are not UTF-8: the kernel prints the names of mapped
 * files and memfds as they were given, in any bytes, in {@code /proc/self/maps}, {@code numa_maps} and
 * {@code smaps}. Such bytes become U+FFFD here.
 */
public final class KernelFiles
{
    private KernelFiles()
    {
    }

    /**
     * @param file a sysfs or procfs file (or any small text file).
     * @return its whole content.
     * @throws IOException if it cannot be read.
     */
    public static String read(final Path file) throws IOException
    {
        try (InputStream in = Files.newInputStream(file))
        {
            // the String constructor replaces what is not UTF-8, where a decoder of its own would throw
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * @param file a sysfs or procfs file (or any small text file), such as {@code /proc/self/numa_maps}.
     * @return its lines, without their line ends.
     * @throws IOException if it cannot be read.
     */
    public static List<String> readLines(final Path file) throws IOException
    {
        return read(file).lines().toList();
    }
}
