package io.numaslab.bench.tlb;

import io.numaslab.hugepages.PageKind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses what {@code bench/c/pointer_chase.c} prints: one line per (kind, size, pattern) of
 * {@code key=value} fields separated by spaces, a value with spaces in double quotes; blank lines and
 * lines starting with {@code #} are skipped.
 * <pre>
 *   kind=THP size=268435456 pattern=chase ns_per_access=87.312 mapped_bytes=268435456 huge_bytes=268435456
 *   kind=HUGETLB_1G size=67108864 pattern=random status=unavailable reason="HUGETLB_1G: mmap of 1 GiB failed ..."
 * </pre>
 */
public final class CReferenceOutput
{
    private CReferenceOutput()
    {
    }

    /**
     * @param lines the program's standard output, line by line.
     * @return one measurement per result line, in order.
     * @throws IllegalArgumentException for a line that is not a result, naming its number and text.
     */
    public static List<AccessMeasurement> parse(final List<String> lines)
    {
        final List<AccessMeasurement> measurements = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            try
            {
                measurements.add(parseLine(line));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("line " + (i + 1) + " of the C reference's output: " +
                    ex.getMessage() + ": " + line, ex);
            }
        }
        return measurements;
    }

    /**
     * @param line one result line.
     * @return its measurement.
     * @throws IllegalArgumentException if a field is missing or malformed.
     */
    public static AccessMeasurement parseLine(final String line)
    {
        final Map<String, String> fields = fields(line);
        final PageKind kind = PageKind.valueOf(required(fields, "kind"));
        final long sizeBytes = Long.parseLong(required(fields, "size"));
        final AccessPattern pattern = AccessPattern.fromLabel(required(fields, "pattern"));
        if ("unavailable".equals(fields.get("status")))
        {
            return AccessMeasurement.unavailable(kind, sizeBytes, pattern, fields.getOrDefault("reason", "no reason given"));
        }
        final double nanosPerAccess = Double.parseDouble(required(fields, "ns_per_access"));
        final long mappedBytes = Long.parseLong(fields.getOrDefault("mapped_bytes", "0"));
        final long hugeBytes = Long.parseLong(fields.getOrDefault("huge_bytes", "0"));
        return AccessMeasurement.measured(kind, sizeBytes, pattern, nanosPerAccess, mappedBytes, hugeBytes);
    }

    /**
     * @param line {@code key=value} fields separated by spaces; a value may be double-quoted.
     * @return the fields in order.
     * @throws IllegalArgumentException for a field without '=' or an unterminated quote.
     */
    public static Map<String, String> fields(final String line)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        int at = 0;
        while (at < line.length())
        {
            if (line.charAt(at) == ' ')
            {
                at++;
                continue;
            }
            final int equals = line.indexOf('=', at);
            final int space = line.indexOf(' ', at);
            if (equals < 0 || (space >= 0 && space < equals))
            {
                throw new IllegalArgumentException("field without '=' at column " + (at + 1));
            }
            final String key = line.substring(at, equals);
            final int valueStart = equals + 1;
            if (valueStart < line.length() && line.charAt(valueStart) == '"')
            {
                final int close = line.indexOf('"', valueStart + 1);
                if (close < 0)
                {
                    throw new IllegalArgumentException("unterminated quote in field " + key);
                }
                fields.put(key, line.substring(valueStart + 1, close));
                at = close + 1;
            }
            else
            {
                final int end = line.indexOf(' ', valueStart);
                fields.put(key, line.substring(valueStart, end < 0 ? line.length() : end));
                at = end < 0 ? line.length() : end;
            }
        }
        return fields;
    }

    private static String required(final Map<String, String> fields, final String key)
    {
        final String value = fields.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("no " + key + "=");
        }
        return value;
    }
}
