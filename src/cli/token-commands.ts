/** `verso token create|list|revoke`: the token API (admin only), over HTTP. */
import { parseArgs } from "node:util";
import { VersoClient } from "../client/http-client.js";
import type { TokenInfo } from "../protocol/tokens.js";
import { UsageError } from "./durations.js";
import { print, table } from "./output.js";

export const TOKEN_USAGE = `token commands (need the admin token: --token T or $VERSO_TOKEN; --server URL; -o human|json):
  verso token create --region R [--region R2 ...] --read|--write [--name N]
                                          --region '*' covers every region; the secret is shown once
  verso token list
  verso token revoke ID`;

export async function tokenCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      output: { type: "string", short: "o", default: "human" },
      region: { type: "string", multiple: true },
      read: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      name: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const format = values.output;
  if (format !== "human" && format !== "json") throw new UsageError("-o must be human or json");
  const token = values.token ?? process.env.VERSO_TOKEN;
  const client = new VersoClient({
    server: values.server ?? process.env.VERSO_SERVER ?? "http://127.0.0.1:7070",
    ...(token && { token }),
  });
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

function describe(token: TokenInfo): string {
  const name = token.name === null ? "" : ` "${token.name}"`;
  return `token ${token.id}${name}: ${token.role} on ${token.regions.join(", ")}`;
}
