package io.numaslab.bench.locality;

import io.numaslab.bench.tlb.UnsafeMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SequentialReaderTest
{
    @Test
    void sumsEveryLongOfBlocksAndTheTail()
    {
        final long sizeBytes = (1L << 20) * 2 + 8 * 5;
        final long address = UnsafeMemory.allocate(sizeBytes);
        try
        {
            long expected = 0;
            for (long i = 0; i < sizeBytes / 8; i++)
            {
                UnsafeMemory.putLong(address + 8 * i, i * 3 + 1);
                expected += i * 3 + 1;
            }
            assertEquals(expected, SequentialReader.sum(address, sizeBytes));
            assertEquals(1 + 4 + 7, SequentialReader.sum(address, 24));
            assertEquals(0, SequentialReader.sum(address, 0));
        }
        finally
        {
            UnsafeMemory.free(address);
        }
    }

    @Test
    void aLengthThatIsNotWholeLongsIsRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> SequentialReader.sum(0, 12));
    }
}
