/**
 * The documented split of a labelled corpus into the half that parameters and thresholds are
 * chosen on and the half that figures are reported on. Within each category (the folder of
 * "<category>/<file>.csv", or a station for the air-quality set), series are taken in name order
 * and dealt alternately, first to `choose`: every category is represented on both sides, and the
 * split depends on nothing but the names, so anyone can redo it.
 */
export interface CorpusSplit {
  readonly choose: readonly string[];
  readonly report: readonly string[];
}

export function categoryOf(series: string): string {
  const slash = series.indexOf("/");
  return slash < 0 ? "" : series.slice(0, slash);
}

export function splitCorpus(seriesNames: readonly string[]): CorpusSplit {
  const byCategory = new Map<string, string[]>();
  for (const name of seriesNames) {
    const category = categoryOf(name);
    const members = byCategory.get(category) ?? [];
    members.push(name);
    byCategory.set(category, members);
  }
  const choose: string[] = [];
  const report: string[] = [];
  for (const category of [...byCategory.keys()].sort()) {
    const members = (byCategory.get(category) as string[]).sort();
    members.forEach((name, index) => (index % 2 === 0 ? choose : report).push(name));
  }
  return { choose, report };
}
