/** The message of a Restate error response: its JSON `message` when it has one, else the raw text. */
export function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}
