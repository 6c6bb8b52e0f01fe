import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatSchemaSelection, parseSchemaSelection } from "../../src/protocol/schemas.js";

describe("Verso-Schema selection", () => {
  it("parses the header and the query forms", () => {
    assert.deepEqual(parseSchemaSelection("deployments=1, gateways=2", "="), { deployments: 1, gateways: 2 });
    assert.deepEqual(parseSchemaSelection("deployments@1,gateways@12", "@"), { deployments: 1, gateways: 12 });
    assert.deepEqual(parseSchemaSelection(" a=1 ,, a=1 ", "="), { a: 1 });
    assert.deepEqual(Object.keys(parseSchemaSelection("__proto__=3", "=") as object), ["__proto__"]);
    assert.equal(formatSchemaSelection({ deployments: 1, gateways: 2 }), "deployments=1, gateways=2");
  });

  it("describes what is malformed", () => {
    for (const bad of ["deployments", "deployments=0", "deployments=x", "=1", "a=1, a=2", "a=1.5", "a=-1"]) {
      assert.equal(typeof parseSchemaSelection(bad, "="), "string", bad);
    }
    assert.equal(typeof parseSchemaSelection("deployments=1", "@"), "string");
  });
});
