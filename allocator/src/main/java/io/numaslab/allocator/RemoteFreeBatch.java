package io.numaslab.allocator;

/**
 * Addresses freed by threads of other nodes, on their way home to the arena that owns them: filled by one
 * thread, passed whole through the arena's MPSC queue, emptied by the arena, then recycled.
 */
final class RemoteFreeBatch
{
    /** Addresses per batch: one queue operation per this many remote frees. */
    static final int CAPACITY = 64;

    final long[] addresses = new long[CAPACITY];
    int count;
    long bytes;
}
