package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CReferenceOutputTest
{
    @Test
    void aMeasuredLineGivesKindSizePatternAndNanosPerAccess()
    {
        final AccessMeasurement m = CReferenceOutput.parseLine(
            "kind=THP size=268435456 pattern=chase ns_per_access=87.312 mapped_bytes=268435456 huge_bytes=266338304");
        assertEquals(PageKind.THP, m.kind());
        assertEquals(268435456L, m.sizeBytes());
        assertEquals(AccessPattern.CHASE, m.pattern());
        assertEquals(87.312, m.nanosPerAccess(), 1e-9);
        assertEquals(268435456L, m.mappedBytes());
        assertEquals(266338304L, m.hugePageBytes());
        assertTrue(m.isAvailable());
        assertNull(m.unavailableReason());
    }

    @Test
    void anUnavailableLineKeepsTheQuotedReasonWithItsSpaces()
    {
        final AccessMeasurement m = CReferenceOutput.parseLine("kind=HUGETLB_1G size=67108864 pattern=chase-page " +
            "status=unavailable reason=\"HUGETLB_1G: mmap of 1 GiB failed with ENOMEM (Cannot allocate memory)\"");
        assertEquals(PageKind.HUGETLB_1G, m.kind());
        assertEquals(AccessPattern.CHASE_PAGE, m.pattern());
        assertFalse(m.isAvailable());
        assertTrue(Double.isNaN(m.nanosPerAccess()));
        assertEquals("HUGETLB_1G: mmap of 1 GiB failed with ENOMEM (Cannot allocate memory)", m.unavailableReason());
    }

    @Test
    void commentsAndBlankLinesAreSkipped()
    {
        final List<AccessMeasurement> all = CReferenceOutput.parse(List.of(
            "# pointer_chase: chase accesses 2000000, random accesses 16000000, reps 3, seed 42, node 0",
            "",
            "kind=SMALL size=1048576 pattern=random ns_per_access=1.5 mapped_bytes=1048576 huge_bytes=0",
            "kind=SMALL size=1048576 pattern=chase ns_per_access=4.25 mapped_bytes=1048576 huge_bytes=0"));
        assertEquals(2, all.size());
        assertEquals(AccessPattern.RANDOM, all.get(0).pattern());
        assertEquals(4.25, all.get(1).nanosPerAccess(), 1e-9);
    }

    @Test
    void aMalformedLineIsRejectedWithItsLineNumber()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> CReferenceOutput.parse(
            List.of("# header", "kind=SMALL size=1048576 pattern=chase")));
        assertTrue(ex.getMessage().contains("line 2"), ex.getMessage());
        assertTrue(ex.getMessage().contains("ns_per_access"), ex.getMessage());
    }

    @Test
    void unknownKindsPatternsAndBrokenFieldsAreRejected()
    {
        assertThrows(IllegalArgumentException.class,
            () -> CReferenceOutput.parseLine("kind=HUGE size=1 pattern=chase ns_per_access=1"));
        assertThrows(IllegalArgumentException.class,
            () -> CReferenceOutput.parseLine("kind=SMALL size=1 pattern=zigzag ns_per_access=1"));
        assertThrows(IllegalArgumentException.class, () -> CReferenceOutput.parseLine("kind=SMALL size 1"));
        assertThrows(IllegalArgumentException.class,
            () -> CReferenceOutput.parseLine("kind=SMALL size=1 pattern=chase status=unavailable reason=\"open"));
    }
}
