package io.numaslab.allocator.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A retained slice or duplicate of a {@link NumaByteBuf}: its own indices and its own reference count, sharing the
 * root's memory. It holds one reference to its parent (the root, or the derived buffer it was taken from) and gives
 * it back when its own count reaches 0, so releasing the root first leaves it readable, and releasing it twice throws
 * without touching the root. Objects are recycled like the root's.
 * <p>
 * Memory is reached through the root at every access, so a duplicate stays right when the root's capacity grows and
 * its memory moves. A slice has a fixed capacity (its length); a duplicate follows the root's capacity.
 * {@link #internalNioBuffer} returns a new buffer on each call, as Netty's own derived buffers do, so that two derived
 * buffers written in one gathering write never share a ByteBuffer.
 * <p>
 * Leak reports go through the root's tracker: a derived buffer that is never released keeps its root from being
 * freed, and the root is reported when both are collected.
 */
final class NumaDerivedByteBuf extends LeakRecordingByteBuf
{
    /** The length of a duplicate: it follows the root's capacity. */
    static final int FOLLOWS_ROOT = -1;

    private static final BufferRecycler<NumaDerivedByteBuf> RECYCLER = new BufferRecycler<>(NumaDerivedByteBuf::new);

    private final BufferRecycler.Local<NumaDerivedByteBuf> home;
    private NumaByteBuf root;
    private ByteBuf parent;
    private int adjustment;
    private int length;

    private NumaDerivedByteBuf(final BufferRecycler.Local<NumaDerivedByteBuf> home)
    {
        super(0);
        this.home = home;
    }

    /**
     * Retains the parent and takes a pooled object over {@code [adjustment, adjustment + length)} of the root.
     *
     * @param root        the buffer that owns the memory.
     * @param parent      the buffer this one keeps alive: the root or a derived buffer of it.
     * @param adjustment  offset in the root of this buffer's index 0.
     * @param length      capacity of a slice, or {@link #FOLLOWS_ROOT} for a duplicate.
     * @param readerIndex initial reader index.
     * @param writerIndex initial writer index.
     * @param maxCapacity the maximum capacity.
     * @return a buffer with reference count 1.
     * @throws io.netty.util.IllegalReferenceCountException if the parent has been released.
     * @throws IndexOutOfBoundsException if the indices do not fit the capacity: a duplicate of a duplicate whose root
     *                                   shrank below its writer index, as Netty's own duplicate of one throws. Nothing
     *                                   stays retained then.
     */
    static NumaDerivedByteBuf newInstance(final NumaByteBuf root, final ByteBuf parent, final int adjustment,
        final int length, final int readerIndex, final int writerIndex, final int maxCapacity)
    {
        // Retained first, as Netty's pooled derived buffers do: a released parent throws before any work is done.
        parent.retain();
        final NumaDerivedByteBuf buf = RECYCLER.get();
        buf.root = root;
        buf.parent = parent;
        buf.adjustment = adjustment;
        buf.length = length;
        try
        {
            buf.maxCapacity(maxCapacity);
            buf.resetRefCnt();
            buf.setIndex(readerIndex, writerIndex);
        }
        catch (final Throwable ex)
        {
            // no one holds the half-made buffer, so no one would ever release the parent
            buf.root = null;
            buf.parent = null;
            buf.home.recycle(buf);
            parent.release();
            throw ex;
        }
        buf.markReaderIndex();
        buf.markWriterIndex();
        return buf;
    }

    @Override
    protected void deallocate()
    {
        final ByteBuf p = parent;
        root = null;
        parent = null;
        home.recycle(this);
        p.release();
    }

    private int idx(final int index)
    {
        return index + adjustment;
    }

    /**
     * The root index of a single-value access of {@code width} bytes, checked against the root as it is now: the
     * root may have shrunk into a smaller slot since this buffer was derived, and the root's unchecked accessors
     * would then reach whatever owns the memory past it.
     */
    private int idx(final int index, final int width)
    {
        final int i = index + adjustment;
        final NumaByteBuf r = root;
        if (i + width > r.capacity())
        {
            throw new IndexOutOfBoundsException("index " + index + " + " + width + " of a derived buffer is past " +
                "its root's capacity, " + r.capacity() + " bytes since it shrank, at offset " + adjustment);
        }
        return i;
    }

    /**
     * For a copy straight through the root's memory: the root index of a range already checked against this buffer.
     *
     * @param index  start of the range in this buffer.
     * @param length its length.
     * @return {@code index} in the root.
     * @throws io.netty.util.IllegalReferenceCountException if this buffer has been released.
     * @throws IndexOutOfBoundsException                    if the root shrank below the range.
     */
    int rootIndex(final int index, final int length)
    {
        ensureAccessible();
        return idx(index, length);
    }

    /** @return whether the root still holds all of this buffer: it may have shrunk since. */
    private boolean rootCoversThis()
    {
        final NumaByteBuf r = root;
        return r != null && adjustment + capacity() <= r.capacity();
    }

    /** @return the buffer that owns the memory; null once this buffer is freed. */
    NumaByteBuf root()
    {
        return root;
    }

    /** @return the offset in the root of this buffer's index 0. */
    int adjustment()
    {
        return adjustment;
    }

    @Override
    void recordLeak(final Object hint)
    {
        final NumaByteBuf r = root;
        if (r != null)
        {
            r.recordLeak(hint);
        }
    }

    // ------------------------------------------------------------------------------------------------ capacity

    @Override
    public int capacity()
    {
        if (length != FOLLOWS_ROOT)
        {
            return length;
        }
        final NumaByteBuf r = root;
        return r != null ? r.capacity() : 0;
    }

    @Override
    public ByteBuf capacity(final int newCapacity)
    {
        if (length != FOLLOWS_ROOT)
        {
            throw new UnsupportedOperationException("sliced buffer");
        }
        checkNewCapacity(newCapacity);
        root.capacity(newCapacity);
        return this;
    }

    // ------------------------------------------------------------------------------------------------ identity

    @Override
    public ByteBufAllocator alloc()
    {
        final NumaByteBuf r = root;
        return r != null ? r.alloc() : null;
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
        return root;
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
        // false once the root has shrunk below this buffer: a channel writing through the address would pass it
        return rootCoversThis();
    }

    @Override
    public long memoryAddress()
    {
        ensureAccessible();
        if (!rootCoversThis())
        {
            throw new UnsupportedOperationException("no memory address: the root buffer shrank to " +
                root.capacity() + " bytes, below this derived buffer's end (" + (adjustment + capacity()) + ")");
        }
        return root.memoryAddress() + adjustment;
    }

    // ------------------------------------------------------------------------------------------------ views

    @Override
    public int nioBufferCount()
    {
        return 1;
    }

    @Override
    public ByteBuffer nioBuffer(final int index, final int length)
    {
        checkIndex(index, length);
        return root.nioBuffer(idx(index), length);
    }

    @Override
    public ByteBuffer[] nioBuffers(final int index, final int length)
    {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    @Override
    public ByteBuffer internalNioBuffer(final int index, final int length)
    {
        return nioBuffer(index, length);
    }

    // ------------------------------------------------------------------------------------------------ derived

    @Override
    public ByteBuf retainedSlice()
    {
        return retainedSlice(readerIndex(), readableBytes());
    }

    @Override
    public ByteBuf retainedSlice(final int index, final int length)
    {
        checkIndex(index, length);
        return newInstance(root, this, idx(index), length, 0, length, length);
    }

    @Override
    public ByteBuf retainedDuplicate()
    {
        ensureAccessible();
        // this buffer's indices, as Netty's duplicates keep them; past a root that shrank, they throw as Netty's do
        return newInstance(root, this, adjustment, length, readerIndex(), writerIndex(), maxCapacity());
    }

    @Override
    public ByteBuf copy(final int index, final int length)
    {
        checkIndex(index, length);
        return root.copy(idx(index), length);
    }

    // ------------------------------------------------------------------------------------------------ primitives

    @Override
    protected byte _getByte(final int index)
    {
        return root._getByte(idx(index, 1));
    }

    @Override
    protected short _getShort(final int index)
    {
        return root._getShort(idx(index, 2));
    }

    @Override
    protected short _getShortLE(final int index)
    {
        return root._getShortLE(idx(index, 2));
    }

    @Override
    protected int _getUnsignedMedium(final int index)
    {
        return root._getUnsignedMedium(idx(index, 3));
    }

    @Override
    protected int _getUnsignedMediumLE(final int index)
    {
        return root._getUnsignedMediumLE(idx(index, 3));
    }

    @Override
    protected int _getInt(final int index)
    {
        return root._getInt(idx(index, 4));
    }

    @Override
    protected int _getIntLE(final int index)
    {
        return root._getIntLE(idx(index, 4));
    }

    @Override
    protected long _getLong(final int index)
    {
        return root._getLong(idx(index, 8));
    }

    @Override
    protected long _getLongLE(final int index)
    {
        return root._getLongLE(idx(index, 8));
    }

    @Override
    protected void _setByte(final int index, final int value)
    {
        root._setByte(idx(index, 1), value);
    }

    @Override
    protected void _setShort(final int index, final int value)
    {
        root._setShort(idx(index, 2), value);
    }

    @Override
    protected void _setShortLE(final int index, final int value)
    {
        root._setShortLE(idx(index, 2), value);
    }

    @Override
    protected void _setMedium(final int index, final int value)
    {
        root._setMedium(idx(index, 3), value);
    }

    @Override
    protected void _setMediumLE(final int index, final int value)
    {
        root._setMediumLE(idx(index, 3), value);
    }

    @Override
    protected void _setInt(final int index, final int value)
    {
        root._setInt(idx(index, 4), value);
    }

    @Override
    protected void _setIntLE(final int index, final int value)
    {
        root._setIntLE(idx(index, 4), value);
    }

    @Override
    protected void _setLong(final int index, final long value)
    {
        root._setLong(idx(index, 8), value);
    }

    @Override
    protected void _setLongLE(final int index, final long value)
    {
        root._setLongLE(idx(index, 8), value);
    }

    @Override
    public ByteBuf setZero(final int index, final int length)
    {
        checkIndex(index, length);
        root.setZero(idx(index), length);
        return this;
    }

    // ------------------------------------------------------------------------------------------------ bulk

    @Override
    public ByteBuf getBytes(final int index, final ByteBuf dst, final int dstIndex, final int length)
    {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        root.getBytes(idx(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final byte[] dst, final int dstIndex, final int length)
    {
        checkDstIndex(index, length, dstIndex, dst.length);
        root.getBytes(idx(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuffer dst)
    {
        checkIndex(index, dst.remaining());
        root.getBytes(idx(index), dst);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final OutputStream out, final int length) throws IOException
    {
        checkIndex(index, length);
        root.getBytes(idx(index), out, length);
        return this;
    }

    @Override
    public int getBytes(final int index, final GatheringByteChannel out, final int length) throws IOException
    {
        checkIndex(index, length);
        return root.getBytes(idx(index), out, length);
    }

    @Override
    public int getBytes(final int index, final FileChannel out, final long position, final int length) throws IOException
    {
        checkIndex(index, length);
        return root.getBytes(idx(index), out, position, length);
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuf src, final int srcIndex, final int length)
    {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        root.setBytes(idx(index), src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final byte[] src, final int srcIndex, final int length)
    {
        checkSrcIndex(index, length, srcIndex, src.length);
        root.setBytes(idx(index), src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuffer src)
    {
        checkIndex(index, src.remaining());
        root.setBytes(idx(index), src);
        return this;
    }

    @Override
    public int setBytes(final int index, final InputStream in, final int length) throws IOException
    {
        checkIndex(index, length);
        return root.setBytes(idx(index), in, length);
    }

    @Override
    public int setBytes(final int index, final ScatteringByteChannel in, final int length) throws IOException
    {
        checkIndex(index, length);
        return root.setBytes(idx(index), in, length);
    }

    @Override
    public int setBytes(final int index, final FileChannel in, final long position, final int length) throws IOException
    {
        checkIndex(index, length);
        return root.setBytes(idx(index), in, position, length);
    }
}
