import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { eventId, parseEventId, sseEvent } from "../../src/model/sse.js";

describe("SSE framing", () => {
  it("frames an event with its id and one data line per line of data", () => {
    assert.equal(sseEvent("changes", '{"a":1}', "e:3"), 'event: changes\nid: e:3\ndata: {"a":1}\n\n');
    assert.equal(sseEvent("progress", "a\nb\r\nc"), "event: progress\ndata: a\ndata: b\ndata: c\n\n");
  });

  it("event ids round-trip through Last-Event-ID", () => {
    fc.assert(
      fc.property(fc.string(), fc.nat({ max: Number.MAX_SAFE_INTEGER - 1 }), (epoch, cursor) => {
        fc.pre(epoch.trim() === epoch && !epoch.includes(":"));
        assert.deepEqual(parseEventId(eventId({ epoch, cursor })), { epoch, cursor });
        assert.deepEqual(parseEventId(eventId({ epoch, cursor, resetHead: cursor + 1 })), { epoch, cursor, resetHead: cursor + 1 });
      }),
    );
    assert.equal(eventId({ epoch: "e", cursor: 6 }), "e:6");
    assert.equal(eventId({ epoch: "e", cursor: 6, resetHead: 21 }), "e:6:21");
    assert.deepEqual(parseEventId(":0"), { epoch: "", cursor: 0 });
    assert.deepEqual(parseEventId(" abc:12 "), { epoch: "abc", cursor: 12 });
  });

  it("refuses ids that carry no cursor", () => {
    for (const bad of ["", "abc", "abc:", "abc:-1", "abc:1.5", "abc:x", "abc:99999999999999999", "abc:1:", "abc:1:x", "a:1:2:3"]) {
      assert.throws(() => parseEventId(bad), { code: "bad_request" }, bad);
    }
  });
});
