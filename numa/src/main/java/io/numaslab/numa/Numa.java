package io.numaslab.numa;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.util.Arrays;

/**
 * The NUMA system calls: the calling thread's CPU and node ({@code getcpu}), memory policy of a range
 * ({@code mbind}) or of the thread ({@code set_mempolicy}, {@code get_mempolicy}), and where each page of
 * a range lives ({@code move_pages} with no target nodes, which queries without faulting anything in).
 * <p>
 * Every failure is a {@link NumaException} naming the call, the errno and what it means.
 * Where the calls do not exist (not Linux, an unknown architecture, a kernel without NUMA: ENOSYS from any of
 * them), the library still loads: {@link #isSupported()} is false, binding returns false (a no-op, logged once),
 * the thread's policy reads DEFAULT, the current node is 0 and every page is reported on node 0.
 * <p>
 * Where the memory-policy calls exist but are denied with EPERM (a container's default seccomp profile allows
 * them only with {@code CAP_SYS_NICE}), binding degrades the same way, with a warning logged once, and the
 * thread's policy reads DEFAULT; {@link #nodesOfPages} then throws, as it cannot say where pages are.
 */
public final class Numa
{
    /** Node value {@link #nodesOfPages} reports for a page that is not faulted in (the kernel's -ENOENT). */
    public static final int PAGE_NOT_PRESENT = -Errno.ENOENT;
    /** Node ids from 0 to this value minus one can be named in a node mask. */
    public static final int MAX_NODES = 1024;

    private static final System.Logger LOG = System.getLogger(Numa.class.getName());
    // The kernel reads maxnode - 1 bits; one spare word covers get_mempolicy's rounding.
    private static final int NODEMASK_WORDS = MAX_NODES / 64 + 1;
    private static final long NODEMASK_MAXNODE = MAX_NODES + 1;
    private static final int MOVE_PAGES_BATCH = 4096;
    private static final int CPUMASK_WORDS = 4096 / 64;
    private static final ThreadLocal<Memory> GETCPU_BUFFER = ThreadLocal.withInitial(() -> new Memory(8));
    private static volatile boolean noNumaLogged;
    private static volatile boolean kernelHasNuma = true;
    private static volatile boolean policyCallsDenied;

    private Numa()
    {
    }

    /**
     * @return true where the memory-policy calls exist and work (Linux on x86_64 or aarch64 with a NUMA
     *     kernel), even with one node; false where binding is a no-op.
     */
    public static boolean isSupported()
    {
        return LinuxSyscalls.AVAILABLE && kernelHasNuma && !policyCallsDenied;
    }

    /** @return why {@link #isSupported()} is false, or null when it is true. */
    public static String unsupportedReason()
    {
        if (!LinuxSyscalls.AVAILABLE)
        {
            return LinuxSyscalls.UNAVAILABLE_REASON;
        }
        if (!kernelHasNuma)
        {
            return "the kernel has no NUMA support (ENOSYS)";
        }
        return policyCallsDenied ? "the memory-policy system calls are denied (EPERM), as a container's default " +
            "seccomp profile does without CAP_SYS_NICE; grant it (docker run --cap-add SYS_NICE) to bind memory" : null;
    }

    /**
     * The CPU the calling thread runs on now. The thread may move right after unless it is pinned.
     *
     * @return the CPU id, or -1 where {@code getcpu} does not exist.
     */
    public static int currentCpu()
    {
        return getcpu(0);
    }

    /**
     * The node of the CPU the calling thread runs on now ({@code getcpu}). Garbage-free after the
     * first call on a thread.
     *
     * @return the node id; 0 where {@code getcpu} does not exist.
     */
    public static int currentNode()
    {
        final int node = getcpu(4);
        return node < 0 ? 0 : node;
    }

