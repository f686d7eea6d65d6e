package io.numaslab.numa;

/**
 * The calling thread's memory policy as {@code get_mempolicy} reports it.
 *
 * @param policy the mode.
 * @param nodes  the nodes of the policy's mask, ascending; empty for DEFAULT and LOCAL.
 */
public record ThreadMemoryPolicy(MemoryPolicy policy, int[] nodes)
{
    /** Copies the nodes so the record stays immutable. */
    public ThreadMemoryPolicy
    {
        nodes = nodes.clone();
    }

    @Override
    public int[] nodes()
    {
        return nodes.clone();
    }

    @Override
    public String toString()
    {
        return policy + (nodes.length > 0 ? " nodes " + CpuList.format(nodes) : "");
    }
}
