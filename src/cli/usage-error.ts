/** A mistake in how the command was called: printed with `help` (where to look next), exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";

  constructor(
    message: string,
    readonly help = 'run "verso help" for usage',
  ) {
    super(message);
  }
}
