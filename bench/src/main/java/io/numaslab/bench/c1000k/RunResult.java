package io.numaslab.bench.c1000k;

import java.util.Locale;
import java.util.Map;

/**
 * What one allocator achieved in the many-connection run; one line of c1000k.json.
 *
 * @param allocator              the allocator's name.
 * @param transport              epoll or nio.
 * @param connectionsAsked       connections the run tried to hold.
 * @param connectionsHeld        connections open in the server process at the end of the load phase.
 * @param generators             load generator processes that held the client ends.
 * @param connectSeconds         time to open them (the slowest load generator).
 * @param messagesPerSecond      echoed messages per second during the load phase, all generators; -1 if no load.
 * @param sentPerSecond          messages per second due and sent in that phase (below the rate asked for only if the
 *                               generators could not keep up); -1 if no load.
 * @param p50Micros              median round trip of a message, in microseconds, all generators.
 * @param p99Micros              99th percentile round trip, in microseconds.
 * @param rssBytes               the server process's resident memory with every connection open.
 * @param rssPerConnectionBytes  growth of the server's resident memory from before the connections, per connection.
 * @param directBytes            direct memory the allocator under test holds from the OS in the server (see
 *                               BenchAllocators.directMemoryHeld).
 * @param directPerConnectionBytes that divided by the connections held: for few connections, mostly what the
 *                               allocator holds before any (its first chunks).
 * @param directGrowthPerConnectionBytes its growth from before the first connection, per connection held; -1 if the
 *                               allocator does not say.
 * @param perNodeUsedBytes       bytes used per NUMA node (numaslab's JMX), empty for other allocators.
 * @param cpu                    how the machine's CPU time was shared during the measured load (every process's,
 *                               not only the server's); {@link CpuTimes.Share#UNKNOWN} if no load or not Linux.
 * @param limit                  what stopped it short, or "" if nothing did.
 */
public record RunResult(String allocator, String transport, int connectionsAsked, int connectionsHeld,
    int generators, double connectSeconds, double messagesPerSecond, double sentPerSecond, double p50Micros,
    double p99Micros, long rssBytes,
    long rssPerConnectionBytes, long directBytes, long directPerConnectionBytes, long directGrowthPerConnectionBytes,
    Map<Integer, Long> perNodeUsedBytes, CpuTimes.Share cpu, String limit)
{
    /**
     * @param asked the connections the user asked for.
     * @param why   what held the run below that.
     * @return this result, saying it was capped.
     */
    public RunResult withLimit(final int asked, final String why)
    {
        return new RunResult(allocator, transport, asked, connectionsHeld, generators, connectSeconds, messagesPerSecond,
            sentPerSecond, p50Micros,
            p99Micros, rssBytes, rssPerConnectionBytes, directBytes, directPerConnectionBytes, directGrowthPerConnectionBytes,
            perNodeUsedBytes, cpu, why);
    }

    /** @return this result as one line of JSON. */
    public String toJson()
    {
        final StringBuilder nodes = new StringBuilder("{");
        perNodeUsedBytes.forEach((n, b) -> nodes.append(nodes.length() > 1 ? "," : "").append('"').append(n).append("\":").append(b));
        nodes.append('}');
        return String.format(Locale.ROOT, "{\"allocator\":\"%s\",\"transport\":\"%s\",\"connectionsAsked\":%d," +
            "\"connectionsHeld\":%d,\"generators\":%d,\"connectSeconds\":%.2f,\"messagesPerSecond\":%.0f,\"sentPerSecond\":%.0f," +
            "\"p50Micros\":%.1f," +
            "\"p99Micros\":%.1f,\"rssBytes\":%d,\"rssPerConnectionBytes\":%d,\"directBytes\":%d," +
            "\"directPerConnectionBytes\":%d,\"directGrowthPerConnectionBytes\":%d,\"perNodeUsedBytes\":%s," +
            "\"cpu\":%s,\"limit\":\"%s\"}",
            allocator, transport, connectionsAsked, connectionsHeld, generators, connectSeconds, messagesPerSecond,
            sentPerSecond, p50Micros,
            p99Micros, rssBytes, rssPerConnectionBytes, directBytes, directPerConnectionBytes, directGrowthPerConnectionBytes,
            nodes, cpu.known() ? cpu.toJson() : "null",
            limit.replace("\\", "\\\\").replace("\"", "'"));
    }
}