    private static int getcpu(final int offset)
    {
        if (!LinuxSyscalls.AVAILABLE)
        {
            return -1;
        }
        final Memory buffer = GETCPU_BUFFER.get();
        final long address = Pointer.nativeValue(buffer);
        try
        {
            LinuxSyscalls.syscall(LinuxSyscalls.SYS_GETCPU, address, address + 4, 0, 0, 0, 0);
        }
        catch (final LastErrorException ex)
        {
            throw new NumaException("getcpu()", ex.getErrorCode(), "the kernel could not report the current CPU");
        }
        return buffer.getInt(offset);
    }

    /**
     * Sets the memory policy of a range of this process's address space ({@code mbind}). Pages faulted
     * in afterwards follow it; pages already there move only with {@link BindFlag#MOVE}.
     *
     * @param address     start of the range, page aligned.
     * @param lengthBytes length of the range; the kernel rounds it up to whole pages.
     * @param policy      the mode; DEFAULT and LOCAL take no nodes.
     * @param nodes       the nodes of the policy (ids below {@link #MAX_NODES}).
     * @param flags       STRICT, MOVE, MOVE_ALL.
     * @return true if the policy was set; false if NUMA is not supported here (a no-op, logged once).
     * @throws NumaException if the kernel refused, with the errno and its meaning.
     * @throws IllegalArgumentException if a node id is out of range or nodes are missing for the policy.
     */
    public static boolean mbind(
        final long address, final long lengthBytes, final MemoryPolicy policy, final int[] nodes,
        final BindFlag... flags)
    {
        int flagBits = 0;
        for (final BindFlag flag : flags)
        {
            flagBits |= flag.bit();
        }
        checkNodesFor(policy, nodes);
        final String call = "mbind(0x" + Long.toHexString(address) + ", " + lengthBytes + " bytes, " + policy +
            (nodes.length > 0 ? ", nodes " + CpuList.format(nodes) : "") +
            (flags.length > 0 ? ", " + Arrays.toString(flags) : "") + ")";
        if (!isSupported())
        {
            logNoNumaOnce();
            return false;
        }
        final Memory mask = nodeMask(nodes);
        try
        {
            LinuxSyscalls.syscall(LinuxSyscalls.SYS_MBIND, address, lengthBytes, policy.mode(),
                nodes.length == 0 ? 0 : Pointer.nativeValue(mask), nodes.length == 0 ? 0 : NODEMASK_MAXNODE,
                flagBits);
            return true;
        }
        catch (final LastErrorException ex)
        {
            // EPERM is MOVE_ALL's own error without CAP_SYS_NICE; without MOVE_ALL it means the call is denied.
            if (degradesOn(ex.getErrorCode(), (flagBits & BindFlag.MOVE_ALL.bit()) == 0))
            {
                return false;
            }
            throw new NumaException(call, ex.getErrorCode(), mbindAdvice(ex.getErrorCode()));
        }
    }

    /**
     * Sets the calling thread's memory policy ({@code set_mempolicy}): where its future page faults
     * outside ranges with their own policy take memory from.
     *
     * @param policy the mode.
     * @param nodes  the nodes of the policy; empty for DEFAULT and LOCAL.
     * @return true if set; false if NUMA is not supported here (a no-op, logged once).
     * @throws NumaException if the kernel refused.
     */
    public static boolean setMempolicy(final MemoryPolicy policy, final int[] nodes)
    {
        checkNodesFor(policy, nodes);
        if (!isSupported())
        {
            logNoNumaOnce();
            return false;
        }
        final Memory mask = nodeMask(nodes);
        try
        {
            LinuxSyscalls.syscall(LinuxSyscalls.SYS_SET_MEMPOLICY, policy.mode(),
                nodes.length == 0 ? 0 : Pointer.nativeValue(mask), nodes.length == 0 ? 0 : NODEMASK_MAXNODE,
                0, 0, 0);
            return true;
        }
        catch (final LastErrorException ex)
        {
            if (degradesOn(ex.getErrorCode(), true))
            {
                return false;
            }
            throw new NumaException("set_mempolicy(" + policy + ", nodes " + CpuList.format(nodes) + ")",
                ex.getErrorCode(), ex.getErrorCode() == Errno.EINVAL ?
                "a node is offline, has no memory or is outside this process's cpuset" :
                "the kernel refused the thread's memory policy");
        }
    }

