/**
 * Recorded histories of every process in processes/ (test/histories, written by
 * `npm run record:histories`) replay on a fresh worker with today's interpreter. A change to
 * the interpreter that would make a running instance take a different path fails here, and
 * must be guarded with `patched()`. No server is needed: replay runs in the worker alone.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { workflowCode } from '../src/engine/worker.js';
import { SCENARIOS } from '../scripts/scenarios.js';

const dir = new URL('../../test/histories/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'sizes.json');
const processes = readdirSync(new URL('../../processes/', import.meta.url)).filter((f) => f.endsWith('.flow'));
/** Runs that take the paths a plain run never does (scripts/scenarios.ts): raw signals, failing escalations and branches. */
const scenarios = readdirSync(new URL('scenarios/', dir)).filter((f) => f.endsWith('.json')).map((f) => `scenarios/${f}`);

test('there is a recorded history for every process', (t) => {
  t.true(files.length >= processes.length, `${files.length} histories for ${processes.length} processes: run npm run record:histories`);
});

test('there is a recorded history for every scenario', (t) => {
  t.deepEqual(scenarios.map((f) => f.slice('scenarios/'.length, -'.json'.length)).sort(), SCENARIOS.map((s) => s.name).sort());
});

test('every recorded history replays without nondeterminism', async (t) => {
  const { History } = proto.temporal.api.history.v1;
  const all = [...files, ...scenarios];
  const histories = all.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: History.fromObject(JSON.parse(readFileSync(new URL(f, dir), 'utf8'))) }));
  let replayed = 0;
  for await (const r of Worker.runReplayHistories({ ...workflowCode, replayName: 'recorded-histories' }, histories)) {
    t.is(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    replayed++;
  }
  t.is(replayed, all.length);
});
