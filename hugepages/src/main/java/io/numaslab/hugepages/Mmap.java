package io.numaslab.hugepages;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * libc's {@code mmap}, {@code munmap} and {@code madvise}, bound once through JNA direct mapping, with the
 * flag values of Linux (x86_64 and aarch64 share them) and of macOS where they differ.
 */
final class Mmap
{
    static final boolean AVAILABLE;
    static final String UNAVAILABLE_REASON;

    static final int PROT_NONE = 0;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 2;
    static final int MAP_FIXED = 0x10;
    static final int MAP_ANONYMOUS = Platform.isMac() ? 0x1000 : 0x20;
    static final int MAP_NORESERVE = Platform.isMac() ? 0x40 : 0x4000;
    static final int MAP_HUGETLB = 0x40000;
    static final int MAP_HUGE_SHIFT = 26;
    static final int MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT;
    static final int MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT;
    static final int MADV_HUGEPAGE = 14;
    static final int MADV_NOHUGEPAGE = 15;
    static final int MADV_POPULATE_WRITE = 23;

    static
    {
        String reason = null;
        if (Platform.isWindows())
        {
            reason = "mmap does not exist on Windows";
        }
        else
        {
            try
            {
                Native.register(Mmap.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            }
            catch (final Throwable t)
            {
                reason = "cannot bind libc through JNA: " + t;
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
    }

    private Mmap()
    {
    }

    static native long mmap(long address, long lengthBytes, int prot, int flags, int fd, long offset)
        throws LastErrorException;

    static native int munmap(long address, long lengthBytes) throws LastErrorException;

    static native int madvise(long address, long lengthBytes, int advice) throws LastErrorException;
}