    /**
     * The calling thread's memory policy ({@code get_mempolicy} without an address, which touches no page).
     *
     * @return the policy and its nodes; DEFAULT where NUMA is not supported or the call is denied.
     * @throws NumaException if the kernel refused otherwise, or reported a mode newer than {@link MemoryPolicy}.
     */
    public static ThreadMemoryPolicy getMempolicy()
    {
        if (!isSupported())
        {
            return new ThreadMemoryPolicy(MemoryPolicy.DEFAULT, new int[0]);
        }
        final Memory mode = new Memory(4);
        final Memory mask = nodeMask(new int[0]);
        try
        {
            LinuxSyscalls.syscall(LinuxSyscalls.SYS_GET_MEMPOLICY, Pointer.nativeValue(mode),
                Pointer.nativeValue(mask), NODEMASK_MAXNODE, 0, 0, 0);
        }
        catch (final LastErrorException ex)
        {
            if (degradesOn(ex.getErrorCode(), true))
            {
                return new ThreadMemoryPolicy(MemoryPolicy.DEFAULT, new int[0]);
            }
            throw new NumaException("get_mempolicy()", ex.getErrorCode(), "the kernel could not report the thread's policy");
        }
        final MemoryPolicy policy;
        try
        {
            policy = MemoryPolicy.ofMode(mode.getInt(0));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new NumaException("get_mempolicy()", 0, ex.getMessage() + ", newer than this library");
        }
        final int[] nodes = (policy == MemoryPolicy.DEFAULT || policy == MemoryPolicy.LOCAL) ? new int[0] : fromMask(mask, NODEMASK_WORDS);
        return new ThreadMemoryPolicy(policy, nodes);
    }

    /**
     * Where each page of a range lives now ({@code move_pages} with a null node list: a query that moves
     * nothing and faults nothing in).
     *
     * @param address       start of the range.
     * @param lengthBytes   length of the range.
     * @param pageSizeBytes the size of the range's pages (4 KiB, 2 MiB, 1 GiB); one entry per page.
     * @return per page, its node id, or a negative errno: {@link #PAGE_NOT_PRESENT} for a page not faulted
     *     in, -EFAULT for an address not mapped. Off Linux, or where the kernel has no NUMA (ENOSYS), 0 for every
     *     page. Never made up when the call is denied: that throws (below), even though {@link #isSupported()} is
     *     then false.
     * @throws NumaException if {@code move_pages} is denied (EPERM, as in a container without CAP_SYS_NICE) or
     *     fails otherwise: then where the pages are is unknown.
     * @throws IllegalArgumentException for a non-positive length or page size.
     */
    public static int[] nodesOfPages(final long address, final long lengthBytes, final long pageSizeBytes)
    {
        if (lengthBytes <= 0 || pageSizeBytes <= 0)
        {
            throw new IllegalArgumentException(
                "lengthBytes and pageSizeBytes must be positive: " + lengthBytes + ", " + pageSizeBytes);
        }
        final long pageCount = (lengthBytes + pageSizeBytes - 1) / pageSizeBytes;
        if (pageCount > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException("too many pages to report: " + pageCount);
        }
        final int[] result = new int[(int)pageCount];
        if (!LinuxSyscalls.AVAILABLE || !kernelHasNuma)
        {
            return result;
        }
        final int batch = (int)Math.min(pageCount, MOVE_PAGES_BATCH);
        final Memory pages = new Memory(8L * batch);
        final Memory status = new Memory(4L * batch);
        for (int done = 0; done < pageCount; done += batch)
        {
            final int count = (int)Math.min(batch, pageCount - done);
            for (int i = 0; i < count; i++)
            {
                pages.setLong(8L * i, address + (done + (long)i) * pageSizeBytes);
            }
            try
            {
                LinuxSyscalls.syscall(LinuxSyscalls.SYS_MOVE_PAGES, 0, count, Pointer.nativeValue(pages), 0,
                    Pointer.nativeValue(status), 0);
            }
            catch (final LastErrorException ex)
            {
                if (ex.getErrorCode() == Errno.ENOSYS && degradesOn(ex.getErrorCode(), false))
                {
                    return new int[(int)pageCount];
                }
                throw new NumaException("move_pages(self, " + count + " pages from 0x" +
                    Long.toHexString(address + done * pageSizeBytes) + ", nodes=NULL)", ex.getErrorCode(),
                    ex.getErrorCode() == Errno.EPERM ? "denied, as a container's default seccomp profile does " +
                        "without CAP_SYS_NICE: where the pages are cannot be known" :
                        "the kernel could not report where the pages are");
            }
            status.read(0, result, done, count);
        }
        return result;
    }

