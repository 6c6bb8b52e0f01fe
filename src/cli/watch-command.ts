/**
 * `verso watch REGION [--since V]`: the watch stream (SSE), printed as `verso changes
 * --follow` prints pages. The client resumes a dropped stream with Last-Event-ID; when it
 * gives up (a server down longer than its retries), the command waits on the agent's
 * reconnect schedule and opens a new stream from the position of the last page printed,
 * so a restart of the server shows no gap and no change twice.
 */
import type { VersoClient } from "../client/http-client.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";
import { waitToReconnect } from "./follow-reconnect.js";
import { type Format, print } from "./output.js";
import { describePage } from "./page-output.js";

export async function watchChanges(region: string, start: FeedPosition, format: Format, client: VersoClient): Promise<void> {
  let position = start;
  let failures = 0;
  let first = true;
  for (;;) {
    try {
      for await (const event of client.watch(region, position)) {
        failures = 0;
        if (event.type !== "changes") continue;
        const page = event.page;
        position = advance(position, page);
        // As with --follow: where the feed stands first, then only pages that bring changes.
        if (first || format === "json" || page.ops.length > 0) print(format, page, () => describePage(page));
        first = false;
      }
    } catch (error) {
      if (await waitToReconnect(error, failures++, (line) => process.stderr.write(line), "watch")) continue;
      throw error;
    }
  }
}
