package io.numaslab.bench.tlb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RandomReadStreamTest
{
    private static final long SIZE_BYTES = 64 * 1024;

    @Test
    void theUnrolledLoopLoadsTheSameLinesInTheSameOrderAsOneLoadAtATime()
    {
        final long address = UnsafeMemory.allocate(SIZE_BYTES);
        try
        {
            // Each line holds a value that says which line it is, so the checksum says which lines were loaded.
            for (long line = 0; line < SIZE_BYTES / AccessPattern.LINE_BYTES; line++)
            {
                UnsafeMemory.putLong(address + line * AccessPattern.LINE_BYTES, line * line + 7);
            }
            final RandomReadStream stream = new RandomReadStream(address, SIZE_BYTES, 42);
            final int shift = 64 - Long.numberOfTrailingZeros(SIZE_BYTES / AccessPattern.LINE_BYTES);
            long state = 42 | 1;
            long expected = 0;
            // Counts below, at and above the unrolling and the inner loop's block, and calls that must carry the sequence on.
            for (final int accesses : new int[] {0, 1, 3, 4, 5, 8, 17, 1000, 2, 1024, 1023, 1025, 3000})
            {
                for (int i = 0; i < accesses; i++)
                {
                    state *= RandomReadStream.MULTIPLIER;
                    final long line = state >>> shift;
                    expected += line * line + 7;
                }
                stream.read(accesses);
                assertEquals(expected, stream.checksum(), "after a call of " + accesses + " accesses");
            }
        }
        finally
        {
            UnsafeMemory.free(address);
        }
    }

    @Test
    void aWorkingSetThatIsNotAPowerOfTwoIsRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> new RandomReadStream(4096, 3 * 4096, 1));
        assertThrows(IllegalArgumentException.class, () -> new RandomReadStream(4096, 64, 1));
    }
}
