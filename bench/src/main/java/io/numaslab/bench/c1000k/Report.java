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

    /** Idle time below which a run's CPUs count as saturated: the machine, not the rate asked for, set its pace. */
    static final double SATURATED_IDLE_PERCENT = 10;

    /** @return the most connections any run held (what the offered rate applies to), or those asked if none ran. */
    private static int held(final List<RunResult> runs, final int asked)
    {
        return runs.stream().mapToInt(RunResult::connectionsHeld).max().orElse(asked);
    }

    /**
     * @param runs         one result per allocator.
     * @param args         the options the run was given.
     * @param connections  the connections asked for.
     * @param seconds      seconds of measured load.
     * @param rate         messages per connection per second.
     * @param limitsInEffect the limits in effect (file descriptors, ports, memory).
     * @param totalSeconds how long the whole run took.
     * @return the report.
     */
    static String markdown(final List<RunResult> runs, final String args, final int connections, final int seconds,
        final double rate, final String limitsInEffect, final double totalSeconds)
    {
        final StringBuilder out = new StringBuilder();
        out.append("# Many-connection run\n\n");
        out.append(String.format(Locale.ROOT, "`./numaslab c1000k%s` on %s (%.0f s in all): a Netty echo server on " +
            "loopback, in one JVM per allocator, asked to hold %d connections whose client ends are in separate load " +
            "generator JVMs (Netty's default allocator); %s every server end keeps a 256-byte session record from " +
            "the allocator under test, which is set up on every server event loop (one buffer taken and given back) " +
            "before the RSS baseline. **The memory figures (RSS, RSS growth and direct memory per connection, " +
            "numaslab's use per node) are the server process's alone**; messages/s and round trips are merged from " +
            "the load generators, and a round trip counts from when its message was due, so a generator that falls " +
            "behind the rate shows its backlog in them (sent says how far behind). Direct memory is what the allocator holds from the OS, in use or not: Netty's " +
            "`usedDirectMemory()` (its chunks), numaslab's mapped regions (JMX `ReservedBytes`); what numaslab has " +
            "handed out is its use per node. Held per connection divides all of it by the connections, so with few " +
            "connections it is mostly the chunks each allocator takes before the first one; growth per connection " +
            "divides only what it took after (it moves in whole chunks: 2 MiB for numaslab, 4 MiB for Netty's). " +
            "CPU during the load is the whole machine's time (server, load generators and kernel) from /proc/stat, " +
            "in percent of all CPUs: user code, the kernel (system calls, interrupts, softirqs: on loopback, the " +
            "TCP path of every request and echo), idle.%n%n", args.isEmpty() ? "" : " " + args, java.time.LocalDate.now(), totalSeconds,
            connections, seconds <= 0 ? "no load (--seconds 0);" : rate == ManyConnectionsRun.SENDERS_PER_SECOND ?
            "for " + seconds + " s 20% of the connections send a 64-byte message each second, which the server echoes;" :
            String.format(Locale.ROOT, "for %d s each connection sends %.3g 64-byte messages a second (%.0f in all " +
            "at the %d connections held), which the server echoes;", seconds, rate, rate * held(runs, connections),
            held(runs, connections))));
        out.append("Limits in effect: ").append(limitsInEffect).append(".\n\n");
        if (System.getenv("NUMA_VM") != null)
        {
            out.append("**Run inside `numa-vm`** (a QEMU guest with an emulated CPU, ").append(System.getenv("NUMA_VM_NODES"))
                .append(" NUMA nodes): a correctness and capacity run. Connect times, messages/s and round trips mean " +
                "nothing there (the guest runs Java about 15x slower than the host); connections held and memory per " +
                "connection do.\n\n");
        }
        out.append("| allocator | transport | connections held (server) | load generators | connect (s) | messages/s " +
            "answered | sent | " +
            "p50 (µs) | p99 (µs) | server RSS (MiB) | server RSS growth per connection (B) | direct memory held per connection (B) | " +
            "direct memory growth per connection (B) | numaslab used per node (MiB) | CPU during the load: user / kernel / " +
            "idle (%) | limit hit |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n");
        for (final RunResult r : runs)
        {
            final StringBuilder nodes = new StringBuilder();
            r.perNodeUsedBytes().forEach((n, b) -> nodes.append(nodes.length() > 0 ? ", " : "").append("node ")
                .append(n).append(": ").append(String.format(Locale.ROOT, "%.1f", b / 1048576.0)));
            final boolean loaded = r.messagesPerSecond() >= 0;
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %s | %s | %s | %s | %d | %d | %d | %d | %s | %s | %s |%n",
                r.allocator(), r.transport(), r.connectionsHeld(), r.generators(), r.connectSeconds(),
                loaded ? String.format(Locale.ROOT, "%.0f", r.messagesPerSecond()) : "-",
                loaded ? String.format(Locale.ROOT, "%.0f", r.sentPerSecond()) : "-",
                loaded ? String.format(Locale.ROOT, "%.0f", r.p50Micros()) : "-",
                loaded ? String.format(Locale.ROOT, "%.0f", r.p99Micros()) : "-", r.rssBytes() >> 20, r.rssPerConnectionBytes(),
                r.directPerConnectionBytes(), r.directGrowthPerConnectionBytes(), nodes.length() == 0 ? "" : nodes,
                r.cpu().describe(), shortLimit(r.limit())));
        }
        final java.util.Set<String> limits = new java.util.LinkedHashSet<>();
        runs.stream().map(RunResult::limit).filter(l -> !l.isEmpty()).forEach(limits::add);
        if (!limits.isEmpty())
        {
            out.append("\nLimits hit:\n");
            limits.forEach(l -> out.append("- ").append(l).append('\n'));
        }
        final List<String> saturated = runs.stream().filter(r -> r.cpu().known() && r.cpu().idlePercent() < SATURATED_IDLE_PERCENT)
            .map(r -> String.format(Locale.ROOT, "%s (%.0f messages/s: idle %.0f%%, kernel %.0f%%, user %.0f%%)",
                r.allocator(), r.messagesPerSecond(), r.cpu().idlePercent(), r.cpu().kernelPercent(), r.cpu().userPercent()))
            .toList();
        if (!saturated.isEmpty())
        {
            out.append("\nThe CPUs were saturated during the load of ").append(String.join(", ", saturated))
                .append(": the machine, not the rate asked for, set the messages per second.\n");
        }
        final Optional<RunResult> numaslab = runs.stream().filter(r -> r.allocator().equals("numaslab")).findFirst();
        if (numaslab.isPresent() && numaslab.get().connectionsHeld() > 0)
        {
            out.append('\n');
            for (final RunResult other : runs)
            {
                if (other != numaslab.get() && other.connectionsHeld() > 0)
                {
                    final long growth = other.directGrowthPerConnectionBytes();
                    final long numaslabGrowth = numaslab.get().directGrowthPerConnectionBytes();
                    out.append(String.format(Locale.ROOT, "- server RSS growth per connection, %s / numaslab: %.2fx; " +
                        "direct memory held per connection, %s / numaslab: %.2fx; its growth per connection: %s%n",
                        other.allocator(), ratio(other.rssPerConnectionBytes(), numaslab.get().rssPerConnectionBytes()),
                        other.allocator(), ratio(other.directPerConnectionBytes(), numaslab.get().directPerConnectionBytes()),
                        growth > 0 && numaslabGrowth > 0 ? String.format(Locale.ROOT, "%s / numaslab %.2fx",
                            other.allocator(), ratio(growth, numaslabGrowth)) :
                            String.format(Locale.ROOT, "%d B (%s) and %d B (numaslab), a whole chunk or none: no ratio",
                            growth, other.allocator(), numaslabGrowth)));
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
