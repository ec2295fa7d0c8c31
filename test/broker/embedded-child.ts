// A host process that embeds a Broker (what an application using `seglog/broker` does), spawned by
// background-errors.test.ts. argv: <data dir> <listen: yes|no>. It opens the broker with a short
// checkpoint interval and talks to the parent over IPC:
//   parent → { do: 'produce' }         append a record (a background flush is due at once)
//   parent → { do: 'ping' }            answered { alive: true, events } — proves the host survived
//   parent → { do: 'close' }           answered { closed: 'ok' | <error code>, closeErrors } then exit 0
//   child  → { event }                 every backgroundError, as { task, code, path }
import { Broker, type BackgroundErrorEvent, type CloseReport } from '../../lib/broker/index.js';
import { SeglogError } from '../../lib/index.js';

const [dataDir] = process.argv.slice(2) as [string];
const send = (message: object): void => void process.send?.(message);
const broker = await Broker.open(dataDir, { checkpointIntervalMs: 20, defaults: { flushMessages: 1 } });
await broker.createTopic('t', { partitions: 2 });
const events: { task: string; code: string | null; path: string | null }[] = [];
broker.on('backgroundError', (e: BackgroundErrorEvent) => {
  const event = { task: e.task, code: e.error instanceof SeglogError ? e.error.code : null, path: e.path ?? null };
  events.push(event);
  send({ event });
});
let closeReport: CloseReport | null = null;
broker.on('closed', (report) => (closeReport = report));
process.on('message', (message: { do: string }) => {
  if (message.do === 'produce') {
    void broker.produce('t', 0, [{ key: 'k', value: 'v' }], { acks: 1 }).then(() => send({ produced: true }),
        (error: unknown) => send({ produced: false, error: String(error) }));
  } else if (message.do === 'ping') {
    send({ alive: true, events: events.length });
  } else if (message.do === 'close') {
    broker.close().then(() => 'ok', (error: unknown) => (error instanceof SeglogError ? error.code : String(error))).then((closed) => {
      send({ closed, closeErrors: (closeReport as CloseReport | null)?.errors.map((f) => f.step) ?? [] });
      process.disconnect();
    }, () => undefined);
  }
});
send({ ready: true });
