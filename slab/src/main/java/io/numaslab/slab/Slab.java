package io.numaslab.slab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A run of pages of a chunk cut into equal slots of one size class, with a bitmap of which slots are free.
 *
 * <p>A chunk creates one {@code Slab} object per page up front and reuses it whenever a slab starts at that page,
 * so slabs coming and going make no garbage. Nothing is stored in the slots themselves: the memory is never
 * touched, which is also why freeing can check every address against the bitmap.
 *
 * <p>Free slots are found in O(1) with a two-level bitmap: {@code freeSlotBits} has one bit per slot (1 = free),
 * and {@code wordsWithFreeSlots} one bit per word of it that is not zero. Two {@code numberOfTrailingZeros} find
 * the lowest free slot, so slots are handed out lowest address first. 64 words of 64 bits hold
 * {@link SizeClasses#MAX_SLOTS_PER_SLAB} slots, which {@link SizeClasses} never exceeds.
 *
 * <p>The list links ({@code previousWithFree}, {@code nextWithFree}) belong to {@link SlabHeap}, which keeps
 * per class an intrusive list of the slabs that have a free slot. Not thread-safe: owned by one heap.
 */
public final class Slab
{
    private static final int BITMAP_WORDS = SizeClasses.MAX_SLOTS_PER_SLAB / Long.SIZE;
    /** Slot index = (offset * reciprocal) >>> 48: exact for offsets below 4096 slots of up to 64 KiB. */
    private static final int RECIPROCAL_SHIFT = 48;
    /** Slots below this size keep their live marks packed; see {@link #markGroupSlots(int)}. */
    static final int SPACED_MARKS_MIN_SLOT_BYTES = 64;
    /** Bytes from one group of spaced live marks to the next: two cache lines, so no two groups share one. */
    static final int MARK_GROUP_STRIDE_BYTES = 128;
    /** Slots per group of packed marks (any power of two would do: packed groups follow each other). */
    static final int PACKED_MARK_GROUP_SLOTS = 64;
    /** The most slots in a group of spaced marks: half the default cache of a class, a refill. */
    static final int SPACED_MARK_GROUP_MAX_SLOTS = 32;
    /** Atomic access to {@code liveSlots}: clearing a mark is an exchange. */
    private static final VarHandle LIVE = MethodHandles.arrayElementVarHandle(byte[].class);

    final Chunk chunk;
    /** The chunk's heap, here too so that a free finds the slab's owner with one load. */
    final SlabHeap heap;
    final int firstPage;
    final long baseAddress;

    private final long[] freeSlotBits = new long[BITMAP_WORDS];
    private long wordsWithFreeSlots;

    int classIndex = -1;
    int slotSizeBytes;
    int slotCount;
    int usedSlots;
    /** {@code slotCount * slotSizeBytes} while the slab is carved, 0 once its chunk has released its pages. */
    private long slotSpanBytes;
    private long slotReciprocal;

    /**
     * One byte per slot: 1 while the slot is in a caller's hands, 0 while it is free in the slab or held in a
     * thread cache. Set by the allocator above this layer with a plain store (only the thread that holds the free
     * slot sets it; the allocator's own hand-over, queues and locks, orders that), and cleared with an atomic
     * exchange, from any thread, so that of two threads freeing the same slot at the same instant exactly one
     * wins. Grows when the slab is reused for a class with more slots; never shrinks.
     * <p>
     * Layout ({@link #markIndex}): the marks of {@code 2^markGroupShift} consecutive slots are consecutive bytes,
     * and groups start {@code 2^markStrideShift} bytes apart. For slots of {@value #SPACED_MARKS_MIN_SLOT_BYTES}
     * bytes or more, groups are {@value #MARK_GROUP_STRIDE_BYTES} bytes apart, so no two groups share a cache line:
     * two threads of one node whose caches took their slots from the same slab in different batches then write
     * different lines. With the marks packed, a thread's allocate and free pairs and another thread's on the same
     * slab moved one line between the cores on every call: one thread took 10 ns per pair, two threads 35-47 ns
     * each (64 B-64 KiB). See {@link #markGroupSlots(int)}.
     */
    private byte[] liveSlots = new byte[0];
    private int markGroupShift;
    private int markStrideShift;
    private int markGroupMask;
    /**
     * Where the first group starts: {@value #MARK_GROUP_STRIDE_BYTES} bytes in for spaced marks, past the line of the
     * array's header, whose length every mark's bounds check reads; 0 for packed marks.
     */
    private int markBase;

    Slab previousWithFree;
    Slab nextWithFree;

    Slab(final Chunk chunk, final int firstPage)
    {
        this.chunk = chunk;
        this.heap = chunk.heap();
        this.firstPage = firstPage;
        this.baseAddress = chunk.pageAddress(firstPage);
    }

    /** Makes this the slab of {@code slotCount} free slots of {@code slotSizeBytes} each; called by its chunk. */
    void format(final int classIndex, final int slotSizeBytes, final int slotCount)
    {
        this.classIndex = classIndex;
        this.slotSizeBytes = slotSizeBytes;
        this.slotCount = slotCount;
        this.usedSlots = 0;
        this.slotSpanBytes = (long)slotCount * slotSizeBytes;
        this.slotReciprocal = ((1L << RECIPROCAL_SHIFT) + slotSizeBytes - 1) / slotSizeBytes;
        final int groupSlots = markGroupSlots(slotSizeBytes);
        this.markGroupShift = Integer.numberOfTrailingZeros(groupSlots);
        this.markStrideShift = Integer.numberOfTrailingZeros(groupSlots == PACKED_MARK_GROUP_SLOTS ?
            PACKED_MARK_GROUP_SLOTS : MARK_GROUP_STRIDE_BYTES);
        this.markGroupMask = groupSlots - 1;
        this.markBase = groupSlots == PACKED_MARK_GROUP_SLOTS ? 0 : MARK_GROUP_STRIDE_BYTES;
        final int markBytes = markIndex(slotCount - 1) + 1;
        if (liveSlots.length < markBytes)
        {
            liveSlots = new byte[markBytes];
        }
        else
        {
            Arrays.fill(liveSlots, 0, markBytes, (byte)0);
        }
        final int fullWords = slotCount / Long.SIZE;
        final int bitsInLastWord = slotCount % Long.SIZE;
        Arrays.fill(freeSlotBits, 0, fullWords, -1L);
        Arrays.fill(freeSlotBits, fullWords, BITMAP_WORDS, 0L);
        if (bitsInLastWord > 0)
        {
            freeSlotBits[fullWords] = (1L << bitsInLastWord) - 1;
        }
        final int wordsInUse = fullWords + (bitsInLastWord > 0 ? 1 : 0);
        wordsWithFreeSlots = wordsInUse == Long.SIZE ? -1L : (1L << wordsInUse) - 1;
        previousWithFree = null;
        nextWithFree = null;
    }

    /** {@return {@code slotCount * slotSizeBytes} while carved, 0 once released} */
    long slotSpanBytes()
    {
        return slotSpanBytes;
    }

    /** Its chunk has taken its pages back: no address is a slot of it until it is formatted again. */
    void released()
    {
        slotSpanBytes = 0;
    }

    boolean isFull()
    {
        return usedSlots == slotCount;
    }

    boolean isEmpty()
    {
        return usedSlots == 0;
    }

    /** Takes the lowest free slot and returns its address. The caller checks {@code !isFull()} first. */
    long allocateSlot()
    {
        final int word = Long.numberOfTrailingZeros(wordsWithFreeSlots);
        long bits = freeSlotBits[word];
        final int bit = Long.numberOfTrailingZeros(bits);
        bits &= bits - 1; // clear the lowest set bit: that slot is now in use
        freeSlotBits[word] = bits;
        if (bits == 0)
        {
            wordsWithFreeSlots &= ~(1L << word);
        }
        usedSlots++;
        return baseAddress + (long)(word * Long.SIZE + bit) * slotSizeBytes;
    }

    /**
     * Returns the slot index of {@code address} if it is the start of a slot in use, else -1.
     * The address must lie within this slab's pages (its chunk's page map says so).
     */
    int liveSlotIndexOf(final long address)
    {
        final int slot = slotIndexOf(address);
        return slot < 0 || isFree(slot) ? -1 : slot;
    }

    /** {@return the heap that carved this slab: the one its slots go back to} */
    public SlabHeap heap()
    {
        return heap;
    }

    /** Returns the size class of this slab's slots. */
    public int classIndex()
    {
        return classIndex;
    }

    /** Returns the size of each slot in bytes. */
    public int slotSizeBytes()
    {
        return slotSizeBytes;
    }

    /**
     * Returns the index of the slot that starts at {@code address}, or -1 if no slot starts there (an interior
     * pointer, or an address in the slab's unused tail or outside it). No division: a multiply by a precomputed
     * reciprocal. Whether the slot is in use is not checked.
     *
     * @param address any address
     * @return 0 to slot count - 1, or -1
     */
    public int slotIndexOf(final long address)
    {
        final long offset = address - baseAddress;
        if (offset < 0 || offset >= slotSpanBytes)
        {
            return -1;
        }
        final int slot = (int)((offset * slotReciprocal) >>> RECIPROCAL_SHIFT);
        return (long)slot * slotSizeBytes == offset ? slot : -1;
    }

    /**
     * Marks a slot as handed to a caller. Any thread may call it for a slot it owns.
     *
     * @param slot from {@link #slotIndexOf(long)}
     * @return false if it was already marked (the caller's bookkeeping is broken)
     */
    public boolean markLive(final int slot)
    {
        return markLiveAt(markIndex(slot));
    }

    /**
     * Clears a slot's live mark: the caller gives it back. Any thread may call it; it is atomic, so when several
     * threads clear the same mark at once, exactly one gets true.
     *
     * @param slot from {@link #slotIndexOf(long)}
     * @return false if it was not marked live (a double free, or an address never handed out); nothing changed
     */
    public boolean clearLive(final int slot)
    {
        return clearLiveAt(markIndex(slot));
    }

    /** Returns whether a slot is marked live (in a caller's hands). */
    public boolean isLive(final int slot)
    {
        return liveSlots[markIndex(slot)] != 0;
    }

    /**
     * As {@link #markLive(int)}, for a caller that keeps the slot's {@link #markIndex(int)} (a thread cache, so
     * that its allocation does no index arithmetic).
     *
     * @param mark {@link #markIndex(int)} of a slot of this slab.
     * @return false if it was already marked (the caller's bookkeeping is broken)
     */
    public boolean markLiveAt(final int mark)
    {
        final byte[] live = liveSlots;
        final boolean was = live[mark] != 0;
        live[mark] = 1;
        return !was;
    }

    /**
     * As {@link #clearLive(int)}, by the slot's {@link #markIndex(int)}.
     *
     * @param mark {@link #markIndex(int)} of a slot of this slab.
     * @return false if it was not marked live; nothing changed
     */
    public boolean clearLiveAt(final int mark)
    {
        return (byte)LIVE.getAndSet(liveSlots, mark, (byte)0) != 0;
    }

    /**
     * @param slot a slot of this slab, from {@link #slotIndexOf(long)}.
     * @return where its live mark is: its group's start plus its place in the group (see {@code liveSlots}).
     */
    public int markIndex(final int slot)
    {
        return markBase + (((slot >>> markGroupShift) << markStrideShift) | (slot & markGroupMask));
    }

    /**
     * @param mark {@link #markIndex(int)} of a slot of this slab.
     * @return that slot.
     */
    public int slotOfMark(final int mark)
    {
        final int inGroups = mark - markBase;
        return ((inGroups >>> markStrideShift) << markGroupShift) | (inGroups & markGroupMask);
    }

    /**
     * How many consecutive slots' live marks share a group. Below {@value #SPACED_MARKS_MIN_SLOT_BYTES} bytes, all of
     * them, packed ({@value #PACKED_MARK_GROUP_SLOTS} a group, one byte per slot): the smallest slots are many per
     * slab, and spaced marks would cost more heap than they are worth (4 bytes per slot of 32 B is 12.5%). From there,
     * as many as a thread cache takes in one refill with the default cache ({@code NumaAllocator}'s 64 slots a class
     * and 1 MiB a thread, an eighth of it a class: a refill is half of 64 slots or of 128 KiB), at most 32, rounded
     * down to a power of two, so that in a freshly carved slab (whose lowest free slots go first) one refill's slots
     * are whole groups and the next refill, maybe another thread's, starts a group of its own. The heap this costs
     * is {@value #MARK_GROUP_STRIDE_BYTES} bytes a group: 4 bytes per slot of 64 B to 2 KiB (6.25% of the slots' own
     * bytes at 64 B, 3.1% at 128 B, down to 0.2%), and 0.2% from there (128 bytes per slot of 64 KiB). At 64 B, two
     * threads on one allocator took 46 ns per pair with packed marks and 16 ns with these.
     *
     * @param slotSizeBytes the slab's slot size.
     * @return a power of two from 1 to {@value #PACKED_MARK_GROUP_SLOTS}.
     */
    static int markGroupSlots(final int slotSizeBytes)
    {
        if (slotSizeBytes < SPACED_MARKS_MIN_SLOT_BYTES)
        {
            return PACKED_MARK_GROUP_SLOTS;
        }
        return Integer.highestOneBit(Math.max(1, Math.min(SPACED_MARK_GROUP_MAX_SLOTS, 64 * 1024 / slotSizeBytes)));
    }

    /** Marks a slot free; {@code slot} must come from {@link #liveSlotIndexOf(long)}. */
    void freeSlot(final int slot)
    {
        final int word = slot >>> 6;
        freeSlotBits[word] |= 1L << slot; // shifts use the low 6 bits: the bit within the word
        wordsWithFreeSlots |= 1L << word;
        usedSlots--;
    }

    boolean isFree(final int slot)
    {
        return (freeSlotBits[slot >>> 6] & (1L << slot)) != 0;
    }

    /** Says why {@code address}, within this slab but not a live slot start, cannot be freed. Error path only. */
    String problemWith(final long address)
    {
        final long offset = address - baseAddress;
        if (offset % slotSizeBytes != 0)
        {
            return "not the start of a " + slotSizeBytes + "-byte slot (interior pointer)";
        }
        if (offset / slotSizeBytes >= slotCount)
        {
            return "in the unused tail of a slab of " + slotSizeBytes + "-byte slots";
        }
        return "the " + slotSizeBytes + "-byte slot there is already free (double free, or never allocated)";
    }

    /** Counts the free bits and checks them against the counters; for {@link SlabHeap#verifyInvariants()}. */
    void verify()
    {
        int freeBits = 0;
        for (int w = 0; w < BITMAP_WORDS; w++)
        {
            final long bits = freeSlotBits[w];
            freeBits += Long.bitCount(bits);
            check(((wordsWithFreeSlots >>> w) & 1) == (bits != 0 ? 1 : 0), "summary bit of word " + w + " is wrong");
            check((bits & ~bitsOfRealSlots(w)) == 0, "free bits beyond the last slot in word " + w);
        }
        check(freeBits == slotCount - usedSlots,
            "free bits " + freeBits + " but " + usedSlots + " of " + slotCount + " used");
        check(usedSlots > 0, "an empty slab was not given back to its chunk");
    }

    /** The bits of bitmap word {@code w} that stand for slots of this slab (the rest must stay 0). */
    private long bitsOfRealSlots(final int w)
    {
        final int slotsInWord = Math.min(Math.max(slotCount - w * Long.SIZE, 0), Long.SIZE);
        return slotsInWord == Long.SIZE ? -1L : (1L << slotsInWord) - 1;
    }

    private void check(final boolean condition, final String problem)
    {
        if (!condition)
        {
            throw new IllegalStateException("slab at 0x" + Long.toHexString(baseAddress) + " (class " + classIndex +
                "): " + problem);
        }
    }
}