    /**
     * Pins the calling thread to one CPU ({@code sched_setaffinity}). To pin to a CPU of a node, take one
     * from {@link NumaNode#allowedCpus()}.
     *
     * @param cpu the CPU id.
     * @return true if pinned; false where the call does not exist here (a no-op).
     * @throws NumaException if the kernel refused, e.g. EINVAL for a CPU outside this process's cpuset.
     */
    public static boolean pinCurrentThread(final int cpu)
    {
        return setCurrentThreadCpus(new int[] {cpu});
    }

    /**
     * Lets the calling thread run on the given CPUs only ({@code sched_setaffinity}).
     *
     * @param cpus CPU ids, at least one.
     * @return true if set; false where the call does not exist here (a no-op).
     * @throws NumaException if the kernel refused, e.g. EINVAL when no CPU given is online and allowed.
     */
    public static boolean setCurrentThreadCpus(final int[] cpus)
    {
        if (cpus.length == 0)
        {
            throw new IllegalArgumentException("at least one CPU is needed");
        }
        for (final int cpu : cpus)
        {
            if (cpu < 0 || cpu >= CPUMASK_WORDS * 64)
            {
                throw new IllegalArgumentException("CPU id " + cpu + " out of range 0.." + (CPUMASK_WORDS * 64 - 1));
            }
        }
        if (!LinuxSyscalls.AVAILABLE)
        {
            return false;
        }
        final Memory mask = new Memory(8L * CPUMASK_WORDS);
        mask.clear();
        for (final int cpu : cpus)
        {
            final long offset = 8L * (cpu >>> 6);
            mask.setLong(offset, mask.getLong(offset) | (1L << (cpu & 63)));
        }
        try
        {
            LinuxSyscalls.syscall(LinuxSyscalls.SYS_SCHED_SETAFFINITY, 0, 8L * CPUMASK_WORDS,
                Pointer.nativeValue(mask), 0, 0, 0);
            return true;
        }
        catch (final LastErrorException ex)
        {
            throw new NumaException("sched_setaffinity(this thread, cpus " + CpuList.format(cpus) + ")",
                ex.getErrorCode(), ex.getErrorCode() == Errno.EINVAL ?
                "no CPU given is online and inside this process's cpuset" : "the kernel refused the CPU affinity");
        }
    }

