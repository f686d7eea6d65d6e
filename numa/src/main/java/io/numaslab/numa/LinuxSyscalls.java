package io.numaslab.numa;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The raw system calls behind {@link Numa}, bound once through JNA direct mapping to libc's
 * {@code syscall(2)}. glibc has no wrappers for the memory-policy calls (they live in libnuma), so they
 * are called by number; the numbers depend on the architecture.
 */
final class LinuxSyscalls
{
    static final boolean AVAILABLE;
    static final String UNAVAILABLE_REASON;
    static final long SYS_GETCPU;
    static final long SYS_MBIND;
    static final long SYS_SET_MEMPOLICY;
    static final long SYS_GET_MEMPOLICY;
    static final long SYS_MOVE_PAGES;
    static final long SYS_SCHED_SETAFFINITY;
    static final long SYS_SCHED_GETAFFINITY;

    static
    {
        long getcpu = -1;
        long mbind = -1;
        long setMempolicy = -1;
        long getMempolicy = -1;
        long movePages = -1;
        long setAffinity = -1;
        long getAffinity = -1;
        String reason = null;
        if (!Platform.isLinux())
        {
            reason = "not Linux (os.name=" + System.getProperty("os.name") + ")";
        }
        else if (Platform.ARCH.equals("x86-64"))
        {
            getcpu = 309;
            mbind = 237;
            setMempolicy = 238;
            getMempolicy = 239;
            movePages = 279;
            setAffinity = 203;
            getAffinity = 204;
        }
        else if (Platform.ARCH.equals("aarch64"))
        {
            getcpu = 168;
            mbind = 235;
            getMempolicy = 236;
            setMempolicy = 237;
            movePages = 239;
            setAffinity = 122;
            getAffinity = 123;
        }
        else
        {
            reason = "system call numbers unknown for architecture " + Platform.ARCH;
        }
        if (reason == null)
        {
            try
            {
                Native.register(LinuxSyscalls.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            }
            catch (final Throwable t)
            {
                reason = "cannot bind libc through JNA: " + t;
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
        SYS_GETCPU = getcpu;
        SYS_MBIND = mbind;
        SYS_SET_MEMPOLICY = setMempolicy;
        SYS_GET_MEMPOLICY = getMempolicy;
        SYS_MOVE_PAGES = movePages;
        SYS_SCHED_SETAFFINITY = setAffinity;
        SYS_SCHED_GETAFFINITY = getAffinity;
    }

    private LinuxSyscalls()
    {
    }

    /**
     * libc's {@code long syscall(long number, ...)} with six integer arguments; unused ones are 0.
     * Pointers are passed as addresses.
     */
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6)
        throws LastErrorException;
}
