package io.numaslab.allocator.netty;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;

/**
 * The reference-count and touch methods of numaslab's buffers, each recording the access for Netty's leak report
 * before doing its work. Subclasses say where the record goes ({@link #recordLeak(Object)}): a root buffer to its
 * own tracker, a derived buffer to its root's.
 */
abstract class LeakRecordingByteBuf extends AbstractReferenceCountedByteBuf
{
    LeakRecordingByteBuf(final int maxCapacity)
    {
        super(maxCapacity);
    }

    /**
     * Records an access for the leak report (at ADVANCED and PARANOID; nothing otherwise).
     *
     * @param hint what to show in the report, or null for the stack trace alone.
     */
    abstract void recordLeak(Object hint);

    @Override
    public ByteBuf retain()
    {
        recordLeak(null);
        return super.retain();
    }

    @Override
    public ByteBuf retain(final int increment)
    {
        recordLeak(null);
        return super.retain(increment);
    }

    @Override
    public boolean release()
    {
        recordLeak(null);
        return super.release();
    }

    @Override
    public boolean release(final int decrement)
    {
        recordLeak(null);
        return super.release(decrement);
    }

    @Override
    public ByteBuf touch()
    {
        recordLeak(null);
        return this;
    }

    @Override
    public ByteBuf touch(final Object hint)
    {
        recordLeak(hint);
        return this;
    }
}
