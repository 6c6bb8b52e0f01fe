import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "../postgres/pg-env.js";
import { describeReplicache } from "./replicache-suite.js";

describeReplicache(
  "postgres",
  {
    fresh: async () => {
      const schema = randomSchema("verso_h11r_rep");
      return {
        store: { postgres: { connectionString: PG_URL, schema, poolSize: 4 } },
        serveArgs: ["--postgres", PG_URL, "--pg-schema", schema],
        cleanup: () => dropSchema(schema),
      };
    },
  },
  { skip: SKIP_POSTGRES },
);
