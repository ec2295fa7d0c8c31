/**
 * ApiVersions (key 18), v0–v3. v3 is flexible: compact arrays and tagged fields in the body, request
 * header v2 — but the response header stays v0 for every version, so a client can always read the
 * answer. A request for a version above 3 gets a v0-shaped response with UNSUPPORTED_VERSION and the
 * full list, so the client can retry with a version both sides know (Kafka does the same).
 *
 * v3 request body: clientSoftwareName COMPACT_STRING, clientSoftwareVersion COMPACT_STRING, tags.
 * Response: errorCode int16, apiKeys [apiKey int16, minVersion int16, maxVersion int16 (+tags v3)],
 * throttleTimeMs int32 (v1+), tags (v3).
 */
import type { VersionRange } from '../protocol/api-keys.js';
import type { Reader, Writer } from '../protocol/wire.js';

interface ApiVersionsRequest {
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

export function decodeApiVersionsRequest(reader: Reader, version: number): ApiVersionsRequest {
  if (version < 3) return { clientSoftwareName: null, clientSoftwareVersion: null };
  const clientSoftwareName = reader.compactString();
  const clientSoftwareVersion = reader.compactString();
  reader.skipTaggedFields();
  return { clientSoftwareName, clientSoftwareVersion };
}

export function encodeApiVersionsResponse(writer: Writer, version: number, errorCode: number, apis: readonly VersionRange[]): void {
  writer.int16(errorCode);
  if (version >= 3) {
    writer.compactArray(apis, (w, api) => {
      w.int16(api.apiKey).int16(api.minVersion).int16(api.maxVersion).emptyTaggedFields();
    });
  } else {
    writer.array(apis, (w, api) => {
      w.int16(api.apiKey).int16(api.minVersion).int16(api.maxVersion);
    });
  }
  if (version >= 1) writer.int32(0);
  if (version >= 3) writer.emptyTaggedFields();
}
