/**
 * Fault injection into a real AWS SDK client (the only use of mocks the project allows): a
 * middleware that throws an AWS-shaped error instead of sending a command when `when` says so.
 */
type Handler = (args: { input?: unknown }) => Promise<unknown>;
interface Stack {
  add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: { step: 'initialize'; name: string }): void;
}

export interface Fault {
  /** The AWS error code, e.g. `AccessDeniedException`, or a network code such as `ECONNRESET`. */
  name: string;
  message: string;
  status?: number;
}

export function injectFault(
  client: { middlewareStack: unknown },
  when: (command: string, input: Record<string, unknown>) => boolean,
  fault: Fault,
): void {
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      if (when(context.commandName ?? '', (args.input ?? {}) as Record<string, unknown>)) {
        throw Object.assign(new Error(fault.message), { name: fault.name, $metadata: { httpStatusCode: fault.status ?? 400 } });
      }
      return next(args);
    },
    { step: 'initialize', name: `fault-${fault.name}-${Math.random().toString(36).slice(2)}` },
  );
}
