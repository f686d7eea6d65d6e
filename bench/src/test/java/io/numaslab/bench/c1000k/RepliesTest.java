package io.numaslab.bench.c1000k;

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
}
