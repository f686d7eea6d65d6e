package io.numaslab.bench.tlb;

import java.util.Locale;

/** Sizes on the command line: {@code 64M}, {@code 1G}, {@code 512MiB}, {@code 4096} (bytes), binary units. */
public final class ByteSizes
{
    private ByteSizes()
    {
    }

    /**
     * @param text a number with an optional unit K, M, G, T (or KiB, MiB, GiB, TiB; case ignored), binary.
     * @return the size in bytes.
     * @throws IllegalArgumentException if the text is not such a size, or overflows.
     */
    public static long parse(final String text)
    {
        final String t = text.strip().toUpperCase(Locale.ROOT).replace("IB", "").replaceAll("B$", "");
        if (t.isEmpty())
        {
            throw new IllegalArgumentException("empty size");
        }
        final char last = t.charAt(t.length() - 1);
        final int shift = last == 'K' ? 10 : last == 'M' ? 20 : last == 'G' ? 30 : last == 'T' ? 40 : 0;
        final String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        try
        {
            final long value = Long.parseLong(digits.strip());
            if (value < 0 || (shift > 0 && value > (Long.MAX_VALUE >> shift)))
            {
                throw new IllegalArgumentException("size out of range: " + text);
            }
            return value << shift;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a size: '" + text + "' (examples: 64M, 1G, 4096)", ex);
        }
    }
}
