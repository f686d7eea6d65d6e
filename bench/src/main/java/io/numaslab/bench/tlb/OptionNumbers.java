package io.numaslab.bench.tlb;

/**
 * Whole numbers of command-line options, for the tlb and locality commands: a value that is not one names its
 * option and ends in the command's usage, as an {@link IllegalArgumentException} the command prints as one line.
 */
public final class OptionNumbers
{
    private OptionNumbers()
    {
    }

    /**
     * @param option the option, e.g. {@code --reps}.
     * @param text   its value.
     * @param usage  the command's usage text.
     * @return the value as an int.
     * @throws IllegalArgumentException if it is not a whole number within int's range.
     */
    public static int wholeInt(final String option, final String text, final String usage)
    {
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw notWhole(option, text, usage);
        }
    }

    /**
     * @param option the option, e.g. {@code --seed}.
     * @param text   its value.
     * @param usage  the command's usage text.
     * @return the value as a long.
     * @throws IllegalArgumentException if it is not a whole number within long's range.
     */
    public static long wholeLong(final String option, final String text, final String usage)
    {
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw notWhole(option, text, usage);
        }
    }

    private static IllegalArgumentException notWhole(final String option, final String text, final String usage)
    {
        return new IllegalArgumentException(option + " needs a whole number, got '" + text + "'\n" + usage);
    }
}
