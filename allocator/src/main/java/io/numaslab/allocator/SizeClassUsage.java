package io.numaslab.allocator;

import java.beans.ConstructorProperties;

/**
 * One size class of one node, as JMX shows it: slots handed out of its slabs (to callers or thread caches)
 * and slots free in its slabs.
 */
public final class SizeClassUsage
{
    private final int classIndex;
    private final int sizeBytes;
    private final long usedSlots;
    private final long freeSlots;

    /**
     * @param classIndex the size class.
     * @param sizeBytes  its slot size.
     * @param usedSlots  slots taken from its slabs (held by callers or thread caches).
     * @param freeSlots  slots free in its slabs.
     */
    @ConstructorProperties({"classIndex", "sizeBytes", "usedSlots", "freeSlots"})
    public SizeClassUsage(final int classIndex, final int sizeBytes, final long usedSlots, final long freeSlots)
    {
        this.classIndex = classIndex;
        this.sizeBytes = sizeBytes;
        this.usedSlots = usedSlots;
        this.freeSlots = freeSlots;
    }

    /** @return the size class index. */
    public int getClassIndex()
    {
        return classIndex;
    }

    /** @return the slot size in bytes. */
    public int getSizeBytes()
    {
        return sizeBytes;
    }

    /** @return slots taken from the slabs: held by callers or thread caches. */
    public long getUsedSlots()
    {
        return usedSlots;
    }

    /** @return slots free in the slabs. */
    public long getFreeSlots()
    {
        return freeSlots;
    }
}
