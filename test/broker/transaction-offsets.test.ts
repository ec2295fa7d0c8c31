// Offsets committed inside a transaction (TxnOffsetCommit) become a group's committed offsets only
// when the transaction commits: in the running broker, after a restart (the replay of
// __consumer_offsets follows the markers), and in the offline view of the stopped directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Broker, readOfflineDirectory } from '../../lib/broker/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(() => removeTempDirs());

async function offsetsInTransaction(broker: Broker, offset: number, commit: boolean): Promise<void> {
  const { producerId, producerEpoch } = await broker.initTransactionalProducer('offsets-txn', 60_000);
  assert.is(broker.transactions.addOffsets('offsets-txn', producerId, producerEpoch, 2).errorCode, 0);
  assert.is(broker.transactions.checkOffsetCommit('offsets-txn', producerId, producerEpoch, 2).errorCode, 0);
  broker.commitOffsetsInTransaction('g', [{ topic: 't', partition: 0, offset }], producerId, producerEpoch);
  assert.is(broker.committedOffset('g', 't', 0)?.offset ?? null, offset === 5 ? null : 5, 'not visible before the end');
  assert.is(broker.transactions.endTransaction('offsets-txn', producerId, producerEpoch, commit, 2).errorCode, 0);
}

test('transactional offsets: an abort leaves the committed offset, a commit moves it; restarts and offline views agree', async () => {
  const dir = tempDir();
  let broker = await Broker.open(dir);
  await broker.createTopic('t', { partitions: 1 });
  await offsetsInTransaction(broker, 5, true);
  assert.is(broker.committedOffset('g', 't', 0)?.offset, 5);
  await offsetsInTransaction(broker, 9, false);
  assert.is(broker.committedOffset('g', 't', 0)?.offset, 5, 'the aborted offset never shows');
  // One left open: neither visible now nor after a restart (the coordinator still holds the transaction).
  const { producerId, producerEpoch } = await broker.initTransactionalProducer('offsets-txn', 60_000);
  broker.transactions.addOffsets('offsets-txn', producerId, producerEpoch, 2);
  broker.commitOffsetsInTransaction('g', [{ topic: 't', partition: 0, offset: 12 }], producerId, producerEpoch);
  await broker.close();
  const offline = readOfflineDirectory(dir).groups.find((g) => g.groupId === 'g');
  assert.equal(offline?.offsets.map((o) => o.committed.offset), [5]);
  broker = await Broker.open(dir);
  try {
    assert.is(broker.committedOffset('g', 't', 0)?.offset, 5);
    // The restarted coordinator's next producer for the id aborts the open transaction.
    await broker.initTransactionalProducer('offsets-txn', 60_000);
    assert.is(broker.committedOffset('g', 't', 0)?.offset, 5);
  } finally {
    await broker.close();
  }
});

test.run();
