package io.numaslab.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * The floor under {@link RawAllocFreeBenchmark}'s {@code numaslabThreadAllocator} rows: the least work that a safe
 * allocate + free pair of a 64-byte slot must do, with none of numaslab's classes in the way. There is no memory
 * behind the addresses, because the pair never touches it.
 * <p>
 * Each pair checks the calling thread and the size, looks up the size class, and pops an address from a per-class
 * stack. It finds the slot's slab through a two-level page table, the way {@code ChunkTable.slabOf} does, and marks
 * the slot live. The free finds the slab again, checks the slot (no interior pointer, no double free), checks that
 * the slab belongs to this thread's node, and pushes the address back. It keeps two counters.
 * <ul>
 *   <li>{@code stackOnly}: the pop and the push alone, to show what the harness and the stack cost.</li>
 *   <li>{@code checkedPairPlainMark}: the whole pair, clearing the live mark with a plain load and store. Two threads
 *       freeing the same slot at the same moment could then both succeed, and the slot would be handed out
 *       twice.</li>
 *   <li>{@code checkedPairAtomicMark}: the same, but clearing the mark with an atomic exchange, as numaslab does.
 *       Of two racing frees, exactly one wins.</li>
 *   <li>{@code flatPairAtomicMark}: the same checks and the same atomic exchange with the fewest dependent loads a
 *       layout could have: every slab in one reserved range, so that "is it ours" is one comparison, the page's class
 *       and node one load from an {@code int[]}, and the live mark found from the address alone. If the chain of
 *       loads through the page table and the slab were what made {@code checkedPairAtomicMark} slow, this row would
 *       be faster.</li>
 * </ul>
 * Nothing numaslab could add to these rows would make its pair faster than them. They exclude numaslab's cache
 * bounds, trim bookkeeping and close checks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Thread)
public class PairFloorBenchmark
{
    private static final VarHandle LIVE = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final int SIZE_BYTES = 64;
    private static final int CLASSES = 40;
    private static final int SLOTS_PER_CLASS = 64;
    private static final int PAGE_SHIFT = 16;
    private static final int LEAF_SHIFT = 32;
    private static final long SLAB_BASE = 0x7f00_0000_0000L;

    /** A slab of equal slots: where it starts, how far its slots reach, its class and its live marks. */
    static final class SlabStandIn
    {
        final long baseAddress;
        final long slotSpanBytes;
        final long slotReciprocal;
        final int slotSizeBytes;
        final int classIndex;
        final byte[] liveSlots;
        final Object heap;

        SlabStandIn(final long baseAddress, final int slotSizeBytes, final int slotCount, final int classIndex,
            final Object heap)
        {
            this.baseAddress = baseAddress;
            this.slotSizeBytes = slotSizeBytes;
            this.slotSpanBytes = (long)slotSizeBytes * slotCount;
            this.slotReciprocal = ((1L << 48) + slotSizeBytes - 1) / slotSizeBytes;
            this.classIndex = classIndex;
            this.liveSlots = new byte[slotCount];
            this.heap = heap;
        }

        int slotIndexOf(final long address)
        {
            final long offset = address - baseAddress;
            if (offset < 0 || offset >= slotSpanBytes)
            {
                return -1;
            }
            final int slot = (int)((offset * slotReciprocal) >>> 48);
            return (long)slot * slotSizeBytes == offset ? slot : -1;
        }
    }

    /** One thread's per-class stacks of free addresses. */
    static final class CacheStandIn
    {
        final Thread thread = Thread.currentThread();
        final Object heap = new Object();
        final long[] addresses = new long[CLASSES * SLOTS_PER_CLASS];
        final int[] counts = new int[CLASSES];
        long allocations;
        long frees;
    }

    private final byte[] classByQuanta = new byte[SIZE_BYTES / 16 + 1];
    private final SlabStandIn[][] slabPages = new SlabStandIn[1 << (48 - LEAF_SHIFT)][];
    private CacheStandIn cache;
    private int sizeBytes = SIZE_BYTES;
    private int maxCachedSizeBytes = 64 * 1024;

