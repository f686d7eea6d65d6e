package io.numaslab.bench.tlb;

import java.util.List;
import java.util.Locale;

/**
 * The few pieces of JSON the benchmark reports write by hand: quoted strings, numbers (NaN and infinities
 * become {@code null}), and arrays of strings. No dependency, no parsing.
 */
public final class JsonText
{
    private JsonText()
    {
    }

    /**
     * @param text any string, or null.
     * @return it as a JSON string literal with quotes, backslashes and control characters escaped; {@code null}
     *     for null.
     */
    public static String quote(final String text)
    {
        if (text == null)
        {
            return "null";
        }
        final StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }

    /**
     * @param value a number.
     * @return it with up to 4 decimals ({@code 87.3125}), or {@code null} for NaN and infinities.
     */
    public static String number(final double value)
    {
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            return "null";
        }
        final String text = String.format(Locale.ROOT, "%.4f", value);
        final String trimmed = text.contains(".") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
        return trimmed.equals("-0") ? "0" : trimmed;
    }

    /**
     * @param texts strings.
     * @return a JSON array of them.
     */
    public static String stringArray(final List<String> texts)
    {
        final StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < texts.size(); i++)
        {
            out.append(i == 0 ? "" : ", ").append(quote(texts.get(i)));
        }
        return out.append(']').toString();
    }
}
