package dev.hikyaku.console;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A bar chart of counts per interval, drawn by the server as SVG (no script): one bar per interval,
 * stacked from the series in order, scaled to the tallest; each bar's counts also in its {@code
 * <title>} and in a table beside the chart for screen readers.
 *
 * @param series the members of each interval counted, bottom first ({@code delivered}, ...)
 */
public record Chart(String title, List<String> series, List<Column> columns, long max) {

  /** Width and height of the drawing, in its own units; the page scales it to fit. */
  public static final int WIDTH = 600;
  public static final int HEIGHT = 160;
  private static final int GAP = 2;

  public Chart {
    series = List.copyOf(series);
    columns = List.copyOf(columns);
  }

  /** One interval: where it starts, its label, and its bars bottom first. */
  public record Column(String label, List<Bar> bars, String summary) {}

  /** One series' part of a column, in the drawing's units. */
  public record Bar(String series, int x, int y, int width, int height, long count) {}

  /** The chart of {@code series} over {@code intervals} (the API's {@code /v1/stats} answer's). */
  public static Chart of(String title, JsonNode intervals, List<String> series) {
    long max = 1;
    for (JsonNode interval : intervals) {
      long total = 0;
      for (String name : series) {
        total += interval.path(name).asLong();
      }
      max = Math.max(max, total);
    }
    int n = Math.max(1, intervals.size());
    int width = WIDTH / n;
    List<Column> columns = new ArrayList<>();
    int i = 0;
    for (JsonNode interval : intervals) {
      List<Bar> bars = new ArrayList<>();
      int bottom = HEIGHT;
      StringBuilder summary = new StringBuilder();
      for (String name : series) {
        long count = interval.path(name).asLong();
        int height = (int) Math.round((double) count * (HEIGHT - 4) / max);
        if (count > 0) {
          bars.add(new Bar(name, i * width + GAP / 2, bottom - height, width - GAP, Math.max(height, 1), count));
          bottom -= height;
        }
        summary.append(summary.isEmpty() ? "" : ", ").append(count).append(' ').append(name);
      }
      String start = View.time(interval, "start");
      String label = start.length() >= 16 ? start.substring(11, 16) : start;
      columns.add(new Column(label, bars, label + " UTC: " + summary));
      i++;
    }
    return new Chart(title, series, columns, max);
  }

  /** Every {@code step}-th column's label, for the axis, where it is centred. */
  public List<int[]> ticks() {
    List<int[]> ticks = new ArrayList<>();
    int n = Math.max(1, columns.size());
    int step = Math.max(1, n / 6);
    for (int i = 0; i < columns.size(); i += step) {
      ticks.add(new int[] {i * (WIDTH / n) + (WIDTH / n) / 2, i});
    }
    return ticks;
  }
}
