import { dropSchema, openPg, randomSchema, SKIP_POSTGRES } from "../postgres/pg-env.js";
import { describeStorageConformance } from "./storage-conformance.js";

describeStorageConformance(
  "postgres",
  async () => {
    const schema = randomSchema("verso_conf");
    return {
      storage: await openPg(schema),
      reopen: () => openPg(schema),
      cleanup: () => dropSchema(schema),
    };
  },
  { skip: SKIP_POSTGRES },
);
