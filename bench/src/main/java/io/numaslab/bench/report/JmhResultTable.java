package io.numaslab.bench.report;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * JMH results of one benchmark class laid out side by side: one row per parameter value (size), one column per
 * implementation (benchmark method or group), each cell the score and the garbage per operation from
 * {@code -prof gc}, with the ratio of every implementation to a baseline (numaslab).
 */
public final class JmhResultTable
{
    /** One measured cell. */
    public record Cell(double score, double error, String unit, double bytesPerOp)
    {
    }

    private final String benchmarkClass;
    private final String baseline;
    private final Map<String, Map<String, Cell>> cellsByParam = new LinkedHashMap<>();
    private final Set<String> implementations = new LinkedHashSet<>();

    private JmhResultTable(final String benchmarkClass, final String baseline)
    {
        this.benchmarkClass = benchmarkClass;
        this.baseline = baseline;
    }

    /**
     * Groups run results by benchmark class.
     *
     * @param results  what JMH returned.
     * @param baseline the implementation the ratios compare to (a method or group name), e.g. "numaslab".
     * @return one table per benchmark class, in the order first seen.
     */
    public static List<JmhResultTable> of(final Collection<RunResult> results, final String baseline)
    {
        final Map<String, JmhResultTable> tables = new LinkedHashMap<>();
        for (final RunResult run : results)
        {
            final String label = run.getParams().getBenchmark();
            final int dot = label.lastIndexOf('.');
            final String className = label.substring(label.lastIndexOf('.', dot - 1) + 1, dot);
            // The implementation is the benchmark method, or the "allocator" parameter where there is one (then the
            // method, e.g. oneThread or crossThread, is part of the row).
            final String method = label.substring(dot + 1);
            final String allocatorParam = run.getParams().getParam("allocator");
            final String implementation = allocatorParam != null ? allocatorParam : method;
            final StringBuilder params = new StringBuilder(allocatorParam != null ? method : "");
            for (final String key : run.getParams().getParamsKeys())
            {
                if (!key.equals("allocator"))
                {
                    params.append(params.length() == 0 ? "" : ", ").append(key).append('=').append(run.getParams().getParam(key));
                }
            }
            if (params.length() == 0)
            {
                params.append("no parameters"); // a row needs a label, in the table and on the chart's axis
            }
            final Result<?> primary = run.getPrimaryResult();
            double bytesPerOp = Double.NaN;
            for (final Map.Entry<String, Result> secondary : run.getSecondaryResults().entrySet())
            {
                if (secondary.getKey().endsWith("gc.alloc.rate.norm"))
                {
                    bytesPerOp = secondary.getValue().getScore();
                }
            }
            final JmhResultTable table = tables.computeIfAbsent(className, c -> new JmhResultTable(c, baseline));
            table.implementations.add(implementation);
            table.cellsByParam.computeIfAbsent(params.toString(), p -> new LinkedHashMap<>())
                .put(implementation, new Cell(primary.getScore(), primary.getScoreError(), primary.getScoreUnit(), bytesPerOp));
        }
        return new ArrayList<>(tables.values());
    }

    /** @return the benchmark class's simple name. */
    public String benchmarkClass()
    {
        return benchmarkClass;
    }

    /** @return parameter values (e.g. "sizeBytes=64") to cells by implementation. */
    public Map<String, Map<String, Cell>> cellsByParam()
    {
        return cellsByParam;
    }

    /** @return the implementations, in the order first seen. */
    public Set<String> implementations()
    {
        return implementations;
    }

    /** @return a Markdown table: score ± error and B/op per implementation, then each one's ratio to the baseline. */
    public String toMarkdown()
    {
        final StringBuilder out = new StringBuilder();
        final String unit = cellsByParam.values().stream().flatMap(m -> m.values().stream()).map(Cell::unit)
            .findFirst().orElse("");
        out.append("| params |");
        implementations.forEach(i -> out.append(' ').append(i).append(" (").append(unit).append(", B/op) |"));
        final boolean ratios = implementations.stream().anyMatch(i -> i.equalsIgnoreCase(baseline));
        if (ratios)
        {
            implementations.stream().filter(i -> !i.equalsIgnoreCase(baseline))
                .forEach(i -> out.append(' ').append(i).append(" / ").append(baseline).append(" |"));
        }
        out.append('\n').append("|---|");
        implementations.forEach(i -> out.append("---:|"));
        if (ratios)
        {
            implementations.stream().filter(i -> !i.equalsIgnoreCase(baseline)).forEach(i -> out.append("---:|"));
        }
        out.append('\n');
        for (final Map.Entry<String, Map<String, Cell>> row : cellsByParam.entrySet())
        {
            out.append("| ").append(row.getKey()).append(" |");
            for (final String i : implementations)
            {
                final Cell cell = row.getValue().get(i);
                out.append(' ').append(cell == null ? "" : String.format(Locale.ROOT, "%.1f ± %.1f (%s)", cell.score(),
                    cell.error(), Double.isNaN(cell.bytesPerOp()) ? "?" : String.format(Locale.ROOT, "%.0f", cell.bytesPerOp())))
                    .append(" |");
            }
            if (ratios)
            {
                final Cell base = row.getValue().get(baselineName());
                for (final String i : implementations)
                {
                    if (!i.equalsIgnoreCase(baseline))
                    {
                        final Cell cell = row.getValue().get(i);
                        out.append(' ').append(cell == null || base == null ? "" :
                            String.format(Locale.ROOT, "%.2fx", cell.score() / base.score())).append(" |");
                    }
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    private String baselineName()
    {
        return implementations.stream().filter(i -> i.equalsIgnoreCase(baseline)).findFirst().orElse(baseline);
    }
}
