/** `verso token create|list|revoke`: the token API (admin only), over HTTP. */
import { parseArgs } from "node:util";
import type { VersoClient } from "../client/http-client.js";
import type { TokenInfo } from "../protocol/tokens.js";
import { clientFrom } from "./connection.js";
import { outputFormat } from "./inputs.js";
import { type Format, print, table } from "./output.js";
import { reportFailure } from "./report.js";
import { UsageError } from "./usage-error.js";

export const TOKEN_USAGE = `token commands (need the admin token: --token T or $VERSO_TOKEN; --server URL; --ca FILE; -o human|json):
  verso token create --region R [--region R2 ...] --read|--write [--name N]
                                          --region '*' covers every region; the secret is shown once
  verso token list
  verso token revoke ID`;

/** Runs a token command; resolves with its exit code (0, or 1 for a contract error or an unreachable server). */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const format = outputFormat(values.output);
  const { client, server } = clientFrom(values);
  try {
    await run(positionals, values, format, client);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportFailure(error, format, server);
  }
}

type Values = ReturnType<typeof parse>["values"];

async function run(positionals: string[], values: Values, format: Format, client: VersoClient): Promise<void> {
  const [sub, ...rest] = positionals;
  const noArgs = (usage: string) => {
    if (rest.length > 0) throw new UsageError(`usage: ${usage}`);
  };
  switch (sub) {
    case "create": {
      noArgs("verso token create --region R --read|--write [--name N]");
      const regions = values.region ?? [];
      if (regions.length === 0) throw new UsageError("token create needs at least one --region (or --region '*')");
      if (values.read === values.write) throw new UsageError("token create needs exactly one of --read or --write");
      const created = await client.createToken({
        regions,
        role: values.read ? "read" : "write",
        ...(values.name !== undefined && { name: values.name }),
      });
      return print(format, created, () => `created ${describe(created)}\nsecret (shown only this once, store it now):\n${created.token}`);
    }
    case "list": {
      noArgs("verso token list");
      const tokens = await client.tokens();
      return print(format, { tokens }, () =>
        tokens.length === 0
          ? "no tokens"
          : table([
              ["ID", "NAME", "ROLE", "REGIONS", "CREATED", "REVOKED"],
              ...tokens.map((t) => [t.id, t.name ?? "-", t.role, t.regions.join(","), t.createdAt, t.revokedAt ?? "-"]),
            ]),
      );
    }
    case "revoke": {
      if (rest.length !== 1 || !rest[0]) throw new UsageError("usage: verso token revoke ID");
      const revoked = await client.revokeToken(rest[0]);
      return print(format, revoked, () => `revoked ${describe(revoked)} at ${revoked.revokedAt}`);
    }
    default:
      throw new UsageError(`usage: verso token create|list|revoke (got ${JSON.stringify(sub ?? "")})`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      ca: { type: "string" },
      output: { type: "string", short: "o", default: "human" },
      region: { type: "string", multiple: true },
      read: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      name: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
}

function describe(token: TokenInfo): string {
  const name = token.name === null ? "" : ` "${token.name}"`;
  return `token ${token.id}${name}: ${token.role} on ${token.regions.join(", ")}`;
}
