package io.numaslab.allocator;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class VirtualThreadArenaLockTest
{
    @Test
    void virtualThreadsWaitingForAnArenaLockDoNotStarveItsHolder() throws Exception
    {
        final Path java = javaOf24OrNewer();
        assumeTrue(java != null, "needs a JDK 24 or newer (this JVM, or one under /usr/lib/jvm)");
        final Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
            "-Djdk.virtualThreadScheduler.parallelism=2",
            "-cp", System.getProperty("java.class.path"), VirtualThreadArenaLockChild.class.getName()))
            .redirectErrorStream(true).start();
        if (!p.waitFor(40, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor();
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
    }

    /**
     * From JDK 24 a virtual thread blocked on a monitor gives up its carrier, which is what starved the lock's
     * holder: this JVM if it is that new, else one next to it.
     */
    private static Path javaOf24OrNewer() throws java.io.IOException
    {
        if (Runtime.version().feature() >= 24)
        {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
        final Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms))
        {
            return null;
        }
        try (java.util.stream.Stream<Path> dirs = Files.list(jvms))
        {
            return dirs.map(d -> d.resolve("release")).filter(Files::isReadable).filter(release ->
            {
                try
                {
                    final String text = Files.readString(release);
                    final java.util.regex.Matcher m =
                        java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(text);
                    return m.find() && Integer.parseInt(m.group(1)) >= 24;
                }
                catch (final java.io.IOException ex)
                {
                    return false;
                }
            }).map(release -> release.getParent().resolve("bin").resolve("java")).filter(Files::isExecutable)
                .findFirst().orElse(null);
        }
    }
}
