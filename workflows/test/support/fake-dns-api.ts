/**
 * A local fake of a Cloudflare-style DNS API (`/zones/{zone}/dns_records`, bearer token,
 * `{ success, errors, result }` envelopes), enough to test httpDnsProvider over real HTTP.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

export interface FakeRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  comment: string | null;
}

export interface FakeDnsApi {
  readonly url: string;
  readonly records: Map<string, FakeRecord>;
  /** Every request as `METHOD path?query`. */
  readonly requests: string[];
  /** Answer the next N requests with this status (and a Cloudflare-like error body). */
  failNext(count: number, status: number): void;
  /** Before the next POST is handled, insert this record as if another client won the race. */
  raceNextCreate(record: Omit<FakeRecord, "id">): void;
  close(): Promise<void>;
}

export async function startFakeDnsApi(options: { zoneId: string; token: string }): Promise<FakeDnsApi> {
  const records = new Map<string, FakeRecord>();
  const requests: string[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 0 };
  let race: Omit<FakeRecord, "id"> | undefined;

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, code: number, message: string) =>
    send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null });

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => { body += chunk; });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      if (failures.count > 0) {
        failures.count -= 1;
        return error(res, failures.status, 10000 + failures.status, "injected failure");
      }
      if (req.headers.authorization !== `Bearer ${options.token}`) return error(res, 403, 10000, "Authentication error");
      const base = `/client/v4/zones/${options.zoneId}/dns_records`;
      if (!url.pathname.startsWith(base)) return error(res, 404, 7003, "Could not route to the zone");
      const id = url.pathname.slice(base.length + 1);
      if (req.method === "GET" && !id) {
        const result = [...records.values()].filter((r) =>
          (!url.searchParams.get("name") || r.name === url.searchParams.get("name")) &&
          (!url.searchParams.get("type") || r.type === url.searchParams.get("type")));
        return send(res, 200, { success: true, errors: [], messages: [], result });
      }
      if (req.method === "POST" && !id) {
        if (race) {
          const raced = { id: randomUUID(), ...race };
          records.set(raced.id, raced);
          race = undefined;
        }
        const input = JSON.parse(body) as Omit<FakeRecord, "id">;
        if ([...records.values()].some((r) => r.name === input.name)) {
          return error(res, 400, 81053, "An A, AAAA, or CNAME record with that host already exists.");
        }
        const record: FakeRecord = { id: randomUUID(), type: input.type, name: input.name, content: input.content, comment: input.comment ?? null };
        records.set(record.id, record);
        return send(res, 200, { success: true, errors: [], messages: [], result: record });
      }
      if (req.method === "DELETE" && id) {
        if (!records.delete(id)) return error(res, 404, 81044, "Record does not exist.");
        return send(res, 200, { success: true, errors: [], messages: [], result: { id } });
      }
      return error(res, 405, 10405, "Method not allowed");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    records,
    requests,
    failNext: (count, status) => { failures = { count, status }; },
    raceNextCreate: (record) => { race = record; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
