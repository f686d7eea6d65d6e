package io.numaslab.hugepages;

import com.sun.jna.LastErrorException;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.numaslab.numa.BindFlag;
import io.numaslab.numa.Errno;
import io.numaslab.numa.HugePagePool;
import io.numaslab.numa.MemoryPolicy;
import io.numaslab.numa.Numa;
import io.numaslab.numa.NumaException;
import io.numaslab.numa.NumaNode;
import io.numaslab.numa.NumaTopology;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A range of memory from {@code mmap}, bound to one NUMA node, backed by the largest page kind it could
 * get, and prefaulted so that every page is there before it is handed out.
 * <p>
 * Mapping goes: check the node's free huge pages, map, bind ({@code mbind}), then prefault with
 * {@code MADV_POPULATE_WRITE} (Linux 5.14+), which fails with an errno where a touch would have raised
 * SIGBUS. A page kind that cannot be had is recorded with its reason and the next kind is tried (1 GiB,
 * 2 MiB, THP, the OS's base pages), unless fallback is off, in which case {@link RegionMappingException} says
 * why.
 * Where {@code MADV_POPULATE_WRITE} does not exist, hugetlb regions are bound PREFERRED (a full node then
 * lends pages instead of raising SIGBUS) and touched page by page.
 * <p>
 * {@link #close()} unmaps; closing twice is harmless. After close, what touches the memory ({@link #address()},
 * {@link #backing()}, the page-node queries, {@code getLong}/{@code putLong}) throws {@link IllegalStateException};
 * what describes the region as it was mapped (size, page kind, node, policy, fallback reasons) stays readable.
 * Addresses taken before close must not be used after it. Not thread-safe against a concurrent close.
 */
public final class Region implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Region.class.getName());
    private static final Path THP_ENABLED = Paths.get("/sys/kernel/mm/transparent_hugepage/enabled");
    private static volatile Boolean populateWriteSupported;

    private final long address;
    private final long sizeBytes;
    private final long requestedSizeBytes;
    private final int node;
    private final PageKind requestedPageKind;
    private final PageKind pageKind;
    private final MemoryPolicy policy;
    private final boolean nodeBound;
    private final List<String> fallbackReasons;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Region(
        final long address, final long sizeBytes, final Builder request, final int node, final PageKind pageKind,
        final MemoryPolicy policy, final boolean nodeBound, final List<String> fallbackReasons)
    {
        this.address = address;
        this.sizeBytes = sizeBytes;
        this.requestedSizeBytes = request.sizeBytes;
        this.node = node;
        this.requestedPageKind = request.pageKind;
        this.pageKind = pageKind;
        this.policy = policy;
        this.nodeBound = nodeBound;
        this.fallbackReasons = List.copyOf(fallbackReasons);
    }

    /**
     * Starts a request for a region.
     *
     * @param sizeBytes how many bytes; rounded up to whole pages of the kind that is mapped.
     * @return a builder; defaults: the calling thread's node (or the nearest with memory this process may use),
     *     {@link PageKind#HUGETLB_2M}, BIND, fallback on, prefault on, aligned to the page size.
     */
    public static Builder builder(final long sizeBytes)
    {
        return new Builder(sizeBytes);
    }

    /**
     * Maps a region with the defaults of {@link #builder(long)}.
     *
     * @param sizeBytes how many bytes.
     * @param node      the node to bind to, 0 or more.
     * @param preferred the page kind to try first.
     * @return the region.
     * @throws IllegalArgumentException   for a negative node, a size ≤ 0, a node that does not exist or has no memory.
     * @throws RegionMappingException     if no page kind down the fallback chain could be mapped.
     */
    public static Region map(final long sizeBytes, final int node, final PageKind preferred)
    {
        return builder(sizeBytes).node(node).pageKind(preferred).map();
    }

    /**
     * @return true where {@code madvise(MADV_POPULATE_WRITE)} exists (Linux 5.14+), so prefaulting reports
     *     exhaustion as an errno instead of SIGBUS.
     */
    public static boolean isPopulateWriteSupported()
    {
        Boolean supported = populateWriteSupported;
        if (supported == null)
        {
            supported = probePopulateWrite();
            if (supported == null)
            {
                return false; // the probe could not tell (no page to try it on): this time without, ask again next time
            }
            populateWriteSupported = supported;
        }
        return supported;
    }

    /** @return the start address. @throws IllegalStateException if closed. */
    public long address()
    {
        checkOpen();
        return address;
    }

    /** @return the mapped size in bytes: the request rounded up to whole pages. */
    public long sizeBytes()
    {
        return sizeBytes;
    }

    /** @return the size that was asked for. */
    public long requestedSizeBytes()
    {
        return requestedSizeBytes;
    }

    /** @return the node the region was asked to live on. */
    public int node()
    {
        return node;
    }

    /** @return true if the kernel accepted the binding; false where NUMA calls are unavailable (a no-op). */
    public boolean isNodeBound()
    {
        return nodeBound;
    }

    /** @return the policy the region is bound with (PREFERRED where hugetlb could not be prefaulted safely). */
    public MemoryPolicy policy()
    {
        return policy;
    }

    /** @return the page kind that was mapped. */
    public PageKind pageKind()
    {
        return pageKind;
    }

    /** @return the page kind that was asked for. */
    public PageKind requestedPageKind()
    {
        return requestedPageKind;
    }

    /** @return why the region is not exactly what was asked (each kind skipped, binding skipped); empty if it is. */
    public List<String> fallbackReasons()
    {
        return fallbackReasons;
    }

    /** @return true once {@link #close()} has run. */
    public boolean isClosed()
    {
        return closed.get();
    }

    /**
     * @return how the kernel backs the region now, from {@code /proc/self/smaps}.
     * @throws IllegalStateException if closed.
     */
    public RegionBacking backing()
    {
        checkOpen();
        return Smaps.backingOf(address, sizeBytes);
    }

    /**
     * Where each page of the region lives, by {@code move_pages} (independent of the binding asked for).
     *
     * @return per page of the region's kind (the OS's base pages for THP and SMALL), its node or a negative errno.
     * @throws IllegalStateException if closed.
     * @throws NumaException if {@code move_pages} is denied (EPERM, as in a container without CAP_SYS_NICE) or
     *     fails: then where the pages are is unknown. See {@link Numa#nodesOfPages}.
     */
    public int[] nodesOfPages()
    {
        checkOpen();
        return Numa.nodesOfPages(address, sizeBytes, pageKind.isHugetlb() ? pageKind.pageSizeBytes() : Mmap.PAGE_BYTES);
    }

    /**
     * @return pages per node by {@code move_pages}; negative keys count pages not present (-2) or unmapped (-14).
     * @throws IllegalStateException if closed.
     * @throws NumaException if {@code move_pages} is denied (EPERM, as in a container without CAP_SYS_NICE) or
     *     fails: then where the pages are is unknown.
     */
    public Map<Integer, Long> pagesPerNode()
    {
        final Map<Integer, Long> counts = new TreeMap<>();
        for (final int n : nodesOfPages())
        {
            counts.merge(n, 1L, Long::sum);
        }
        return counts;
    }

    /**
     * @param offsetBytes offset from the start, with room for 8 bytes.
     * @return the long there.
     * @throws IndexOutOfBoundsException outside the region; {@link IllegalStateException} if closed.
     */
    public long getLong(final long offsetBytes)
    {
        checkAccess(offsetBytes, 8);
        return new Pointer(address).getLong(offsetBytes);
    }

    /**
     * @param offsetBytes offset from the start, with room for 8 bytes.
     * @param value       the long to store.
     * @throws IndexOutOfBoundsException outside the region; {@link IllegalStateException} if closed.
     */
    public void putLong(final long offsetBytes, final long value)
    {
        checkAccess(offsetBytes, 8);
        new Pointer(address).setLong(offsetBytes, value);
    }

    /** Unmaps the region. Harmless if already closed. @throws NumaException if munmap fails. */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            unmap(address, sizeBytes);
        }
    }

    /**
     * Closes the region but keeps its addresses: its memory goes back (huge pages to their pool) and the range is
     * mapped again to fresh zero base pages, neither reserved nor bound to a node. Code that still holds an
     * address into the region then reads zeros and writes to pages of its own, where after {@link #close()} it
     * would crash the JVM. For an owner that closes while some of the memory is still handed out; the range stays
     * taken until the process ends. Harmless if already closed.
     *
     * @throws NumaException if the range cannot be mapped again (it is then unmapped).
     */
    public void closeKeepingAddresses()
    {
        if (closed.compareAndSet(false, true))
        {
            try
            {
                Mmap.mmap(address, sizeBytes, Mmap.PROT_READ | Mmap.PROT_WRITE,
                    Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED | Mmap.MAP_NORESERVE, -1, 0);
            }
            catch (final LastErrorException ex)
            {
                unmap(address, sizeBytes);
                throw new NumaException("mmap(0x" + Long.toHexString(address) + ", " + sizeBytes + ", MAP_FIXED)",
                    ex.getErrorCode(), "the kernel could not map the range again; it is unmapped");
            }
        }
    }

    @Override
    public String toString()
    {
        return "Region[0x" + Long.toHexString(address) + ", " + HugePagePool.describeSize(sizeBytes) + ", " +
            pageKind + (nodeBound ? " " + policy + " to node " + node : " unbound") +
            (pageKind != requestedPageKind ? " (asked " + requestedPageKind + ")" : "") +
            (closed.get() ? ", closed" : "") + "]";
    }

    private void checkOpen()
    {
        if (closed.get())
        {
            throw new IllegalStateException("region 0x" + Long.toHexString(address) + " (" +
                HugePagePool.describeSize(sizeBytes) + ") is closed");
        }
    }

    private void checkAccess(final long offsetBytes, final int lengthBytes)
    {
        checkOpen();
        if (offsetBytes < 0 || offsetBytes > sizeBytes - lengthBytes)
        {
            throw new IndexOutOfBoundsException("offset " + offsetBytes + " + " + lengthBytes +
                " bytes is outside the region of " + sizeBytes + " bytes");
        }
    }

    /** A request for a {@link Region}: size, node, page kind and how to treat shortage. */
    public static final class Builder
    {
        /** What {@link #node} holds until {@link #node(int)} is called: map on the calling thread's node. */
        private static final int CALLING_THREADS_NODE = -1;

        private final long sizeBytes;
        private int node = CALLING_THREADS_NODE;
        private PageKind pageKind = PageKind.HUGETLB_2M;
        private MemoryPolicy policy = MemoryPolicy.BIND;
        private boolean fallback = true;
        private boolean prefault = true;
        private boolean checkFreePages = true;
        private long alignmentBytes;
        private NumaTopology topology;

        private Builder(final long sizeBytes)
        {
            this.sizeBytes = sizeBytes;
        }

        /**
         * @param node the node to bind to, 0 or more (default, when this is not called: the calling thread's, or where
         *             that one has no memory this process may use, the nearest that has).
         * @return this.
         * @throws IllegalArgumentException if {@code node} is negative (no node has a negative id; a node that does
         *                                  not exist is refused by {@link #map()}).
         */
        public Builder node(final int node)
        {
            if (node < 0)
            {
                throw new IllegalArgumentException("node must be 0 or more, got " + node +
                    " (leave it unset for the calling thread's node)");
            }
            this.node = node;
            return this;
        }

        /** @param pageKind the page kind to try first. @return this. */
        public Builder pageKind(final PageKind pageKind)
        {
            this.pageKind = pageKind;
            return this;
        }

        /**
         * @param policy BIND (default: only this node) or PREFERRED (this node first, others when it is full).
         * @return this.
         */
        public Builder policy(final MemoryPolicy policy)
        {
            if (policy != MemoryPolicy.BIND && policy != MemoryPolicy.PREFERRED)
            {
                throw new IllegalArgumentException("a region is bound BIND or PREFERRED, not " + policy);
            }
            this.policy = policy;
            return this;
        }

        /** @param fallback whether to try smaller page kinds when the preferred one cannot be had. @return this. */
        public Builder fallback(final boolean fallback)
        {
            this.fallback = fallback;
            return this;
        }

        /**
         * @param prefault whether to fault every page in now (default true). Hugetlb regions are always
         *                 prefaulted, since a later fault on an empty pool would raise SIGBUS.
         * @return this.
         */
        public Builder prefault(final boolean prefault)
        {
            this.prefault = prefault;
            return this;
        }

        /**
         * @param alignmentBytes a power of two the start address must be a multiple of (default: the page size).
         * @return this.
         */
        public Builder alignmentBytes(final long alignmentBytes)
        {
            if (alignmentBytes <= 0 || Long.bitCount(alignmentBytes) != 1)
            {
                throw new IllegalArgumentException("alignmentBytes must be a power of two, got " + alignmentBytes);
            }
            this.alignmentBytes = alignmentBytes;
            return this;
        }

        /**
         * @param check whether to skip a hugetlb kind when sysfs shows too few free pages on the node (default
         *              true). Off, the kernel's prefault is the only check; tests use this to exercise it.
         * @return this.
         */
        public Builder checkFreePages(final boolean check)
        {
            this.checkFreePages = check;
            return this;
        }

        /** Tests substitute a topology built from a fake sysfs tree to check validation. */
        Builder topology(final NumaTopology topology)
        {
            this.topology = topology;
            return this;
        }

        /**
         * Maps the region.
         *
         * @return the region, with {@link Region#fallbackReasons()} saying what was not as asked.
         * @throws IllegalArgumentException      for a size ≤ 0, a node that does not exist, has no memory or
         *                                       is outside this process's cpuset; without a node, if no node with
         *                                       memory is inside it.
         * @throws RegionMappingException        if no allowed page kind could be mapped.
         * @throws UnsupportedOperationException where there is no mmap (Windows).
         */
        public Region map()
        {
            if (sizeBytes <= 0)
            {
                throw new IllegalArgumentException("sizeBytes must be positive, got " + sizeBytes);
            }
            if (!Mmap.AVAILABLE)
            {
                throw new UnsupportedOperationException("cannot map memory: " + Mmap.UNAVAILABLE_REASON);
            }
            final NumaTopology topology = this.topology != null ? this.topology : NumaTopology.read();
            // Resolved here and passed down, not stored: a builder left at "the calling thread's node" keeps meaning
            // that when it maps again, perhaps on a thread of another node.
            final int node = this.node != CALLING_THREADS_NODE ? this.node : defaultNode(topology, Numa.currentNode());
            final NumaNode target = topology.node(node);
            if (!target.hasMemory())
            {
                throw new IllegalArgumentException("node " + node + " has no memory; nodes with memory: " +
                    io.numaslab.numa.CpuList.format(topology.memoryNodeIds()));
            }
            if (!target.isMemoryAllowed())
            {
                throw new IllegalArgumentException("node " + node +
                    " is outside this process's cpuset (Mems_allowed_list in /proc/self/status)");
            }
            final List<String> reasons = new ArrayList<>();
            for (PageKind kind = pageKind; kind != null; kind = fallback ? kind.fallback() : null)
            {
                final Region region = tryMap(node, kind, reasons);
                if (region != null)
                {
                    if (!reasons.isEmpty())
                    {
                        LOG.log(System.Logger.Level.DEBUG, "numaslab: " + region + ": " + String.join("; ", reasons));
                    }
                    return region;
                }
            }
            throw new RegionMappingException(HugePagePool.describeSize(sizeBytes) + " on node " + node + " with " +
                pageKind + (fallback ? " or smaller pages" : " (fallback off)"), reasons);
        }

        private Region tryMap(final int node, final PageKind kind, final List<String> reasons)
        {
            final long pageBytes = pageBytes(kind, Mmap.PAGE_BYTES);
            final long length = (sizeBytes + pageBytes - 1) & -pageBytes;
            if (length <= 0)
            {
                throw new IllegalArgumentException("sizeBytes " + sizeBytes + " is too large to map");
            }
            final String unavailable = unavailableReason(node, kind, length);
            if (unavailable != null)
            {
                reasons.add(kind + ": " + unavailable);
                return null;
            }
            final long align = Math.max(alignmentBytes, pageBytes);
            int flags = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;
            if (kind.isHugetlb())
            {
                flags |= Mmap.MAP_HUGETLB | (kind == PageKind.HUGETLB_1G ? Mmap.MAP_HUGE_1GB : Mmap.MAP_HUGE_2MB);
            }
            final long address;
            try
            {
                address = mapAligned(length, align, flags, kind.isHugetlb() ? pageBytes : Mmap.PAGE_BYTES);
            }
            catch (final LastErrorException ex)
            {
                reasons.add(kind + ": mmap of " + HugePagePool.describeSize(length) + " failed with " +
                    Errno.name(ex.getErrorCode()) + (kind.isHugetlb() && ex.getErrorCode() == Errno.ENOMEM ?
                    " (the huge page pool cannot reserve " + length / pageBytes + " pages)" : ""));
                return null;
            }
            catch (final NumaException ex)
            {
                // the slack of an aligned mapping could not be given back; mapAligned unmapped it all
                reasons.add(kind + ": " + ex.getMessage());
                return null;
            }
            try
            {
                return bindAndPrefault(node, address, length, kind, reasons);
            }
            catch (final RuntimeException | Error ex)
            {
                unmap(address, length);
                throw ex;
            }
        }

        private String unavailableReason(final int node, final PageKind kind, final long length)
        {
            if (kind == PageKind.SMALL)
            {
                return null;
            }
            if (!Platform.isLinux())
            {
                return "huge pages need Linux (os.name=" + System.getProperty("os.name") + ")";
            }
            if (kind == PageKind.THP)
            {
                final String mode = thpMode();
                return "never".equals(mode) ? "transparent huge pages are disabled ([never] in " + THP_ENABLED + ")" :
                    mode == null ? "this kernel has no transparent huge pages (no " + THP_ENABLED + ")" : null;
            }
            final Optional<HugePagePool> pool = NumaTopology.readHugePagePool(node, kind.pageSizeBytes());
            final String size = HugePagePool.describeSize(kind.pageSizeBytes());
            if (pool.isEmpty())
            {
                return "this kernel offers no " + size + " huge pages";
            }
            final long needed = length / kind.pageSizeBytes();
            if (checkFreePages && pool.get().freePages() < needed)
            {
                return "node " + node + " has " + pool.get().freePages() + " free " + size + " pages (needs " + needed +
                    "; reserve more in /sys/devices/system/node/node" + node + "/hugepages/hugepages-" +
                    (kind.pageSizeBytes() >> 10) + "kB/nr_hugepages)";
            }
            return null;
        }

        private Region bindAndPrefault(final int node, final long address, final long length, final PageKind kind,
            final List<String> reasons)
        {
            final List<String> notes = new ArrayList<>(reasons);
            final boolean populate = isPopulateWriteSupported();
            // Without MADV_POPULATE_WRITE a hugetlb fault on an empty node would be SIGBUS under BIND;
            // PREFERRED lets the kernel take a page reserved at mmap time from another node instead.
            final MemoryPolicy effective = kind.isHugetlb() && !populate ? MemoryPolicy.PREFERRED : policy;
            if (effective != policy)
            {
                notes.add("bound PREFERRED instead of " + policy + ": no MADV_POPULATE_WRITE (Linux < 5.14), " +
                    "and a hugetlb fault on a full node would raise SIGBUS");
            }
            final boolean bound;
            try
            {
                // STRICT: nothing is faulted in yet, so nothing may sit on another node.
                bound = Numa.mbind(address, length, effective, new int[] {node}, BindFlag.STRICT);
            }
            catch (final NumaException ex)
            {
                unmap(address, length);
                reasons.add(kind + ": " + ex.getMessage());
                return null;
            }
            if (!bound)
            {
                notes.add("not bound to node " + node + ": " + Numa.unsupportedReason());
            }
            if (kind == PageKind.THP)
            {
                madviseOrNote(address, length, Mmap.MADV_HUGEPAGE, "MADV_HUGEPAGE", notes);
            }
            else if (kind == PageKind.SMALL && Platform.isLinux())
            {
                madviseOrNote(address, length, Mmap.MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE", notes);
            }
            if (kind.isHugetlb() || prefault)
            {
                if (populate)
                {
                    final int errno = populateWrite(address, length);
                    if (errno != 0)
                    {
                        unmap(address, length);
                        reasons.add(kind + ": node " + node + " ran out of " + (kind.isHugetlb() ?
                            HugePagePool.describeSize(kind.pageSizeBytes()) + " huge pages" : "memory") +
                            " while prefaulting " + HugePagePool.describeSize(length) +
                            " (madvise(MADV_POPULATE_WRITE) failed with " + Errno.name(errno) + ")");
                        return null;
                    }
                }
                else
                {
                    touchEveryPage(address, length, kind.isHugetlb() ? kind.pageSizeBytes() : Mmap.PAGE_BYTES);
                    if (kind.isHugetlb() && bound)
                    {
                        noteOffNodePages(node, address, length, kind, notes);
                    }
                }
            }
            return new Region(address, length, this, node, kind, effective, bound, notes);
        }

        private void noteOffNodePages(final int node, final long address, final long length, final PageKind kind,
            final List<String> notes)
        {
            int offNode = 0;
            final int[] nodes = Numa.nodesOfPages(address, length, kind.pageSizeBytes());
            for (final int n : nodes)
            {
                if (n != node)
                {
                    offNode++;
                }
            }
            if (offNode > 0)
            {
                notes.add(offNode + " of " + nodes.length + " pages landed off node " + node + " (its pool ran short)");
            }
        }
    }

    /**
     * The node a builder without {@link Builder#node(int)} maps on: the calling thread's, or where this process may
     * not allocate there (a memoryless node, or one outside its cpuset) the nearest node where it may, by the
     * kernel's distances, the lowest id among equals. A thread on a memoryless node is ordinary (CPU-only nodes
     * exist), and the kernel itself would place its memory on the nearest node.
     *
     * @param topology    the machine's nodes.
     * @param currentNode the calling thread's node; one the topology lacks counts as its first node.
     * @return the node.
     * @throws IllegalArgumentException if this process may allocate on no node with memory.
     */
    static int defaultNode(final NumaTopology topology, final int currentNode)
    {
        final int current = topology.hasNode(currentNode) ? currentNode : topology.nodeIds()[0];
        final NumaNode here = topology.node(current);
        if (here.hasMemory() && here.isMemoryAllowed())
        {
            return current;
        }
        int nearest = -1;
        int nearestDistance = Integer.MAX_VALUE;
        for (final int candidate : topology.memoryNodeIds())
        {
            // a distance the kernel did not report (-1) ranks after every reported one
            final int distance = here.distanceTo(candidate) >= 0 ? here.distanceTo(candidate) : Integer.MAX_VALUE;
            if (nearest < 0 || distance < nearestDistance)
            {
                nearest = candidate;
                nearestDistance = distance;
            }
        }
        if (nearest < 0)
        {
            throw new IllegalArgumentException("the calling thread's node " + current + (here.hasMemory() ?
                " is outside this process's cpuset (Mems_allowed_list in /proc/self/status), and no node with " +
                "memory is inside it" : " has no memory, and no node with memory is inside this process's cpuset " +
                "(Mems_allowed_list in /proc/self/status)"));
        }
        return nearest;
    }

    /**
     * Maps {@code length} bytes at a multiple of {@code align}: beyond what mmap aligns to by itself, inside a
     * larger reservation whose slack is then given back.
     *
     * @return the address.
     * @throws LastErrorException if mmap fails; {@link NumaException} if the slack cannot be given back, with the
     *     mapping and the reservation unmapped.
     */
    static long mapAligned(final long length, final long align, final int flags, final long naturalAlign)
    {
        if (align <= naturalAlign)
        {
            return Mmap.mmap(0, length, Mmap.PROT_READ | Mmap.PROT_WRITE, flags, -1, 0);
        }
        // Reserve address space with room to align, place the mapping inside, give back the slack.
        final long span = length + align;
        final long reserved = Mmap.mmap(0, span, Mmap.PROT_NONE,
            Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_NORESERVE, -1, 0);
        final Placement placement = placeInReservation(reserved, length, align);
        final long aligned = placement.address();
        try
        {
            Mmap.mmap(aligned, length, Mmap.PROT_READ | Mmap.PROT_WRITE, flags | Mmap.MAP_FIXED, -1, 0);
        }
        catch (final LastErrorException ex)
        {
            unmap(reserved, span);
            throw ex;
        }
        try
        {
            if (placement.headBytes() > 0)
            {
                unmap(reserved, placement.headBytes());
            }
            if (placement.tailBytes() > 0)
            {
                unmap(aligned + length, placement.tailBytes());
            }
        }
        catch (final NumaException ex)
        {
            // The caller gets no address to unmap: give back the mapping and what is left of the reservation
            // (munmap skips the holes a trim already made).
            try
            {
                Mmap.munmap(reserved, span);
            }
            catch (final LastErrorException again)
            {
                ex.addSuppressed(again);
            }
            throw ex;
        }
        return aligned;
    }

    /**
     * @param kind        a page kind.
     * @param osPageBytes the OS's base page size.
     * @return the unit a region of that kind is sized and aligned in: for SMALL the OS's page, which munmap and
     *     MAP_FIXED demand multiples of (16 KiB on Apple Silicon, 64 KiB on some aarch64 Linux), not 4 KiB.
     */
    static long pageBytes(final PageKind kind, final long osPageBytes)
    {
        return kind == PageKind.SMALL ? osPageBytes : kind.pageSizeBytes();
    }

    /**
     * Where an aligned mapping goes inside a reservation of {@code lengthBytes + alignBytes}, and the slack around
     * it that is given back. Both trims are whole pages when the length and the alignment are.
     *
     * @param reserved    the reservation's address.
     * @param lengthBytes the mapping's length.
     * @param alignBytes  the alignment, a power of two.
     * @return the mapping's address and the bytes before and after it.
     */
    static Placement placeInReservation(final long reserved, final long lengthBytes, final long alignBytes)
    {
        final long aligned = (reserved + alignBytes - 1) & -alignBytes;
        final long end = reserved + lengthBytes + alignBytes;
        return new Placement(aligned, aligned - reserved, end - (aligned + lengthBytes));
    }

    /**
     * An aligned mapping inside its reservation.
     *
     * @param address   where the mapping starts.
     * @param headBytes the reservation's bytes before it.
     * @param tailBytes the reservation's bytes after it.
     */
    record Placement(long address, long headBytes, long tailBytes)
    {
    }

    private static void unmap(final long address, final long length)
    {
        try
        {
            Mmap.munmap(address, length);
        }
        catch (final LastErrorException ex)
        {
            throw new NumaException("munmap(0x" + Long.toHexString(address) + ", " + length + ")", ex.getErrorCode(),
                "the kernel could not unmap the range");
        }
    }

    /** @return 0 on success, else the errno; retries EINTR and EAGAIN. */
    private static int populateWrite(final long address, final long length)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Mmap.madvise(address, length, Mmap.MADV_POPULATE_WRITE);
                return 0;
            }
            catch (final LastErrorException ex)
            {
                final int errno = ex.getErrorCode();
                if ((errno != Errno.EINTR && errno != Errno.EAGAIN) || attempt >= 100)
                {
                    return errno;
                }
            }
        }
    }

    private static void madviseOrNote(final long address, final long length, final int advice, final String name,
        final List<String> notes)
    {
        try
        {
            Mmap.madvise(address, length, advice);
        }
        catch (final LastErrorException ex)
        {
            notes.add("madvise(" + name + ") failed with " + Errno.name(ex.getErrorCode()));
        }
    }

    private static void touchEveryPage(final long address, final long length, final long step)
    {
        final Pointer base = new Pointer(address);
        for (long offset = 0; offset < length; offset += step)
        {
            base.setByte(offset, (byte)0);
        }
    }

    /**
     * @return whether the kernel knows MADV_POPULATE_WRITE (EINVAL says it does not), or null if this probe could not
     *     tell: no page to try it on (mmap failed, e.g. under RLIMIT_AS), or an error of the moment such as ENOMEM,
     *     which must not make the answer "no" for the life of the process.
     */
    private static Boolean probePopulateWrite()
    {
        if (!Mmap.AVAILABLE || !Platform.isLinux())
        {
            return Boolean.FALSE;
        }
        final long page;
        try
        {
            page = Mmap.mmap(0, Mmap.PAGE_BYTES, Mmap.PROT_READ | Mmap.PROT_WRITE,
                Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS, -1, 0);
        }
        catch (final LastErrorException ex)
        {
            return null;
        }
        try
        {
            final int errno = populateWrite(page, Mmap.PAGE_BYTES);
            return errno == 0 ? Boolean.TRUE : errno == Errno.EINVAL ? Boolean.FALSE : null;
        }
        finally
        {
            unmap(page, Mmap.PAGE_BYTES);
        }
    }

    private static String thpMode()
    {
        try
        {
            if (!Files.isReadable(THP_ENABLED))
            {
                return null;
            }
            final String text = io.numaslab.numa.KernelFiles.read(THP_ENABLED);
            final int open = text.indexOf('[');
            final int close = text.indexOf(']');
            return open >= 0 && close > open ? text.substring(open + 1, close) : text.trim();
        }
        catch (final java.io.IOException ex)
        {
            return null;
        }
    }
}
