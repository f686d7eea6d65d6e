package io.numaslab.bench.c1000k;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;

/**
 * The one-line replies the child JVMs of the many-connection run send their parent: space-separated fields, text
 * and histograms in Base64 so that a line stays one line.
 */
final class Replies
{
    private Replies()
    {
    }

    /**
     * The server's memory while it holds the connections (reply to MEASURE).
     *
     * @param transport        epoll or nio.
     * @param connections      server ends open.
     * @param rssBeforeBytes   the server's RSS before the first connection.
     * @param rssBytes         its RSS now.
     * @param directBytes      direct memory the allocator under test holds from the OS, -1 if it does not say.
     * @param directBeforeBytes the same before the first connection (its allocator set up on every event loop).
     * @param perNodeUsedBytes numaslab's bytes in use per node (JMX), empty for other allocators.
     * @param acceptFailure    the first accept error and how many there were, or "".
     */
    record Measured(String transport, int connections, long rssBeforeBytes, long rssBytes, long directBytes,
        long directBeforeBytes, Map<Integer, Long> perNodeUsedBytes, String acceptFailure)
    {
        String toLine()
        {
            final StringBuilder nodes = new StringBuilder();
            perNodeUsedBytes.forEach((n, b) -> nodes.append(nodes.length() > 0 ? "," : "").append(n).append('=').append(b));
            return transport + " " + connections + " " + rssBeforeBytes + " " + rssBytes + " " + directBytes + " " +
                directBeforeBytes + " " + (nodes.length() == 0 ? "-" : nodes) + " " + text(acceptFailure);
        }

        static Measured fromLine(final String line)
        {
            final String[] f = line.split(" ");
            final Map<Integer, Long> nodes = new TreeMap<>();
            if (!f[6].equals("-"))
            {
                for (final String pair : f[6].split(","))
                {
                    final String[] kv = pair.split("=");
                    nodes.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
                }
            }
            return new Measured(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]), nodes, untext(f[7]));
        }
    }

    /**
     * A load generator's connect phase (reply once its connections are open, or it gave up).
     *
     * @param connections client ends open.
     * @param seconds     time it took.
     * @param limit       what stopped it short, or "".
     */
    record Connected(int connections, double seconds, String limit)
    {
        String toLine()
        {
            return connections + " " + seconds + " " + text(limit);
        }

        static Connected fromLine(final String line)
        {
            final String[] f = line.split(" ");
            return new Connected(Integer.parseInt(f[0]), Double.parseDouble(f[1]), untext(f[2]));
        }
    }

    /**
     * A load generator's load phase (reply to STOP).
     *
     * @param connections client ends still open.
     * @param sent        messages due and sent in the measured window.
     * @param received    echoes received in the measured window.
     * @param seconds     length of that window.
     * @param latency     round trips in that window, in nanoseconds.
     */
    record Loaded(int connections, long sent, long received, double seconds, Histogram latency)
    {
        String toLine()
        {
            final ByteBuffer buffer = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
            final int length = latency.encodeIntoCompressedByteBuffer(buffer);
            return connections + " " + sent + " " + received + " " + seconds + " " +
                Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
        }

        static Loaded fromLine(final String line)
        {
            final String[] f = line.split(" ");
            try
            {
                return new Loaded(Integer.parseInt(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Double.parseDouble(f[3]),
                    Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(f[4])), 0));
            }
            catch (final DataFormatException ex)
            {
                throw new IllegalArgumentException("bad latency histogram in " + line, ex);
            }
        }
    }

    private static String text(final String s)
    {
        return s.isEmpty() ? "-" : Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String untext(final String s)
    {
        return s.equals("-") ? "" : new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
