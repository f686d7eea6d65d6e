package io.numaslab.numa;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.util.Arrays;

/**
 * A shared mapping of a memfd whose name is given as raw bytes, one page of it touched: the kernel prints such a
 * name as it was given in {@code /proc/self/maps}, {@code numa_maps} and {@code smaps}, in any bytes, which is how a
 * test puts a name that is not UTF-8 there. Linux only. Shared by the numa tests and, as this module's test jar,
 * the hugepages ones.
 */
public final class RawNameMapping implements AutoCloseable
{
    private final int fd;
    private final Pointer mapping;
    private final long lengthBytes;

    private RawNameMapping(final int fd, final Pointer mapping, final long lengthBytes)
    {
        this.fd = fd;
        this.mapping = mapping;
        this.lengthBytes = lengthBytes;
    }

    /**
     * @param name        the memfd's name, without the terminating 0.
     * @param lengthBytes the mapping's length, whole pages.
     * @return the mapping, its first byte written.
     */
    public static RawNameMapping open(final byte[] name, final long lengthBytes)
    {
        final byte[] cName = Arrays.copyOf(name, name.length + 1);
        final int fd = Libc.C.memfd_create(cName, 0);
        try
        {
            Libc.C.ftruncate(fd, lengthBytes);
            final Pointer mapping = Libc.C.mmap(null, lengthBytes, 3 /* PROT_READ | PROT_WRITE */, 1 /* MAP_SHARED */,
                fd, 0);
            mapping.setByte(0, (byte)1);
            return new RawNameMapping(fd, mapping, lengthBytes);
        }
        catch (final RuntimeException ex)
        {
            Libc.C.close(fd);
            throw ex;
        }
    }

    /** @return where the mapping starts. */
    public long address()
    {
        return Pointer.nativeValue(mapping);
    }

    /** Unmaps it and closes the memfd. */
    @Override
    public void close()
    {
        try
        {
            Libc.C.munmap(mapping, lengthBytes);
        }
        finally
        {
            Libc.C.close(fd);
        }
    }

    /** libc's memfd and mmap calls. */
    interface Libc extends Library
    {
        Libc C = Native.load(Platform.C_LIBRARY_NAME, Libc.class);

        int memfd_create(byte[] name, int flags) throws LastErrorException;

        int ftruncate(int fd, long length) throws LastErrorException;

        Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

        int munmap(Pointer address, long length) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }
}
