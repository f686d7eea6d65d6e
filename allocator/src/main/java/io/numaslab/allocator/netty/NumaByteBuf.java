package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;
import io.netty.util.internal.PlatformDependent;
import io.numaslab.allocator.NumaAllocator;
import io.numaslab.allocator.ThreadAllocator;
import io.numaslab.slab.SizeClasses;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A direct Netty {@link ByteBuf} over one allocation of a {@link NumaAllocator}: a slot (or page run, or region) on
 * the node of the thread that allocated it.
 * <p>
 * Its {@link #capacity()} is what the user asked for; the slot behind it, {@code slotBytes}, may be larger, and the
 * capacity grows into it without moving. Growing past the slot moves the content to a larger allocation on the
 * calling thread's node; shrinking below half of a slot larger than 512 bytes moves it to a smaller one, unless a
 * plain view (a {@link #slice}, {@link #duplicate} or {@link #asReadOnly} view, which Netty makes) was taken since
 * the buffer was handed out: such a buffer shrinks in place, in the slot it has.
 * <p>
 * Memory is read and written through sun.misc.Unsafe where Netty has it (Netty 4.2 turns it off by default on Java
 * 25+), else through a direct {@link ByteBuffer} view of the slot; views come from a per-thread table
 * ({@link MemoryViews}), so a buffer that gets a recently used slot back makes no new one.
 * <p>
 * Objects are recycled with their memory where they can be: {@link #deallocate()} closes the leak tracker and gives
 * the buffer, slot and all, back to the {@link ThreadBufferCache} of the thread that allocated the slot, whose next
 * buffer of that size class it becomes. Where that cache has no room (or the slot is a page run), the memory is
 * freed through {@link NumaAllocator#free(long)} (not once that is closed: its memory is gone) and the object goes
 * back to the thread that made it ({@link BufferRecycler}). A released buffer has reference count 0 until it is
 * handed out again, so a stale holder gets {@link io.netty.util.IllegalReferenceCountException} from every access,
 * {@code retain} and {@code release}.
 * <p>
 * Leak tracking lives in the buffer rather than in a wrapper: a tracker from the allocator's
 * {@link ResourceLeakDetector}, closed on deallocation; at ADVANCED and PARANOID it records {@code retain},
 * {@code release} and {@code touch} (what Netty's {@code -Dio.netty.leakDetection.acquireAndReleaseOnly=true} does).
 */
final class NumaByteBuf extends LeakRecordingByteBuf
{
    private static final BufferRecycler<NumaByteBuf> RECYCLER = new BufferRecycler<>(NumaByteBuf::new);
    private static final int STREAM_CHUNK_BYTES = 8192;
    private static final int MAX_STREAM_READ_BYTES = 64 * 1024;
    private static final int KEEP_SLOT_ON_SHRINK_BYTES = 512;

    private final BufferRecycler.Local<NumaByteBuf> home;
    /** The cache of the thread that allocated the memory (so it is of that thread's node), and its epoch then. */
    private ThreadBufferCache allocatedBy;
    private int allocatedAt;
    private NumaByteBufAllocator alloc;
    private NumaAllocator memory;
    private boolean unsafe;
    private long address;
    private int capacity;
    private int slotBytes;
    /** The size class of the slot, or -1 for a page run or region. */
    private int slotClass;
    private ResourceLeakTracker<ByteBuf> leak;
    private boolean recordLeak;
    /**
     * Whether Netty's plain views of this buffer may exist: they read and write through its unchecked accessors at
     * indices checked only against their own bounds, so the buffer must never shrink out of the slot they saw.
     */
    private boolean plainViews;

    /** Shared view of [address, address + slotBytes), only read with absolute methods; null until needed. */
    private ByteBuffer view;
    /** What {@link #internalNioBuffer} hands out: a scratch buffer this buffer owns; null until needed. */
    private ByteBuffer internalNio;

    private NumaByteBuf(final BufferRecycler.Local<NumaByteBuf> home)
    {
        super(0);
        this.home = home;
    }

    /**
     * Allocates the memory, then takes a pooled object for it.
     *
     * @param alloc           the allocator the buffer reports as {@link #alloc()}.
     * @param memory          where the memory comes from.
     * @param unsafe          whether to access memory through Unsafe (else through a ByteBuffer view).
     * @param detector        the leak detector that decides whether to track this buffer.
     * @param initialCapacity 0 or more.
     * @param maxCapacity     at least {@code initialCapacity}.
     * @return a buffer with reference count 1, indices 0.
     */
    static NumaByteBuf newInstance(final NumaByteBufAllocator alloc, final NumaAllocator memory, final boolean unsafe,
        final ResourceLeakDetector<ByteBuf> detector, final int initialCapacity, final int maxCapacity)
    {
        final int sizeBytes = Math.max(1, initialCapacity);
        final int classIndex = classOf(sizeBytes);
        final ThreadBufferCache cache = ThreadBufferCache.ofCurrentThread();
        NumaByteBuf buf = classIndex >= 0 ? cache.take(memory, classIndex) : null;
        if (buf != null)
        {
            // released on this thread before, and its slot (of this size's class) with it
            buf.reuse(alloc, unsafe, initialCapacity, maxCapacity);
        }
        else
        {
            cache.allocatingFrom(memory);
            final ThreadAllocator thread = memory.threadAllocator();
            final long fallbacksBefore = thread.fallbacks();
            final long address = thread.allocate(sizeBytes);
            buf = RECYCLER.get();
            if (buf.memory != memory)
            {
                buf.memory = memory;
            }
            buf.useMemory(address, slotBytesOf(memory, address, classIndex), classIndex);
            buf.reuse(alloc, unsafe, initialCapacity, maxCapacity);
            // memory another node served (its own was full) goes home when released, not into this thread's cache
            buf.allocatedOn(cache, thread.fallbacks() == fallbacksBefore);
        }
        final ResourceLeakTracker<ByteBuf> tracker = detector.track(buf);
        if (tracker != null)
        {
            buf.leak = tracker;
            buf.recordLeak = ResourceLeakDetector.getLevel().ordinal() >= ResourceLeakDetector.Level.ADVANCED.ordinal();
        }
        return buf;
    }

    /** @return the size class that serves {@code sizeBytes} (at least 1), or -1 for a page run or region. */
    private static int classOf(final int sizeBytes)
    {
        return sizeBytes <= SizeClasses.MAX_SMALL_SIZE_BYTES ? SizeClasses.classIndexOf(sizeBytes) : -1;
    }

    /**
     * The usable size of a fresh allocation: its size class, known from the size alone, for what comes from slabs,
     * so the hot path does not look the address up again; the allocator's answer for larger sizes.
     */
    private static int slotBytesOf(final NumaAllocator memory, final long address, final int classIndex)
    {
        return classIndex >= 0 ? SizeClasses.sizeOfClass(classIndex) : memory.usableSize(address);
    }

    /** Makes this a fresh buffer over the memory it now has (its old slot, or one just allocated). */
    private void reuse(final NumaByteBufAllocator alloc, final boolean unsafe, final int capacity,
        final int maxCapacity)
    {
        // A recycled object usually served the same allocator last time: skipping an equal reference store skips
        // its GC write barrier. The leak tracker is null already: deallocate() cleared it.
        if (this.alloc != alloc)
        {
            this.alloc = alloc;
        }
        this.unsafe = unsafe;
        this.capacity = capacity;
        plainViews = false;
        maxCapacity(maxCapacity);
        resetRefCnt();
        clear();
        markReaderIndex();
        markWriterIndex();
    }

    /**
     * Records that the calling thread, whose cache this is, allocated the buffer's current memory.
     *
     * @param ofItsNode whether the memory is of the thread's node; if not, the cache never keeps it (an epoch already
     *                  past never comes again).
     */
    private void allocatedOn(final ThreadBufferCache cache, final boolean ofItsNode)
    {
        if (allocatedBy != cache)
        {
            allocatedBy = cache;
        }
        allocatedAt = ofItsNode ? cache.epoch() : cache.epoch() - 1;
    }

    /** Points this buffer at other memory; its views of the old memory go (the scratch one back to the table). */
    private void useMemory(final long newAddress, final int newSlotBytes, final int newSlotClass)
    {
        slotClass = newSlotClass;
        releaseScratch();
        if (newAddress != address || newSlotBytes != slotBytes)
        {
            view = null;
        }
        address = newAddress;
        slotBytes = newSlotBytes;
    }

    private void releaseScratch()
    {
        final ByteBuffer scratch = internalNio;
        if (scratch != null)
        {
            internalNio = null;
            MemoryViews.giveScratch(address, slotBytes, scratch);
        }
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    @Override
    protected void deallocate()
    {
        final ResourceLeakTracker<ByteBuf> tracker = leak;
        if (tracker != null)
        {
            leak = null;
            recordLeak = false;
            tracker.close(this);
        }
        releaseScratch();
        // A slot goes back with this object to the cache of the thread that allocated it, if there is room: at once
        // when released on that thread, through its queue when released on another.
        final ThreadBufferCache cache = allocatedBy;
        if (slotClass >= 0)
        {
            if (cache.owner == Thread.currentThread() ? cache.keep(this, memory, slotClass, allocatedAt) :
                allocatedAt == cache.epoch() && cache.giveBack(this))
            {
                return;
            }
        }
        // memory and alloc stay set (reuse() overwrites them only if they differ): a pooled object keeps its
        // allocators reachable until it is reused, which saves two reference stores per buffer
        freeUnlessClosed(address);
        home.recycle(this);
    }

    /**
     * Frees memory of this buffer's allocator, unless the allocator is closed: its memory went back to the OS then,
     * and a release, whose reference count is 0 already, must not throw for it.
     */
    private void freeUnlessClosed(final long at)
    {
        if (memory.isClosed())
        {
            return;
        }
        try
        {
            memory.free(at);
        }
        catch (final IllegalStateException ex)
        {
            // a close() that ran after the check: the same case; anything else is a real error
            if (!memory.isClosed())
            {
                throw ex;
            }
        }
    }

    /** @return the size class of the slot, or -1 for a page run or region. */
    int slotClass()
    {
        return slotClass;
    }

    /** @return the {@link ThreadBufferCache#epoch()} of the allocating thread when the slot was allocated. */
    int allocatedAt()
    {
        return allocatedAt;
    }

    /** @return the allocator the memory is from. */
    NumaAllocator memory()
    {
        return memory;
    }

    /**
     * Frees the memory of a buffer that its thread's cache kept, and gives the object back to its pool.
     *
     * @param free false if the allocator is closed: the memory is gone already.
     */
    void freeKeptMemory(final boolean free)
    {
        if (free)
        {
            freeUnlessClosed(address);
        }
        home.recycle(this);
    }

    /**
     * Records an access for the leak report, at ADVANCED and PARANOID; nothing otherwise.
     *
     * @param hint what to show in the report, or null for the stack trace alone.
     */
    @Override
    void recordLeak(final Object hint)
    {
        final ResourceLeakTracker<ByteBuf> tracker = leak;
        if (tracker != null && recordLeak)
        {
            if (hint == null)
            {
                tracker.record();
            }
            else
            {
                tracker.record(hint);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ capacity

    @Override
    public int capacity()
    {
        return capacity;
    }

    @Override
    public ByteBuf capacity(final int newCapacity)
    {
        checkNewCapacity(newCapacity);
        final boolean fitsSlot = newCapacity <= slotBytes;
        // a plain view may reach anywhere in the slot it saw: the slot stays while one may exist
        final boolean worthKeeping = newCapacity >= capacity || plainViews ||
            slotBytes <= KEEP_SLOT_ON_SHRINK_BYTES || newCapacity > slotBytes >>> 1;
        if (fitsSlot && worthKeeping)
        {
            if (newCapacity < capacity)
            {
                trimIndicesToCapacity(newCapacity);
            }
            capacity = newCapacity;
            return this;
        }
        move(newCapacity);
        return this;
    }

    /** Moves the content to a new allocation on the calling thread's node, then frees the old one. */
    private void move(final int newCapacity)
    {
        final int sizeBytes = Math.max(1, newCapacity);
        final ThreadAllocator thread = memory.threadAllocator();
        final long fallbacksBefore = thread.fallbacks();
        final long newAddress = thread.allocate(sizeBytes);
        final int newSlotClass = classOf(sizeBytes);
        final int newSlotBytes = slotBytesOf(memory, newAddress, newSlotClass);
        allocatedOn(ThreadBufferCache.ofCurrentThread(), thread.fallbacks() == fallbacksBefore);
        final int keepBytes = Math.min(capacity, newCapacity);
        if (unsafe)
        {
            PlatformDependent.copyMemory(address, newAddress, keepBytes);
        }
        else if (keepBytes > 0)
        {
            MemoryViews.view(newAddress, newSlotBytes).put(0, view(), 0, keepBytes);
        }
        if (newCapacity < capacity)
        {
            trimIndicesToCapacity(newCapacity);
        }
        final long oldAddress = address;
        useMemory(newAddress, newSlotBytes, newSlotClass);
        capacity = newCapacity;
        memory.free(oldAddress);
    }

    @Override
    public int maxFastWritableBytes()
    {
        return Math.min(slotBytes, maxCapacity()) - writerIndex();
    }

    /** @return the size of the allocation behind this buffer, at least its capacity. */
    int slotBytes()
    {
        return slotBytes;
    }

    // ------------------------------------------------------------------------------------------------ identity

    @Override
    public ByteBufAllocator alloc()
    {
        return alloc;
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order()
    {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap()
    {
        return null;
    }

    @Override
    public boolean isDirect()
    {
        return true;
    }

    @Override
    public boolean isContiguous()
    {
        return true;
    }

    @Override
    public boolean hasArray()
    {
        return false;
    }

    @Override
    public byte[] array()
    {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public int arrayOffset()
    {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public boolean hasMemoryAddress()
    {
        return true;
    }

    @Override
    public long memoryAddress()
    {
        ensureAccessible();
        return address;
    }

    // ------------------------------------------------------------------------------------------------ views

    /** @return the shared view of the whole slot; never moved, never handed out. */
    ByteBuffer view()
    {
        ByteBuffer v = view;
        if (v == null)
        {
            v = MemoryViews.view(address, slotBytes);
            view = v;
        }
        return v;
    }

    @Override
    public int nioBufferCount()
    {
        return 1;
    }

    @Override
    public ByteBuffer nioBuffer(final int index, final int length)
    {
        checkIndex(index, length);
        return view().slice(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(final int index, final int length)
    {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    @Override
    public ByteBuffer internalNioBuffer(final int index, final int length)
    {
        checkIndex(index, length);
        ByteBuffer nio = internalNio;
        if (nio == null)
        {
            nio = MemoryViews.takeScratch(address, slotBytes, view());
            internalNio = nio;
        }
        nio.clear().position(index).limit(index + length);
        return nio;
    }

    private ByteBuffer duplicateRange(final int index, final int length)
    {
        return view().duplicate().position(index).limit(index + length);
    }

    // ------------------------------------------------------------------------------------------------ derived

    // Netty's plain views (UnpooledSlicedByteBuf, UnpooledDuplicatedByteBuf, ReadOnlyAbstractByteBuf) call this
    // buffer's unchecked _getX and _setX at indices they check against their own length or indices, and reach its
    // memory at memoryAddress() + offset: were this buffer to move to a smaller slot, they would read and write the
    // slots after it, other buffers' memory. A buffer that ever had one keeps its slot when it shrinks instead.
    // readSlice and slice() come through slice(int, int), and views of views from a view made here; order()'s
    // SwappedByteBuf calls only checked methods. Not seen: Unpooled.unmodifiableBuffer(buf) called directly.

    @Override
    public ByteBuf slice(final int index, final int length)
    {
        final ByteBuf slice = super.slice(index, length);
        plainViews = true;
        return slice;
    }

    @Override
    public ByteBuf duplicate()
    {
        final ByteBuf duplicate = super.duplicate();
        plainViews = true;
        return duplicate;
    }

    @Override
    public ByteBuf asReadOnly()
    {
        final ByteBuf readOnly = super.asReadOnly();
        plainViews = true;
        return readOnly;
    }

    @Override
    public ByteBuf retainedSlice()
    {
        return retainedSlice(readerIndex(), readableBytes());
    }

    @Override
    public ByteBuf retainedSlice(final int index, final int length)
    {
        checkIndex(index, length);
        return NumaDerivedByteBuf.newInstance(this, this, index, length, 0, length, length);
    }

    @Override
    public ByteBuf retainedDuplicate()
    {
        ensureAccessible();
        return NumaDerivedByteBuf.newInstance(this, this, 0, NumaDerivedByteBuf.FOLLOWS_ROOT, readerIndex(),
            writerIndex(), maxCapacity());
    }

    @Override
    public ByteBuf copy(final int index, final int length)
    {
        checkIndex(index, length);
        final ByteBuf copy = alloc.directBuffer(length, maxCapacity());
        if (length != 0)
        {
            copy.writeBytes(this, index, length);
        }
        return copy;
    }

    // ------------------------------------------------------------------------------------------------ primitives

    @Override
    protected byte _getByte(final int index)
    {
        return unsafe ? UnsafeMemory.getByte(address + index) : view().get(index);
    }

    @Override
    protected short _getShort(final int index)
    {
        return unsafe ? UnsafeMemory.getShort(address + index) : view().getShort(index);
    }

    @Override
    protected short _getShortLE(final int index)
    {
        return unsafe ? UnsafeMemory.getShortLE(address + index) : Short.reverseBytes(view().getShort(index));
    }

    @Override
    protected int _getUnsignedMedium(final int index)
    {
        if (unsafe)
        {
            return UnsafeMemory.getUnsignedMedium(address + index);
        }
        final ByteBuffer v = view();
        return (v.get(index) & 0xff) << 16 | (v.getShort(index + 1) & 0xffff);
    }

    @Override
    protected int _getUnsignedMediumLE(final int index)
    {
        if (unsafe)
        {
            return UnsafeMemory.getUnsignedMediumLE(address + index);
        }
        final ByteBuffer v = view();
        return Short.reverseBytes(v.getShort(index)) & 0xffff | (v.get(index + 2) & 0xff) << 16;
    }

    @Override
    protected int _getInt(final int index)
    {
        return unsafe ? UnsafeMemory.getInt(address + index) : view().getInt(index);
    }

    @Override
    protected int _getIntLE(final int index)
    {
        return unsafe ? UnsafeMemory.getIntLE(address + index) : Integer.reverseBytes(view().getInt(index));
    }

    @Override
    protected long _getLong(final int index)
    {
        return unsafe ? UnsafeMemory.getLong(address + index) : view().getLong(index);
    }

    @Override
    protected long _getLongLE(final int index)
    {
        return unsafe ? UnsafeMemory.getLongLE(address + index) : Long.reverseBytes(view().getLong(index));
    }

    @Override
    protected void _setByte(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setByte(address + index, value);
        }
        else
        {
            view().put(index, (byte)value);
        }
    }

    @Override
    protected void _setShort(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setShort(address + index, value);
        }
        else
        {
            view().putShort(index, (short)value);
        }
    }

    @Override
    protected void _setShortLE(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setShortLE(address + index, value);
        }
        else
        {
            view().putShort(index, Short.reverseBytes((short)value));
        }
    }

    @Override
    protected void _setMedium(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setMedium(address + index, value);
        }
        else
        {
            final ByteBuffer v = view();
            v.put(index, (byte)(value >>> 16));
            v.putShort(index + 1, (short)value);
        }
    }

    @Override
    protected void _setMediumLE(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setMediumLE(address + index, value);
        }
        else
        {
            final ByteBuffer v = view();
            v.putShort(index, Short.reverseBytes((short)value));
            v.put(index + 2, (byte)(value >>> 16));
        }
    }

    @Override
    protected void _setInt(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setInt(address + index, value);
        }
        else
        {
            view().putInt(index, value);
        }
    }

    @Override
    protected void _setIntLE(final int index, final int value)
    {
        if (unsafe)
        {
            UnsafeMemory.setIntLE(address + index, value);
        }
        else
        {
            view().putInt(index, Integer.reverseBytes(value));
        }
    }

    @Override
    protected void _setLong(final int index, final long value)
    {
        if (unsafe)
        {
            UnsafeMemory.setLong(address + index, value);
        }
        else
        {
            view().putLong(index, value);
        }
    }

    @Override
    protected void _setLongLE(final int index, final long value)
    {
        if (unsafe)
        {
            UnsafeMemory.setLongLE(address + index, value);
        }
        else
        {
            view().putLong(index, Long.reverseBytes(value));
        }
    }

    @Override
    public ByteBuf setZero(final int index, final int length)
    {
        if (!unsafe)
        {
            return super.setZero(index, length);
        }
        checkIndex(index, length);
        PlatformDependent.setMemory(address + index, length, (byte)0);
        return this;
    }

    // ------------------------------------------------------------------------------------------------ bulk out

    @Override
    public ByteBuf getBytes(final int index, final ByteBuf dst, final int dstIndex, final int length)
    {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (length == 0)
        {
            return this;
        }
        if (unsafe && dst.hasMemoryAddress())
        {
            PlatformDependent.copyMemory(address + index, dst.memoryAddress() + dstIndex, length);
        }
        else if (dst.hasArray())
        {
            getBytes(index, dst.array(), dst.arrayOffset() + dstIndex, length);
        }
        else if (!unsafe && copyThroughViews(index, dst, dstIndex, length, true))
        {
            return this;
        }
        else if (!unsafe && dst.nioBufferCount() > 0)
        {
            int at = index;
            for (final ByteBuffer part : dst.nioBuffers(dstIndex, length))
            {
                final int partBytes = part.remaining();
                getBytes(at, part);
                at += partBytes;
            }
        }
        else
        {
            dst.setBytes(dstIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final byte[] dst, final int dstIndex, final int length)
    {
        checkDstIndex(index, length, dstIndex, dst.length);
        if (unsafe)
        {
            PlatformDependent.copyMemory(address + index, dst, dstIndex, length);
        }
        else
        {
            view().get(index, dst, dstIndex, length);
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuffer dst)
    {
        final int length = dst.remaining();
        checkIndex(index, length);
        if (length == 0)
        {
            return this;
        }
        final int position = dst.position();
        if (unsafe && dst.hasArray())
        {
            PlatformDependent.copyMemory(address + index, dst.array(), dst.arrayOffset() + position, length);
        }
        else if (unsafe && dst.isDirect() && !dst.isReadOnly())
        {
            PlatformDependent.copyMemory(address + index, PlatformDependent.directBufferAddress(dst) + position, length);
        }
        else
        {
            dst.put(position, view(), index, length);
        }
        dst.position(position + length);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final OutputStream out, final int length) throws IOException
    {
        checkIndex(index, length);
        if (length == 0)
        {
            return this;
        }
        final byte[] chunk = new byte[Math.min(length, STREAM_CHUNK_BYTES)];
        int done = 0;
        while (done < length)
        {
            final int n = Math.min(chunk.length, length - done);
            getBytes(index + done, chunk, 0, n);
            out.write(chunk, 0, n);
            done += n;
        }
        return this;
    }

    @Override
    public int getBytes(final int index, final GatheringByteChannel out, final int length) throws IOException
    {
        checkIndex(index, length);
        return length == 0 ? 0 : out.write(duplicateRange(index, length));
    }

    @Override
    public int getBytes(final int index, final FileChannel out, final long position, final int length) throws IOException
    {
        checkIndex(index, length);
        return length == 0 ? 0 : out.write(duplicateRange(index, length), position);
    }

    @Override
    public int readBytes(final GatheringByteChannel out, final int length) throws IOException
    {
        checkReadableBytes(length);
        final int index = readerIndex();
        final int written = length == 0 ? 0 : out.write(internalNioBuffer(index, length));
        readerIndex(index + written);
        return written;
    }

    @Override
    public int readBytes(final FileChannel out, final long position, final int length) throws IOException
    {
        checkReadableBytes(length);
        final int index = readerIndex();
        final int written = length == 0 ? 0 : out.write(internalNioBuffer(index, length), position);
        readerIndex(index + written);
        return written;
    }

    /**
     * Copies between this buffer and another of this package through both views, without the garbage of
     * {@code nioBuffers}; the indices are checked already, against both buffers.
     *
     * @return false if {@code other} is not a buffer of this package.
     * @throws io.netty.util.IllegalReferenceCountException if {@code other} has been released.
     * @throws IndexOutOfBoundsException if {@code other} is derived and its root shrank below the range.
     */
    private boolean copyThroughViews(final int index, final ByteBuf other, final int otherIndex, final int length,
        final boolean toOther)
    {
        final NumaByteBuf otherRoot;
        final int otherOffset;
        if (other instanceof NumaByteBuf)
        {
            otherRoot = (NumaByteBuf)other;
            otherRoot.ensureAccessible();
            otherOffset = otherIndex;
        }
        else if (other instanceof NumaDerivedByteBuf)
        {
            // not through memoryAddress(), which a derived buffer has no more once its root shrank below it, even
            // where the range is still the root's
            final NumaDerivedByteBuf derived = (NumaDerivedByteBuf)other;
            otherOffset = derived.rootIndex(otherIndex, length);
            otherRoot = derived.root();
        }
        else
        {
            return false;
        }
        if (toOther)
        {
            otherRoot.view().put(otherOffset, view(), index, length);
        }
        else
        {
            view().put(index, otherRoot.view(), otherOffset, length);
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ bulk in

    @Override
    public ByteBuf setBytes(final int index, final ByteBuf src, final int srcIndex, final int length)
    {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (length == 0)
        {
            return this;
        }
        if (unsafe && src.hasMemoryAddress())
        {
            PlatformDependent.copyMemory(src.memoryAddress() + srcIndex, address + index, length);
        }
        else if (src.hasArray())
        {
            setBytes(index, src.array(), src.arrayOffset() + srcIndex, length);
        }
        else if (!unsafe && copyThroughViews(index, src, srcIndex, length, false))
        {
            return this;
        }
        else if (!unsafe && src.nioBufferCount() > 0)
        {
            int at = index;
            for (final ByteBuffer part : src.nioBuffers(srcIndex, length))
            {
                final int partBytes = part.remaining();
                setBytes(at, part);
                at += partBytes;
            }
        }
        else
        {
            src.getBytes(srcIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final byte[] src, final int srcIndex, final int length)
    {
        checkSrcIndex(index, length, srcIndex, src.length);
        if (unsafe)
        {
            PlatformDependent.copyMemory(src, srcIndex, address + index, length);
        }
        else
        {
            view().put(index, src, srcIndex, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuffer src)
    {
        final int length = src.remaining();
        checkIndex(index, length);
        if (length == 0)
        {
            return this;
        }
        final int position = src.position();
        if (unsafe && src.hasArray())
        {
            PlatformDependent.copyMemory(src.array(), src.arrayOffset() + position, address + index, length);
        }
        else if (unsafe && src.isDirect())
        {
            PlatformDependent.copyMemory(PlatformDependent.directBufferAddress(src) + position, address + index, length);
        }
        else
        {
            view().put(index, src, position, length);
        }
        src.position(position + length);
        return this;
    }

    @Override
    public int setBytes(final int index, final InputStream in, final int length) throws IOException
    {
        checkIndex(index, length);
        final byte[] chunk = new byte[Math.min(length, MAX_STREAM_READ_BYTES)];
        final int read = in.read(chunk, 0, chunk.length);
        if (read > 0)
        {
            setBytes(index, chunk, 0, read);
        }
        return read;
    }

    @Override
    public int setBytes(final int index, final ScatteringByteChannel in, final int length) throws IOException
    {
        checkIndex(index, length);
        try
        {
            return in.read(internalNioBuffer(index, length));
        }
        catch (final ClosedChannelException ex)
        {
            return -1;
        }
    }

    @Override
    public int setBytes(final int index, final FileChannel in, final long position, final int length) throws IOException
    {
        checkIndex(index, length);
        try
        {
            return in.read(internalNioBuffer(index, length), position);
        }
        catch (final ClosedChannelException ex)
        {
            return -1;
        }
    }
}
