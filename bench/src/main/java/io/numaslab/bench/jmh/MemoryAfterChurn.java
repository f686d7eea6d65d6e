package io.numaslab.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.numaslab.allocator.netty.NumaByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Memory an allocator still holds after a churn phase: 200,000 allocations of the server-like size mix with a
 * sliding window of 5,000 live buffers, then everything released. Reports what each allocator says it holds
 * (numaslab: bytes of mapped regions; Netty: {@code usedDirectMemory}, its chunks), at the peak and after the
 * release (and, for numaslab, after its caches are trimmed). Each allocator runs in this process one after
 * the other, so process RSS is left to the many-connection run, which gives each its own JVM.
 */
public final class MemoryAfterChurn
{
    private static final int ALLOCATIONS = 200_000;
    private static final int WINDOW = 5_000;

    private MemoryAfterChurn()
    {
    }

    /** One allocator's figures. */
    record Row(String allocator, long liveBytesAtPeak, long heldAtPeak, long heldAfterRelease, long heldAfterTrim)
    {
    }

    /**
     * @return the Markdown table of every allocator in {@link BenchAllocators#NAMES} but unpooled.
     */
    public static String run()
    {
        final List<Row> rows = new ArrayList<>();
        for (final String name : BenchAllocators.NAMES)
        {
            if (!name.equals("unpooled"))
            {
                rows.add(churn(name));
            }
        }
        final StringBuilder out = new StringBuilder();
        out.append("| allocator | live bytes at peak | held at peak (MiB) | held after release (MiB) | held after trim (MiB) |\n");
        out.append("|---|---:|---:|---:|---:|\n");
        for (final Row r : rows)
        {
            out.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f |%n", r.allocator(), r.liveBytesAtPeak(),
                r.heldAtPeak() / 1048576.0, r.heldAfterRelease() / 1048576.0, r.heldAfterTrim() / 1048576.0));
        }
        return out.toString();
    }

    private static Row churn(final String name)
    {
        final ByteBufAllocator alloc = BenchAllocators.create(name);
        try
        {
            final int[] mix = BenchAllocators.sizeMix(ALLOCATIONS, 7);
            final ByteBuf[] window = new ByteBuf[WINDOW];
            long live = 0;
            long peakLive = 0;
            long peakHeld = 0;
            for (int i = 0; i < ALLOCATIONS; i++)
            {
                final int slot = i % WINDOW;
                if (window[slot] != null)
                {
                    live -= window[slot].capacity();
                    window[slot].release();
                }
                window[slot] = alloc.directBuffer(mix[i]);
                live += mix[i];
                peakLive = Math.max(peakLive, live);
                if ((i & 1023) == 0)
                {
                    peakHeld = Math.max(peakHeld, BenchAllocators.directMemoryHeld(alloc));
                }
            }
            for (final ByteBuf buf : window)
            {
                if (buf != null)
                {
                    buf.release();
                }
            }
            final long afterRelease = BenchAllocators.directMemoryHeld(alloc);
            if (alloc instanceof NumaByteBufAllocator)
            {
                ((NumaByteBufAllocator)alloc).numaAllocator().trimCurrentThreadCache();
                ((NumaByteBufAllocator)alloc).numaAllocator().maintainNow();
            }
            return new Row(name, peakLive, peakHeld, afterRelease, BenchAllocators.directMemoryHeld(alloc));
        }
        finally
        {
            BenchAllocators.close(alloc);
        }
    }

    /** @param args none. */
    public static void main(final String[] args)
    {
        System.out.print(run());
    }
}
