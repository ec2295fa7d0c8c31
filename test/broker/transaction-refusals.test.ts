// What a hostile or confused client gets from the transaction coordinator: Kafka's error codes,
// and nothing appended. A transactional batch for a producer id the coordinator never handed out
// (or for a partition its transaction did not add) is refused before it can hold the LSO forever.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Broker } from '../../lib/broker/index.js';
import { TransactionStateError, encodeBatch } from '../../lib/index.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

test.after.each(() => removeTempDirs());

test('forged producer ids, unknown ids, bad timeouts, wrong producers and skipped steps are refused; nothing is appended', async () => {
  const broker = await Broker.open(tempDir());
  try {
    await broker.createTopic('t', { partitions: 1 });
    const forged = encodeBatch([{ value: 'x' }], { producerId: 12345, producerEpoch: 0, baseSequence: 0, isTransactional: true,
      nowMs: Date.now() });
    try {
      await broker.produce('t', 0, forged);
      assert.unreachable('a transactional batch no coordinator opened');
    } catch (error) {
      assert.instance(error, TransactionStateError);
    }
    const tx = broker.transactions;
    assert.is(tx.endTransaction('never-initialised', 1, 0, true, 2).errorCode, 49, 'INVALID_PRODUCER_ID_MAPPING');
    assert.is((await broker.initTransactionalProducer('x', 10_000_000)).errorCode, 50, 'INVALID_TRANSACTION_TIMEOUT above 15 min');
    assert.is((await broker.initTransactionalProducer('x', -5)).errorCode, 50);
    const { producerId, producerEpoch } = await broker.initTransactionalProducer('y', 60_000);
    assert.equal(tx.addPartitions('y', producerId, producerEpoch, 2, [{ topic: 'nope', partition: 0 }, { topic: 't', partition: 0 }]),
      [3, 55], 'UNKNOWN_TOPIC_OR_PARTITION, and OPERATION_NOT_ATTEMPTED for the rest');
    assert.equal(tx.addPartitions('y', producerId + 1, producerEpoch, 2, [{ topic: 't', partition: 0 }]), [49]);
    assert.equal(tx.addPartitions('y', producerId, producerEpoch - 1, 2, [{ topic: 't', partition: 0 }]), [90], 'PRODUCER_FENCED at v2');
    assert.equal(tx.addPartitions('y', producerId, producerEpoch - 1, 1, [{ topic: 't', partition: 0 }]), [47],
      'INVALID_PRODUCER_EPOCH before v2');
    assert.is(tx.checkOffsetCommit('y', producerId, producerEpoch, 2).errorCode, 48, 'TxnOffsetCommit before AddOffsetsToTxn');
    const unadded = encodeBatch([{ value: 'x' }], { producerId, producerEpoch, baseSequence: 0, isTransactional: true, nowMs: Date.now() });
    try {
      await broker.produce('t', 0, unadded);
      assert.unreachable('a partition the transaction did not add');
    } catch (error) {
      assert.instance(error, TransactionStateError);
    }
    assert.is(broker.log('t', 0).logEndOffset, 0, 'nothing was appended');
    assert.is(broker.log('t', 0).lastStableOffset, 0);
  } finally {
    await broker.close();
  }
});

test.run();
