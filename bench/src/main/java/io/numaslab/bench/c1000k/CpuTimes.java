package io.numaslab.bench.c1000k;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine's CPU time so far, all CPUs together, from the first line of {@code /proc/stat} (in clock ticks):
 * two readings give the share of the CPUs' time that went to user code, to the kernel and to nothing in between.
 * The many-connection run takes one at the start of the measured load and one at its end, so its report shows
 * whether the CPUs were the limit, and whose time they spent: on loopback every message is sent and received by
 * the kernel twice (request and echo), in system calls and in the softirqs that deliver it.
 *
 * @param user    time in user mode, niced or not.
 * @param system  time in the kernel: system calls, interrupts and softirqs.
 * @param idle    time idle, waiting for I/O or not.
 * @param steal   time the hypervisor gave to another guest.
 */
public record CpuTimes(long user, long system, long idle, long steal)
{
    private static final Path PROC_STAT = Path.of("/proc/stat");

    /** @return the machine's CPU times now, or empty where there is no {@code /proc/stat} (not Linux). */
    static Optional<CpuTimes> read()
    {
        try
        {
            return Files.isReadable(PROC_STAT) ? Optional.of(parse(Files.readAllLines(PROC_STAT).get(0))) : Optional.empty();
        }
        catch (final IOException | RuntimeException ex)
        {
            System.out.println("cannot read the CPU times from " + PROC_STAT + ": " + ex);
            return Optional.empty();
        }
    }

    /**
     * @param line the first line of {@code /proc/stat}: {@code cpu user nice system idle iowait irq softirq steal ...}.
     * @return its times.
     * @throws IllegalArgumentException if it is not that line.
     */
    static CpuTimes parse(final String line)
    {
        final String[] f = line.trim().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu"))
        {
            throw new IllegalArgumentException("not the all-CPU line of /proc/stat: '" + line + "'");
        }
        final long[] v = new long[8];
        for (int i = 0; i < v.length; i++)
        {
            v[i] = Long.parseLong(f[i + 1]);
        }
        return new CpuTimes(v[0] + v[1], v[2] + v[5] + v[6], v[3] + v[4], v[7]);
    }

    /**
     * @param later a reading taken after this one.
     * @return how the CPUs' time between the two was shared.
     * @throws IllegalArgumentException if no time passed between them.
     */
    Share until(final CpuTimes later)
    {
        final long u = later.user - user;
        final long s = later.system - system;
        final long i = later.idle - idle;
        final long st = later.steal - steal;
        final long total = u + s + i + st;
        if (total <= 0)
        {
            throw new IllegalArgumentException("no CPU time passed between the two readings");
        }
        return new Share(100.0 * u / total, 100.0 * s / total, 100.0 * i / total, 100.0 * st / total);
    }

    /**
     * How the CPUs' time in an interval was shared, in percent of all of it (all CPUs), machine-wide: every
     * process's, not only the server's.
     *
     * @param userPercent   user code (the JVMs: Netty, the allocator, the GC, the JIT).
     * @param kernelPercent the kernel (system calls, interrupts, softirqs: the loopback TCP path).
     * @param idlePercent   nothing to run.
     * @param stealPercent  taken by the hypervisor.
     */
    public record Share(double userPercent, double kernelPercent, double idlePercent, double stealPercent)
    {
        /** What a run reports where the times could not be read. */
        static final Share UNKNOWN = new Share(-1, -1, -1, -1);

        /** @return whether it was measured. */
        boolean known()
        {
            return userPercent >= 0;
        }

        /** @return "user / kernel / idle" in whole percent, and the steal if 1% or more; "-" if unknown. */
        String describe()
        {
            if (!known())
            {
                return "-";
            }
            final String share = String.format(Locale.ROOT, "%.0f / %.0f / %.0f", userPercent, kernelPercent, idlePercent);
            return stealPercent >= 1 ? share + String.format(Locale.ROOT, " (steal %.0f)", stealPercent) : share;
        }

        /** @return this as a JSON object. */
        String toJson()
        {
            return String.format(Locale.ROOT, "{\"userPercent\":%.1f,\"kernelPercent\":%.1f,\"idlePercent\":%.1f," +
                "\"stealPercent\":%.1f}", userPercent, kernelPercent, idlePercent, stealPercent);
        }
    }
}