    /** Builds a 64-byte slab stand-in in the page table, 16 of its slots on a stack, and the flat layout. */
    @Setup
    public void setUp()
    {
        cache = new CacheStandIn();
        for (int q = 0; q < classByQuanta.length; q++)
        {
            classByQuanta[q] = (byte)Math.max(0, q - 1);
        }
        final int classIndex = classByQuanta[(SIZE_BYTES + 15) >> 4];
        final SlabStandIn slab = new SlabStandIn(SLAB_BASE, SIZE_BYTES, 1024, classIndex, cache.heap);
        final SlabStandIn[] leaf = new SlabStandIn[1 << (LEAF_SHIFT - PAGE_SHIFT)];
        leaf[(int)(SLAB_BASE >>> PAGE_SHIFT) & (leaf.length - 1)] = slab;
        slabPages[(int)(SLAB_BASE >>> LEAF_SHIFT)] = leaf;
        for (int k = 0; k < 16; k++)
        {
            cache.addresses[classIndex * SLOTS_PER_CLASS + k] = SLAB_BASE + (long)k * SIZE_BYTES;
        }
        cache.counts[classIndex] = 16;
        setUpFlat();
    }

    /** Pops an address from a per-class stack and pushes it back: the harness and stack cost alone. */
    @Benchmark
    public long stackOnly()
    {
        final CacheStandIn c = cache;
        final int i = c.counts[3] - 1;
        c.counts[3] = i;
        final long address = c.addresses[3 * SLOTS_PER_CLASS + i];
        c.addresses[3 * SLOTS_PER_CLASS + i] = address;
        c.counts[3] = i + 1;
        return address;
    }

    /** The checked allocate + free of a 64-byte slot, the free clearing the live mark with a plain load and store. */
    @Benchmark
    public long checkedPairPlainMark()
    {
        final long address = allocate(cache, sizeBytes);
        free(cache, address, false);
        return address;
    }

    /** The checked allocate + free of a 64-byte slot, the free clearing the live mark with an atomic exchange. */
    @Benchmark
    public long checkedPairAtomicMark()
    {
        final long address = allocate(cache, sizeBytes);
        free(cache, address, true);
        return address;
    }

    // ---- the flat layout: every slab in one reserved range, per-page metadata in an int[], marks by address

    private static final int FLAT_PAGE_SHIFT = 16;
    private static final int FLAT_GRANULE_SHIFT = 4;
    private static final long FLAT_RANGE_BYTES = 1L << 24;
    /** Per 64 KiB page of the range: 0 if no slab, else (node << 8) | (class + 1). */
    private final int[] flatPageMeta = new int[(int)(FLAT_RANGE_BYTES >>> FLAT_PAGE_SHIFT)];
    /** One live mark per 16-byte granule of the range, indexed by the address alone. */
    private final byte[] flatMarks = new byte[(int)(FLAT_RANGE_BYTES >>> FLAT_GRANULE_SHIFT)];
    private final int[] flatSlotBytes = new int[CLASSES];
    private final long[] flatReciprocal = new long[CLASSES];
    private int flatNode;

    /** Part of {@link #setUp()}, after {@code classByQuanta} is filled (JMH gives several setups no order). */
    private void setUpFlat()
    {
        for (int c = 0; c < CLASSES; c++)
        {
            flatSlotBytes[c] = (c + 1) * 16;
            flatReciprocal[c] = ((1L << 48) + flatSlotBytes[c] - 1) / flatSlotBytes[c];
        }
        final int classIndex = classByQuanta[(SIZE_BYTES + 15) >> 4];
        flatPageMeta[0] = (flatNode << 8) | (classIndex + 1);
    }

    /** The same checked pair with an atomic exchange, in the flat layout of the fewest dependent loads. */
    @Benchmark
    public long flatPairAtomicMark()
    {
        final CacheStandIn c = cache;
        final long address = pop(c, sizeBytes);
        final long offset = address - SLAB_BASE;
        final int mark = (int)(offset >>> FLAT_GRANULE_SHIFT);
        if (flatMarks[mark] != 0)
        {
            throw new IllegalStateException("live slot in the cache");
        }
        flatMarks[mark] = 1;
        c.allocations++;
        flatFree(c, address);
        return address;
    }

