package io.numaslab.hugepages;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * libc's {@code mmap}, {@code munmap}, {@code madvise} and {@code getpagesize}, bound once through JNA direct
 * mapping, with the flag values of Linux (x86_64 and aarch64 share them) and of macOS where they differ.
 */
final class Mmap
{
    static final boolean AVAILABLE;
    static final String UNAVAILABLE_REASON;
    /**
     * The OS's base page: 4 KiB on x86-64, 16 KiB on Apple Silicon, 4, 16 or 64 KiB on aarch64 Linux. munmap and
     * MAP_FIXED refuse addresses that are not multiples of it, so nothing may assume 4 KiB. Where libc cannot be
     * bound nothing is mapped at all, and 4 KiB only names {@link PageKind#SMALL}'s size.
     */
    static final long PAGE_BYTES;

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
        long page = 4096;
        if (reason == null)
        {
            final int os = getpagesize();
            // alignment is done with masks, so only a power of two is taken; no OS has had another
            if (os >= 4096 && Integer.bitCount(os) == 1)
            {
                page = os;
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
        PAGE_BYTES = page;
    }

    private Mmap()
    {
    }

    static native long mmap(long address, long lengthBytes, int prot, int flags, int fd, long offset)
        throws LastErrorException;

    static native int munmap(long address, long lengthBytes) throws LastErrorException;

    static native int madvise(long address, long lengthBytes, int advice) throws LastErrorException;

    static native int getpagesize();
}
