package io.numaslab.numa;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small text files of sysfs and procfs. Not {@code Files.readString}: these files report a size the
 * JDK trusts, and procfs ones have been seen to come back cut short (one byte of
 * {@code /proc/sys/net/ipv4/ip_local_port_range}); reading the stream to its end is always right.
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
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
