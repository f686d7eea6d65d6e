package io.numaslab.allocator;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CloseRaceTest
{
    @Test
    void aFreeRacingCloseWithScrubOnFreeDoesNotCrashTheJvm() throws Exception
    {
        final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
            "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/numaslab-close-race-hs_err_%p.log",
            "-cp", System.getProperty("java.class.path"), CloseRaceChild.class.getName()))
            .redirectErrorStream(true).start();
        final boolean done = p.waitFor(60, TimeUnit.SECONDS);
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done)
        {
            p.destroyForcibly();
        }
        final String[] lines = out.split("\n");
        final StringBuilder tail = new StringBuilder();
        for (int i = Math.max(0, lines.length - 12); i < lines.length; i++)
        {
            tail.append(lines[i]).append('\n');
        }
        assertEquals(0, p.exitValue(), "child JVM output (tail):\n" + tail);
    }
}
