/**
 * What the broker's transactions leave on disk, read back through the real `seglog dump` binary as
 * kafka-dump-log prints it: control records as `endTxnMarker: COMMIT coordinatorEpoch: N`, the
 * `.txnindex` entries of an abort, and `__transaction_state` records with --transaction-log-decoder.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Broker } from '../../lib/broker/index.js';
import { encodeBatch } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'dist/lib/cli/main.js');

test.after.each(removeTempDirs);

function seglog(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('markers, .txnindex and __transaction_state records dump as kafka-dump-log prints them', async () => {
  const dir = tempDir();
  const broker = await Broker.open(dir);
  await broker.createTopic('t', { partitions: 1 });
  const { producerId, producerEpoch } = await broker.initTransactionalProducer('dump-me', 60_000);
  let sequence = 0;
  for (const commit of [true, false]) {
    assert.equal(broker.transactions.addPartitions('dump-me', producerId, producerEpoch, 2, [{ topic: 't', partition: 0 }]), [0]);
    await broker.produce('t', 0, encodeBatch([{ key: 'k', value: commit ? 'kept' : 'dropped' }],
      { producerId, producerEpoch, baseSequence: sequence++, isTransactional: true, nowMs: Date.now() }));
    assert.is(broker.transactions.endTransaction('dump-me', producerId, producerEpoch, commit, 2).errorCode, 0);
  }
  await broker.close();
  const log = seglog(['dump', '--deep', join(dir, 't-0', '00000000000000000000.log')]);
  assert.is(log.status, 0, log.stderr);
  assert.match(log.stdout, / endTxnMarker: COMMIT coordinatorEpoch: 0/);
  assert.match(log.stdout, / endTxnMarker: ABORT coordinatorEpoch: 0/);
  assert.match(log.stdout, /isTransactional: true isControl: true/);
  const index = seglog(['dump', join(dir, 't-0', '00000000000000000000.txnindex')]);
  assert.is(index.status, 0, index.stderr);
  assert.match(index.stdout, new RegExp(`producerId: ${producerId} firstOffset: 2 lastOffset: 3 lastStableOffset: 4`));
  const state = seglog(['dump', '--transaction-log-decoder', join(dir, '__transaction_state-0', '00000000000000000000.log')]);
  assert.is(state.status, 0, state.stderr);
  assert.match(state.stdout, /transaction_metadata::transactionalId=dump-me/);
  assert.match(state.stdout, new RegExp(`producerId:${producerId},producerEpoch:${producerEpoch},state=Ongoing,partitions=\\[t-0\\]`));
  assert.match(state.stdout, /state=CompleteCommit/);
  assert.match(state.stdout, /state=CompleteAbort/);
});

test.run();
