package io.numaslab.bench.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes a {@link JmhResultTable} as a grouped bar chart PNG with XChart: one group per parameter value. */
public final class BarChartWriter
{
    private BarChartWriter()
    {
    }

    /**
     * @param table the results.
     * @param png   where to write the chart ({@code .png} is appended by XChart if missing).
     * @throws IOException if the file cannot be written.
     */
    public static void write(final JmhResultTable table, final Path png) throws IOException
    {
        final String unit = table.cellsByParam().values().stream().flatMap(m -> m.values().stream())
            .map(JmhResultTable.Cell::unit).findFirst().orElse("");
        final CategoryChart chart = new CategoryChartBuilder().width(1000).height(560)
            .title(table.benchmarkClass() + " (lower is better)").xAxisTitle("parameters").yAxisTitle(unit).build();
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setLabelsVisible(false);
        final List<String> params = new ArrayList<>(table.cellsByParam().keySet());
        for (final String implementation : table.implementations())
        {
            final List<Double> scores = new ArrayList<>();
            for (final String param : params)
            {
                final Map<String, JmhResultTable.Cell> row = table.cellsByParam().get(param);
                final JmhResultTable.Cell cell = row.get(implementation);
                scores.add(cell == null ? 0.0 : cell.score());
            }
            chart.addSeries(implementation, params, scores);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
