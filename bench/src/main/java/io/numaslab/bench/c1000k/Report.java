package io.numaslab.bench.c1000k;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The many-connection runs side by side, as Markdown. */
final class Report
{
    private Report()
    {
    }

    static String markdown(final List<RunResult> runs, final int connections, final int seconds)
    {
        final StringBuilder out = new StringBuilder();
        out.append("# Many-connection run\n\n");
        out.append(String.format(Locale.ROOT, "`./numaslab c1000k --connections %d --seconds %d` on %s: a Netty echo " +
            "server and its load generator in one process on loopback, %d connections asked, 20%% of them " +
            "sending a 64-byte message each second, a 256-byte session record per connection end from the " +
            "allocator under test; each allocator in its own JVM.%n%n", connections, seconds,
            java.time.LocalDate.now(), connections));
        out.append("| allocator | transport | connections held | connect (s) | messages/s | p50 (µs) | p99 (µs) | " +
            "RSS (MiB) | RSS growth per connection (B) | direct memory per connection (B) | numaslab used per node (MiB) | limit hit |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (final RunResult r : runs)
        {
            final StringBuilder nodes = new StringBuilder();
            r.perNodeUsedBytes().forEach((n, b) -> nodes.append(nodes.length() > 0 ? ", " : "").append("node ")
                .append(n).append(": ").append(String.format(Locale.ROOT, "%.1f", b / 1048576.0)));
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.0f | %.0f | %.0f | %d | %d | %d | %s | %s |%n",
                r.allocator(), r.transport(), r.connectionsHeld(), r.connectSeconds(), r.messagesPerSecond(),
                r.p50Micros(), r.p99Micros(), r.rssBytes() >> 20, r.rssPerConnectionBytes(),
                r.directPerConnectionBytes(), nodes.length() == 0 ? "" : nodes, shortLimit(r.limit())));
        }
        final java.util.Set<String> limits = new java.util.LinkedHashSet<>();
        runs.stream().map(RunResult::limit).filter(l -> !l.isEmpty()).forEach(limits::add);
        if (!limits.isEmpty())
        {
            out.append("\nLimits hit:\n");
            limits.forEach(l -> out.append("- ").append(l).append('\n'));
        }
        final Optional<RunResult> numaslab = runs.stream().filter(r -> r.allocator().equals("numaslab")).findFirst();
        if (numaslab.isPresent() && numaslab.get().connectionsHeld() > 0)
        {
            out.append('\n');
            for (final RunResult other : runs)
            {
                if (other != numaslab.get() && other.connectionsHeld() > 0)
                {
                    out.append(String.format(Locale.ROOT, "- RSS growth per connection, %s / numaslab: %.2fx; " +
                        "direct memory per connection, %s / numaslab: %.2fx%n", other.allocator(),
                        ratio(other.rssPerConnectionBytes(), numaslab.get().rssPerConnectionBytes()), other.allocator(),
                        ratio(other.directPerConnectionBytes(), numaslab.get().directPerConnectionBytes())));
                }
            }
        }
        out.append("\nTarget on the 2-core, 24 GiB machine: 1,000,000 connections held with 200,000 messages/s and " +
            "less memory per connection than Netty's allocators.\n");
        return out.toString();
    }

    private static String shortLimit(final String limit)
    {
        final int paren = limit.indexOf(" (");
        return limit.isEmpty() ? "none" : paren > 0 ? limit.substring(0, paren) : limit;
    }

    private static double ratio(final long a, final long b)
    {
        return b <= 0 ? Double.NaN : (double)a / b;
    }
}