    private void flatFree(final CacheStandIn c, final long address)
    {
        checkThread(c);
        final long offset = address - SLAB_BASE;
        if (Long.compareUnsigned(offset, FLAT_RANGE_BYTES) >= 0)
        {
            throw new IllegalArgumentException("not ours");
        }
        final int meta = flatPageMeta[(int)(offset >>> FLAT_PAGE_SHIFT)];
        final int classIndex = (meta & 0xff) - 1;
        if (classIndex < 0)
        {
            throw new IllegalArgumentException("not a slab");
        }
        final long inPage = offset & ((1L << FLAT_PAGE_SHIFT) - 1);
        final int slot = (int)((inPage * flatReciprocal[classIndex]) >>> 48);
        if ((long)slot * flatSlotBytes[classIndex] != inPage)
        {
            throw new IllegalArgumentException("interior pointer");
        }
        if ((byte)LIVE.getAndSet(flatMarks, (int)(offset >>> FLAT_GRANULE_SHIFT), (byte)0) == 0)
        {
            throw new IllegalArgumentException("double free");
        }
        if ((meta >>> 8) != flatNode)
        {
            throw new IllegalStateException("another node's slot: the floor has no remote path");
        }
        final int i = c.counts[classIndex];
        if (i == SLOTS_PER_CLASS)
        {
            throw new IllegalStateException("full stack: the floor has no flush");
        }
        c.addresses[classIndex * SLOTS_PER_CLASS + i] = address;
        c.counts[classIndex] = i + 1;
        c.frees++;
    }

    /** The allocation's first half in every row: thread and size checks, the class, the pop. */
    private long pop(final CacheStandIn c, final int size)
    {
        checkThread(c);
        if (size - 1 >= maxCachedSizeBytes)
        {
            throw new IllegalArgumentException("size " + size);
        }
        final int classIndex = classByQuanta[(size + 15) >> 4];
        final int i = c.counts[classIndex] - 1;
        if (i < 0)
        {
            throw new IllegalStateException("empty stack: the floor has no refill");
        }
        c.counts[classIndex] = i;
        final long address = c.addresses[classIndex * SLOTS_PER_CLASS + i];
        return address;
    }

    private long allocate(final CacheStandIn c, final int size)
    {
        final long address = pop(c, size);
        final SlabStandIn slab = slabOf(address);
        final int slot = slab.slotIndexOf(address);
        if (slab.liveSlots[slot] != 0)
        {
            throw new IllegalStateException("live slot in the cache");
        }
        slab.liveSlots[slot] = 1;
        c.allocations++;
        return address;
    }

    private void free(final CacheStandIn c, final long address, final boolean atomicMark)
    {
        checkThread(c);
        final SlabStandIn slab = slabOf(address);
        final int slot = slab == null ? -1 : slab.slotIndexOf(address);
        if (slot < 0)
        {
            throw new IllegalArgumentException("not a slot");
        }
        final boolean wasLive;
        if (atomicMark)
        {
            wasLive = (byte)LIVE.getAndSet(slab.liveSlots, slot, (byte)0) != 0;
        }
        else
        {
            wasLive = slab.liveSlots[slot] != 0;
            slab.liveSlots[slot] = 0;
        }
        if (!wasLive)
        {
            throw new IllegalArgumentException("double free");
        }
        if (slab.heap != c.heap)
        {
            throw new IllegalStateException("another node's slot: the floor has no remote path");
        }
        final int i = c.counts[slab.classIndex];
        if (i == SLOTS_PER_CLASS)
        {
            throw new IllegalStateException("full stack: the floor has no flush");
        }
        c.addresses[slab.classIndex * SLOTS_PER_CLASS + i] = address;
        c.counts[slab.classIndex] = i + 1;
        c.frees++;
    }

    private SlabStandIn slabOf(final long address)
    {
        final long leafIndex = address >>> LEAF_SHIFT;
        if (leafIndex >= slabPages.length)
        {
            return null;
        }
        final SlabStandIn[] leaf = slabPages[(int)leafIndex];
        return leaf == null ? null : leaf[(int)(address >>> PAGE_SHIFT) & (leaf.length - 1)];
    }

    private static void checkThread(final CacheStandIn c)
    {
        if (Thread.currentThread() != c.thread)
        {
            throw new IllegalStateException("wrong thread");
        }
    }
}
