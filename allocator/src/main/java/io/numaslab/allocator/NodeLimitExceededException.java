package io.numaslab.allocator;

/**
 * The node's byte limit ({@link NumaAllocator.Builder#bytesLimitPerNode(long)}) would be passed by the
 * allocation. Names the node, the request, the bytes mapped and the limit.
 */
public final class NodeLimitExceededException extends AllocationFailedException
{
    private static final long serialVersionUID = 1L;

    private final long mappedBytes;
    private final long limitBytes;

    /**
     * @param node           the node.
     * @param requestedBytes the size asked for.
     * @param mappedBytes    bytes the node's arena has mapped now.
     * @param usedBytes      bytes handed out to callers now.
     * @param limitBytes     the node's limit.
     */
    public NodeLimitExceededException(
        final int node, final long requestedBytes, final long mappedBytes, final long usedBytes, final long limitBytes)
    {
        super(node, requestedBytes, "node " + node + ": cannot allocate " + requestedBytes + " bytes: " + usedBytes +
            " bytes used, " + mappedBytes + " bytes mapped, limit " + limitBytes + " bytes");
        this.mappedBytes = mappedBytes;
        this.limitBytes = limitBytes;
    }

    /** @return bytes the node's arena had mapped when the allocation failed. */
    public long mappedBytes()
    {
        return mappedBytes;
    }

    /** @return the node's limit in bytes. */
    public long limitBytes()
    {
        return limitBytes;
    }
}
