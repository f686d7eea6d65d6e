package io.numaslab.numa;

/**
 * Linux errno values that the memory calls return, by name. The numbers are the generic Linux ones,
 * shared by x86_64 and aarch64.
 */
public final class Errno
{
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory (move_pages: page not present). */
    public static final int ENOENT = 2;
    /** No such process. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** I/O error. */
    public static final int EIO = 5;
    /** Argument list too long. */
    public static final int E2BIG = 7;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Memory page has hardware error. */
    public static final int EHWPOISON = 133;

    private Errno()
    {
    }

    /**
     * @param errno a positive errno value.
     * @return its symbolic name, e.g. "ENOMEM", or "errno 77" for one not listed here.
     */
    public static String name(final int errno)
    {
        switch (errno)
        {
            case EPERM: return "EPERM";
            case ENOENT: return "ENOENT";
            case ESRCH: return "ESRCH";
            case EINTR: return "EINTR";
            case EIO: return "EIO";
            case E2BIG: return "E2BIG";
            case EAGAIN: return "EAGAIN";
            case ENOMEM: return "ENOMEM";
            case EACCES: return "EACCES";
            case EFAULT: return "EFAULT";
            case EBUSY: return "EBUSY";
            case ENODEV: return "ENODEV";
            case EINVAL: return "EINVAL";
            case ENOSYS: return "ENOSYS";
            case EOPNOTSUPP: return "EOPNOTSUPP";
            case EHWPOISON: return "EHWPOISON";
            default: return "errno " + errno;
        }
    }
}
