package io.numaslab.hugepages;

import io.numaslab.numa.KernelFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Reads {@code /proc/self/smaps}: the kernel's per-mapping account of page size and residency. Used to
 * report how a {@link Region} is really backed, independently of what numaslab asked for.
 */
public final class Smaps
{
    /** The calling process's smaps. */
    public static final Path SELF = Paths.get("/proc/self/smaps");

    private Smaps()
    {
    }

    /**
     * Sums the smaps entries of the mappings that overlap {@code [address, address + lengthBytes)}. Reads and parses
     * the whole file: for many ranges at once, {@link #read()} it once and ask the snapshot.
     *
     * @param address     start of the range.
     * @param lengthBytes length of the range.
     * @return the backing; all zero where there is no smaps (not Linux) or nothing is mapped there.
     * @throws UncheckedIOException if the file exists but cannot be read.
     */
    public static RegionBacking backingOf(final long address, final long lengthBytes)
    {
        return read().backingOf(address, lengthBytes);
    }

    /**
     * Sums the entries of smaps text for the mappings that overlap a range, as
     * {@link SmapsSnapshot#backingOf(long, long)} does.
     *
     * @param lines       the lines of an smaps file.
     * @param address     start of the range.
     * @param lengthBytes length of the range.
     * @return the summed backing; the page size is the largest seen.
     */
    public static RegionBacking backingOf(final List<String> lines, final long address, final long lengthBytes)
    {
        return parse(lines).backingOf(address, lengthBytes);
    }

    /**
     * Reads and parses the calling process's smaps once, for the backing of any number of ranges.
     *
     * @return the snapshot; one with no mappings where there is no smaps (not Linux).
     * @throws UncheckedIOException if the file exists but cannot be read.
     */
    public static SmapsSnapshot read()
    {
        if (!Files.isReadable(SELF))
        {
            return SmapsSnapshot.empty();
        }
        try
        {
            return parse(KernelFiles.readLines(SELF));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + SELF, ex);
        }
    }

    /**
     * @param lines the lines of an smaps file.
     * @return them parsed, for the backing of any number of ranges.
     */
    public static SmapsSnapshot parse(final List<String> lines)
    {
        return SmapsSnapshot.parse(lines);
    }
}
