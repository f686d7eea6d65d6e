package io.numaslab.slab;

/**
 * Thrown when {@link SlabHeap#free(long)} is given an address that is not the start of a live allocation of that
 * heap: an address in no chunk of the heap, an interior pointer, or one already freed. The message names the
 * address in hex and what is wrong with it, for example
 * {@code free(0x7f0000010020): not the start of a 48-byte slot (interior pointer); nothing was freed}.
 * When it is thrown the heap is unchanged.
 */
public final class InvalidFreeException extends IllegalArgumentException
{
    /** Version of the serialized form. */
    private static final long serialVersionUID = 1L;

    /** The address given to {@code free}; serialized with the message. */
    private final long address;

    /**
     * Creates the exception.
     *
     * @param address the address given to {@code free}
     * @param problem what is wrong with it, without the address (e.g. "already free (double free)")
     */
    public InvalidFreeException(final long address, final String problem)
    {
        super("free(0x" + Long.toHexString(address) + "): " + problem + "; nothing was freed");
        this.address = address;
    }

    /** {@return the address that was given to {@code free}} */
    public long address()
    {
        return address;
    }
}
