package io.numaslab.slab;

import java.util.Locale;

/**
 * The size classes of small allocations (16 B to 64 KiB), and how each class is laid out in a slab.
 *
 * <h2>Classes</h2>
 * A request is rounded up to the smallest class that holds it:
 * <pre>
 *   class  0..7  : 16, 32, 48, ..., 128            (16-byte quantum)
 *   class  8..15 : 144, 160, ..., 256              (8 classes per doubling,
 *   class 16..23 : 288, 320, ..., 512               neighbours 1/8 of the lower
 *   ...                                             power of two apart)
 *   class 72..79 : 36864, 40960, ..., 65536
 * </pre>
 * So a request of 113 B or more wastes at most 1/8 (12.5%) of its class size, a smaller one at most 15 B,
 * and every class size is a multiple of 16 (so every slot of a slab is 16-byte aligned).
 * The mapping from size to class is the same for every heap; the static methods give it.
 *
 * <h2>Slab geometry</h2>
 * A slab is a run of {@link Chunk#PAGE_SIZE_BYTES 64 KiB} pages holding slots of one class.
 * The part of the slab too small for one more slot (the <em>tail</em>) is wasted, so the slab length is chosen
 * per class: the fewest pages whose tail waste is at most 1/16 of the slab, and never more than a quarter of a
 * chunk (so one chunk can hold slabs of several classes). For 2 MiB chunks and larger every class meets the 1/16
 * target; for smaller chunks the quarter-chunk cap may win for some classes above 8 KiB, and
 * {@link #toTable()} shows the resulting waste. The geometry depends on the chunk size, so it lives in an
 * instance: {@link #forChunkSize(int)}.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class SizeClasses
{
    /** Distance between the smallest classes, and the alignment of every class size: 16 bytes. */
    public static final int QUANTUM_BYTES = 16;

    /** The largest size served from slabs: 65536 bytes. Larger requests get whole page runs. */
    public static final int MAX_SMALL_SIZE_BYTES = 64 * 1024;

    /** The fewest slots a slab is given where a quarter chunk allows: 16. */
    public static final int MIN_SLOTS_PER_SLAB = 16;

    /** The most slots a slab may hold: one bit each in a 64-word bitmap (see {@link Slab}). */
    public static final int MAX_SLOTS_PER_SLAB = 64 * 64;

    /** Classes from 16 to 128 B are 16 B apart; above, each doubling is split into this many classes. */
    private static final int CLASSES_PER_DOUBLING = 8;
    private static final int QUANTUM_CLASSES_MAX_BYTES = 128;
    private static final int QUANTUM_CLASS_COUNT = QUANTUM_CLASSES_MAX_BYTES / QUANTUM_BYTES;

    /** Sizes up to this are mapped by one table load; most requests of a server are this small. */
    private static final int LOOKUP_MAX_BYTES = 1024;

    /** Slab length is chosen so that the tail wastes at most 1/TAIL_WASTE_TARGET_DIVISOR of the slab. */
    private static final int TAIL_WASTE_TARGET_DIVISOR = 16;

    private static final int[] SIZE_BYTES_BY_CLASS = buildClassSizes();
    private static final byte[] CLASS_BY_QUANTA = buildLookupTable();

    private final int chunkSizeBytes;
    private final int[] slabPagesByClass;
    private final int[] slotsPerSlabByClass;

    private SizeClasses(final int chunkSizeBytes)
    {
        this.chunkSizeBytes = chunkSizeBytes;
        final int maxSlabPages = chunkSizeBytes / Chunk.PAGE_SIZE_BYTES / 4;
        slabPagesByClass = new int[classCount()];
        slotsPerSlabByClass = new int[classCount()];
        for (int c = 0; c < classCount(); c++)
        {
            final int pages = chooseSlabPages(sizeOfClass(c), maxSlabPages);
            slabPagesByClass[c] = pages;
            slotsPerSlabByClass[c] = pages * Chunk.PAGE_SIZE_BYTES / sizeOfClass(c);
        }
    }

    /**
     * Returns the size classes and slab geometry for chunks of the given size.
     *
     * @param chunkSizeBytes a power of two from {@link Chunk#MIN_SIZE_BYTES} to {@link Chunk#MAX_SIZE_BYTES}
     * @return a new immutable instance
     * @throws IllegalArgumentException if the chunk size is not a power of two in that range
     */
    public static SizeClasses forChunkSize(final int chunkSizeBytes)
    {
        return new SizeClasses(Chunk.checkSizeBytes(chunkSizeBytes));
    }

    /** {@return the number of size classes, 80; class indexes run from 0 to {@code classCount() - 1}} */
    public static int classCount()
    {
        return SIZE_BYTES_BY_CLASS.length;
    }

    /**
     * Returns the smallest class whose size is at least {@code sizeBytes}, in O(1) without loops.
     *
     * @param sizeBytes requested size in bytes, 1 to {@link #MAX_SMALL_SIZE_BYTES}
     * @return the class index, 0 to {@code classCount() - 1}
     * @throws IllegalArgumentException if {@code sizeBytes} is 0, negative or above {@link #MAX_SMALL_SIZE_BYTES}
     */
    public static int classIndexOf(final int sizeBytes)
    {
        if (sizeBytes <= LOOKUP_MAX_BYTES)
        {
            if (sizeBytes <= 0)
            {
                throw new IllegalArgumentException("size class of " + sizeBytes +
                    " bytes: a size must be at least 1 byte");
            }
            return CLASS_BY_QUANTA[(sizeBytes + QUANTUM_BYTES - 1) / QUANTUM_BYTES];
        }
        if (sizeBytes > MAX_SMALL_SIZE_BYTES)
        {
            throw new IllegalArgumentException("size class of " + sizeBytes + " bytes: the largest size class is " +
                MAX_SMALL_SIZE_BYTES + " bytes; larger sizes are page runs");
        }
        return classIndexAbove128(sizeBytes);
    }

    /**
     * The arithmetic behind the classes above 128 B. With {@code s = sizeBytes - 1} and {@code 2^k <= s < 2^(k+1)},
     * the request lies in the doubling (2^k, 2^(k+1)], which is split into 8 steps of 2^(k-3) bytes; the 3 bits of
     * {@code s} below its top bit say which step. Doubling k = 7 (128..256] holds classes 8..15.
     */
    static int classIndexAbove128(final int sizeBytes)
    {
        final int s = sizeBytes - 1;
        final int k = 31 - Integer.numberOfLeadingZeros(s);
        final int step = (s >>> (k - 3)) & (CLASSES_PER_DOUBLING - 1);
        return QUANTUM_CLASS_COUNT + (k - 7) * CLASSES_PER_DOUBLING + step;
    }

    /**
     * Returns the size of a class: every allocation of that class gets exactly this many usable bytes.
     *
     * @param classIndex 0 to {@code classCount() - 1}
     * @return the class size in bytes, a multiple of 16
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public static int sizeOfClass(final int classIndex)
    {
        return SIZE_BYTES_BY_CLASS[classIndex];
    }

    /**
     * Returns the worst internal waste of a class in percent: the share of the class size left unused by the
     * smallest request that maps to it. (For classes up to 128 B this is high in percent but at most 15 bytes.)
     *
     * @param classIndex 0 to {@code classCount() - 1}
     * @return {@code 100 * (size - smallestRequest) / size}
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public static double worstInternalWastePercent(final int classIndex)
    {
        final int smallestRequest = classIndex == 0 ? 1 : sizeOfClass(classIndex - 1) + 1;
        return 100.0 * (sizeOfClass(classIndex) - smallestRequest) / sizeOfClass(classIndex);
    }

    /** {@return the chunk size in bytes this slab geometry was chosen for} */
    public int chunkSizeBytes()
    {
        return chunkSizeBytes;
    }

    /**
     * Returns how many 64 KiB pages a slab of the class spans.
     *
     * @param classIndex 0 to {@code classCount() - 1}
     * @return 1 to a quarter of the pages of a chunk
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public int slabPages(final int classIndex)
    {
        return slabPagesByClass[classIndex];
    }

    /**
     * Returns the length of a slab of the class in bytes: {@code slabPages(classIndex) * 65536}.
     *
     * @param classIndex 0 to {@code classCount() - 1}
     * @return the slab length in bytes, a multiple of 65536
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public int slabBytes(final int classIndex)
    {
        return slabPagesByClass[classIndex] * Chunk.PAGE_SIZE_BYTES;
    }

    /**
     * Returns how many slots of the class one slab holds.
     *
     * @param classIndex 0 to {@code classCount() - 1}
     * @return 1 to {@link #MAX_SLOTS_PER_SLAB}
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public int slotsPerSlab(final int classIndex)
    {
        return slotsPerSlabByClass[classIndex];
    }

    /**
     * Returns the share of a slab of the class that is too small for another slot, in percent.
     *
     * @param classIndex 0 to {@code classCount() - 1}
     * @return {@code 100 * (slabBytes - slots * size) / slabBytes}
     * @throws ArrayIndexOutOfBoundsException if the class index is out of range
     */
    public double tailWastePercent(final int classIndex)
    {
        final int slabBytes = slabBytes(classIndex);
        return 100.0 * (slabBytes - slotsPerSlab(classIndex) * sizeOfClass(classIndex)) / slabBytes;
    }

    /**
     * Renders all classes as a Markdown table, one row per class: index, size, slab bytes, slots per slab,
     * worst internal waste and slab tail waste in percent. The {@code numaslab size-classes} command prints it.
     *
     * @return the table, lines separated by {@code '\n'}, ending with a newline
     */
    public String toTable()
    {
        final StringBuilder table = new StringBuilder(64 * (classCount() + 2));
        table.append("| class | size (B) | slab (B) | slots per slab | worst internal waste (%) | tail waste (%) |\n");
        table.append("|------:|---------:|---------:|---------------:|-------------------------:|---------------:|\n");
        for (int c = 0; c < classCount(); c++)
        {
            table.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %.1f | %.1f |\n",
                c, sizeOfClass(c), slabBytes(c), slotsPerSlab(c), worstInternalWastePercent(c), tailWastePercent(c)));
        }
        return table.toString();
    }

    /**
     * Picks the slab length for one class: the fewest pages that hold at least {@link #MIN_SLOTS_PER_SLAB} slots
     * (where the cap allows) and whose tail wastes at most 1/16 of the slab. Fewest, because a small slab empties
     * (and goes back to its chunk) sooner; but not fewer than 16 slots, because a thread cache refills and
     * flushes in batches, and a slab of 4 slots would be carved and retired every few of them. If no length up
     * to the cap meets the target, the least wasteful one. The cap is a quarter of a chunk, and also what keeps
     * the slots within the 4096-bit bitmap of a slab.
     */
    private static int chooseSlabPages(final int slotSizeBytes, final int maxSlabPages)
    {
        final int maxPages = Math.max(1, Math.min(maxSlabPages,
            slotSizeBytes * MAX_SLOTS_PER_SLAB / Chunk.PAGE_SIZE_BYTES));
        final int minPages = Math.min(maxPages,
            (int)(((long)slotSizeBytes * MIN_SLOTS_PER_SLAB + Chunk.PAGE_SIZE_BYTES - 1) / Chunk.PAGE_SIZE_BYTES));
        int pages = firstMeetingWasteTarget(slotSizeBytes, minPages, maxPages);
        if (pages < 0)
        {
            pages = firstMeetingWasteTarget(slotSizeBytes, 1, minPages - 1); // fewer slots rather than more waste
        }
        return pages > 0 ? pages : leastWasteful(slotSizeBytes, maxPages);
    }

    /** The fewest pages in [from, to] whose tail wastes at most 1/16 of the slab, or -1. */
    private static int firstMeetingWasteTarget(final int slotSizeBytes, final int from, final int to)
    {
        for (int pages = from; pages <= to; pages++)
        {
            final long slabBytes = (long)pages * Chunk.PAGE_SIZE_BYTES;
            if ((slabBytes % slotSizeBytes) * TAIL_WASTE_TARGET_DIVISOR <= slabBytes)
            {
                return pages;
            }
        }
        return -1;
    }

    /** The page count up to {@code maxPages} whose tail is the smallest share of the slab. */
    private static int leastWasteful(final int slotSizeBytes, final int maxPages)
    {
        int bestPages = 1;
        long bestWasteBytes = Chunk.PAGE_SIZE_BYTES % slotSizeBytes;
        for (int pages = 2; pages <= maxPages; pages++)
        {
            final long wasteBytes = ((long)pages * Chunk.PAGE_SIZE_BYTES) % slotSizeBytes;
            // Compare waste / slabBytes without division: wasteBytes / slabBytes < bestWaste / bestSlabBytes.
            if (wasteBytes * bestPages < bestWasteBytes * pages)
            {
                bestPages = pages;
                bestWasteBytes = wasteBytes;
            }
        }
        return bestPages;
    }

    private static int[] buildClassSizes()
    {
        final int doublings = Integer.numberOfTrailingZeros(MAX_SMALL_SIZE_BYTES / QUANTUM_CLASSES_MAX_BYTES);
        final int[] sizes = new int[QUANTUM_CLASS_COUNT + doublings * CLASSES_PER_DOUBLING];
        int c = 0;
        for (int size = QUANTUM_BYTES; size <= QUANTUM_CLASSES_MAX_BYTES; size += QUANTUM_BYTES)
        {
            sizes[c++] = size;
        }
        for (int base = QUANTUM_CLASSES_MAX_BYTES; base < MAX_SMALL_SIZE_BYTES; base *= 2)
        {
            for (int step = 1; step <= CLASSES_PER_DOUBLING; step++)
            {
                sizes[c++] = base + step * (base / CLASSES_PER_DOUBLING);
            }
        }
        return sizes;
    }

    /** Entry q is the class of sizes in (16 * (q - 1), 16 * q]; built from the class sizes so the two agree. */
    private static byte[] buildLookupTable()
    {
        final byte[] table = new byte[LOOKUP_MAX_BYTES / QUANTUM_BYTES + 1];
        int c = 0;
        for (int q = 1; q < table.length; q++)
        {
            while (SIZE_BYTES_BY_CLASS[c] < q * QUANTUM_BYTES)
            {
                c++;
            }
            table[q] = (byte)c;
        }
        return table;
    }
}
