package io.numaslab.allocator;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what a logger and those below it log, for tests of what is only logged (maintenance failures, refused
 * frees, close() with memory still allocated). Closing it removes it from the logger.
 */
public final class LogCapture extends Handler implements AutoCloseable
{
    private final Logger logger;
    private final List<LogRecord> records = new ArrayList<>();

    /** Captures the allocator's own log records. */
    public LogCapture()
    {
        this(NumaAllocator.class.getName());
    }

    /** @param loggerName the logger, say a package's name for every logger of its classes. */
    public LogCapture(final String loggerName)
    {
        this.logger = Logger.getLogger(loggerName);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(final LogRecord record)
    {
        records.add(record);
    }

    /** @return each warning or worse so far: its message, and the exception's if it has one. */
    public synchronized List<String> warnings()
    {
        final List<String> out = new ArrayList<>();
        for (final LogRecord r : records)
        {
            if (r.getLevel().intValue() >= Level.WARNING.intValue())
            {
                out.add(r.getMessage() + (r.getThrown() != null ? ": " + r.getThrown() : ""));
            }
        }
        return out;
    }

    @Override
    public void flush()
    {
    }

    @Override
    public void close()
    {
        logger.removeHandler(this);
    }
}
