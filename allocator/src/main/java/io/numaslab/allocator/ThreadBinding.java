package io.numaslab.allocator;

/** How a thread came to use the arena of its node. */
public enum ThreadBinding
{
    /** Set by {@link NumaAllocator#bindCurrentThread(int)}. */
    EXPLICIT,
    /** The thread's CPU affinity holds CPUs of one node only (OpenHFT affinity, {@link NodeAffinity}, taskset). */
    PINNED,
    /** The node of the CPU the thread ran on at its first allocation ({@code getcpu}), kept from then on. */
    FIRST_CPU,
    /** The thread's node has no arena in this allocator; the nearest node by distance is used. */
    NEAREST
}
