import { readFileSync, writeFileSync } from 'node:fs';
import { findGrowth, unretainedGrowth } from './findings.ts';
import { loadHeapGraph } from './heap-graph.ts';
import { summariseSnapshot, type SnapshotSummary } from './summary.ts';
import type { Finding } from '../model/diagnosis.ts';
import type { AnalysisInput, AnalysisOutput, SnapshotFile, UnretainedGrowth } from '../protocol.ts';

/**
 * Reads the snapshots of one diagnosis run, one at a time (each is summarised, then dropped, so only
 * one parsed snapshot is in memory), and returns what grew in proportion to the units run.
 */
export async function analyseSnapshots(
  snapshots: readonly SnapshotFile[],
  perInstance = false,
): Promise<{ findings: Finding[]; unretained: UnretainedGrowth | null }> {
  const ordered = [...snapshots].sort((a, b) => a.units - b.units);
  const summaries: SnapshotSummary[] = [];
  for (const [i, snapshot] of ordered.entries()) {
    const graph = await loadHeapGraph(snapshot.file);
    const isLast = i === ordered.length - 1 && i > 0;
    summaries.push(summariseSnapshot(graph, snapshot.units, isLast ? summaries[0] : undefined));
  }
  const findings = findGrowth(summaries, perInstance);
  return { findings, unretained: findings.length === 0 ? unretainedGrowth(summaries) : null };
}

/**
 * What the analysis process does (the CLI runs it apart from both the measured processes and itself: a
 * large snapshot takes several times its size in memory while parsed), from `analyse-main.ts`:
 *   node <analyse-main's bundle> <input.json> <output.json>
 * input: AnalysisInput; output: AnalysisOutput (protocol.ts).
 */
export async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: analyse.ts <input.json> <output.json>');
  const { snapshots, perInstance } = JSON.parse(readFileSync(input, 'utf8')) as AnalysisInput;
  let result: AnalysisOutput;
  try {
    result = await analyseSnapshots(snapshots, perInstance);
  } catch (e) {
    result = { error: e instanceof Error ? e.message : String(e) };
  }
  writeFileSync(output, JSON.stringify(result));
}
