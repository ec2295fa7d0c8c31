// The README's table of supported APIs is what ApiVersions advertises, and docs/events.md lists
// exactly the Broker's events: documentation that cannot drift from the code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiKey, BROKER_EVENT_NAMES, SUPPORTED_APIS } from '../../lib/broker/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('README "Supported APIs" lists every advertised API with its version range, and nothing else', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('### Supported APIs'), readme.indexOf('### Durability'));
  const rows = [...section.matchAll(/^\| (\w+) \| (\d+) \| (\d+)–(\d+)/gm)].map((m) => ({
    name: m[1], apiKey: Number(m[2]), minVersion: Number(m[3]), maxVersion: Number(m[4]),
  }));
  const names = new Map(Object.entries(ApiKey).map(([name, key]) => [key as number, name]));
  const expected = SUPPORTED_APIS.map((r) => ({ name: names.get(r.apiKey), apiKey: r.apiKey, minVersion: r.minVersion,
    maxVersion: r.maxVersion }));
  assert.equal(rows.sort((a, b) => a.apiKey - b.apiKey), expected.sort((a, b) => a.apiKey - b.apiKey));
});

test('docs/events.md\'s Broker table names exactly the Broker\'s events', () => {
  const doc = readFileSync(`${ROOT}docs/events.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Broker'), doc.indexOf('## Log'));
  const documented = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
  assert.equal(documented, [...BROKER_EVENT_NAMES].sort());
});

test.run();
