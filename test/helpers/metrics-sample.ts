/** A sample's value in Prometheus' text format, by its name and labels as written; null when absent. */
export function sample(metrics: string, series: string): number | null {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}
