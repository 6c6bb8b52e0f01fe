import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type SseEvent, SseParser } from "../../src/client/sse.js";

interface Sent {
  event?: string;
  data: string[];
  id?: string;
  comment?: string;
}

const token = fc.string({ unit: fc.constantFrom("a", "b", " ", ":", "{", "}", '"', "1", "é", "\u{1F600}"), maxLength: 12 });
const sent: fc.Arbitrary<Sent> = fc.record(
  {
    event: fc.constantFrom("changes", "progress", "x"),
    data: fc.array(token, { minLength: 1, maxLength: 3 }),
    id: fc.string({ unit: fc.constantFrom("e", "1", ":", "_"), maxLength: 8 }),
    comment: token,
  },
  { requiredKeys: ["data"] },
);

function serialize(events: Sent[], eol: string): string {
  return events
    .map((e) => {
      const lines: string[] = [];
      if (e.comment !== undefined) lines.push(`:${e.comment}`);
      if (e.event !== undefined) lines.push(`event: ${e.event}`);
      if (e.id !== undefined) lines.push(`id: ${e.id}`);
      for (const d of e.data) lines.push(`data: ${d}`);
      return lines.map((l) => l + eol).join("") + eol;
    })
    .join("");
}

function expected(events: Sent[]): SseEvent[] {
  let id = "";
  return events.map((e) => {
    if (e.id !== undefined) id = e.id;
    return { event: e.event ?? "message", data: e.data.join("\n"), id };
  });
}

function parseInChunks(text: string, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b)) {
    out.push(...parser.push(text.slice(at, cut)));
    at = cut;
  }
  out.push(...parser.push(text.slice(at)));
  return out;
}

describe("SseParser", () => {
  it("yields exactly the events sent, for any line ending and any split into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(sent, { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.array(fc.nat(), { maxLength: 6 }),
        (events, eol, cuts) => {
          assert.deepEqual(parseInChunks(serialize(events, eol), cuts), expected(events));
        },
      ),
    );
  });

  it("keeps a CR LF split by an empty chunk as one line ending", () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push("data: a\r"), []);
    assert.deepEqual(parser.push(""), []);
    assert.deepEqual(parser.push("\ndata: b\r\n\r\n"), [{ event: "message", data: "a\nb", id: "" }]);
  });

  it("keeps an unfinished event until its blank line arrives", () => {
    fc.assert(
      fc.property(sent, fc.constantFrom("\n", "\r\n"), (event, eol) => {
        const text = serialize([event], eol);
        const parser = new SseParser();
        assert.deepEqual(parser.push(text.slice(0, -eol.length)), []);
        assert.deepEqual(parser.push(eol), expected([event]));
      }),
    );
  });

  it("follows the spec's field rules", () => {
    const parser = new SseParser();
    const events = parser.push(
      "\uFEFFdata\ndata:x\nid: a\0b\nretry: 1500\nunknown: 1\n\nevent: e\n\n:only a comment\n\ndata:  two spaces\n\n",
    );
    assert.deepEqual(events, [
      { event: "message", data: "\nx", id: "" },
      { event: "message", data: " two spaces", id: "" },
    ]);
    assert.equal(parser.retryMs, 1500);
  });
});
