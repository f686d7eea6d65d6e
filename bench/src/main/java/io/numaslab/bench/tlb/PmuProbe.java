package io.numaslab.bench.tlb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds out whether hardware counters (and so dTLB-miss counts through JMH's {@code -prof perfnorm}) can
 * be had: lists the PMU devices in {@code /sys/bus/event_source/devices} (a hardware PMU is {@code cpu},
 * {@code cpu_core}, {@code cpu_atom} or {@code armv8_*}), reads {@code /proc/sys/kernel/perf_event_paranoid},
 * and runs {@code perf stat -x, -e instructions true}, which prints {@code <not supported>} where there is
 * no PMU (a KVM guest without a virtual PMU) although it exits 0. Never reports counters it did not read.
 */
public final class PmuProbe
{
    private static final Path EVENT_SOURCES = Path.of("/sys/bus/event_source/devices");
    private static final Path PARANOID = Path.of("/proc/sys/kernel/perf_event_paranoid");
    private static final long PERF_TIMEOUT_SECONDS = 10;

    private PmuProbe()
    {
    }

    /** @return what this machine offers; {@link PmuStatus#available()} only if perf counted instructions. */
    public static PmuStatus probe()
    {
        final List<String> devices = eventSources();
        final boolean hardwareDevice = devices.stream().anyMatch(PmuProbe::isHardwarePmu);
        final String paranoid = readParanoid();
        final String perf = runPerf();
        final String evidence = "PMU devices in " + EVENT_SOURCES + ": " + (devices.isEmpty() ? "none" : devices) +
            (hardwareDevice ? "" : " (no cpu PMU)") + "; perf_event_paranoid=" + paranoid + "; perf stat -e instructions: " +
            perf;
        final boolean counted = perf.startsWith("counted");
        if (counted)
        {
            return new PmuStatus(true, "hardware PMU available: run TlbJmhRunner for dTLB-load-misses per access " +
                "(JMH -prof perfnorm)", evidence);
        }
        if (!hardwareDevice || perf.contains("not supported"))
        {
            return new PmuStatus(false, PmuStatus.NO_PMU_SUMMARY, evidence);
        }
        return new PmuStatus(false, "hardware PMU present but not readable (" + perf +
            "): TLB counters not available; TLB effects are measured by timing", evidence);
    }

    private static boolean isHardwarePmu(final String device)
    {
        return device.equals("cpu") || device.startsWith("cpu_") || device.startsWith("armv8") ||
            device.startsWith("armv7") || device.startsWith("arm_cortex");
    }

    private static List<String> eventSources()
    {
        final List<String> names = new ArrayList<>();
        if (!Files.isDirectory(EVENT_SOURCES))
        {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(EVENT_SOURCES))
        {
            for (final Path entry : entries)
            {
                names.add(entry.getFileName().toString());
            }
        }
        catch (final IOException ex)
        {
            names.add("(unreadable: " + ex.getMessage() + ")");
        }
        names.sort(null);
        return names;
    }

    private static String readParanoid()
    {
        try
        {
            return Files.isReadable(PARANOID) ? Files.readString(PARANOID).strip() : "n/a";
        }
        catch (final IOException ex)
        {
            return "unreadable";
        }
    }

    /** @return "counted N instructions", "not supported", "perf not installed", or perf's error. */
    private static String runPerf()
    {
        final Process perf;
        try
        {
            perf = new ProcessBuilder("perf", "stat", "-x", ",", "-e", "instructions", "true")
                .redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            return "perf not installed";
        }
        try
        {
            final String output = new String(perf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!perf.waitFor(PERF_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                perf.destroyForcibly();
                return "perf did not finish in " + PERF_TIMEOUT_SECONDS + " s";
            }
            for (final String line : output.split("\n"))
            {
                // CSV: value,unit,event,... ; the value is "<not supported>" or "<not counted>" without a PMU.
                final String[] fields = line.split(",");
                if (fields.length >= 3 && fields[2].startsWith("instructions"))
                {
                    if (fields[0].matches("\\d+"))
                    {
                        return "counted " + fields[0] + " instructions";
                    }
                    return fields[0].replace("<", "").replace(">", "");
                }
            }
            return "exit " + perf.exitValue() + ": " + (output.isEmpty() ? "no output" : output.lines().findFirst().orElse(""));
        }
        catch (final IOException ex)
        {
            return "perf output unreadable: " + ex.getMessage();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            perf.destroyForcibly();
            return "interrupted";
        }
    }
}
