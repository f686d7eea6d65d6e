package io.numaslab.slab;

import java.util.Arrays;
import java.util.BitSet;

/**
 * One chunk of memory, aligned to its size, divided into 64 KiB pages that are handed out in runs: a run is
 * either a slab (slots of one size class) or a page run for one allocation above 64 KiB.
 * <pre>
 *   baseAddress (aligned to sizeBytes)                              baseAddress + sizeBytes
 *   |  page 0  |  page 1  |  page 2  |  page 3  |  page 4  |  ...  |  page 31 |   (2 MiB chunk)
 *   |  slab    |  slab of 36864-byte slots      |  page run (128 KiB)  | free  ...
 *   |  48 B    |  (3 pages)                     |  one allocation      |
 * </pre>
 * All bookkeeping is on the Java heap, in arrays indexed by page: what each page is (free, slab, run), the first
 * page of the run it belongs to, and at a run's first page its length. So from an address it is O(1) to its page,
 * its run and, for a slab, its {@link Slab} (preallocated per page, reused) and slot. The memory itself is never
 * read or written. Free pages are a bitmap; a new run takes the lowest free stretch long enough (first fit), and a
 * released run simply becomes free bits again, so neighbouring free pages merge by themselves.
 *
 * <p>Chunks are created and owned by a {@link SlabHeap}; other threads may find one through a {@link ChunkTable}
 * and read its identity ({@link #baseAddress()}, {@link #sizeBytes()}, {@link #heap()}), which never changes.
 * Everything else is the owning heap's and not thread-safe.
 */
public final class Chunk
{
    /** Size of a slab page, the unit in which a chunk is handed out: 65536 bytes. */
    public static final int PAGE_SIZE_BYTES = 64 * 1024;

    /** The smallest chunk size a {@link ChunkSource} may use: 256 KiB, four pages. */
    public static final int MIN_SIZE_BYTES = 256 * 1024;

    /** The largest chunk size: 1 GiB, the largest power of two an {@code int} holds. */
    public static final int MAX_SIZE_BYTES = 1 << 30;

    /** The chunk size to use unless there is a reason not to: 2 MiB, one x86-64 huge page. */
    public static final int DEFAULT_SIZE_BYTES = 2 * 1024 * 1024;

    static final int PAGE_SHIFT = Integer.numberOfTrailingZeros(PAGE_SIZE_BYTES);

    static final byte PAGE_FREE = 0;
    static final byte PAGE_SLAB = 1;
    static final byte PAGE_RUN = 2;

    private final SlabHeap heap;
    /** The heap's table, where carving and releasing a slab maps and unmaps its pages; null without a heap (tests). */
    private final ChunkTable table;
    private final long baseAddress;
    private final int sizeBytes;
    private final int pageCount;

    private final byte[] pageKinds;
    private final int[] runFirstPages;
    private final int[] runPageCounts;
    private final BitSet freePages;
    private final Slab[] slabsByFirstPage;
    private int freePageCount;
    /** The heap's release pass at which this chunk last became empty (see {@link SlabHeap#releaseIdleEmptyChunks}). */
    long emptySincePass;

    /** Creates an all-free chunk; {@code baseAddress} must be aligned to {@code sizeBytes} (the heap checks). */
    Chunk(final SlabHeap heap, final long baseAddress, final int sizeBytes)
    {
        this.heap = heap;
        this.table = heap == null ? null : heap.table();
        this.baseAddress = baseAddress;
        this.sizeBytes = checkSizeBytes(sizeBytes);
        this.pageCount = sizeBytes / PAGE_SIZE_BYTES;
        this.pageKinds = new byte[pageCount];
        this.runFirstPages = new int[pageCount];
        this.runPageCounts = new int[pageCount];
        this.freePages = new BitSet(pageCount);
        this.freePages.set(0, pageCount);
        this.freePageCount = pageCount;
        this.slabsByFirstPage = new Slab[pageCount];
        for (int page = 0; page < pageCount; page++)
        {
            slabsByFirstPage[page] = new Slab(this, page);
        }
    }

    /**
     * Checks a chunk size.
     *
     * @return {@code sizeBytes}
     * @throws IllegalArgumentException if it is not a power of two from {@link #MIN_SIZE_BYTES} to {@link #MAX_SIZE_BYTES}
     */
    static int checkSizeBytes(final int sizeBytes)
    {
        if (sizeBytes < MIN_SIZE_BYTES || sizeBytes > MAX_SIZE_BYTES || Integer.bitCount(sizeBytes) != 1)
        {
            throw new IllegalArgumentException("chunk size " + sizeBytes + " bytes: must be a power of two from " +
                MIN_SIZE_BYTES + " (256 KiB) to " + MAX_SIZE_BYTES + " (1 GiB) bytes");
        }
        return sizeBytes;
    }

    /** {@return the address of the first byte of this chunk, a multiple of {@link #sizeBytes()}} */
    public long baseAddress()
    {
        return baseAddress;
    }

    /** {@return the size of this chunk in bytes, a power of two} */
    public int sizeBytes()
    {
        return sizeBytes;
    }

    /** {@return the number of 64 KiB pages in this chunk: {@code sizeBytes() / 65536}} */
    public int pageCount()
    {
        return pageCount;
    }

    /** {@return the heap that carves this chunk: the one to hand its addresses back to} */
    public SlabHeap heap()
    {
        return heap;
    }

    /**
     * Tells whether an address lies in this chunk.
     *
     * @param address any address
     * @return whether it lies in {@code [baseAddress, baseAddress + sizeBytes)}
     */
    public boolean contains(final long address)
    {
        return address - baseAddress >= 0 && address - baseAddress < sizeBytes;
    }

