package io.numaslab.bench.c1000k;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RepliesTest
{
    @Test
    void theServersMeasurementCrossesTheProcessBoundaryWhole()
    {
        final Replies.Measured sent = new Replies.Measured("epoll", 19_000, 100L << 20, 150L << 20, 6L << 20, 2L << 20,
            Map.of(0, 4_864_000L, 1, 12L), "accept: Too many open files (x3)");
        assertEquals(sent, Replies.Measured.fromLine(sent.toLine()));
    }

    @Test
    void aGeneratorsLoadPhaseCrossesTheProcessBoundaryWhole()
    {
        final Histogram latency = new Histogram(60_000_000_000L, 2);
        latency.recordValue(3_700_000);
        latency.recordValue(14_000_000);
        final Replies.Loaded sent = new Replies.Loaded(19_000, 57_075, 57_000, 15.2, latency);
        final Replies.Loaded back = Replies.Loaded.fromLine(sent.toLine());
        assertEquals(57_075, back.sent());
        assertEquals(57_000, back.received());
        assertEquals(15.2, back.seconds());
        assertEquals(latency, back.latency());
    }
}
