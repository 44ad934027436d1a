import parsePrometheusTextFormat from "parse-prometheus-text-format";

type Sample = {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
};
type Family = { name: string; help: string; type: string; metrics: Sample[] };

/**
 * Parses an exposition with a real Prometheus text-format parser (it throws on a malformed line). That
 * parser folds every series of a histogram into one (it was written for unlabelled ones), so histograms
 * are read from a second parse where their TYPE says untyped: each `_bucket`, `_sum` and `_count` line is
 * then a plain sample with all its labels.
 */
export function parseMetrics(text: string) {
  const families = parsePrometheusTextFormat(text) as Family[];
  const flat = parsePrometheusTextFormat(
    text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"),
  ) as Family[];
  const family = (name: string) => families.find((f) => f.name === name);
  const matches = (s: Sample, labels: Record<string, string>) =>
    Object.entries(labels).every(([k, v]) => s.labels?.[k] === v);
  return {
    families,
    family,
    /** The value of the one sample with these labels (counters, gauges), or undefined. */
    value(name: string, labels: Record<string, string> = {}): number | undefined {
      const s = family(name)?.metrics.find((m) => matches(m, labels));
      return s?.value === undefined ? undefined : Number(s.value);
    },
    /** A histogram sample's count, sum and cumulative buckets. */
    histogram(name: string, labels: Record<string, string> = {}) {
      const series = (suffix: string) =>
        // One series' lines come together, so each label set makes families of its own here.
        flat
          .filter((f) => f.name === `${name}_${suffix}`)
          .flatMap((f) => f.metrics.filter((m) => matches(m, labels)));
      const count = series("count")[0];
      if (!count) return undefined;
      return {
        count: Number(count.value),
        sum: Number(series("sum")[0]?.value),
        buckets: Object.fromEntries(series("bucket").map((b) => [b.labels!.le!, Number(b.value)])),
      };
    },
  };
}
