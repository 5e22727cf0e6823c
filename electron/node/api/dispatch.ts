/**
 * Checks a raw call at the boundary and runs it. Every transport calls this and nothing else, so
 * an unknown method or a malformed parameter is refused the same way everywhere, before any
 * handler runs (the node's state cannot change on bad input).
 */
import { NoesisError } from '../errors.ts';
import {
  INTERNAL_CALL,
  isMethodName,
  methods,
  type ApiHandlers,
  type CallContext,
  type MethodName,
} from './contract.ts';

export const ApiErrorCode = {
  /** The method name is not in the contract. */
  UNKNOWN_METHOD: 'API_UNKNOWN_METHOD',
  /** The input failed the method's schema; `data.field` names the first bad field. */
  BAD_INPUT: 'API_BAD_INPUT',
  /** The body was not valid JSON. */
  BAD_JSON: 'API_BAD_JSON',
  /** A handler failed in a way that is not a typed NoesisError. */
  INTERNAL: 'API_INTERNAL',
} as const;

export function validateCall(
  method: string,
  rawInput: unknown,
): { method: MethodName; input: unknown } {
  if (!isMethodName(method)) {
    throw new NoesisError(ApiErrorCode.UNKNOWN_METHOD, `unknown method "${method}"`, { method });
  }
  const parsed = methods[method].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    const field =
      path ||
      (issue && 'keys' in issue && Array.isArray(issue.keys) ? issue.keys.join(', ') : '(input)');
    throw new NoesisError(
      ApiErrorCode.BAD_INPUT,
      `${method}: invalid parameter "${field}": ${issue?.message ?? 'invalid input'}`,
      { method, field },
    );
  }
  return { method, input: parsed.data };
}

export async function dispatch(
  handlers: ApiHandlers,
  method: string,
  rawInput: unknown,
  context: CallContext = INTERNAL_CALL,
): Promise<unknown> {
  const call = validateCall(method, rawInput);
  const handler = handlers[call.method] as (
    input: unknown,
    context: CallContext,
  ) => Promise<unknown>;
  return handler(call.input, context);
}

/** Whether a failure is the caller's fault (HTTP 400) rather than the node's (500). */
export function isClientError(error: unknown): boolean {
  return (
    error instanceof NoesisError &&
    error.code !== ApiErrorCode.INTERNAL &&
    !error.code.endsWith('_INTERNAL')
  );
}
