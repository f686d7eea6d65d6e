package io.numaslab.numa;

/**
 * A memory or NUMA system call failed. Carries the call as it was made, the errno the kernel answered
 * (and its name), and a sentence saying what it means for the user.
 */
public class NumaException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call   the call with its arguments, e.g. {@code "mbind(0x7f3a00000000, 2097152, BIND, nodes=1)"}.
     * @param errno  the errno the kernel returned, or 0 if the failure was not a system call error.
     * @param advice what this means and what the user can do.
     */
    public NumaException(final String call, final int errno, final String advice)
    {
        super(call + " failed" + (errno != 0 ? ": " + Errno.name(errno) : "") + ": " + advice);
        this.call = call;
        this.errno = errno;
    }

    /** @return the call with its arguments. */
    public String call()
    {
        return call;
    }

    /** @return the errno the kernel returned, or 0 if none. */
    public int errno()
    {
        return errno;
    }

    /** @return the errno's symbolic name, e.g. "ENOMEM". */
    public String errnoName()
    {
        return Errno.name(errno);
    }
}
