package io.numaslab.bench.c1000k;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the many-connection run (the echo server or one load generator), driven by one-line commands on
 * its stdin. Its ordinary output is forwarded, prefixed with its name; its replies (lines starting with
 * {@value #REPLY}) are queued for {@link #expect}.
 */
final class ChildJvm implements AutoCloseable
{
    /** Marks a reply line, as opposed to progress output. */
    static final String REPLY = "@";

    private static final String EXITED = "\u0000exited";

    private final String name;
    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private ChildJvm(final String name, final Process process)
    {
        this.name = name;
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        final Thread reader = new Thread(this::forwardOutput, "c1000k-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param name      shown before its output lines.
     * @param heapMiB   its maximum heap.
     * @param mainClass the class it runs.
     * @param args      that class's arguments.
     * @return the started child.
     * @throws IOException if it cannot be started.
     */
    static ChildJvm start(final String name, final long heapMiB, final Class<?> mainClass, final List<String> args)
        throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heapMiB + "m", "-Xms" + Math.min(heapMiB, 256) + "m",
            "--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled",
            "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        return new ChildJvm(name, new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    String name()
    {
        return name;
    }

    /**
     * @param command one line for the child.
     * @throws IOException if the child has gone.
     */
    void send(final String command) throws IOException
    {
        commands.write(command + "\n");
        commands.flush();
    }

    /**
     * Waits for the child's next reply, which must start with the keyword.
     *
     * @param keyword        what the reply starts with.
     * @param timeoutSeconds how long to wait.
     * @return the rest of the reply line.
     * @throws IOException if the child exits first, replies something else, or not in time.
     */
    String expect(final String keyword, final long timeoutSeconds) throws IOException
    {
        final String line;
        try
        {
            line = replies.poll(timeoutSeconds, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + name, ex);
        }
        if (line == null)
        {
            throw new IOException(name + " did not report " + keyword + " within " + timeoutSeconds + " s");
        }
        if (line.equals(EXITED))
        {
            replies.add(EXITED);
            throw new IOException(name + " exited (status " + exitStatus() + ") before reporting " + keyword +
                "; see its output above");
        }
        if (!line.startsWith(keyword))
        {
            throw new IOException(name + " replied " + line + " instead of " + keyword);
        }
        return line.substring(keyword.length()).trim();
    }

    /** Asks the child to exit, without waiting. */
    void requestExit()
    {
        try
        {
            send("EXIT");
            commands.close();
        }
        catch (final IOException ignored)
        {
            // already gone
        }
    }

    /** Asks the child to exit, and makes sure it has, within a bounded time. */
    @Override
    public void close()
    {
        requestExit();
        try
        {
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                System.out.println("  [" + name + "] did not exit in 120 s; killing it");
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String exitStatus()
    {
        try
        {
            return process.waitFor(10, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "still running";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private void forwardOutput()
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                if (line.startsWith(REPLY))
                {
                    replies.add(line.substring(REPLY.length()));
                }
                else
                {
                    System.out.println("  [" + name + "] " + line);
                }
            }
        }
        catch (final IOException ex)
        {
            System.out.println("  [" + name + "] output lost: " + ex);
        }
        finally
        {
            replies.add(EXITED);
        }
    }
}