    /**
     * Returns the slab holding {@code address}, or null if the address is outside this chunk or on a page that is
     * not part of a slab (free, or a page run). Safe from any thread for an address the caller holds: the page
     * map of a slab in use does not change. For a stale or made-up address the answer may be stale too; callers
     * check it with {@link Slab#slotIndexOf(long)} and the slot's live mark.
     */
    public Slab slabOf(final long address)
    {
        final long offset = address - baseAddress;
        if (offset < 0 || offset >= sizeBytes)
        {
            return null;
        }
        final int page = (int)(offset >>> PAGE_SHIFT);
        return pageKinds[page] == PAGE_SLAB ? slabsByFirstPage[runFirstPages[page]] : null;
    }

    int freePageCount()
    {
        return freePageCount;
    }

    boolean isEmpty()
    {
        return freePageCount == pageCount;
    }

    long pageAddress(final int page)
    {
        return baseAddress + ((long)page << PAGE_SHIFT);
    }

    /** The page holding {@code address}, which must be inside this chunk. */
    int pageIndexOf(final long address)
    {
        return (int)((address - baseAddress) >>> PAGE_SHIFT);
    }

    byte pageKind(final int page)
    {
        return pageKinds[page];
    }

    int runFirstPage(final int page)
    {
        return runFirstPages[page];
    }

    /** Length in pages of the run (slab or page run) that {@code page} belongs to. */
    int runPageCount(final int page)
    {
        return runPageCounts[runFirstPages[page]];
    }

    /** The slab covering {@code page}, which must be a slab page. */
    Slab slabAt(final int page)
    {
        return slabsByFirstPage[runFirstPages[page]];
    }

    /**
     * Carves a slab for a class out of the lowest free pages long enough.
     *
     * @return the formatted, empty slab, or null if no free stretch of {@code classes.slabPages(classIndex)} pages exists
     */
    Slab carveSlab(final int classIndex, final SizeClasses classes)
    {
        final int first = takePages(classes.slabPages(classIndex), PAGE_SLAB);
        if (first < 0)
        {
            return null;
        }
        final Slab slab = slabsByFirstPage[first];
        slab.format(classIndex, SizeClasses.sizeOfClass(classIndex), classes.slotsPerSlab(classIndex));
        if (table != null)
        {
            table.mapSlabPages(pageAddress(first), runPageCounts[first], slab);
        }
        return slab;
    }

    /**
     * Takes a run of {@code pages} pages for one large allocation.
     *
     * @return the address of the run's first byte, or 0 if no free stretch is long enough
     */
    long carveRun(final int pages)
    {
        final int first = takePages(pages, PAGE_RUN);
        return first < 0 ? 0 : pageAddress(first);
    }

    /** Gives the pages of a run (slab or page run) starting at {@code firstPage} back to the free pages. */
    void releaseRun(final int firstPage)
    {
        final int pages = runPageCounts[firstPage];
        if (pageKinds[firstPage] == PAGE_SLAB)
        {
            slabsByFirstPage[firstPage].released();
            if (table != null)
            {
                table.mapSlabPages(pageAddress(firstPage), pages, null);
            }
        }
        Arrays.fill(pageKinds, firstPage, firstPage + pages, PAGE_FREE);
        runPageCounts[firstPage] = 0;
        freePages.set(firstPage, firstPage + pages);
        freePageCount += pages;
    }

    /** {@return whether {@code pages} consecutive pages are free} */
    boolean hasFreeStretch(final int pages)
    {
        return findFreeStretch(pages) >= 0;
    }

    /** Marks the lowest free stretch of {@code pages} pages as one run of {@code kind}; -1 if there is none. */
    private int takePages(final int pages, final byte kind)
    {
        final int first = findFreeStretch(pages);
        if (first < 0)
        {
            return -1;
        }
        Arrays.fill(pageKinds, first, first + pages, kind);
        Arrays.fill(runFirstPages, first, first + pages, first);
        runPageCounts[first] = pages;
        freePages.clear(first, first + pages);
        freePageCount -= pages;
        return first;
    }

    /**
     * First fit: walks the stretches of free pages from the lowest. Linear in the number of stretches, which is
     * small (32 pages in a 2 MiB chunk); taking pages happens once per slab, not per allocation.
     */
    private int findFreeStretch(final int pages)
    {
        if (pages > freePageCount)
        {
            return -1;
        }
        for (int start = freePages.nextSetBit(0); start >= 0 && start + pages <= pageCount;
            start = freePages.nextSetBit(start))
        {
            final int end = freePages.nextClearBit(start);
            if (end - start >= pages)
            {
                return start;
            }
            start = end;
        }
        return -1;
    }

    /** Checks the page map against the free-page bitmap; for {@link SlabHeap#verifyInvariants()}. */
    void verifyPageMap()
    {
        int free = 0;
        for (int page = 0; page < pageCount; )
        {
            if (pageKinds[page] == PAGE_FREE)
            {
                check(freePages.get(page), page, "a free page is not in the free bitmap");
                free++;
                page++;
                continue;
            }
            final int pages = runPageCounts[page];
            check(pages > 0 && page + pages <= pageCount, page, "run of " + pages + " pages does not fit");
            for (int p = page; p < page + pages; p++)
            {
                check(pageKinds[p] == pageKinds[page] && runFirstPages[p] == page && !freePages.get(p), p,
                    "page is not part of the run starting at page " + page);
            }
            page += pages;
        }
        check(free == freePageCount && free == freePages.cardinality(), 0,
            "free page count " + freePageCount + " but " + free + " free pages");
    }

    private void check(final boolean condition, final int page, final String problem)
    {
        if (!condition)
        {
            throw new IllegalStateException("chunk at 0x" + Long.toHexString(baseAddress) + ", page " + page + ": " +
                problem);
        }
    }
}
