package io.numaslab.bench.c1000k;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one allocator achieved in the many-connection run, as one JSON line between the child process that ran it
 * and the parent that compares them.
 *
 * @param allocator              the allocator's name.
 * @param transport              epoll or nio.
 * @param connectionsAsked       connections the run tried to hold.
 * @param connectionsHeld        connections open at the end of the load phase.
 * @param connectSeconds         time to open them.
 * @param messagesPerSecond      echoed messages per second during the load phase.
 * @param p50Micros              median round trip of a message, in microseconds.
 * @param p99Micros              99th percentile round trip, in microseconds.
 * @param rssBytes               process resident memory with every connection open.
 * @param rssPerConnectionBytes  growth of resident memory from before the connections, per connection.
 * @param directBytes            direct memory the allocator reports in use.
 * @param directPerConnectionBytes that divided by the connections held.
 * @param perNodeUsedBytes       bytes used per NUMA node (numaslab's JMX), empty for other allocators.
 * @param limit                  what stopped it short, or "" if nothing did.
 */
public record RunResult(String allocator, String transport, int connectionsAsked, int connectionsHeld,
    double connectSeconds, double messagesPerSecond, double p50Micros, double p99Micros, long rssBytes,
    long rssPerConnectionBytes, long directBytes, long directPerConnectionBytes, Map<Integer, Long> perNodeUsedBytes,
    String limit)
{
    /**
     * @param asked the connections the user asked for.
     * @param why   what held the run below that.
     * @return this result, saying it was capped.
     */
    public RunResult withLimit(final int asked, final String why)
    {
        return new RunResult(allocator, transport, asked, connectionsHeld, connectSeconds, messagesPerSecond, p50Micros,
            p99Micros, rssBytes, rssPerConnectionBytes, directBytes, directPerConnectionBytes, perNodeUsedBytes, why);
    }

    /** @return this result as one line of JSON. */
    public String toJson()
    {
        final StringBuilder nodes = new StringBuilder("{");
        perNodeUsedBytes.forEach((n, b) -> nodes.append(nodes.length() > 1 ? "," : "").append('"').append(n).append("\":").append(b));
        nodes.append('}');
        return String.format(Locale.ROOT, "{\"allocator\":\"%s\",\"transport\":\"%s\",\"connectionsAsked\":%d," +
            "\"connectionsHeld\":%d,\"connectSeconds\":%.2f,\"messagesPerSecond\":%.0f,\"p50Micros\":%.1f," +
            "\"p99Micros\":%.1f,\"rssBytes\":%d,\"rssPerConnectionBytes\":%d,\"directBytes\":%d," +
            "\"directPerConnectionBytes\":%d,\"perNodeUsedBytes\":%s,\"limit\":\"%s\"}",
            allocator, transport, connectionsAsked, connectionsHeld, connectSeconds, messagesPerSecond, p50Micros,
            p99Micros, rssBytes, rssPerConnectionBytes, directBytes, directPerConnectionBytes, nodes,
            limit.replace("\\", "\\\\").replace("\"", "'"));
    }

    /**
     * Reads a line written by {@link #toJson()}.
     *
     * @param json the line.
     * @return the result.
     */
    public static RunResult fromJson(final String json)
    {
        final Map<Integer, Long> nodes = new TreeMap<>();
        final String nodeJson = field(json, "perNodeUsedBytes", true);
        for (final String pair : nodeJson.replaceAll("[{}\"]", "").split(","))
        {
            if (!pair.isBlank())
            {
                final String[] kv = pair.split(":");
                nodes.put(Integer.parseInt(kv[0].trim()), Long.parseLong(kv[1].trim()));
            }
        }
        return new RunResult(field(json, "allocator", false), field(json, "transport", false),
            (int)num(json, "connectionsAsked"), (int)num(json, "connectionsHeld"), num(json, "connectSeconds"),
            num(json, "messagesPerSecond"), num(json, "p50Micros"), num(json, "p99Micros"), (long)num(json, "rssBytes"),
            (long)num(json, "rssPerConnectionBytes"), (long)num(json, "directBytes"),
            (long)num(json, "directPerConnectionBytes"), nodes, field(json, "limit", false));
    }

    private static double num(final String json, final String name)
    {
        return Double.parseDouble(field(json, name, true));
    }

    private static String field(final String json, final String name, final boolean raw)
    {
        final String key = "\"" + name + "\":";
        final int start = json.indexOf(key) + key.length();
        if (start < key.length())
        {
            throw new IllegalArgumentException("no field " + name + " in " + json);
        }
        if (raw)
        {
            if (json.charAt(start) == '{')
            {
                return json.substring(start, json.indexOf('}', start) + 1);
            }
            int end = start;
            while (end < json.length() && ",}".indexOf(json.charAt(end)) < 0)
            {
                end++;
            }
            return json.substring(start, end);
        }
        return json.substring(start + 1, json.indexOf('"', start + 1));
    }
}