    /**
     * The CPUs the calling thread may run on ({@code sched_getaffinity}).
     *
     * @return CPU ids ascending; every CPU the JVM sees where the call does not exist here.
     * @throws NumaException if the kernel refused.
     */
    public static int[] currentThreadCpus()
    {
        if (!LinuxSyscalls.AVAILABLE)
        {
            final int[] all = new int[Runtime.getRuntime().availableProcessors()];
            Arrays.setAll(all, i -> i);
            return all;
        }
        final Memory mask = new Memory(8L * CPUMASK_WORDS);
        mask.clear();
        try
        {
            LinuxSyscalls.syscall(LinuxSyscalls.SYS_SCHED_GETAFFINITY, 0, 8L * CPUMASK_WORDS,
                Pointer.nativeValue(mask), 0, 0, 0);
        }
        catch (final LastErrorException ex)
        {
            throw new NumaException("sched_getaffinity(this thread)", ex.getErrorCode(),
                "the kernel could not report the thread's CPUs");
        }
        return fromMask(mask, CPUMASK_WORDS);
    }

    private static void checkNodesFor(final MemoryPolicy policy, final int[] nodes)
    {
        for (final int node : nodes)
        {
            if (node < 0 || node >= MAX_NODES)
            {
                throw new IllegalArgumentException("node id " + node + " out of range 0.." + (MAX_NODES - 1));
            }
        }
        final boolean takesNodes = policy != MemoryPolicy.DEFAULT && policy != MemoryPolicy.LOCAL;
        if (takesNodes && nodes.length == 0)
        {
            throw new IllegalArgumentException(policy + " needs at least one node");
        }
        if (!takesNodes && nodes.length > 0)
        {
            throw new IllegalArgumentException(policy + " takes no nodes, got " + CpuList.format(nodes));
        }
    }

    private static Memory nodeMask(final int[] nodes)
    {
        final Memory mask = new Memory(8L * NODEMASK_WORDS);
        mask.clear();
        for (final int node : nodes)
        {
            final long offset = 8L * (node >>> 6);
            mask.setLong(offset, mask.getLong(offset) | (1L << (node & 63)));
        }
        return mask;
    }

    private static int[] fromMask(final Memory mask, final int words)
    {
        final java.util.BitSet bits = new java.util.BitSet();
        for (int w = 0; w < words; w++)
        {
            final long word = mask.getLong(8L * w);
            for (int b = 0; b < 64; b++)
            {
                if ((word & (1L << b)) != 0)
                {
                    bits.set(w * 64 + b);
                }
            }
        }
        return bits.stream().toArray();
    }

    private static String mbindAdvice(final int errno)
    {
        switch (errno)
        {
            case Errno.EINVAL:
                return "a node is offline, has no memory or is outside this process's cpuset, " +
                    "or the range is not page aligned";
            case Errno.EIO:
                return "STRICT was given and pages already in the range are on other nodes (add MOVE to move them)";
            case Errno.EFAULT:
                return "part of the range is not mapped";
            case Errno.ENOMEM:
                return "the kernel ran out of memory for the policy";
            case Errno.EPERM:
                return "MOVE_ALL needs CAP_SYS_NICE";
            default:
                return "the kernel refused the memory policy";
        }
    }

    /**
     * Whether a memory-policy call's errno means "no NUMA here" (ENOSYS) or, when {@code eperMeansDenied}, "these
     * calls are denied" (EPERM): then binding is a no-op from now on, said once in the log.
     */
    private static boolean degradesOn(final int errno, final boolean eperMeansDenied)
    {
        if (errno == Errno.ENOSYS)
        {
            kernelHasNuma = false;
            logNoNumaOnce();
            return true;
        }
        if (errno == Errno.EPERM && eperMeansDenied)
        {
            if (!policyCallsDenied)
            {
                policyCallsDenied = true;
                LOG.log(System.Logger.Level.WARNING, "numaslab: " + unsupportedReason() +
                    ": memory is not bound to nodes; the allocator still works, without NUMA placement");
            }
            return true;
        }
        return false;
    }

    private static void logNoNumaOnce()
    {
        if (!noNumaLogged)
        {
            noNumaLogged = true;
            LOG.log(System.Logger.Level.INFO, "numaslab: NUMA calls unavailable (" + unsupportedReason() +
                "): memory binding is a no-op and every page counts as node 0");
        }
    }
}
