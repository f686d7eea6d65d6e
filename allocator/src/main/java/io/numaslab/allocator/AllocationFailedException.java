package io.numaslab.allocator;

/**
 * An allocation could not be served: the node's memory (or its byte limit) is exhausted, or no region could
 * be mapped. The allocator is unchanged and stays usable; the message names the node, the request and why.
 */
public class AllocationFailedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int node;
    private final long requestedBytes;

    /**
     * @param node           the node the allocation was for.
     * @param requestedBytes the size asked for.
     * @param message        the whole message.
     */
    public AllocationFailedException(final int node, final long requestedBytes, final String message)
    {
        super(message);
        this.node = node;
        this.requestedBytes = requestedBytes;
    }

    /** @return the node the allocation was for. */
    public int node()
    {
        return node;
    }

    /** @return the size asked for, in bytes. */
    public long requestedBytes()
    {
        return requestedBytes;
    }
}
